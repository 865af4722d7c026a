package scenarios

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

func TestCalmRunCompletesEveryOperation(t *testing.T) {
	sc, _ := Lookup("calm-3")
	res := Run(sc, 1, "", RunOptions{Checked: true})
	require.Nil(t, res.Failure, "%v", res.Failure)
	assert.Equal(t, 200, res.Ops)
	assert.Equal(t, 200, res.Completed)
	assert.Equal(t, VerdictOk, res.Linearizable)
	assert.Len(t, res.History, 200)
	assert.NotZero(t, res.Hash)
	assert.Positive(t, res.Coverage.Get(PathLeaderChange))
}

// TestRunsAreDeterministic: the same seed gives the same trace hash and the
// same verdict, run sequentially, in parallel goroutines and under
// GOMAXPROCS=1, with a mix of scenarios and a mutant.
func TestRunsAreDeterministic(t *testing.T) {
	type job struct {
		name, mutant string
		seed         uint64
	}
	var jobs []job
	for i, name := range BaseNames() {
		for seed := uint64(0); seed < 6; seed++ {
			jobs = append(jobs, job{name, "", seed*1000 + uint64(i)})
		}
	}
	jobs = append(jobs, job{"chaos", "quorum-minus-one", 1}, job{"crashes", "reply-before-sync", 3})
	run := func(j job) (uint64, Check) {
		sc, _ := Lookup(j.name)
		r := Run(sc, j.seed, j.mutant, RunOptions{})
		return r.Hash, checkOf(r.Failure)
	}
	hashes := make([]uint64, len(jobs))
	checks := make([]Check, len(jobs))
	for i, j := range jobs {
		hashes[i], checks[i] = run(j)
	}
	parallel := func() {
		var wg sync.WaitGroup
		for i, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h, c := run(j)
				assert.Equal(t, hashes[i], h, "%v", j)
				assert.Equal(t, checks[i], c, "%v", j)
			}()
		}
		wg.Wait()
	}
	parallel()
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	parallel()
}

// TestGoldenRunHashes pins the trace hash of a few runs so that an
// unintended change of behaviour anywhere below the harness is noticed.
// Update the numbers only for an intended change, and say so in the commit.
func TestGoldenRunHashes(t *testing.T) {
	got := map[string]uint64{}
	for _, name := range []string{"calm-3", "chaos-5", "crashes-3"} {
		sc, _ := Lookup(name)
		got[name] = Run(sc, 42, "", RunOptions{}).Hash
	}
	t.Logf("%#v", got)
	assert.Equal(t, goldenRunHashes, got)
}

var goldenRunHashes = map[string]uint64{"calm-3": 16142407386726983912, "chaos-5": 13018761110799271758, "crashes-3": 2919222735301960430}

func TestCorrectnessOnlyModeExpectsNoProgress(t *testing.T) {
	sc, _ := Lookup("calm-3")
	// no-accept-reply stalls the cluster: a liveness failure normally...
	res := Run(sc, 1, "no-accept-reply", RunOptions{})
	require.NotNil(t, res.Failure)
	assert.Equal(t, CheckLiveness, res.Failure.Check)
	assert.Contains(t, res.Failure.Fact, "open for more than")
	assert.Contains(t, res.Failure.Fact, "n0:", "the report shows each replica's state")
	// ...and not a failure when progress is not expected.
	sc.Checks.CorrectnessOnly = true
	res = Run(sc, 1, "no-accept-reply", RunOptions{})
	assert.Nil(t, res.Failure, "%v", res.Failure)
	assert.Equal(t, VerdictOk, res.Linearizable, "safety is still checked")
	assert.Less(t, res.Completed, res.Ops)
}

func TestCorrectnessOnlyPlansHaveNoHeal(t *testing.T) {
	sc, _ := Lookup("chaos")
	sc.Checks.CorrectnessOnly = true
	for seed := uint64(0); seed < 10; seed++ {
		p, err := sc.Params(seed, "")
		require.NoError(t, err)
		_, healed := p.Plan.HealAt()
		assert.False(t, healed)
		res := RunParams(p, RunOptions{})
		assert.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
	}
}

func TestLinearizabilityViolationNamesTheKey(t *testing.T) {
	res := Result{History: []porcupine.Operation{
		{ClientId: 1, Input: KVInput{Op: KVPut, Key: "a", Value: "1"}, Call: 0, Output: KVOutput{}, Return: 10},
		{ClientId: 2, Input: KVInput{Op: KVGet, Key: "b"}, Call: 0, Output: KVOutput{Value: ""}, Return: 10},
		{ClientId: 2, Input: KVInput{Op: KVGet, Key: "a"}, Call: 20, Output: KVOutput{Value: ""}, Return: 30},
	}}
	v := checkHistory(&res, Checks{})
	assert.Equal(t, VerdictViolation, v)
	require.NotNil(t, res.Failure)
	assert.Equal(t, CheckLinearizability, res.Failure.Check)
	assert.Contains(t, res.Failure.Fact, `key "a" is not linearizable`)
	assert.Contains(t, res.Failure.Fact, `get("a")`)
}

// hardHistory is many concurrent appends with unknown outcomes and a read
// that no order explains, which porcupine cannot settle quickly.
func hardHistory() []porcupine.Operation {
	var ops []porcupine.Operation
	for i := 0; i < 40; i++ {
		ops = append(ops, porcupine.Operation{ClientId: i, Input: KVInput{Op: KVAppend, Key: "k", Value: string(rune('a' + i%26))},
			Call: 0, Output: KVOutput{Unknown: true}, Return: 1000})
	}
	ops = append(ops, porcupine.Operation{ClientId: 99, Input: KVInput{Op: KVGet, Key: "k"}, Call: 10, Output: KVOutput{Value: "zz?"}, Return: 20})
	return ops
}

func TestUnknownVerdictFailsUnlessAllowed(t *testing.T) {
	res := Result{History: hardHistory()}
	v := checkHistory(&res, Checks{CheckTimeout: time.Nanosecond})
	assert.Equal(t, VerdictUnknown, v)
	require.NotNil(t, res.Failure, "unknown is never a pass")
	assert.Equal(t, CheckUnknown, res.Failure.Check)

	res = Result{History: hardHistory()}
	v = checkHistory(&res, Checks{CheckTimeout: time.Nanosecond, AllowUnknown: true})
	assert.Equal(t, VerdictUnknown, v)
	assert.Nil(t, res.Failure)
}

func TestHistoryLeavesUnknownOperationsOpen(t *testing.T) {
	s, _ := sim.New(sim.Config{})
	h := newHistory(s, 2)
	h.Invoke(5, 1, mpGet("x"))
	h.Invoke(6, 1, mpPut("x", "1"))
	h.Return(6, 1, mpPut("x", "1"), mpResult(""))
	assert.Equal(t, 1, h.Pending())
	ops := h.Operations(sim.Time(7 * sim.Second))
	require.Len(t, ops, 2)
	assert.True(t, ops[0].Output.(KVOutput).Unknown)
	assert.Greater(t, ops[0].Return, int64(7*sim.Second), "an unknown operation stays open to the end")
	assert.False(t, ops[1].Output.(KVOutput).Unknown)
	assert.Greater(t, ops[1].Return, ops[1].Call, "a zero-length interval is widened")
	assert.Panics(t, func() { h.Return(5, 2, mpGet("x"), mpResult("")) }, "a return without an invocation is a recorder bug")
	assert.Panics(t, func() { h.Invoke(5, 1, mpGet("x")) }, "a sequence number reused is a client bug")
}

func TestFailureReportAndArtifacts(t *testing.T) {
	sc, _ := Lookup("calm-3")
	res := Run(sc, 2, "execute-before-commit", RunOptions{})
	require.NotNil(t, res.Failure)
	ex := Explain(res)
	require.NotNil(t, ex.Failure)
	assert.Equal(t, res.Failure.Check, ex.Failure.Check, "the re-run reproduces the verdict")
	assert.Equal(t, res.Hash, ex.Hash, "and the trace hash")
	assert.NotEmpty(t, ex.TraceTail)
	assert.LessOrEqual(t, len(ex.TraceTail), ReportTail)

	dir := t.TempDir()
	arts, err := WriteArtifacts(dir, &ex)
	require.NoError(t, err)
	for _, f := range []string{arts.Visualization, arts.Trace, arts.History, arts.Params, arts.Plan, arts.Report} {
		st, err := os.Stat(f)
		require.NoError(t, err, f)
		assert.Positive(t, st.Size(), f)
	}
	html, _ := os.ReadFile(arts.Visualization)
	assert.Contains(t, string(html), "heal-all", "fault intervals are annotated on the timeline")
	trace, _ := os.ReadFile(arts.Trace)
	lines := strings.Split(strings.TrimSpace(string(trace)), "\n")
	require.GreaterOrEqual(t, len(lines), len(ex.TraceTail))
	assert.Equal(t, ex.TraceTail, lines[len(lines)-len(ex.TraceTail):], "the report's tail is the trace's end")

	report := Report(&ex, arts)
	for _, want := range []string{
		"FAIL scenario=calm-3 seed=2 check=" + string(res.Failure.Check),
		"go test ./scenarios -run 'TestSeeds$' -scenario=calm-3 -seed=2 -mutant=execute-before-commit -trace",
		"go run ./cmd/paxossim replay -scenario calm-3 -seed 2 -mutant execute-before-commit -trace",
		"revision:", "failed:", "seed=2\n", "--- fault plan", "trace events", "history.html",
	} {
		assert.Contains(t, report, want)
	}
	order := []string{"FAIL", "replay:", "failed:", "--- parameters", "--- last ", "--- artifacts"}
	last := -1
	for _, o := range order {
		i := strings.Index(report, o)
		assert.Greater(t, i, last, "report sections in order: %s", o)
		last = i
	}

	// The saved run replays exactly, and the saved history re-checks
	// without re-running.
	p, err := LoadParams(arts.Params)
	require.NoError(t, err)
	assert.Equal(t, res.Hash, RunParams(p, RunOptions{}).Hash)
	v, _, err := Recheck(filepath.Dir(arts.History), 0)
	require.NoError(t, err)
	assert.Equal(t, ex.Linearizable, orVerdict(v, ex.Linearizable))
}

// orVerdict returns v; the run's own verdict may be empty when an earlier
// check failed first, in which case any recheck verdict is acceptable.
func orVerdict(v, run Verdict) Verdict {
	if run == "" {
		return run
	}
	return v
}

func TestRecheckDetectsAViolationInASavedHistory(t *testing.T) {
	dir := t.TempDir()
	bad := `[{"client":1,"op":"put","key":"a","value":"1","call_ns":0,"return_ns":10},
	         {"client":2,"op":"get","key":"a","call_ns":20,"return_ns":30,"output":"2"}]`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "history.json"), []byte(bad), 0o644))
	v, fact, err := Recheck(dir, 0)
	require.NoError(t, err)
	assert.Equal(t, VerdictViolation, v)
	assert.Contains(t, fact, `key "a"`)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "history.json"), []byte(`[{"op":"cas"}]`), 0o644))
	_, _, err = Recheck(dir, 0)
	assert.ErrorContains(t, err, `unknown op "cas"`)
}

func TestDiffTracesNamesTheFirstDivergentEvent(t *testing.T) {
	a := "t=0.000ms n0 start\nt=1.000ms n1 recv X from n0\nt=2.000ms n2 timer election"
	b := "t=0.000ms n0 start\nt=1.000ms n1 recv Y from n0\nt=2.000ms n2 timer election"
	d := diffTraces(a, b)
	assert.Contains(t, d, "line 2")
	assert.Contains(t, d, "run 1: t=1.000ms n1 recv X from n0")
	assert.Contains(t, d, "run 2: t=1.000ms n1 recv Y from n0")
	assert.Contains(t, diffTraces(a, a+"\nmore"), "share 3 lines")
	sc, _ := Lookup("chaos")
	res := Run(sc, 3, "", RunOptions{})
	assert.Nil(t, VerifyDeterminism(&res), "a deterministic run passes the self-check")
}

func TestCoverageExpectations(t *testing.T) {
	var c Coverage
	c.Counts[pathIndex(PathLeaderChange)] = 3
	exp := []Expectation{{PathLeaderChange, 10}, {PathGapFill, 10}, {PathDiskRecovery, 500}}
	assert.Equal(t, []Path{PathGapFill}, c.Missing(exp, 10))
	assert.Empty(t, c.Missing(exp, 9), "a sweep too small to expect a path does not fail on it")
	assert.Equal(t, []Path{PathGapFill, PathDiskRecovery}, c.Missing(exp, 500))
}

func TestSweepSummarizesAndShards(t *testing.T) {
	sc, _ := Lookup("crashes")
	full, err := (&Sweep{Scenario: sc, Start: 100, Count: 30, DeterminismEvery: 5}).Run()
	require.NoError(t, err)
	assert.Equal(t, 30, full.Runs)
	assert.Zero(t, full.Failures, "%v", full.ByCheck)
	assert.Positive(t, full.Coverage.Get(PathDiskRecovery))
	seen := map[uint64]bool{}
	for i := 0; i < 3; i++ {
		part, err := (&Sweep{Scenario: sc, Start: 100, Count: 30, ShardIndex: i, ShardCount: 3, Parallel: 1,
			OnResult: func(r *Result) { seen[r.Params.Seed] = true }}).Run()
		require.NoError(t, err)
		assert.Equal(t, 10, part.Runs)
	}
	assert.Len(t, seen, 30, "the shards together run every seed once")
	_, err = (&Sweep{Scenario: sc, Count: 3, ShardIndex: 3, ShardCount: 3}).Run()
	assert.ErrorContains(t, err, "shard 3/3")
	_, err = (&Sweep{Scenario: sc, Count: 3, Parallel: -1}).Run()
	assert.ErrorContains(t, err, "Parallel = -1")
}

func TestSweepStopsAfterFailures(t *testing.T) {
	sc, _ := Lookup("calm-3")
	sum, err := (&Sweep{Scenario: sc, Mutant: "no-accept-reply", Start: 1, Count: 200, StopAfter: 2, Parallel: 2}).Run()
	require.NoError(t, err)
	assert.True(t, sum.Stopped)
	assert.GreaterOrEqual(t, sum.Failures, 2)
	assert.Less(t, sum.Runs, 200)
	assert.Equal(t, sum.Failures, sum.ByCheck[CheckLiveness])
	assert.Contains(t, sum.String(), "no-progress=")
}

func TestReplayCommandsForUnregisteredRuns(t *testing.T) {
	sc, _ := Lookup("chaos")
	p, _ := sc.Params(9, "")
	gt, cli := ReplayCommands(&p)
	assert.Contains(t, gt, "-scenario=chaos -seed=9")
	assert.Contains(t, cli, "-scenario chaos -seed 9")
	p.Scenario = "rapid"
	gt, cli = ReplayCommandsFile(&p, "/tmp/x/params.json")
	assert.Equal(t, "go test ./scenarios -run 'TestSeeds$' -plan=/tmp/x/params.json -trace", gt)
	assert.Equal(t, "go run ./cmd/paxossim replay -plan /tmp/x/params.json -trace", cli)
	gt, _ = ReplayCommands(&p)
	assert.Contains(t, gt, "-plan=<params.json>")
}

func TestSweepKeepsTheLowestFailures(t *testing.T) {
	sc, _ := Lookup("calm-3")
	sum, err := (&Sweep{Scenario: sc, Mutant: "execute-before-commit", Start: 50, Count: 12, KeepFailed: 3}).Run()
	require.NoError(t, err)
	assert.Equal(t, 12, sum.Failures)
	require.Len(t, sum.Failed, 3)
	for i, r := range sum.Failed {
		assert.Equal(t, uint64(50+i), r.Params.Seed)
	}
}

func TestRevisionNamesTheCommit(t *testing.T) {
	rev := Revision()
	assert.NotEmpty(t, rev)
	if rev != "unknown" {
		assert.Regexp(t, `^[0-9a-f]{40}(\+dirty)?$`, rev)
	}
}
