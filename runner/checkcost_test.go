package runner_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/spec"
)

// voteCheckArms are the two runs the cost of the chosen and divergence
// checks is measured between: every check, and every check but those two.
var voteCheckArms = [2]runner.Options{{}, runner.WithoutVoteChecks(runner.Options{})}

// runWhole is one run as a sweep makes it: the simulation, then the
// linearizability check of its history.
func runWhole(t testing.TB, p runner.Params, opts runner.Options, m spec.Model) runner.Result {
	res := runner.Simulate(p, opts)
	if res.Failure == nil {
		if v := lincheck.Judge(m, res.History, lincheck.Options{Budget: p.Checks.CheckBudget}).Verdict; v != lincheck.Ok {
			t.Fatalf("seed %d: the history is %v", p.Seed, v)
		}
	}
	return res
}

func chaosWorld(t testing.TB) (*scenarios.Scenario, spec.Model) {
	sc, err := scenarios.LookupFor(scenarios.DefaultProtocol, "chaos")
	require.NoError(t, err)
	proto, err := protocol.Lookup(scenarios.DefaultProtocol)
	require.NoError(t, err)
	sp, err := spec.Lookup(proto.Spec)
	require.NoError(t, err)
	return sc, sp.Model()
}

// TestVoteChecksOnlyObserve: the chosen and divergence checks read the
// servers' disks and views and never change the run, so leaving them out
// gives the same trace; and on a correct protocol both arms pass.
func TestVoteChecksOnlyObserve(t *testing.T) {
	sc, m := chaosWorld(t)
	for seed := uint64(0); seed < 20; seed++ {
		p, err := sc.Params(seed, "")
		require.NoError(t, err)
		with, without := runWhole(t, p, voteCheckArms[0], m), runWhole(t, p, voteCheckArms[1], m)
		require.Nil(t, with.Failure, "seed %d", seed)
		require.Nil(t, without.Failure, "seed %d", seed)
		require.Equal(t, with.Hash, without.Hash, "seed %d", seed)
	}
}

// BenchmarkVoteChecksCost measures what the chosen and divergence checks
// add to a clean chaos sweep, side by side in one process: each seed runs
// with and without them, in alternating order, so that whatever else
// loads the machine lands on both arms alike. It reports the checks'
// share of the run time with them (total and median over seeds), the
// linearizability check of each history included in both arms.
//
//	go test ./runner -run '^$' -bench VoteChecksCost -benchtime 3000x -cpu 1
func BenchmarkVoteChecksCost(b *testing.B) {
	sc, m := chaosWorld(b)
	var total [2]time.Duration
	shares := make([]float64, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := sc.Params(uint64(i), "")
		if err != nil {
			b.Fatal(err)
		}
		var took [2]time.Duration
		for k := range 2 {
			arm := (i + k) % 2
			start := time.Now()
			res := runWhole(b, p, voteCheckArms[arm], m)
			took[arm] = time.Since(start)
			if res.Failure != nil {
				b.Fatalf("seed %d: %v", i, res.Failure)
			}
		}
		total[0] += took[0]
		total[1] += took[1]
		shares = append(shares, 1-float64(took[1])/float64(took[0]))
	}
	b.ReportMetric(100*(1-float64(total[1])/float64(total[0])), "checks-%")
	b.ReportMetric(100*medianOf(shares), "median-checks-%")
	b.ReportMetric(float64(total[0].Microseconds())/float64(b.N), "µs/seed")
}

func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
