package scenarios_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/replica/paxoscommit"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/spec/commit"
)

// Paxos Commit under the mutant suite and its layer check.

// Each paxoscommit mutant breaks a safety property of the protocol, which
// the model of its events (the layer check) refuses at the event that
// breaks it; a client told Commit for a transaction an RM voted to abort
// fails the commit spec first (linearizability, the client history's
// check). The forget-promise mutant shows as an acceptance below a
// promise, which only the layer sees, unless it goes on to decide two
// outcomes.
var paxosCommitSafety = []scenarios.Check{scenarios.CheckLayer, scenarios.CheckLinearizability}

var paxosCommitExpectedChecks = map[string][]scenarios.Check{
	"commit-on-silence": paxosCommitSafety,
	"quorum-minus-one":  paxosCommitSafety,
	"recover-prepared":  paxosCommitSafety,
	"unilateral-abort":  paxosCommitSafety,
	"forget-promise":    paxosCommitSafety,
}

// TestPaxosCommitMutantTargetsCoverTheCatalogue: every paxoscommit mutant
// has a target, in catalogue order, naming a real scenario.
func TestPaxosCommitMutantTargetsCoverTheCatalogue(t *testing.T) {
	var names []string
	for _, tg := range scenarios.MutantTargetsFor(paxoscommit.Name) {
		names = append(names, tg.Mutant)
		_, err := scenarios.LookupFor(tg.Protocol, tg.Scenario)
		assert.NoError(t, err, tg.Mutant)
		assert.Positive(t, tg.Budget, tg.Mutant)
		assert.Contains(t, paxosCommitExpectedChecks, tg.Mutant, "every mutant needs its expected checks")
	}
	assert.Equal(t, paxoscommit.Protocol.MutantNames(), names, "the targets list every mutant once, in catalogue order")
	assert.Subset(t, scenarios.MutantTargets(), scenarios.MutantTargetsFor(paxoscommit.Name))
}

// TestPaxosCommitScenarios: every named scenario runs paxoscommit; the
// ones that exist to exercise a leader change mid-transaction, an abort
// forced by one RM, and the recovery of an instance by a new leader expect
// those probes.
func TestPaxosCommitScenarios(t *testing.T) {
	for _, name := range scenarios.Names() {
		sc, err := scenarios.LookupFor(paxoscommit.Name, name)
		require.NoError(t, err, name)
		require.NoError(t, sc.Validate(), name)
	}
	probes := func(name string) []string {
		sc, err := scenarios.LookupFor(paxoscommit.Name, name)
		require.NoError(t, err)
		var out []string
		for _, e := range sc.Expect {
			out = append(out, e.Probe)
		}
		return out
	}
	assert.Contains(t, probes("calm"), paxoscommit.ProbeForcedAbort)
	for _, name := range []string{"chaos", "crashes", "partitions"} {
		assert.Subset(t, probes(name), []string{paxoscommit.ProbeCoordChange, paxoscommit.ProbeRecovery,
			paxoscommit.ProbeRecoveredAbort, paxoscommit.ProbeRescued, paxoscommit.ProbeForcedAbort}, name)
	}
	assert.Contains(t, probes("crashes-3"), paxoscommit.ProbeDiskRecovery, "crashes exists to exercise recovery")
}

// TestPaxosCommitSweep: a short sweep of chaos passes every check, with
// the layer check judging every transaction's events, and reaches the
// paths the protocol exists for.
func TestPaxosCommitSweep(t *testing.T) {
	sc, err := scenarios.LookupFor(paxoscommit.Name, "chaos")
	require.NoError(t, err)
	seen := map[string]bool{}
	commits, aborts := 0, 0
	for seed := uint64(1); seed <= 40; seed++ {
		res := scenarios.Run(sc, seed, "", scenarios.RunOptions{})
		require.Nil(t, res.Failure, "seed %d: %v", seed, res.Failure)
		require.Len(t, res.Layers, 1)
		assert.NotEmpty(t, res.Layers[0].Ops, "seed %d: the servers reported no events", seed)
		for i, name := range res.Coverage.Names {
			if res.Coverage.Counts[i] > 0 {
				seen[name] = true
			}
		}
		for _, op := range res.History {
			if out, ok := op.Output.(commit.Output); ok {
				switch out.Outcome {
				case commit.Commit:
					commits++
				case commit.Abort:
					aborts++
				}
			}
		}
	}
	for _, p := range []string{paxoscommit.ProbeLeaderChange, paxoscommit.ProbeCoordChange, paxoscommit.ProbeForcedAbort,
		paxoscommit.ProbeRecovery, paxoscommit.ProbeRecoveredAbort, paxoscommit.ProbeRescued} {
		assert.True(t, seen[p], "40 chaos seeds never reached %s", p)
	}
	assert.Greater(t, commits, 2*aborts, "most transactions commit (commits %d, aborts %d)", commits, aborts)
	assert.Positive(t, aborts)
}

// TestPaxosCommitMutantsCaught hunts every paxoscommit mutant from
// -mutant-reps base seeds, as TestMutantsCaught does MultiPaxos's: each
// must be caught within its budget, by a check its bug can fail, and its
// first failure must replay.
func TestPaxosCommitMutantsCaught(t *testing.T) {
	rows, err := scenarios.HuntMutants(scenarios.MutantTargetsFor(paxoscommit.Name), mutantBases(t))
	require.NoError(t, err)
	t.Logf("\n%s", scenarios.MutantTable(rows))
	for i := range rows {
		r := &rows[i]
		for _, d := range r.Detections {
			if !d.Caught {
				t.Errorf("mutant %s escaped: %d seeds of %s from base seed %d all passed\nreplay: go test ./scenarios -run '^TestSeeds$' -paxossim.protocol=paxoscommit -paxossim.scenario=%s -paxossim.mutant=%s -paxossim.base-seed=%d -paxossim.seeds=%d",
					d.Mutant, d.Budget, d.Scenario, d.Base, d.Scenario, d.Mutant, d.Base, d.Budget)
				continue
			}
			if want := paxosCommitExpectedChecks[d.Mutant]; !slices.Contains(want, d.Check) {
				t.Errorf("mutant %s: seed %d of %s was caught by %s; the bug it models should be caught by one of %v", d.Mutant, d.Seed, d.Scenario, d.Check, want)
			}
		}
		for _, d := range r.Detections {
			if d.Caught {
				checkReplay(t, paxoscommit.Name, d)
				break
			}
		}
	}
}

// TestPaxosCommitLayerNamesTheBrokenInvariant: an RM that aborts on its
// own after preparing is refused by the layer's model at its own final
// state, in runs where the client history passes.
func TestPaxosCommitLayerNamesTheBrokenInvariant(t *testing.T) {
	sc, err := scenarios.LookupFor(paxoscommit.Name, "nemesis-leader-isolation-3")
	require.NoError(t, err)
	for seed := uint64(1); seed <= 20; seed++ {
		res := scenarios.Run(sc, seed, "unilateral-abort", scenarios.RunOptions{})
		if res.Failure == nil || res.Failure.Check != scenarios.CheckLayer {
			continue
		}
		fact := res.Failure.Fact
		assert.True(t, strings.HasPrefix(fact, "layer paxos-commit: "), fact)
		assert.Contains(t, fact, "is final abort")
		assert.Equal(t, scenarios.VerdictOk, res.Linearizable)
		ok := scenarios.Run(sc, seed, "", scenarios.RunOptions{})
		assert.Nil(t, ok.Failure, "the correct protocol passes the same seed")
		return
	}
	t.Errorf("unilateral-abort never failed at the layer in 20 seeds of nemesis-leader-isolation-3")
}

// BenchmarkPaxosCommit measures, per scenario, seeds/s (every check
// included) and transactions per simulated second, with the named
// scenarios' clients (5 clients, 40 transactions each, think time
// 30-130ms) and with the same clients saturating the cluster (no think
// time):
//
//	go test ./scenarios -run '^$' -bench PaxosCommit -benchtime 200x -cpu 1
func BenchmarkPaxosCommit(b *testing.B) {
	for _, name := range []string{"calm-3", "calm-5", "chaos-3", "chaos-5"} {
		for _, think := range []bool{true, false} {
			label := name + "/think"
			if !think {
				label = name + "/saturated"
			}
			b.Run(label, func(b *testing.B) {
				sc, err := scenarios.LookupFor(paxoscommit.Name, name)
				require.NoError(b, err)
				if !think {
					sc.Workload.ThinkMin, sc.Workload.ThinkMax = 0, 0
				}
				var txns, simNanos float64
				for i := 0; i < b.N; i++ {
					res := scenarios.Run(sc, uint64(i+1), "", scenarios.RunOptions{})
					require.Nil(b, res.Failure, "seed %d", i+1)
					txns += float64(res.Completed)
					simNanos += float64(res.SimTime) - float64(sc.Workload.StartAfter)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "seeds/s")
				b.ReportMetric(txns/(simNanos/1e9), "txn/sim-s")
			})
		}
	}
}

// TestPaxosCommitIsBuiltIn: its failures replay from the paxossim command
// as well as from go test.
func TestPaxosCommitIsBuiltIn(t *testing.T) {
	sc, err := scenarios.LookupFor(paxoscommit.Name, "calm-3")
	require.NoError(t, err)
	res := scenarios.Run(sc, 1, "", scenarios.RunOptions{SkipLinearizability: true})
	require.Nil(t, res.Failure)
	goTest, cli := scenarios.ReplayCommands(&res, "")
	assert.Equal(t, "go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=calm-3 -paxossim.seed=1 -paxossim.protocol=paxoscommit -paxossim.trace", goTest)
	assert.Equal(t, "go run ./cmd/paxossim replay -scenario calm-3 -seed 1 -protocol paxoscommit -trace", cli)
}
