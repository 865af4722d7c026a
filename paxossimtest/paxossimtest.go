// Package paxossimtest is paxossim's entry point for go test: a test in any
// module hands it a protocol (package protocol) and gets seed sweeps,
// exact replay of a seed or a saved run with its full trace, failure
// reports with artifacts, property-based runs shrunk by rapid, and
// coverage-guided fuzzing, all driven by the standard -paxossim.* flags.
//
//	func TestSeeds(t *testing.T)    { paxossimtest.Seeds(t, paxossimtest.Options{Protocol: myproto.Protocol}) }
//	func TestRapid(t *testing.T)    { paxossimtest.Rapid(t, paxossimtest.Options{Protocol: myproto.Protocol}) }
//	func FuzzCluster(f *testing.F) { paxossimtest.Fuzz(f, paxossimtest.Options{Protocol: myproto.Protocol}) }
//
// Then, from the module's root:
//
//	go test ./mypkg -run '^TestSeeds$' -paxossim.seeds=500                     # a sweep from a fresh base seed
//	go test ./mypkg -run '^TestSeeds$' -paxossim.scenario=chaos -paxossim.seed=S -paxossim.trace
//	go test ./mypkg -run '^TestSeeds$' -paxossim.plan=DIR/params.json           # a saved or shrunk run
//	go test ./mypkg -run '^TestSeeds$' -paxossim.recheck=DIR                    # re-check a saved history
//
// Every failure prints the command that replays it, in this form.
package paxossimtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
)

// Options say what a test checks.
type Options struct {
	// Protocol is the protocol under test; it is registered if it is not
	// yet. Nil: paxossim's reference protocol, or -paxossim.protocol.
	Protocol *protocol.Protocol
	// Scenarios are the scenarios a sweep runs when -paxossim.scenario is
	// not given; nil: every base scenario.
	Scenarios []string
	// Expect adds, per scenario name, probes a sweep of that scenario must
	// reach (on top of paxossim's own expectations for the protocol).
	Expect map[string][]scenarios.Expectation
	// Seeds is the default number of seeds per scenario of a sweep
	// (0: 60; a sixth with -short).
	Seeds int
}

func (o Options) protocol() (*protocol.Protocol, error) {
	if o.Protocol == nil {
		return protocol.Lookup(scenarios.DefaultProtocol)
	}
	if err := protocol.Register(o.Protocol); err != nil {
		return nil, err
	}
	return o.Protocol, nil
}

// scenario returns the named scenario for the settings' protocol, with
// o's extra expectations.
func (o Options) scenario(st Settings, name string) (*scenarios.Scenario, error) {
	sc, err := scenarios.LookupFor(st.Protocol.Name, name)
	if err != nil {
		return nil, err
	}
	sc.Expect = append(sc.Expect, o.Expect[name]...)
	return sc, sc.Validate()
}

// Seeds sweeps each scenario over fresh seeds (or -paxossim.seeds of them
// from -paxossim.base-seed), or, with -paxossim.seed or -paxossim.plan,
// replays exactly one run, or, with -paxossim.recheck, re-checks a saved
// history. Every failure is reported with its replay commands, the last
// trace events and artifacts (the HTML visualization of the history among
// them), and fails t.
func Seeds(t *testing.T, o Options) {
	t.Helper()
	st, err := ParseSettings(o)
	if err != nil {
		t.Fatalf("bad flags: %v", err)
	}
	target := GoTestOf(t)
	switch {
	case st.Recheck != "":
		recheck(t, st)
		return
	case st.Plan != "":
		p, err := scenarios.LoadParams(st.Plan)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := protocol.Lookup(p.Protocol); err != nil {
			t.Fatal(err)
		}
		replay(t, st, p, target)
		return
	case st.SeedGiven:
		sc, err := o.scenario(st, st.Scenarios[0])
		if err != nil {
			t.Fatal(err)
		}
		p, err := sc.Params(st.Seed, st.Mutant)
		if err != nil {
			t.Fatal(err)
		}
		replay(t, st, p, target)
		return
	}
	if st.Mutant != "" {
		t.Logf("mutant=%s: failures are expected", st.Mutant)
	}
	t.Logf("base-seed=%d (replay the sweep with -%sbase-seed=%d)", st.BaseSeed, scenarios.FlagPrefix, st.BaseSeed)
	done := beforeDeadline(t)
	for _, name := range st.Scenarios {
		// One subtest per scenario: -run 'TestSeeds/chaos' picks one, and
		// -json and JUnit reports show each.
		t.Run(name, func(t *testing.T) {
			sc, err := o.scenario(st, name)
			if err != nil {
				t.Fatal(err)
			}
			sw := scenarios.Sweep{Scenario: sc, Mutant: st.Mutant, Start: st.BaseSeed, Count: st.Seeds,
				Parallel: st.Parallel, DeterminismEvery: st.DeterminismEvery, StopAfter: 3, Replay: target, Done: done}
			sum, err := sw.Run()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			t.Log("\n" + sum.String())
			if err := appendSummary(st, t.Name(), &sum); err != nil {
				t.Errorf("-%ssummary: %v", scenarios.FlagPrefix, err)
			}
			for i := range sum.Failed {
				ReportFailure(t, st, &sum.Failed[i])
			}
			if sum.Stopped && sum.Failures == 0 {
				t.Logf("stopped after %d of %d seeds, before go test's deadline (-timeout); the rest of the sweep: -%sbase-seed=%d -%sseeds=%d",
					sum.Runs, st.Seeds, scenarios.FlagPrefix, st.BaseSeed+uint64(sum.Runs), scenarios.FlagPrefix, st.Seeds-sum.Runs)
			}
			if len(sum.Missing) > 0 {
				t.Errorf("scenario %s never reached %v in %d seeds from base seed %d: the faults no longer exercise what the scenario exists for",
					name, sum.Missing, sum.Runs, st.BaseSeed)
			}
		})
	}
}

// beforeDeadline returns a channel closed a while before go test's
// deadline (-timeout), so that a long sweep stops starting seeds and
// reports what it ran instead of dying in go test's timeout panic; nil
// without a deadline.
func beforeDeadline(t *testing.T) <-chan struct{} {
	deadline, ok := t.Deadline()
	if !ok {
		return nil
	}
	margin := min(time.Until(deadline)/10, time.Minute)
	done := make(chan struct{})
	timer := time.AfterFunc(time.Until(deadline)-margin, func() { close(done) })
	t.Cleanup(func() { timer.Stop() })
	return done
}

// ReportFailure explains a failed run (re-running it with the trace tail),
// writes its artifacts and fails the test with the report.
func ReportFailure(t testing.TB, st Settings, res *scenarios.Result) {
	t.Helper()
	ex := scenarios.Explain(*res)
	dir := st.Out
	if dir == "" && artifactsRequested() {
		dir = t.ArtifactDir() // go test -artifacts: kept under -outputdir
	}
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "paxossim-"); err != nil {
			t.Fatal(err)
		}
	}
	arts, err := scenarios.WriteArtifacts(dir, &ex)
	if err != nil {
		t.Logf("writing artifacts: %v", err)
	}
	t.Error("\n" + scenarios.Report(&ex, arts))
}

// replay runs exactly one run, optionally printing every trace event, and
// prints its verdict and trace hash last.
func replay(t *testing.T, st Settings, p scenarios.Params, target scenarios.GoTest) {
	fmt.Print(scenarios.Knobs(&p).String())
	opts := scenarios.RunOptions{TraceTail: scenarios.ReportTail}
	if st.Trace {
		opts.Trace = os.Stdout
	}
	res := scenarios.RunParams(p, opts)
	res.Replay = target
	if !res.Passed() {
		ReportFailure(t, st, &res)
	}
	fmt.Printf("verdict: %s\n", verdictLine(res.Failure))
	fmt.Printf("trace-hash: %016x\n", res.Hash)
}

func verdictLine(f *scenarios.Failure) string {
	if f == nil {
		return "pass"
	}
	return "fail " + string(f.Check)
}

func recheck(t *testing.T, st Settings) {
	r, err := scenarios.RecheckPath(st.Recheck, scenarios.RecheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("linearizability: %s (%s checker, %d operations of spec %s)\n", r.Result.Verdict, r.Result.Checker, r.Ops, r.Spec)
	fmt.Printf("page: %s\n", r.Page)
	if r.Result.Verdict != scenarios.VerdictOk {
		t.Errorf("recheck of %s: %s: %s", st.Recheck, r.Result.Verdict, r.Result.Explanation)
	}
}

// artifactsRequested reports whether go test runs with -artifacts.
func artifactsRequested() bool {
	f := flag.Lookup("test.artifacts")
	return f != nil && f.Value.String() == "true"
}

// GoTestOf names the go test entry point a test runs as: its package
// directory relative to its module's root (go test runs in the package
// directory), and its top-level test name. Reports print their replay
// commands with it.
func GoTestOf(t testing.TB) scenarios.GoTest {
	name, _, _ := strings.Cut(t.Name(), "/")
	g := scenarios.GoTest{Package: ".", Test: name}
	wd, err := os.Getwd()
	root := moduleRootDir()
	if err != nil || root == "" {
		return g
	}
	if rel, err := filepath.Rel(root, wd); err == nil && rel != "." {
		g.Package = "./" + filepath.ToSlash(rel)
	}
	return g
}

// appendSummary appends one line for a finished sweep to the summary file,
// if one is asked for: go test shows a passing package's output only with
// -v, and the base seed of a fresh sweep is what a user needs to run it
// again. Subtests of parallel packages append whole lines (O_APPEND, one
// write each).
func appendSummary(st Settings, test string, sum *scenarios.Summary) error {
	if st.Summary == "" {
		return nil
	}
	verdict := "PASS"
	if sum.Failures > 0 {
		verdict = "FAIL"
	}
	line := fmt.Sprintf("%s %s protocol=%s mutant=%s base-seed=%d seeds=%d failures=%d stopped=%t revision=%s run again: -run '^%s$' -%sbase-seed=%d -%sseeds=%d\n",
		verdict, test, st.Protocol.Name, orNone(st.Mutant), st.BaseSeed, sum.Runs, sum.Failures, sum.Stopped, scenarios.Revision(),
		test, scenarios.FlagPrefix, st.BaseSeed, scenarios.FlagPrefix, st.Seeds)
	f, err := os.OpenFile(st.Summary, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
