package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/paxossim/paxossim/scenarios"
)

const replaySynopsis = `usage: paxossim replay -scenario NAME -seed S [-protocol NAME] [-mutant M] [-trace] [-out DIR]
       paxossim replay -plan FILE [-trace] [-out DIR]

Replays one run exactly: the seed's drawn world (or, with -plan, a run saved
as JSON: an artifacts directory's params.json, the plan.json next to it,
the directory itself, or a shrunk counterexample). A saved run names its
protocol and mutant; -protocol, -scenario, -seed and -mutant may be given
with -plan only if they agree with it. It prints the seed= block of drawn
parameters, with -trace every trace event, the verdict, on failure the
report with its artifacts (the porcupine visualization among them), and
last the line "trace-hash: HASH", which is the same as the sweep's for that
seed at the same revision.

Exit status: 0 the run passed; 1 it failed a correctness check; 3 it
failed the no-progress (liveness) check; 2 bad usage or an unreadable,
oversized or invalid -plan; 4 paxossim itself crashed.`

// replayFlags are the parsed flags that say which run to replay.
type replayFlags struct {
	protocol      string
	protocolGiven bool
	scenario      string
	seed          seedFlag
	mutant        string
	plan          string
}

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("replay", replaySynopsis)
	var rf replayFlags
	fs.StringVar(&rf.scenario, "scenario", "", "the scenario `NAME` (see 'paxossim list')")
	protoName := protocolFlag(fs)
	fs.Var(&rf.seed, "seed", "the seed `S` to replay, decimal or 0x-hex")
	fs.StringVar(&rf.mutant, "mutant", "", "the mutant `M` the seed ran with")
	fs.StringVar(&rf.plan, "plan", "", "replay the run saved in this JSON `FILE` (a params.json, the plan.json next to one, or their directory) instead of drawing it from -scenario and -seed")
	trace := fs.Bool("trace", false, "print every trace event")
	checked := fs.Bool("checked", false, "also check that no message is mutated after it is sent (slower; never changes the hash)")
	out := fs.String("out", "", "write failure artifacts under `DIR` (default: a new temporary directory)")
	revision := revisionFlag(fs)
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return code
	}
	rf.protocol, rf.protocolGiven = *protoName, fs.given("protocol")
	p, err := replayParams(rf)
	if err != nil {
		return usageErrorf(stderr, "replay", "%v", err)
	}
	if _, err := resolveRevision(*revision); err != nil {
		return usageErrorf(stderr, "replay", "%v", err)
	}

	w := bufio.NewWriter(stdout)
	defer w.Flush()
	fmt.Fprint(w, scenarios.Knobs(&p).String())
	opts := scenarios.RunOptions{TraceTail: scenarios.ReportTail, Checked: *checked}
	if *trace {
		fmt.Fprintln(w, "--- trace")
		opts.Trace = w
	}
	res := scenarios.RunParams(p, opts)
	fmt.Fprintln(w, "--- verdict")
	code := exitPass
	if res.Passed() {
		fmt.Fprintf(w, "PASS scenario=%s protocol=%s seed=%d events=%d steps=%d sim_time=%v ops=%d completed=%d linearizable=%s\n",
			p.Scenario, p.Protocol, p.Seed, res.Events, res.Steps, res.SimTime, res.Ops, res.Completed, res.Linearizable)
	} else {
		code = exitForCheck(res.Failure.Check)
		w.Flush() // the artifacts take a while: show the verdict's header first
		fmt.Fprint(w, reportFailure(stderr, res, artifactsDir(stderr, *out)))
	}
	fmt.Fprintf(w, "trace-hash: %016x\n", res.Hash)
	return code
}

// replayParams draws the run from -protocol, -scenario, -seed and -mutant,
// or loads it from -plan; with -plan, the other flags may be given only if
// they agree with the saved run.
func replayParams(rf replayFlags) (scenarios.Params, error) {
	proto, err := lookupProtocol(rf.protocol)
	if err != nil {
		return scenarios.Params{}, err
	}
	if rf.plan != "" {
		p, err := loadPlan(rf.plan)
		if err != nil {
			return p, err
		}
		switch {
		case rf.protocolGiven && rf.protocol != p.Protocol:
			return p, fmt.Errorf("-protocol %s disagrees with -plan's protocol %s", rf.protocol, p.Protocol)
		case rf.scenario != "" && rf.scenario != p.Scenario:
			return p, fmt.Errorf("-scenario %s disagrees with -plan's scenario %s", rf.scenario, p.Scenario)
		case rf.seed.set && rf.seed.v != p.Seed:
			return p, fmt.Errorf("-seed %d disagrees with -plan's seed %d", rf.seed.v, p.Seed)
		case rf.mutant != "" && rf.mutant != p.Mutant:
			return p, fmt.Errorf("-mutant %s disagrees with -plan's mutant %q", rf.mutant, p.Mutant)
		}
		return p, nil
	}
	sc, err := lookupScenario(proto, rf.scenario)
	if err != nil {
		return scenarios.Params{}, err
	}
	if err := checkMutant(proto, rf.mutant); err != nil {
		return scenarios.Params{}, err
	}
	if !rf.seed.set {
		return scenarios.Params{}, fmt.Errorf("-seed is required (or -plan FILE)")
	}
	return sc.Params(rf.seed.v, rf.mutant)
}

// loadPlan reads and validates a saved run: a params.json, the plan.json
// an artifacts directory holds next to one (runner.LoadParams reads its
// params.json), or the directory itself. It refuses, before reading a
// byte, what cannot be a saved run: a device, a pipe or a socket
// (/dev/zero would otherwise be read up to the size limit), and a file
// larger than maxPlanFileBytes.
func loadPlan(path string) (scenarios.Params, error) {
	file := path
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		file = filepath.Join(path, "params.json")
	}
	read := file // what runner.LoadParams will read
	if filepath.Base(file) == "plan.json" {
		read = filepath.Join(filepath.Dir(file), "params.json")
	}
	fi, err := os.Stat(read)
	switch {
	case errors.Is(err, fs.ErrNotExist) && file != path:
		return scenarios.Params{}, fmt.Errorf("-plan %s: a directory replays the params.json in it, and there is none", path)
	case errors.Is(err, fs.ErrNotExist) && read != file:
		return scenarios.Params{}, fmt.Errorf("-plan %s: a plan.json replays the params.json next to it, and there is none", path)
	case err != nil:
		return scenarios.Params{}, fmt.Errorf("-plan: %v", err)
	case !fi.Mode().IsRegular():
		return scenarios.Params{}, fmt.Errorf("-plan %s: %s, not a regular file: a saved run is a params.json file", read, fileKind(fi.Mode()))
	case fi.Size() > maxPlanFileBytes:
		return scenarios.Params{}, fmt.Errorf("-plan %s: %d bytes, more than the limit of %d for a saved run", read, fi.Size(), maxPlanFileBytes)
	}
	p, err := scenarios.LoadParams(file)
	if err != nil {
		return p, fmt.Errorf("-plan: %v", err)
	}
	return p, nil
}

// fileKind names what a file that is not a regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}
