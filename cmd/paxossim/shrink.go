package main

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"

	"github.com/paxossim/paxossim/scenarios"
)

const shrinkSynopsis = `usage: paxossim shrink -scenario NAME -seed S [-protocol NAME] [-mutant M] [-out DIR] [-max-runs N]
       paxossim shrink -plan FILE [-out DIR] [-max-runs N]

Shrinks a failing run to a smaller one that fails the same check, so that
there is less to read: fewer servers, clients, operations and faults, no
loss or duplication where they do not matter. The run is a seed of a
scenario (as run and merge print them) or a saved run (-plan, as replay
takes it). shrink first runs it and checks that it fails; then it tries
one simplification at a time (scenarios.MinimizeParams), keeping each
with which the run still fails the same check, for at most -max-runs runs.
It writes the shrunk run's artifacts (params.json among them) under -out,
and prints the size before and after (servers, operations, faults), the
shrunk run's parameters and fault plan, the check and its first offending
fact, and the commands that replay the shrunk run.

Exit status: 1 the run fails a correctness check, and so does the shrunk
run; 3 the same for the no-progress (liveness) check; 2 bad usage, an
unreadable or invalid -plan, or a run that passes (there is nothing to
shrink); 4 paxossim itself crashed; 5 the shrunk run's artifacts could
not be written.`

func cmdShrink(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("shrink", shrinkSynopsis)
	var rf replayFlags
	fs.StringVar(&rf.scenario, "scenario", "", "the scenario `NAME` of the failing seed (see 'paxossim list')")
	protoName := protocolFlag(fs)
	fs.Var(&rf.seed, "seed", "the failing seed `S`, decimal or 0x-hex")
	fs.StringVar(&rf.mutant, "mutant", "", "the mutant `M` the seed ran with")
	fs.StringVar(&rf.plan, "plan", "", "shrink the run saved in this JSON `FILE` (a params.json, the plan.json next to one, or their directory) instead of -scenario and -seed")
	out := fs.String("out", "", "write the shrunk run's artifacts under `DIR` (default: a new temporary directory)")
	maxRuns := fs.intFlag("max-runs", maxShrinkRuns, 1, maxShrinkRuns, "try at most `N` simplified runs")
	revision := revisionFlag(fs)
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return code
	}
	rf.protocol, rf.protocolGiven = *protoName, fs.given("protocol")
	p, err := replayParams(rf)
	if err != nil {
		return usageErrorf(stderr, "shrink", "%v", err)
	}
	rev, err := resolveRevision(*revision)
	if err != nil {
		return usageErrorf(stderr, "shrink", "%v", err)
	}

	first := scenarios.RunParams(p, scenarios.RunOptions{})
	if first.Passed() {
		return usageErrorf(stderr, "shrink", "scenario=%s protocol=%s seed=%d mutant=%s passes every check: there is nothing to shrink (give a failing run: a seed that run or merge reports failing, or its params.json)",
			p.Scenario, p.Protocol, p.Seed, orNone(p.Mutant))
	}
	check := first.Failure.Check
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	fmt.Fprintf(w, "shrinking: scenario=%s protocol=%s seed=%d mutant=%s fails check=%s\n", p.Scenario, p.Protocol, p.Seed, orNone(p.Mutant), check)
	fmt.Fprintf(w, "before: %s\n", runSize(&p))
	w.Flush() // shrinking takes a while: show where it starts

	runs := 0
	shrunk, _ := scenarios.MinimizeParams(p, func(c scenarios.Params) bool {
		if runs >= *maxRuns {
			return false
		}
		runs++
		res := scenarios.RunParams(c, scenarios.RunOptions{})
		return res.Failure != nil && res.Failure.Check == check
	})
	fmt.Fprintf(w, "after:  %s (%d runs tried, at most %d)\n", runSize(&shrunk), runs, *maxRuns)

	// The shrunk run, once more: the same check must fail, since every run
	// is a function of its parameters.
	res := scenarios.RunParams(shrunk, scenarios.RunOptions{})
	if res.Failure == nil || res.Failure.Check != check {
		got := "passed"
		if res.Failure != nil {
			got = "failed " + string(res.Failure.Check)
		}
		fmt.Fprintf(w, "NONDETERMINISM: the shrunk run failed %s while shrinking, and %s when run again: a harness bug\n", check, got)
		return exitCheckFailed
	}
	fmt.Fprintln(w, "--- shrunk run")
	fmt.Fprint(w, scenarios.Knobs(&shrunk).String())
	fmt.Fprintln(w, "--- fault plan")
	if len(shrunk.Plan.Faults) == 0 {
		fmt.Fprintln(w, "(no faults)")
	} else {
		fmt.Fprintln(w, shrunk.Plan.String())
	}
	fmt.Fprintf(w, "failed: %s: %s\n", check, firstLine(res.Failure.Fact, maxFactBytes))

	code := exitForCheck(check)
	dir := artifactsDir(stderr, *out)
	if dir == "" {
		return worse(code, exitIncomplete)
	}
	// An absolute path, so that the printed replay commands run from the
	// module's root whatever directory -out was relative to.
	if abs, err := filepath.Abs(filepath.Join(dir, "shrunk")); err == nil {
		dir = abs
	}
	w.Flush() // the artifacts take a while
	arts, err := scenarios.WriteArtifacts(dir, &res)
	if err != nil {
		fmt.Fprintf(stderr, "paxossim shrink: writing the shrunk run's artifacts under %s: %v\n", dir, err)
		return worse(code, exitIncomplete)
	}
	goTest, cli := scenarios.ReplayCommands(&res, arts.Params)
	fmt.Fprintf(w, "saved:  %s\n", arts.Params)
	fmt.Fprintf(w, "replay: %s\n", goTest)
	if cli != "" {
		fmt.Fprintf(w, "        %s\n", cli)
	}
	fmt.Fprintf(w, "revision: %s\n", rev)
	fmt.Fprintf(w, "trace-hash: %016x\n", res.Hash)
	return code
}

// runSize says how big a run is, in what shrinking reduces: servers,
// operations (clients x operations per client) and faults.
func runSize(p *scenarios.Params) string {
	return fmt.Sprintf("%d servers, %d operations (%d clients x %d), %d faults", p.Servers,
		p.Workload.Clients*p.Workload.Ops, p.Workload.Clients, p.Workload.Ops, p.Plan.Count())
}
