package main

import (
	"bufio"
	"fmt"
	"io"

	"github.com/paxossim/paxossim/scenarios"
)

const replaySynopsis = `usage: paxossim replay -scenario NAME -seed S [-mutant M] [-trace] [-out DIR]
       paxossim replay -plan FILE [-trace] [-out DIR]

Replays one run exactly: the seed's drawn world (or, with -plan, a run saved
as JSON: an artifacts directory's params.json or a shrunk counterexample).
It prints the seed= block of drawn parameters, with -trace every trace
event, the verdict, on failure the report with its artifacts (the porcupine
visualization among them), and last the line "trace-hash: HASH", which is
the same as the sweep's for that seed at the same revision.

Exit status: 0 the run passed, 1 it failed, 2 bad usage.`

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("replay", replaySynopsis)
	var seed seedFlag
	name := fs.String("scenario", "", "the scenario `NAME` (see 'paxossim list')")
	fs.Var(&seed, "seed", "the seed `S` to replay, decimal or 0x-hex")
	mutant := fs.String("mutant", "", "the mutant `M` the seed ran with")
	plan := fs.String("plan", "", "replay the run saved in this JSON `FILE` instead of drawing it from -scenario and -seed")
	trace := fs.Bool("trace", false, "print every trace event")
	checked := fs.Bool("checked", false, "also check that no message is mutated after it is sent (slower; never changes the hash)")
	out := fs.String("out", "", "write failure artifacts under `DIR` (default: a new temporary directory)")
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return code
	}
	p, err := replayParams(*name, seed, *mutant, *plan)
	if err != nil {
		return usageErrorf(stderr, "replay", "%v", err)
	}

	w := bufio.NewWriter(stdout)
	defer w.Flush()
	fmt.Fprint(w, p.Knobs().String())
	opts := scenarios.RunOptions{TraceTail: scenarios.ReportTail, Checked: *checked}
	if *trace {
		fmt.Fprintln(w, "--- trace")
		opts.Trace = w
	}
	res := scenarios.RunParams(p, opts)
	fmt.Fprintln(w, "--- verdict")
	code := exitPass
	if res.Passed() {
		fmt.Fprintf(w, "PASS scenario=%s seed=%d events=%d steps=%d sim_time=%v ops=%d completed=%d linearizable=%s\n",
			p.Scenario, p.Seed, res.Events, res.Steps, res.SimTime, res.Ops, res.Completed, res.Linearizable)
	} else {
		code = exitFail
		w.Flush() // the artifacts take a while: show the verdict's header first
		fmt.Fprint(w, reportFailure(stderr, res, artifactsDir(stderr, *out)))
	}
	fmt.Fprintf(w, "trace-hash: %016x\n", res.Hash)
	return code
}

// replayParams draws the run from -scenario, -seed and -mutant, or loads it
// from -plan; with -plan, the other flags may be given only if they agree.
func replayParams(name string, seed seedFlag, mutant, plan string) (scenarios.Params, error) {
	if err := checkMutant(mutant); err != nil {
		return scenarios.Params{}, err
	}
	if plan != "" {
		p, err := scenarios.LoadParams(plan)
		if err != nil {
			return p, fmt.Errorf("-plan: %v", err)
		}
		switch {
		case name != "" && name != p.Scenario:
			return p, fmt.Errorf("-scenario %s disagrees with -plan's scenario %s", name, p.Scenario)
		case seed.set && seed.v != p.Seed:
			return p, fmt.Errorf("-seed %d disagrees with -plan's seed %d", seed.v, p.Seed)
		case mutant != "" && mutant != p.Protocol.Mutant:
			return p, fmt.Errorf("-mutant %s disagrees with -plan's mutant %q", mutant, p.Protocol.Mutant)
		}
		return p, nil
	}
	sc, err := lookupScenario(name)
	if err != nil {
		return scenarios.Params{}, err
	}
	if !seed.set {
		return scenarios.Params{}, fmt.Errorf("-seed is required (or -plan FILE)")
	}
	p, err := sc.Params(seed.v, mutant)
	if err != nil {
		return p, err
	}
	return p, nil
}
