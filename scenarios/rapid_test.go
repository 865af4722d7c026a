package scenarios

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/sim"
)

// Property-based tests of whole runs (STYLE.md guideline 12c): rapid draws
// a run (RunGen: cluster, workload, network, fault plan, noise seed) and the
// property is that every check passes. On failure rapid shrinks the run to
// few faults, few operations and a small cluster; the shrunk run is
// printed as its seed= block and plan, saved as JSON next to rapid's own
// fail file, and replays exactly with
//
//	go test ./scenarios -run 'TestSeeds$' -plan=FILE

// TestRapid checks the property for the correct protocol, or for -mutant
// (where a failure is expected). rapid's -rapid.checks (default 100, a
// fifth with -short) bounds the runs; -rapid.seed replays rapid's choices.
func TestRapid(t *testing.T) {
	st, err := parseSettings()
	if err != nil {
		t.Fatalf("bad flags: %v", err)
	}
	if st.mutant != "" {
		t.Logf("mutant=%s: a failure is expected", st.mutant)
	}
	var cx counterexample
	t.Cleanup(func() {
		if t.Failed() && cx.params != nil {
			t.Log(cx.minimize())
			path, err := cx.save(rapidFailDir(t.Name()))
			if err != nil {
				t.Logf("saving the shrunk run: %v", err)
			}
			t.Log("\n" + cx.describe("shrunk counterexample", path))
		}
	})
	rapid.Check(t, runProperty(st.mutant, &cx))
}

// runProperty is the property: a drawn run passes every check. On failure it
// records the run in cx; rapid's last call of the property is the shrunk
// run (it re-runs it to print its output), so cx ends up holding that one.
func runProperty(mutant string, cx *counterexample) func(*rapid.T) {
	gen := shownRunGen(mutant)
	return func(t *rapid.T) {
		p := Params(gen.Draw(t, "run"))
		res := RunParams(p, RunOptions{})
		if res.Failure == nil {
			return
		}
		if res.Failure.Check == CheckUnknown {
			// An inconclusive run is neither a pass nor a counterexample:
			// rapid counts it as an invalid draw (and fails the test if
			// most draws are), and never shrinks towards it.
			t.Skipf("inconclusive: %s", res.Failure.Fact)
		}
		cx.record(p, &res)
		failRun(t, res.Failure)
	}
}

// failRun fails the property at a call site of its own for each check.
// rapid tells failures apart by where they happen, and keeps a shrink only
// if it fails at the same place: so a linearizability violation shrinks to
// a smaller linearizability violation, never slips into a stall or a
// different invariant, which would be a different bug.
func failRun(t *rapid.T, f *Failure) {
	msg := "%s: %s"
	switch f.Check {
	case CheckLinearizability:
		t.Fatalf(msg, f.Check, f.Fact)
	case CheckAgreement:
		t.Fatalf(msg, f.Check, f.Fact)
	case CheckStability:
		t.Fatalf(msg, f.Check, f.Fact)
	case CheckPrefix:
		t.Fatalf(msg, f.Check, f.Fact)
	case CheckPromise:
		t.Fatalf(msg, f.Check, f.Fact)
	case CheckLiveness:
		t.Fatalf(msg, f.Check, f.Fact)
	case CheckBudgetSteps, CheckBudgetTime:
		t.Fatalf(msg, f.Check, f.Fact)
	case CheckPanic:
		t.Fatalf(msg, f.Check, f.Fact)
	case CheckUnknown:
		t.Fatalf(msg, f.Check, f.Fact)
	default:
		t.Fatalf(msg, f.Check, f.Fact)
	}
}

// shownRunGen is RunGen whose draws rapid logs readably.
func shownRunGen(mutant string) *rapid.Generator[shownParams] {
	return rapid.Map(RunGen(mutant), func(p Params) shownParams { return shownParams(p) })
}

// shownParams is Params as rapid logs a draw (with %#v): the seed= block
// and the plan, instead of a line of Go syntax.
type shownParams Params

func (p shownParams) GoString() string {
	pp := Params(p)
	return "\n" + pp.Knobs().String() + pp.Plan.String()
}

// counterexample holds the last failing run the property saw. rapid calls
// a property from one goroutine, so it needs no lock.
type counterexample struct {
	params  *Params
	failure *Failure
	hash    uint64
	runs    int // failing runs seen, the shrinker's included
}

func (cx *counterexample) record(p Params, res *Result) {
	cx.params, cx.failure, cx.hash = &p, res.Failure, res.Hash
	cx.runs++
}

// minimize runs MinimizeParams on the recorded run, keeping the failing
// check, and returns a line saying what it did.
func (cx *counterexample) minimize() string {
	before := *cx.params
	check := cx.failure.Check
	p, runs := MinimizeParams(before, func(c Params) bool {
		res := RunParams(c, RunOptions{})
		return res.Failure != nil && res.Failure.Check == check
	})
	res := RunParams(p, RunOptions{})
	cx.params, cx.failure, cx.hash = &p, res.Failure, res.Hash
	return fmt.Sprintf("rapid shrank the run to %s; MinimizeParams (%d runs) to %s", size(&before), runs, size(&p))
}

// size summarizes a run's size: replicas, operations, faults.
func size(p *Params) string {
	return fmt.Sprintf("%d replicas, %d operations, %d faults", p.Replicas, p.Workload.Clients*p.Workload.Ops, planFaults(p.Plan))
}

// save writes the run as JSON into dir, named after rapid's newest fail
// file there if there is one, and returns the absolute path.
func (cx *counterexample) save(dir string) (string, error) {
	name := fmt.Sprintf("shrunk-%s.params.json", time.Now().Format("20060102150405"))
	if fails, _ := filepath.Glob(filepath.Join(dir, "*.fail")); len(fails) > 0 {
		sort.Slice(fails, func(i, j int) bool { return modTime(fails[i]).Before(modTime(fails[j])) })
		name = strings.TrimSuffix(filepath.Base(fails[len(fails)-1]), ".fail") + ".params.json"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path, err := filepath.Abs(filepath.Join(dir, name))
	if err != nil {
		return "", err
	}
	data, err := json.MarshalIndent(cx.params, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(data, '\n'), 0o644)
}

func modTime(path string) time.Time {
	fi, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

// describe prints the run for a person, under a title ("shrunk
// counterexample"): the check, the seed= block, the plan and the replay
// command.
func (cx *counterexample) describe(title, path string) string {
	var b strings.Builder
	p := cx.params
	fmt.Fprintf(&b, "%s: %s with %d replicas, %d operations (%d clients x %d), %d faults before the heal-all\n",
		title, cx.failure.Check, p.Replicas, p.Workload.Clients*p.Workload.Ops, p.Workload.Clients, p.Workload.Ops, planFaults(p.Plan))
	b.WriteString("--- parameters\n" + p.Knobs().String())
	fmt.Fprintf(&b, "trace_hash=%016x\n", cx.hash)
	b.WriteString("--- fault plan\n" + p.Plan.String() + "\n")
	fmt.Fprintf(&b, "--- failed: %s: %s\n", cx.failure.Check, cx.failure.Fact)
	if path != "" {
		fmt.Fprintf(&b, "saved:  %s\nreplay: go test ./scenarios -run 'TestSeeds$' -plan=%s\n        (add -trace to print every event)\n", path, path)
	}
	return b.String()
}

// planFaults counts a plan's faults, not counting the closing heal-all.
func planFaults(p faults.Plan) int {
	n := 0
	for _, f := range p.Faults {
		if f.Kind != faults.KindHealAll {
			n++
		}
	}
	return n
}

// rapidFailDir is where rapid writes a test's fail files (relative to the
// package directory, where go test runs).
func rapidFailDir(testName string) string {
	return filepath.Join("testdata", "rapid", regexp.MustCompile(`[^\pL\pN_-]`).ReplaceAllString(testName, "_"))
}

// TestRapidShrinksQuorumMinusOne runs the property with the
// quorum-minus-one mutant, which it must falsify, and checks that shrinking
// (rapid's, then MinimizeParams') is meaningful: the shrunk run has at most
// 4 faults and 20 operations and still fails a safety check, shrinking ends
// before rapid's default shrink time (30s) runs out, and the saved run
// replays to the same failure and trace hash. rapid runs on a recording TB
// (the failure is the expected outcome, not this test's) from a fixed seed,
// in a temporary directory so that its fail file does not land in the
// repository.
func TestRapidShrinksQuorumMinusOne(t *testing.T) {
	const mutant = "quorum-minus-one"
	// Over rapid seeds 1-20, 18 shrink to within the bounds below (the
	// others to 6 faults, or 27 operations) in 0.5-8s; seed 2 is one of
	// the fast ones.
	setFlagUnlessGiven(t, "rapid.seed", "2")
	// Up to 1000 runs to find the failure (about 2% of drawn runs fail):
	// rapid stops at the first, so this only bounds an unlucky search.
	setFlagUnlessGiven(t, "rapid.checks", "1000")
	t.Chdir(t.TempDir())

	var cx counterexample
	rec := &recordingTB{name: "TestRapidShrinksQuorumMinusOne"}
	start := time.Now()
	rapid.Check(rec, runProperty(mutant, &cx))
	elapsed := time.Since(start)

	require.True(t, rec.Failed(), "rapid found no failure of %s in %d checks", mutant, flagInt("rapid.checks"))
	require.NotNil(t, cx.params)
	rapidShrunk := *cx.params
	t.Logf("rapid found and shrank a failure in %v (%d failing runs seen): %s",
		elapsed.Round(time.Millisecond), cx.runs, rec.firstLine())
	t.Log(cx.minimize())
	elapsed = time.Since(start)
	require.NotNil(t, cx.failure, "the minimized run passes")
	path, err := cx.save(rapidFailDir(rec.name))
	require.NoError(t, err)
	t.Log("\n" + cx.describe("shrunk counterexample", path) + "(the file is in this test's temporary directory, removed when it ends)")

	p := cx.params
	assert.LessOrEqual(t, planFaults(p.Plan), 4, "faults in the shrunk plan")
	assert.LessOrEqual(t, p.Workload.Clients*p.Workload.Ops, 20, "operations in the shrunk run")
	assert.LessOrEqual(t, planFaults(p.Plan), planFaults(rapidShrunk.Plan), "MinimizeParams never grows a run")
	assert.Contains(t, []Check{CheckAgreement, CheckStability, CheckPrefix, CheckLinearizability}, cx.failure.Check,
		"quorum-minus-one is a safety bug: its counterexample must fail a safety check, not slip into another failure")
	assert.Less(t, elapsed, 30*time.Second, "shrinking must end before rapid's default -rapid.shrinktime")

	// The saved counterexample replays exactly: same check, same trace.
	loaded, err := LoadParams(path)
	require.NoError(t, err)
	again := RunParams(loaded, RunOptions{})
	require.NotNil(t, again.Failure, "the saved counterexample passes on replay")
	assert.Equal(t, cx.failure.Check, again.Failure.Check)
	assert.Equal(t, cx.hash, again.Hash, "trace hash on replay")
}

// recordingTB is a rapid.TB that records a failure instead of failing the
// test: for properties whose falsification is the expected outcome.
type recordingTB struct {
	mu     sync.Mutex
	name   string
	failed bool
	errors []string
}

func (r *recordingTB) Helper()                   {}
func (r *recordingTB) Name() string              { return r.name }
func (r *recordingTB) Logf(string, ...any)       {}
func (r *recordingTB) Log(...any)                {}
func (r *recordingTB) Skipf(f string, a ...any)  { panic("recordingTB: skip: " + fmt.Sprintf(f, a...)) }
func (r *recordingTB) Skip(a ...any)             { panic("recordingTB: skip: " + fmt.Sprint(a...)) }
func (r *recordingTB) SkipNow()                  { panic("recordingTB: skip") }
func (r *recordingTB) Errorf(f string, a ...any) { r.fail(fmt.Sprintf(f, a...)) }
func (r *recordingTB) Error(a ...any)            { r.fail(fmt.Sprint(a...)) }
func (r *recordingTB) Fatalf(f string, a ...any) { r.fail(fmt.Sprintf(f, a...)) }
func (r *recordingTB) Fatal(a ...any)            { r.fail(fmt.Sprint(a...)) }
func (r *recordingTB) FailNow()                  { r.fail("") }
func (r *recordingTB) Fail()                     { r.fail("") }

func (r *recordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// firstLine is the first line of rapid's report ("[rapid] failed after N
// tests: ...").
func (r *recordingTB) firstLine() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errors) == 0 {
		return ""
	}
	return strings.SplitN(r.errors[0], "\n", 2)[0]
}

func (r *recordingTB) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	if msg != "" {
		r.errors = append(r.errors, msg)
	}
}

// setFlagUnlessGiven sets one of rapid's flags for the duration of the
// test, unless the user chose a value (on the command line, or through
// rapid's environment variable, which becomes the flag's default).
func setFlagUnlessGiven(t *testing.T, name, value string) {
	f := flag.Lookup(name)
	require.NotNil(t, f, "flag -%s", name)
	old := f.Value.String()
	if old != f.DefValue || os.Getenv(strings.ToUpper(strings.ReplaceAll(name, ".", "_"))) != "" {
		return
	}
	require.NoError(t, flag.Set(name, value))
	t.Cleanup(func() { _ = flag.Set(name, old) })
}

func flagInt(name string) int {
	var n int
	if f := flag.Lookup(name); f != nil {
		fmt.Sscan(f.Value.String(), &n)
	}
	return n
}

// TestRunGenDrawsValidRuns: every run RunGen draws validates, heals when
// its plan does, and round-trips through JSON (the form a shrunk run is
// saved and replayed in).
func TestRunGenDrawsValidRuns(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := RunGen("").Draw(t, "run")
		require.NoError(t, p.Validate())
		healAt, ok := p.Plan.HealAt()
		require.True(t, ok, "the plan does not end healed")
		require.Equal(t, healAt, p.HealAt)
		require.Contains(t, []int{3, 5}, p.Replicas)
		data, err := json.Marshal(p)
		require.NoError(t, err)
		var q Params
		require.NoError(t, json.Unmarshal(data, &q))
		require.Equal(t, p, q)
	})
}

// TestMinimizeParams runs MinimizeParams against a stand-in for "the run
// fails" (the plan has a partition and the clients issue at least 3
// operations), without simulating: it must go down to 3 replicas, delete
// every other fault (the crash only once its restart is gone), cut the
// workload to one client with 3 operations on one key, and turn off loss
// and duplication.
func TestMinimizeParams(t *testing.T) {
	sec := func(ms int64) sim.Time { return sim.Time(ms) * sim.Time(sim.Millisecond) }
	p := Params{
		Scenario: RunGenScenario, Seed: 7, Replicas: 5,
		Workload: Workload{Clients: 3, Ops: 10, Keys: 3, AppendWeight: 1},
		Network:  network.Config{LatencyMin: sim.Millisecond, LossProb: 0.05, DupProb: 0.01, Servers: 5},
		Plan: faults.Plan{Name: "hand", Faults: []faults.Fault{
			{At: sec(300), Kind: faults.KindCrash, Node: 1},
			{At: sec(400), Kind: faults.KindPartition, Groups: [][]sim.NodeID{{0, 1}, {2}}},
			{At: sec(500), Kind: faults.KindRestart, Node: 1},
			{At: sec(600), Kind: faults.KindClock, Node: 2, Skew: 5 * sim.Millisecond},
			{At: sec(1000), Kind: faults.KindHealAll},
		}},
		Protocol: multipaxos.Config{N: 5},
		HealAt:   sec(1000),
	}
	require.NoError(t, p.Validate())
	fails := func(c Params) bool {
		hasPartition := false
		for _, f := range c.Plan.Faults {
			hasPartition = hasPartition || f.Kind == faults.KindPartition
		}
		return hasPartition && c.Workload.Clients*c.Workload.Ops >= 3
	}
	got, runs := MinimizeParams(p, fails)
	require.True(t, fails(got))
	assert.Equal(t, []faults.Kind{faults.KindPartition, faults.KindHealAll}, kinds(got.Plan))
	assert.Equal(t, 3, got.Replicas)
	assert.Equal(t, 1, got.Workload.Clients, "%v", got.Workload)
	assert.Equal(t, 3, got.Workload.Ops, "%v", got.Workload)
	assert.Equal(t, 1, got.Workload.Keys)
	assert.Zero(t, got.Network.LossProb)
	assert.Zero(t, got.Network.DupProb)
	assert.NoError(t, got.Validate())
	assert.LessOrEqual(t, runs, minimizeRunsMax)
	assert.Len(t, p.Plan.Faults, 5, "MinimizeParams must not modify its argument's plan")
}

func kinds(p faults.Plan) []faults.Kind {
	var out []faults.Kind
	for _, f := range p.Faults {
		out = append(out, f.Kind)
	}
	return out
}
