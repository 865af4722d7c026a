package scenarios

import (
	"fmt"
	"io"
	"time"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/spec"
)

// The run path's types, under the names this package has always used.
type (
	Params   = runner.Params
	Workload = runner.Workload
	Checks   = runner.Checks
	Coverage = runner.Coverage
	Failure  = runner.Failure
	Check    = runner.Check
	Verdict  = lincheck.Verdict
)

// The checks (runner's), and the linearizability verdicts.
const (
	CheckLinearizability = runner.CheckLinearizability
	CheckAgreement       = runner.CheckAgreement
	CheckStability       = runner.CheckStability
	CheckPrefix          = runner.CheckPrefix
	CheckDivergence      = runner.CheckDivergence
	CheckChosen          = runner.CheckChosen
	CheckPromise         = runner.CheckPromise
	CheckLayer           = runner.CheckLayer
	CheckLiveness        = runner.CheckLiveness
	CheckBudgetSteps     = runner.CheckBudgetSteps
	CheckBudgetTime      = runner.CheckBudgetTime
	CheckPanic           = runner.CheckPanic
	CheckUnknown         = runner.CheckUnknown
	CheckDeterminism     = runner.CheckDeterminism
	CheckSetup           = runner.CheckSetup

	VerdictOk        = lincheck.Ok
	VerdictViolation = lincheck.Violation
	VerdictUnknown   = lincheck.Unknown
)

// RunOptions are the knobs of one execution that are not part of the run's
// world: they never change the trace hash.
type RunOptions struct {
	// Trace receives every trace line (replay -trace).
	Trace io.Writer
	// TraceTail keeps the last TraceTail lines for the report.
	TraceTail int
	// Checked turns on the kernel's message-mutation check.
	Checked bool
	// StepsMax overrides the kernel's step budget (0: the kernel's default).
	StepsMax int64
	// SkipLinearizability skips the history check (for determinism
	// re-runs, which compare hashes only).
	SkipLinearizability bool
	// Checker selects the linearizability checker (zero: Auto).
	Checker lincheck.Checker
}

// Result is a run and how it was judged, the linearizability verdict
// included.
type Result struct {
	runner.Result
	Linearizable Verdict
	// Check is the linearizability check's full result: which checker
	// judged, and for a violation the operations that prove it (history
	// indexes, which the HTML page marks).
	Check lincheck.Result
	// SimWall and CheckWall are the wall time of the simulation and of the
	// linearizability check (harness measurements, not part of the run).
	SimWall, CheckWall time.Duration
	// Replay names the go test entry point that replays the run, for the
	// report (zero: paxossim's own).
	Replay GoTest
	// DeterminismChecked is set when a sweep re-ran the seed to compare
	// trace hashes.
	DeterminismChecked bool
}

// Passed reports whether every check passed.
func (r *Result) Passed() bool { return r.Failure == nil }

// failed is a result that failed before it ran.
func failed(p Params, check Check, fact string) Result {
	return Result{Result: runner.Result{Params: p, Failure: &Failure{Check: check, Fact: fact}}}
}

// Run executes one seed of the scenario.
func Run(sc *Scenario, seed uint64, mutant string, opts RunOptions) Result {
	p, err := sc.Params(seed, mutant)
	if err != nil {
		return failed(p, CheckSetup, err.Error())
	}
	return RunParams(p, opts)
}

// RunParams executes one fully drawn run: the simulation (package runner),
// then, if it passed, the linearizability check of its history.
func RunParams(p Params, opts RunOptions) Result {
	wallStart := time.Now() // harness measurement only; never reaches the run
	res := Result{Result: runner.Simulate(p, runner.Options{
		Trace: opts.Trace, TraceTail: opts.TraceTail, Checked: opts.Checked, StepsMax: opts.StepsMax})}
	res.SimWall = time.Since(wallStart)
	if res.Failure == nil && !opts.SkipLinearizability {
		checkStart := time.Now()
		res.Linearizable = checkHistory(&res, opts.Checker)
		res.CheckWall = time.Since(checkStart)
	}
	return res
}

// modelOf returns the model of the spec a run's protocol serves.
func modelOf(p *Params) (spec.Model, error) {
	proto, err := protocol.Lookup(p.Protocol)
	if err != nil {
		return spec.Model{}, err
	}
	sp, err := spec.Lookup(proto.Spec)
	if err != nil {
		return spec.Model{}, err
	}
	return sp.Model(), nil
}

// checkHistory runs the linearizability check and sets a failure for a
// violation, or for an unknown verdict unless it is allowed.
func checkHistory(res *Result, checker lincheck.Checker) Verdict {
	m, err := modelOf(&res.Params)
	if err != nil {
		res.Failure = &Failure{Check: CheckSetup, Fact: err.Error()}
		return VerdictUnknown
	}
	opts := lincheck.Options{Budget: res.Params.Checks.CheckBudget, Checker: checker}
	res.Check = lincheck.Judge(m, res.History, opts)
	switch res.Check.Verdict {
	case VerdictViolation:
		res.Failure = &Failure{Check: CheckLinearizability, Fact: res.Check.Explanation}
	case VerdictUnknown:
		if !res.Params.Checks.AllowUnknown {
			res.Failure = &Failure{Check: CheckUnknown, Fact: fmt.Sprintf(
				"%s; allow with allow_unknown or raise check_budget", res.Check.Explanation)}
		}
	}
	if res.Failure == nil {
		checkLayers(res, opts)
	}
	return res.Check.Verdict
}

// missing returns the expected probes a sweep of runs seeds should have
// reached and did not.
func missing(c Coverage, expect []Expectation, runs int) []string {
	var out []string
	for _, e := range expect {
		if n, _ := c.Get(e.Probe); runs >= e.Within && n == 0 {
			out = append(out, e.Probe)
		}
	}
	return out
}
