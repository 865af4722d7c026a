package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
)

// GoTest names the go test entry point that replays a run: the package,
// as a path relative to its module's root ("./scenarios"), and the test
// ("TestSeeds"). The zero value is paxossim's own.
type GoTest struct {
	Package string
	Test    string
}

// DefaultGoTest is paxossim's own go test entry point.
var DefaultGoTest = GoTest{Package: "./scenarios", Test: "TestSeeds"}

func (g GoTest) orDefault() GoTest {
	if g.Package == "" || g.Test == "" {
		return DefaultGoTest
	}
	return g
}

// FlagPrefix prefixes every go test flag of paxossim ("-paxossim.seed"), so
// that none can collide with go test's own flags (-trace, -run, -v, ...)
// or another package's, as rapid's "-rapid." flags do.
const FlagPrefix = "paxossim."

// builtin lists the protocols the paxossim command knows; a run of any
// other protocol replays only from its own go test.
var builtin = map[string]bool{DefaultProtocol: true}

// ReplayCommands returns the go test and command-line invocations that
// replay the run exactly, with the full trace, each to be run from its
// module's root. A run that its registered scenario draws from its seed
// replays from the scenario's name and seed; any other run (a rapid or
// fuzz counterexample, a hand-edited params file, a run saved before a
// default changed) replays from its saved params file, which
// WriteArtifacts writes ("" prints a placeholder), never from a seed that
// would replay a different run. cli is "" for a protocol the paxossim command does
// not know (a user's own).
func ReplayCommands(res *Result, paramsFile string) (goTest, cli string) {
	p := &res.Params
	g := res.Replay.orDefault()
	gt := fmt.Sprintf("go test %s -run '^%s$'", g.Package, g.Test)
	flag := func(name, value string) string { return fmt.Sprintf(" -%s%s=%s", FlagPrefix, name, value) }
	if !drawnBySeed(p) {
		if paramsFile == "" {
			paramsFile = "<params.json>"
		}
		goTest = gt + flag("plan", paramsFile) + " -" + FlagPrefix + "trace"
		if builtin[p.Protocol] {
			cli = fmt.Sprintf("go run ./cmd/paxossim replay -plan %s -trace", paramsFile)
		}
		return goTest, cli
	}
	goTest = gt + flag("scenario", p.Scenario) + flag("seed", fmt.Sprint(p.Seed))
	cli = fmt.Sprintf("go run ./cmd/paxossim replay -scenario %s -seed %d", p.Scenario, p.Seed)
	if p.Protocol != DefaultProtocol {
		goTest += flag("protocol", p.Protocol)
		cli += " -protocol " + p.Protocol
	}
	if p.Mutant != "" {
		goTest += flag("mutant", p.Mutant)
		cli += " -mutant " + p.Mutant
	}
	goTest += " -" + FlagPrefix + "trace"
	cli += " -trace"
	if !builtin[p.Protocol] {
		cli = ""
	}
	return goTest, cli
}

// drawnBySeed reports whether p is exactly the run its scenario draws from
// its seed, so that the seed alone replays it.
func drawnBySeed(p *Params) bool {
	sc, err := LookupFor(p.Protocol, p.Scenario)
	if err != nil {
		return false
	}
	q, err := sc.Params(p.Seed, p.Mutant)
	if err != nil {
		return false
	}
	a, errA := json.Marshal(p)
	b, errB := json.Marshal(&q)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// Revision is the VCS revision the code was built from, with "+dirty" for
// a modified tree: the one SetRevision named, else the binary's VCS stamp,
// else "unknown". A seed replays the same run only at the same revision.
// It never asks git in the working directory, which may be another
// checkout, at another commit, or none.
func Revision() string {
	revisionMu.Lock()
	defer revisionMu.Unlock()
	if revision == "" {
		revision = buildRevision()
	}
	return revision
}

// SetRevision names the revision reports record, for a binary without a
// VCS stamp (go run, go test, -buildvcs=false): the command's -revision
// flag, or the revision of the module a go test tests.
func SetRevision(rev string) {
	revisionMu.Lock()
	defer revisionMu.Unlock()
	revision = rev
}

var (
	revisionMu sync.Mutex
	revision   string
)

// buildRevision reads the binary's VCS stamp, or "unknown".
func buildRevision() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if dirty {
				rev += "+dirty"
			}
			return rev
		}
	}
	return "unknown"
}

// Report formats a failed run for a person, in this order:
// scenario and seed, the replay commands, the check and its first offending
// fact, the drawn parameters and fault plan, the last trace events, and the
// artifacts (the porcupine visualization among them) if they were written.
func Report(res *Result, artifacts *Artifacts) string {
	var b strings.Builder
	p := &res.Params
	check, fact := "none", "all checks passed"
	if res.Failure != nil {
		check, fact = string(res.Failure.Check), res.Failure.Fact
	}
	fmt.Fprintf(&b, "FAIL scenario=%s protocol=%s seed=%d check=%s\n", p.Scenario, p.Protocol, p.Seed, check)
	paramsFile := ""
	if artifacts != nil {
		paramsFile = artifacts.Params
	}
	goTest, cli := ReplayCommands(res, paramsFile)
	fmt.Fprintf(&b, "replay:   %s\n", goTest)
	if cli != "" {
		fmt.Fprintf(&b, "          %s\n", cli)
	}
	fmt.Fprintf(&b, "revision: %s\n", Revision())
	fmt.Fprintf(&b, "failed:   %s: %s\n", check, indent(fact, "          "))
	b.WriteString("--- parameters\n")
	b.WriteString(Knobs(p).String())
	fmt.Fprintf(&b, "trace_hash=%016x events=%d steps=%d sim_time=%v ops=%d completed=%d linearizable=%s\n",
		res.Hash, res.Events, res.Steps, res.SimTime, res.Ops, res.Completed, orNone(string(res.Linearizable)))
	b.WriteString("--- fault plan\n")
	if len(p.Plan.Faults) == 0 {
		b.WriteString("(no faults)\n")
	} else {
		b.WriteString(p.Plan.String() + "\n")
	}
	b.WriteString(ClockReport(res))
	if res.PanicStack != "" {
		b.WriteString("--- panic stack\n" + res.PanicStack + "\n")
	}
	if len(res.TraceTail) > 0 {
		fmt.Fprintf(&b, "--- last %d trace events\n", len(res.TraceTail))
		for _, l := range res.TraceTail {
			b.WriteString(l + "\n")
		}
	}
	if artifacts != nil {
		b.WriteString("--- artifacts\n")
		b.WriteString(artifacts.String())
	}
	return b.String()
}

func indent(s, prefix string) string { return strings.ReplaceAll(s, "\n", "\n"+prefix) }

// ReportTail is how many trace events a failure report shows.
const ReportTail = 50

// Explain re-runs a failed run with the trace tail kept (the runs are
// deterministic, so this is the same run) and returns the result to report.
// It also checks that the re-run reproduced the trace hash and the verdict:
// a mismatch is itself a determinism failure.
//
// A determinism failure (from VerifyDeterminism) keeps its own fact, which
// names the first divergent trace event.
func Explain(res Result) Result {
	if checkOf(res.Failure) == CheckSetup {
		// Nothing ran: the seed's run could not be drawn or set up, and
		// the failure says why (re-running would only report the empty
		// parameters).
		return res
	}
	again := RunParams(res.Params, RunOptions{TraceTail: ReportTail})
	switch {
	case checkOf(res.Failure) == CheckDeterminism:
		again.Failure = res.Failure
	case again.Hash != res.Hash || checkOf(again.Failure) != checkOf(res.Failure):
		fact := fmt.Sprintf("replaying seed %d gave trace hash %016x and check %q; the first run gave %016x and %q",
			res.Params.Seed, again.Hash, checkOf(again.Failure), res.Hash, checkOf(res.Failure))
		if again.Hash != res.Hash {
			fact += "; " + diffTraces(traceOf(res.Params), traceOf(res.Params))
		}
		again.Failure = &Failure{Check: CheckDeterminism, Fact: fact}
	}
	again.SimWall, again.CheckWall, again.Replay = res.SimWall, res.CheckWall, res.Replay
	return again
}

func checkOf(f *Failure) Check {
	if f == nil {
		return ""
	}
	return f.Check
}
