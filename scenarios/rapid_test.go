package scenarios_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/paxossim/paxossim/paxossimtest"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/spec/kv"
)

// TestRapid checks the property-based test of whole runs
// (paxossimtest.Rapid) for the protocol, or for -paxossim.mutant (where a
// failure is expected). rapid's -rapid.checks (default 100) bounds the
// runs; -rapid.seed replays rapid's choices. A shrunk counterexample is
// saved under testdata/rapid and replays exactly with
//
//	go test ./scenarios -run '^TestSeeds$' -paxossim.plan=FILE -paxossim.trace
//
// (TestRapidShrinksQuorumMinusOne, in paxossimtest, checks the shrinking.)
func TestRapid(t *testing.T) { paxossimtest.Rapid(t, paxossimtest.Options{}) }

// TestRunGenDrawsValidRuns: every run RunGen draws validates, heals when
// its plan does, uses one of the spec's workload variants, and round-trips
// through JSON (the form a shrunk run is saved and replayed in).
func TestRunGenDrawsValidRuns(t *testing.T) {
	variants := map[string]bool{}
	for _, v := range (kv.Spec{}).Variants() {
		variants[string(v)] = true
	}
	rapid.Check(t, func(t *rapid.T) {
		p := scenarios.RunGen(multipaxos.Name, "").Draw(t, "run")
		require.NoError(t, p.Validate())
		healAt, ok := p.Plan.HealAt()
		require.True(t, ok, "the plan does not end healed")
		require.Equal(t, healAt, p.HealAt)
		require.Contains(t, []int{3, 5}, p.Servers)
		require.Equal(t, p.Servers, p.Network.Servers)
		require.Equal(t, scenarios.RunGenScenario, p.Scenario)
		require.Equal(t, multipaxos.Name, p.Protocol)
		require.Empty(t, p.Mutant)
		require.True(t, variants[string(p.Workload.Spec)], "workload %s is not one of kv's variants", p.Workload.Spec)
		data, err := json.Marshal(p)
		require.NoError(t, err)
		q, err := runner.DecodeParams(data)
		require.NoError(t, err)
		require.Equal(t, p, q)
	})
}

// TestRunGenRejectsUnknownNames: RunGen panics for a protocol or mutant it
// does not know (a programming error in the property).
func TestRunGenRejectsUnknownNames(t *testing.T) {
	require.Panics(t, func() { scenarios.RunGen("raft", "") })
	require.Panics(t, func() { scenarios.RunGen(multipaxos.Name, "off-by-one") })
	require.NotPanics(t, func() { scenarios.RunGen(multipaxos.Name, "quorum-minus-one") })
}
