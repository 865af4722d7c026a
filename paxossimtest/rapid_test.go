package paxossimtest

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/scenarios"
)

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
	// Measured with RunGen's single "workload" draw (one of kv's 15
	// Variants): over rapid seeds 1-20, all 20 shrink to within the bounds
	// below, 18 to 3 servers and at most 3 operations, in 0.9-12s on 2
	// cores (seed 5 is the slowest, to 5 servers and 15 operations); seed
	// 6 is the fastest, 0.9s to 3 servers, 2 operations and 1 fault. (Seed
	// 2, the one used before that draw changed, now takes 5s.)
	setFlagUnlessGiven(t, "rapid.seed", "6")
	// Up to 1000 runs to find the failure (about 4% of drawn runs fail):
	// rapid stops at the first, so this only bounds an unlucky search.
	setFlagUnlessGiven(t, "rapid.checks", "1000")
	t.Chdir(t.TempDir())

	var cx Counterexample
	rec := &recordingTB{name: "TestRapidShrinksQuorumMinusOne"}
	start := time.Now()
	rapid.Check(rec, Property(multipaxos.Name, mutant, &cx))
	elapsed := time.Since(start)

	require.True(t, rec.Failed(), "rapid found no failure of %s in %d checks", mutant, flagInt("rapid.checks"))
	require.NotNil(t, cx.Params)
	rapidShrunk := *cx.Params
	t.Logf("rapid found and shrank a failure in %v (%d failing runs seen): %s",
		elapsed.Round(time.Millisecond), cx.Runs, rec.firstLine())
	t.Log(cx.Minimize())
	elapsed = time.Since(start)
	require.NotNil(t, cx.Failure, "the minimized run passes")
	path, err := cx.Save(RapidFailDir(rec.name))
	require.NoError(t, err)
	target := scenarios.GoTest{Package: "./scenarios", Test: "TestSeeds"}
	desc := cx.Describe("shrunk counterexample", path, target)
	t.Log("\n" + desc + "(the file is in this test's temporary directory, removed when it ends)")
	assert.Contains(t, desc, "go test ./scenarios -run '^TestSeeds$' -"+scenarios.FlagPrefix+"plan="+path)
	assert.Contains(t, desc, "shrunk counterexample: "+string(cx.Failure.Check))

	p := cx.Params
	t.Logf("shrunk: %s, rapid seed %s", Size(p), flag.Lookup("rapid.seed").Value)
	assert.LessOrEqual(t, p.Plan.Count(), 4, "faults in the shrunk plan")
	assert.LessOrEqual(t, p.Workload.Clients*p.Workload.Ops, 20, "operations in the shrunk run")
	assert.LessOrEqual(t, p.Plan.Count(), rapidShrunk.Plan.Count(), "MinimizeParams never grows a run")
	assert.LessOrEqual(t, p.Workload.Clients*p.Workload.Ops, rapidShrunk.Workload.Clients*rapidShrunk.Workload.Ops, "MinimizeParams never grows a run")
	assert.Contains(t, []scenarios.Check{scenarios.CheckChosen, scenarios.CheckAgreement, scenarios.CheckStability, scenarios.CheckPrefix, scenarios.CheckLinearizability}, cx.Failure.Check,
		"quorum-minus-one is a safety bug: its counterexample must fail a safety check, not slip into another failure")
	assert.Less(t, elapsed, 30*time.Second, "shrinking must end before rapid's default -rapid.shrinktime")

	// The saved counterexample replays exactly: same check, same trace.
	loaded, err := scenarios.LoadParams(path)
	require.NoError(t, err)
	assert.Equal(t, mutant, loaded.Mutant)
	again := scenarios.RunParams(loaded, scenarios.RunOptions{})
	require.NotNil(t, again.Failure, "the saved counterexample passes on replay")
	assert.Equal(t, cx.Failure.Check, again.Failure.Check)
	assert.Equal(t, cx.Hash, again.Hash, "trace hash on replay")
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
