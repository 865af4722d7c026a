package paxossimtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/paxossim/paxossim/scenarios"
)

// Property-based tests of whole runs: rapid draws a run (scenarios.RunGen:
// cluster, workload, network, fault plan, noise seed) and the property is
// that every check passes. On failure rapid shrinks the run to few faults,
// few operations and a small cluster, scenarios.MinimizeParams shrinks it
// further, and the shrunk run is printed as its seed= block and plan,
// saved as JSON next to rapid's own fail file, and replays exactly with
// the printed -paxossim.plan command.

// Rapid checks the property for the protocol (or, with -paxossim.mutant, a
// mutant of it, where a failure is expected). rapid's -rapid.checks
// (default 100) bounds the runs; -rapid.seed replays rapid's choices.
func Rapid(t *testing.T, o Options) {
	t.Helper()
	st, err := ParseSettings(o)
	if err != nil {
		t.Fatalf("bad flags: %v", err)
	}
	if st.Mutant != "" {
		t.Logf("mutant=%s: a failure is expected", st.Mutant)
	}
	target := GoTestOf(t)
	var cx Counterexample
	t.Cleanup(func() {
		if t.Failed() && cx.Params != nil {
			t.Log(cx.Minimize())
			path, err := cx.Save(RapidFailDir(t.Name()))
			if err != nil {
				t.Logf("saving the shrunk run: %v", err)
			}
			t.Log("\n" + cx.Describe("shrunk counterexample", path, target))
		}
	})
	rapid.Check(t, Property(st.Protocol.Name, st.Mutant, &cx))
}

// Property is the property rapid checks: a drawn run of the protocol (with
// the mutant) passes every check. On failure it records the run in cx;
// rapid's last call of the property is the shrunk run (it re-runs it to
// print its output), so cx ends up holding that one.
func Property(protocolName, mutant string, cx *Counterexample) func(*rapid.T) {
	gen := shownRunGen(protocolName, mutant)
	return func(t *rapid.T) {
		p := scenarios.Params(gen.Draw(t, "run"))
		res := scenarios.RunParams(p, scenarios.RunOptions{})
		if res.Failure == nil {
			return
		}
		if res.Failure.Check == scenarios.CheckUnknown {
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
func failRun(t *rapid.T, f *scenarios.Failure) {
	msg := "%s: %s"
	switch f.Check {
	case scenarios.CheckLinearizability:
		t.Fatalf(msg, f.Check, f.Fact)
	case scenarios.CheckAgreement:
		t.Fatalf(msg, f.Check, f.Fact)
	case scenarios.CheckStability:
		t.Fatalf(msg, f.Check, f.Fact)
	case scenarios.CheckPrefix:
		t.Fatalf(msg, f.Check, f.Fact)
	case scenarios.CheckDivergence:
		t.Fatalf(msg, f.Check, f.Fact)
	case scenarios.CheckChosen:
		t.Fatalf(msg, f.Check, f.Fact)
	case scenarios.CheckPromise:
		t.Fatalf(msg, f.Check, f.Fact)
	case scenarios.CheckLiveness:
		t.Fatalf(msg, f.Check, f.Fact)
	case scenarios.CheckBudgetSteps, scenarios.CheckBudgetTime:
		t.Fatalf(msg, f.Check, f.Fact)
	case scenarios.CheckPanic:
		t.Fatalf(msg, f.Check, f.Fact)
	default:
		t.Fatalf(msg, f.Check, f.Fact)
	}
}

// shownRunGen is RunGen whose draws rapid logs readably.
func shownRunGen(protocolName, mutant string) *rapid.Generator[shownParams] {
	return rapid.Map(scenarios.RunGen(protocolName, mutant), func(p scenarios.Params) shownParams { return shownParams(p) })
}

// shownParams is Params as rapid logs a draw (with %#v): the seed= block
// and the plan, instead of a line of Go syntax.
type shownParams scenarios.Params

func (p shownParams) GoString() string {
	pp := scenarios.Params(p)
	return "\n" + scenarios.Knobs(&pp).String() + pp.Plan.String()
}

// Counterexample holds the last failing run a property saw. rapid calls a
// property from one goroutine, so it needs no lock.
type Counterexample struct {
	Params  *scenarios.Params
	Failure *scenarios.Failure
	Hash    uint64
	// Runs counts the failing runs seen, the shrinker's included.
	Runs int
}

func (cx *Counterexample) record(p scenarios.Params, res *scenarios.Result) {
	cx.Params, cx.Failure, cx.Hash = &p, res.Failure, res.Hash
	cx.Runs++
}

// Minimize runs scenarios.MinimizeParams on the recorded run, keeping the
// failing check, and returns a line saying what it did.
func (cx *Counterexample) Minimize() string {
	before := *cx.Params
	check := cx.Failure.Check
	p, runs := scenarios.MinimizeParams(before, func(c scenarios.Params) bool {
		res := scenarios.RunParams(c, scenarios.RunOptions{})
		return res.Failure != nil && res.Failure.Check == check
	})
	res := scenarios.RunParams(p, scenarios.RunOptions{})
	cx.Params, cx.Failure, cx.Hash = &p, res.Failure, res.Hash
	return fmt.Sprintf("rapid shrank the run to %s; MinimizeParams (%d runs) to %s", Size(&before), runs, Size(&p))
}

// Size summarizes a run's size: servers, operations, faults.
func Size(p *scenarios.Params) string {
	return fmt.Sprintf("%d servers, %d operations, %d faults", p.Servers, p.Workload.Clients*p.Workload.Ops, p.Plan.Count())
}

// Save writes the run as JSON into dir, named after rapid's newest fail
// file there if there is one, and returns the absolute path.
func (cx *Counterexample) Save(dir string) (string, error) {
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
	data, err := json.MarshalIndent(cx.Params, "", "  ")
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

// Describe prints the run for a person, under a title ("shrunk
// counterexample"): the check, the seed= block, the plan and the replay
// command (for the go test entry point target).
func (cx *Counterexample) Describe(title, path string, target scenarios.GoTest) string {
	var b strings.Builder
	p := cx.Params
	fmt.Fprintf(&b, "%s: %s with %d servers, %d operations (%d clients x %d), %d faults before the heal-all\n",
		title, cx.Failure.Check, p.Servers, p.Workload.Clients*p.Workload.Ops, p.Workload.Clients, p.Workload.Ops, p.Plan.Count())
	b.WriteString("--- parameters\n" + scenarios.Knobs(p).String())
	fmt.Fprintf(&b, "trace_hash=%016x\n", cx.Hash)
	b.WriteString("--- fault plan\n" + p.Plan.String() + "\n")
	fmt.Fprintf(&b, "--- failed: %s: %s\n", cx.Failure.Check, cx.Failure.Fact)
	if path != "" {
		res := scenarios.Result{Replay: target}
		res.Params = *p
		res.Params.Scenario = scenarios.RunGenScenario
		goTest, cli := scenarios.ReplayCommands(&res, path)
		fmt.Fprintf(&b, "saved:  %s\nreplay: %s\n", path, goTest)
		if cli != "" {
			fmt.Fprintf(&b, "        %s\n", cli)
		}
	}
	return b.String()
}

// RapidFailDir is where rapid writes a test's fail files (relative to the
// package directory, where go test runs).
func RapidFailDir(testName string) string {
	return filepath.Join("testdata", "rapid", regexp.MustCompile(`[^\pL\pN_-]`).ReplaceAllString(testName, "_"))
}
