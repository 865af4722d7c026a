package scenarios

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/sim"
)

// Sweep runs many seeds of a scenario in parallel: one simulation per
// goroutine, never parallelism inside one, so every run is exactly the run
// its seed describes. The go test entry points and the command line both
// use it.
type Sweep struct {
	Scenario *Scenario
	Mutant   string
	// Seeds run are Start, Start+1, ..., Start+Count-1, of which this
	// process takes those whose index i (0-based) has i % ShardCount ==
	// ShardIndex (ShardCount 0 or 1: all of them).
	Start      uint64
	Count      int
	ShardIndex int
	ShardCount int
	// Parallel is the number of seeds run at once; 0 means GOMAXPROCS.
	Parallel int
	// DeterminismEvery re-runs every k-th seed (by index) and fails it if
	// the trace hash differs; 0 means never.
	DeterminismEvery int
	// StopAfter stops starting new seeds after this many failures; 0 means
	// never stop early.
	StopAfter int
	// OnResult, if set, sees every result, one at a time, in completion
	// order.
	OnResult func(*Result)
	// Done, if set, stops the sweep from starting new seeds once closed
	// (a wall-time budget, an interrupt); runs under way finish.
	Done <-chan struct{}
	// Replay names the go test entry point for the replay commands in
	// reports (zero: paxossim's own).
	Replay GoTest
	// Checker selects the linearizability checker (zero: Auto, the exact
	// checker where it applies); a verdict never depends on it, only the
	// time it takes, so it exists to compare them.
	Checker lincheck.Checker
	// KeepFailed bounds the failed results the summary keeps (those with
	// the lowest seeds), so that a long sweep of a mutant does not hold
	// every history in memory; 0 means 20. Failures are all counted.
	KeepFailed int
}

// Summary adds up a sweep.
type Summary struct {
	Scenario string
	Protocol string
	Mutant   string
	Runs     int
	Failures int
	ByCheck  map[Check]int
	Coverage Coverage
	Events   uint64
	Steps    int64
	// DeterminismChecks counts the seeds re-run to compare trace hashes.
	DeterminismChecks int
	SimTime           sim.Duration
	// SimWall and CheckWall add up the per-run wall times of the
	// simulations and of the linearizability checks; Wall is the sweep's
	// elapsed time.
	SimWall, CheckWall, Wall time.Duration
	// Failed holds failed runs, by seed: the Sweep.KeepFailed lowest.
	Failed []Result
	keep   int
	// Missing lists the scenario's expected probes that no run reached.
	Missing []string
	// Stopped is set when the sweep stopped early (StopAfter or Done).
	Stopped bool
}

func closed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Validate reports a sweep that cannot run.
func (sw *Sweep) Validate() error {
	switch {
	case sw.Scenario == nil:
		return fmt.Errorf("sweep: no scenario")
	case sw.Count < 0:
		return fmt.Errorf("sweep: Count = %d: must be >= 0", sw.Count)
	case sw.Parallel < 0:
		return fmt.Errorf("sweep: Parallel = %d: must be >= 1 (or 0 for every core)", sw.Parallel)
	case sw.ShardCount < 0 || sw.ShardIndex < 0 || (sw.ShardCount > 0 && sw.ShardIndex >= sw.ShardCount):
		return fmt.Errorf("sweep: shard %d/%d: need 0 <= index < count", sw.ShardIndex, sw.ShardCount)
	case sw.DeterminismEvery < 0 || sw.StopAfter < 0:
		return fmt.Errorf("sweep: DeterminismEvery and StopAfter must be >= 0")
	}
	return sw.Scenario.Validate()
}

// Run executes the sweep and returns its summary.
func (sw *Sweep) Run() (Summary, error) {
	if err := sw.Validate(); err != nil {
		return Summary{}, err
	}
	par := sw.Parallel
	if par == 0 {
		par = runtime.GOMAXPROCS(0)
	}
	type job struct {
		index int
		seed  uint64
	}
	jobs := make(chan job)
	results := make(chan Result)
	var wg sync.WaitGroup
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- sw.one(j.index, j.seed)
			}
		}()
	}
	stop := make(chan struct{})
	go func() {
		defer close(jobs)
		for i := 0; i < sw.Count; i++ {
			if sw.ShardCount > 1 && i%sw.ShardCount != sw.ShardIndex {
				continue
			}
			select {
			case jobs <- job{i, sw.Start + uint64(i)}:
			case <-stop:
				return
			case <-sw.Done:
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	start := time.Now()
	sum := Summary{Scenario: sw.Scenario.Name, Protocol: sw.Scenario.Protocol, Mutant: sw.Mutant, ByCheck: map[Check]int{}, keep: orDefault(sw.KeepFailed, 20)}
	stopped := false
	for res := range results {
		sum.add(&res)
		if sw.OnResult != nil {
			sw.OnResult(&res)
		}
		if !stopped && sw.StopAfter > 0 && sum.Failures >= sw.StopAfter {
			close(stop)
			stopped = true
		}
	}
	sum.Wall = time.Since(start)
	sum.Stopped = stopped || closed(sw.Done)
	if sw.Mutant == "" && !sum.Stopped {
		sum.Missing = missing(sum.Coverage, sw.Scenario.Expect, sum.Runs)
	}
	return sum, nil
}

// CheckHarness fails a seed whose run panicked in the harness itself (not
// in a node, which the kernel catches as CheckPanic): a bug in paxossim,
// not in the protocol.
const CheckHarness Check = "harness-panic"

// one runs a seed; a panic in the harness itself (not in a node, which the
// kernel catches) becomes that seed's failure, so the sweep goes on.
func (sw *Sweep) one(index int, seed uint64) (res Result) {
	defer func() {
		if v := recover(); v != nil {
			p, _ := sw.Scenario.Params(seed, sw.Mutant)
			res = failed(p, CheckHarness, fmt.Sprintf("harness panic: %v", v))
			res.PanicStack = string(debug.Stack())
		}
	}()
	res = Run(sw.Scenario, seed, sw.Mutant, RunOptions{Checker: sw.Checker})
	res.Replay = sw.Replay
	if res.Failure == nil && sw.DeterminismEvery > 0 && index%sw.DeterminismEvery == 0 {
		res.DeterminismChecked = true
		if f := VerifyDeterminism(&res); f != nil {
			res.Failure = f
		}
	}
	return res
}

func (sum *Summary) add(res *Result) {
	sum.Runs++
	if res.DeterminismChecked {
		sum.DeterminismChecks++
	}
	sum.Coverage.Add(res.Coverage)
	sum.Events += res.Events
	sum.Steps += res.Steps
	sum.SimTime += sim.Duration(res.SimTime)
	sum.SimWall += res.SimWall
	sum.CheckWall += res.CheckWall
	if res.Failure != nil {
		sum.Failures++
		sum.ByCheck[res.Failure.Check]++
		i := sort.Search(len(sum.Failed), func(i int) bool { return sum.Failed[i].Params.Seed > res.Params.Seed })
		if i < sum.keep {
			sum.Failed = slices.Insert(sum.Failed, i, *res)
			if len(sum.Failed) > sum.keep {
				sum.Failed = sum.Failed[:sum.keep]
			}
		}
	}
}

// CheckShare is the share of run time spent in the linearizability
// check.
func (sum *Summary) CheckShare() float64 {
	total := sum.SimWall + sum.CheckWall
	if total == 0 {
		return 0
	}
	return float64(sum.CheckWall) / float64(total)
}

// String prints the summary as a small table.
func (sum *Summary) String() string {
	var b strings.Builder
	secs := sum.Wall.Seconds()
	fmt.Fprintf(&b, "scenario=%s protocol=%s mutant=%s seeds=%d failures=%d wall=%.2fs\n", sum.Scenario, sum.Protocol, orNone(sum.Mutant), sum.Runs, sum.Failures, secs)
	if secs > 0 {
		fmt.Fprintf(&b, "seeds/s=%.1f events/s=%.0f sim-s/wall-s=%.0f check-share=%.1f%%\n",
			float64(sum.Runs)/secs, float64(sum.Events)/secs, float64(sum.SimTime)/float64(sim.Second)/secs, 100*sum.CheckShare())
	}
	if len(sum.ByCheck) > 0 {
		checks := make([]string, 0, len(sum.ByCheck))
		for c, n := range sum.ByCheck {
			checks = append(checks, fmt.Sprintf("%s=%d", c, n))
		}
		sort.Strings(checks)
		fmt.Fprintf(&b, "failures by check: %s\n", strings.Join(checks, " "))
	}
	fmt.Fprintf(&b, "determinism: %d seeds re-run, trace hashes compared\n", sum.DeterminismChecks)
	fmt.Fprintf(&b, "coverage: %s\n", sum.Coverage)
	if len(sum.Missing) > 0 {
		fmt.Fprintf(&b, "never reached (this scenario exists to exercise them): %s\n", strings.Join(sum.Missing, " "))
	}
	return b.String()
}

// VerifyDeterminism re-runs res's seed and returns a determinism failure if
// the trace differs, naming the first divergent trace event.
func VerifyDeterminism(res *Result) *Failure {
	again := RunParams(res.Params, RunOptions{SkipLinearizability: true})
	if again.Hash == res.Hash {
		return nil
	}
	return &Failure{Check: CheckDeterminism, Fact: firstDivergence(res.Params, res.Hash, again.Hash)}
}

// firstDivergence re-runs the seed twice with full traces and names the
// first line where they differ.
func firstDivergence(p Params, h1, h2 uint64) string {
	return fmt.Sprintf("seed %d ran twice gave trace hashes %016x and %016x; %s", p.Seed, h1, h2, diffTraces(traceOf(p), traceOf(p)))
}

// traceOf runs p with the full trace and returns it.
func traceOf(p Params) string {
	var b bytes.Buffer
	RunParams(p, RunOptions{Trace: &b, SkipLinearizability: true})
	return b.String()
}

// diffTraces describes the first difference between two traces.
func diffTraces(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("first divergent event (line %d):\n  run 1: %s\n  run 2: %s", i+1, la[i], lb[i])
		}
	}
	if len(la) != len(lb) {
		return fmt.Sprintf("the traces share %d lines, then one ends", min(len(la), len(lb)))
	}
	return "traced re-runs did not diverge (the nondeterminism is intermittent)"
}
