package scenarios_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/replica/paxos"
	"github.com/paxossim/paxossim/scenarios"
)

// Single-decree Paxos under the mutant suite and the layer checks.

// paxosSafety are the checks any safety bug of single-decree Paxos can
// fail: clients told different decisions, servers that decide differently,
// and a layer's history that its specification does not allow.
// checkChosen is the check that a decided value had a durable majority
// vote at one ballot; named by its value so that this file does not
// depend on the check being built in.
var (
	paxosSafety = []scenarios.Check{scenarios.CheckLinearizability, scenarios.CheckAgreement, scenarios.CheckStability,
		scenarios.CheckPrefix, scenarios.CheckLayer}
	checkChosen = scenarios.CheckChosen
)

// Each paxos mutant must be caught by a check its bug can fail: a read,
// write or acceptor bug lets two values be decided, which agreement,
// linearizability or the register layer sees; a write on a minority and an
// answer before the sync decide on votes that are not a durable majority
// (chosen); an answer before the sync also shows after a crash as a round
// that went back (promise-monotonic).
var paxosExpectedChecks = map[string][]scenarios.Check{
	"read-lowest-round":  paxosSafety,
	"write-minority":     append([]scenarios.Check{checkChosen}, paxosSafety...),
	"accept-below-round": paxosSafety,
	"propose-own-value":  paxosSafety,
	"reply-before-sync":  append([]scenarios.Check{checkChosen, scenarios.CheckPromise}, paxosSafety...),
}

// TestPaxosMutantTargetsCoverTheCatalogue: every paxos mutant has a
// target, in catalogue order, naming a real scenario.
func TestPaxosMutantTargetsCoverTheCatalogue(t *testing.T) {
	var names []string
	for _, tg := range scenarios.MutantTargetsFor(paxos.Name) {
		names = append(names, tg.Mutant)
		_, err := scenarios.LookupFor(tg.Protocol, tg.Scenario)
		assert.NoError(t, err, tg.Mutant)
		assert.Positive(t, tg.Budget, tg.Mutant)
		assert.Contains(t, paxosExpectedChecks, tg.Mutant, "every mutant needs its expected checks")
	}
	assert.Equal(t, paxos.Protocol.MutantNames(), names, "the targets list every mutant once, in catalogue order")
	assert.Subset(t, scenarios.MutantTargets(), scenarios.MutantTargetsFor(paxos.Name))
}

// TestPaxosScenarios: every named scenario runs paxos, with expectations
// that name its probes.
func TestPaxosScenarios(t *testing.T) {
	for _, name := range scenarios.Names() {
		sc, err := scenarios.LookupFor(paxos.Name, name)
		require.NoError(t, err, name)
		require.NoError(t, sc.Validate(), name)
	}
	sc, err := scenarios.LookupFor(paxos.Name, "crashes-3")
	require.NoError(t, err)
	var probes []string
	for _, e := range sc.Expect {
		probes = append(probes, e.Probe)
	}
	assert.Contains(t, probes, paxos.ProbeDiskRecovery, "crashes exists to exercise recovery")
	assert.Contains(t, probes, paxos.ProbeContention)
}

// TestPaxosMutantsCaught hunts every paxos mutant from -mutant-reps base
// seeds, as TestMutantsCaught does MultiPaxos's: each must be caught within
// its budget, by a check its bug can fail, and its first failure must
// replay.
func TestPaxosMutantsCaught(t *testing.T) {
	rows, err := scenarios.HuntMutants(scenarios.MutantTargetsFor(paxos.Name), mutantBases(t))
	require.NoError(t, err)
	t.Logf("\n%s", scenarios.MutantTable(rows))
	for i := range rows {
		r := &rows[i]
		for _, d := range r.Detections {
			if !d.Caught {
				t.Errorf("mutant %s escaped: %d seeds of %s from base seed %d all passed\nreplay: go test ./scenarios -run '^TestSeeds$' -paxossim.protocol=paxos -paxossim.scenario=%s -paxossim.mutant=%s -paxossim.base-seed=%d -paxossim.seeds=%d",
					d.Mutant, d.Budget, d.Scenario, d.Base, d.Scenario, d.Mutant, d.Base, d.Budget)
				continue
			}
			if want := paxosExpectedChecks[d.Mutant]; !slices.Contains(want, d.Check) {
				t.Errorf("mutant %s: seed %d of %s was caught by %s; the bug it models should be caught by one of %v", d.Mutant, d.Seed, d.Scenario, d.Check, want)
			}
		}
		for _, d := range r.Detections {
			if d.Caught {
				checkReplay(t, paxos.Name, d)
				break
			}
		}
	}
}

// TestLayerBugIsReportedAtTheLayer: a bug inside round-based consensus
// (propose-own-value: proposeRC writes its own value over the one its read
// returned) is reported by the layer check, naming the consensus layer,
// in runs where no client and no server's decision shows it: a Get that
// only learns, at a server that missed the decision, is told that nothing
// is decided while its client's Put has not returned yet.
func TestLayerBugIsReportedAtTheLayer(t *testing.T) {
	sc, err := scenarios.LookupFor(paxos.Name, "nemesis-leader-isolation-3")
	require.NoError(t, err)
	const budget = 200 // one seed in five fails at the layer (measured: 18% of 5,000)
	var layerFailure *scenarios.Result
	for seed := uint64(1); seed <= budget && layerFailure == nil; seed++ {
		res := scenarios.Run(sc, seed, "propose-own-value", scenarios.RunOptions{})
		if res.Failure != nil && res.Failure.Check == scenarios.CheckLayer {
			layerFailure = &res
		}
	}
	require.NotNil(t, layerFailure, "no seed of %d failed at a layer", budget)
	fact := layerFailure.Failure.Fact
	assert.True(t, strings.HasPrefix(fact, "layer round-based-consensus: the history is not linearizable"), fact)
	assert.Contains(t, fact, "proposeRC(")
	assert.Equal(t, scenarios.VerdictOk, layerFailure.Linearizable, "the clients' history passed: only the layer shows the bug")

	// The correct protocol passes the same seed.
	ok := scenarios.Run(sc, layerFailure.Params.Seed, "", scenarios.RunOptions{})
	assert.Nil(t, ok.Failure)

	// A bug in the acceptors is reported at the register layer.
	sc, err = scenarios.LookupFor(paxos.Name, "calm-5")
	require.NoError(t, err)
	for seed := uint64(1); seed <= budget; seed++ {
		res := scenarios.Run(sc, seed, "accept-below-round", scenarios.RunOptions{})
		if res.Failure != nil && res.Failure.Check == scenarios.CheckLayer {
			assert.True(t, strings.HasPrefix(res.Failure.Fact, "layer round-based-register: "), res.Failure.Fact)
			return
		}
	}
	t.Errorf("accept-below-round never failed at the register layer in %d seeds of calm-5", budget)
}
