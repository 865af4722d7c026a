package paxossimtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/sim"
)

// TestSavedRunSurvivesDefaultChange: a saved counterexample holds its
// protocol config resolved, so it replays the same run, and still fails,
// after a protocol default changes; the same seed drawn afresh from the
// scenario is a different run under the new default.
func TestSavedRunSurvivesDefaultChange(t *testing.T) {
	sc, err := scenarios.Lookup("nemesis-leader-isolation-3")
	require.NoError(t, err)
	var res scenarios.Result
	for seed := uint64(1); seed < 50; seed++ {
		if res = scenarios.Run(sc, seed, "quorum-minus-one", scenarios.RunOptions{}); res.Failure != nil {
			break
		}
	}
	require.NotNil(t, res.Failure, "quorum-minus-one escaped 50 seeds")
	arts, err := scenarios.WriteArtifacts(t.TempDir(), &res)
	require.NoError(t, err)

	bySeed, _ := scenarios.ReplayCommands(&res, arts.Params)
	assert.Contains(t, bySeed, "-paxossim.seed=", "a run its scenario draws replays from its seed")
	edited := res
	edited.Params.Workload.Ops--
	byFile, _ := scenarios.ReplayCommands(&edited, "edited.json")
	assert.Contains(t, byFile, "-paxossim.plan=edited.json", "an edited run replays from its file, never from a seed that replays another run")
	assert.NotContains(t, byFile, "-paxossim.seed=")

	old := multipaxos.Defaults
	t.Cleanup(func() { multipaxos.Defaults = old })
	multipaxos.Defaults.HeartbeatInterval = 20 * sim.Millisecond
	multipaxos.Defaults.ElectionTimeoutMin = 150 * sim.Millisecond

	saved, err := scenarios.LoadParams(arts.Params)
	require.NoError(t, err)
	again := scenarios.RunParams(saved, scenarios.RunOptions{})
	byFile, _ = scenarios.ReplayCommands(&again, arts.Params)
	assert.Contains(t, byFile, "-paxossim.plan=", "once the default changed, the seed draws another run: replay from the file")
	require.NotNil(t, again.Failure, "the saved counterexample passes after a default changed")
	assert.Equal(t, res.Failure.Check, again.Failure.Check)
	assert.Equal(t, res.Hash, again.Hash, "the saved run replays the same trace")

	fresh, err := sc.Params(res.Params.Seed, "quorum-minus-one")
	require.NoError(t, err)
	assert.NotEqual(t, string(saved.Config), string(fresh.Config), "the new default reaches freshly drawn runs")
	assert.NotEqual(t, res.Hash, scenarios.RunParams(fresh, scenarios.RunOptions{}).Hash)
}
