package scenarios

import (
	"bytes"
	"fmt"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync"
)

// ReplayCommands returns the go test and command-line invocations that
// replay the run exactly, with the full trace. A run of a registered
// scenario replays from its name and seed; any other run (a rapid or fuzz
// counterexample, a hand-edited one) replays from its saved params file,
// which WriteArtifacts writes ("" prints a placeholder).
func ReplayCommands(p *Params) (goTest, cli string) {
	return ReplayCommandsFile(p, "")
}

// ReplayCommandsFile is ReplayCommands with the path of the run's saved
// params.json, used when the scenario is not in the registry.
func ReplayCommandsFile(p *Params, paramsFile string) (goTest, cli string) {
	if _, err := Lookup(p.Scenario); err != nil {
		if paramsFile == "" {
			paramsFile = "<params.json>"
		}
		return fmt.Sprintf("go test ./scenarios -run 'TestSeeds$' -plan=%s -trace", paramsFile),
			fmt.Sprintf("go run ./cmd/paxossim replay -plan %s -trace", paramsFile)
	}
	mut, cmut := "", ""
	if p.Protocol.Mutant != "" {
		mut = " -mutant=" + p.Protocol.Mutant
		cmut = " -mutant " + p.Protocol.Mutant
	}
	goTest = fmt.Sprintf("go test ./scenarios -run 'TestSeeds$' -scenario=%s -seed=%d%s -trace", p.Scenario, p.Seed, mut)
	cli = fmt.Sprintf("go run ./cmd/paxossim replay -scenario %s -seed %d%s -trace", p.Scenario, p.Seed, cmut)
	return goTest, cli
}

// Revision is the VCS revision the code was built from, with "+dirty" for
// a modified tree, or "unknown". A seed replays the same run only at the
// same revision. It reads the build's VCS stamp and, where there is none
// (go test binaries, or -buildvcs=false), asks git in the working
// directory, once.
func Revision() string {
	revisionOnce.Do(func() { revision = readRevision() })
	return revision
}

var (
	revisionOnce sync.Once
	revision     string
)

func readRevision() string {
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
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		rev += "+dirty"
	}
	return rev
}

// Report formats a failed run for a person, in the order DESIGN.md gives:
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
	fmt.Fprintf(&b, "FAIL scenario=%s seed=%d check=%s\n", p.Scenario, p.Seed, check)
	paramsFile := ""
	if artifacts != nil {
		paramsFile = artifacts.Params
	}
	goTest, cli := ReplayCommandsFile(p, paramsFile)
	fmt.Fprintf(&b, "replay:   %s\n          %s\n", goTest, cli)
	fmt.Fprintf(&b, "revision: %s\n", Revision())
	fmt.Fprintf(&b, "failed:   %s: %s\n", check, indent(fact, "          "))
	b.WriteString("--- parameters\n")
	b.WriteString(p.Knobs().String())
	fmt.Fprintf(&b, "trace_hash=%016x events=%d steps=%d sim_time=%v ops=%d completed=%d linearizable=%s\n",
		res.Hash, res.Events, res.Steps, res.SimTime, res.Ops, res.Completed, orNone(string(res.Linearizable)))
	b.WriteString("--- fault plan\n")
	if len(p.Plan.Faults) == 0 {
		b.WriteString("(no faults)\n")
	} else {
		b.WriteString(p.Plan.String() + "\n")
	}
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
func Explain(res Result) Result {
	again := RunParams(res.Params, RunOptions{TraceTail: ReportTail})
	if again.Hash != res.Hash || checkOf(again.Failure) != checkOf(res.Failure) {
		again.Failure = &Failure{Check: CheckDeterminism, Fact: fmt.Sprintf(
			"replaying seed %d gave trace hash %016x and check %q; the first run gave %016x and %q",
			res.Params.Seed, again.Hash, checkOf(again.Failure), res.Hash, checkOf(res.Failure))}
	}
	again.SimWall, again.CheckWall = res.SimWall, res.CheckWall
	return again
}

func checkOf(f *Failure) Check {
	if f == nil {
		return ""
	}
	return f.Check
}
