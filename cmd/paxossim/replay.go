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

Exit status: 0 the run passed, 1 it failed, 2 bad usage.`

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
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return code
	}
	rf.protocol, rf.protocolGiven = *protoName, fs.given("protocol")
	p, err := replayParams(rf)
	if err != nil {
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
		code = exitFail
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
// params.json), or the directory itself.
func loadPlan(path string) (scenarios.Params, error) {
	file := path
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		file = filepath.Join(path, "params.json")
	}
	p, err := scenarios.LoadParams(file)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, fs.ErrNotExist) && file != path:
		return p, fmt.Errorf("-plan %s: a directory replays the params.json in it, and there is none", path)
	case errors.Is(err, fs.ErrNotExist) && filepath.Base(path) == "plan.json":
		return p, fmt.Errorf("-plan %s: a plan.json replays the params.json next to it, and there is none", path)
	}
	return p, fmt.Errorf("-plan: %v", err)
}
