package scenarios

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeeds sweeps every base scenario (or -scenario) over -seeds fresh
// seeds, or, with -seed, replays exactly one run. Every failure is reported
// with its replay command, the last trace events and artifacts (the
// porcupine visualization among them).
func TestSeeds(t *testing.T) {
	st, err := parseSettings()
	if err != nil {
		t.Fatalf("bad flags: %v", err)
	}
	if st.recheck != "" {
		recheck(t, st)
		return
	}
	if st.plan != "" {
		p, err := LoadParams(st.plan)
		if err != nil {
			t.Fatal(err)
		}
		replayParams(t, st, p)
		return
	}
	if st.seedGiven {
		sc, _ := Lookup(st.scenarios[0])
		p, err := sc.Params(st.seed, st.mutant)
		if err != nil {
			t.Fatal(err)
		}
		replayParams(t, st, p)
		return
	}
	if st.mutant != "" {
		t.Logf("mutant=%s: failures are expected", st.mutant)
	}
	fmt.Printf("base-seed=%d (replay the sweep with -base-seed=%d)\n", st.baseSeed, st.baseSeed)
	for _, name := range st.scenarios {
		sc, _ := Lookup(name)
		sw := Sweep{Scenario: sc, Mutant: st.mutant, Start: st.baseSeed, Count: st.seeds,
			Parallel: st.parallel, DeterminismEvery: st.determinismEvery, StopAfter: 3}
		sum, err := sw.Run()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fmt.Print(sum.String())
		for i := range sum.Failed {
			reportFailure(t, st, &sum.Failed[i])
		}
		if len(sum.Missing) > 0 {
			t.Errorf("scenario %s never reached %v in %d seeds from base seed %d: the faults no longer exercise what the scenario exists for",
				name, sum.Missing, sum.Runs, st.baseSeed)
		}
	}
}

// reportFailure explains a failed run (re-running it with the trace tail),
// writes its artifacts and fails the test with the report.
func reportFailure(t *testing.T, st settings, res *Result) {
	t.Helper()
	ex := Explain(*res)
	dir := st.out
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "paxossim-"); err != nil {
			t.Fatal(err)
		}
	}
	arts, err := WriteArtifacts(dir, &ex)
	if err != nil {
		t.Logf("writing artifacts: %v", err)
	}
	t.Error("\n" + Report(&ex, arts))
}

// replayParams runs exactly one run, optionally printing every trace
// event, and prints the trace hash last.
func replayParams(t *testing.T, st settings, p Params) {
	fmt.Print(p.Knobs().String())
	opts := RunOptions{TraceTail: ReportTail}
	if st.trace {
		opts.Trace = os.Stdout
	}
	res := RunParams(p, opts)
	if !res.Passed() {
		reportFailure(t, st, &res)
	}
	fmt.Printf("verdict: %s\n", checkOrPass(res.Failure))
	fmt.Printf("trace-hash: %016x\n", res.Hash)
}

func checkOrPass(f *Failure) string {
	if f == nil {
		return "pass"
	}
	return "fail " + string(f.Check)
}

func recheck(t *testing.T, st settings) {
	v, fact, err := Recheck(st.recheck, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("linearizability: %s\n", v)
	if v != VerdictOk {
		t.Errorf("recheck of %s: %s %s", st.recheck, v, fact)
	}
}

// TestRarePathsAreReached sweeps chaos long enough for its rarest expected
// path (gap filling, reached by about 4% of seeds) to be required, from a
// fresh base seed. About a second on two cores.
func TestRarePathsAreReached(t *testing.T) {
	if testing.Short() {
		t.Skip("a 700-seed sweep")
	}
	st, err := parseSettings()
	if err != nil {
		t.Fatalf("bad flags: %v", err)
	}
	sc, _ := Lookup("chaos")
	within := 0
	for _, e := range sc.Expect {
		within = max(within, e.Within)
	}
	sum, err := (&Sweep{Scenario: sc, Start: st.baseSeed, Count: within, Parallel: st.parallel, StopAfter: 1}).Run()
	require.NoError(t, err)
	for i := range sum.Failed {
		reportFailure(t, st, &sum.Failed[i])
	}
	assert.Empty(t, sum.Missing, "chaos from base seed %d never reached %v in %d seeds; coverage: %s", st.baseSeed, sum.Missing, sum.Runs, sum.Coverage)
}
