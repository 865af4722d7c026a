package scenarios_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/paxossimtest"
	"github.com/paxossim/paxossim/scenarios"
)

// TestSeeds sweeps every base scenario (or -paxossim.scenario) over
// -paxossim.seeds fresh seeds, or, with -paxossim.seed or -paxossim.plan,
// replays exactly one run, or, with -paxossim.recheck, re-checks a saved
// history (see paxossimtest.Seeds). Every failure is reported with its
// replay command, the last trace events and artifacts (the porcupine
// visualization among them).
//
//	go test ./scenarios -run '^TestSeeds$' -paxossim.scenario=chaos -paxossim.seed=S -paxossim.trace
func TestSeeds(t *testing.T) { paxossimtest.Seeds(t, paxossimtest.Options{}) }

// TestRarePathsAreReached sweeps chaos long enough for its rarest expected
// probe (gap filling, reached by about 4% of seeds) to be required, from a
// fresh base seed (or -paxossim.base-seed). About a second on two cores.
func TestRarePathsAreReached(t *testing.T) {
	if testing.Short() {
		t.Skip("a 700-seed sweep")
	}
	st, err := paxossimtest.ParseSettings(paxossimtest.Options{})
	if err != nil {
		t.Fatalf("bad flags: %v", err)
	}
	sc, err := scenarios.LookupFor(st.Protocol.Name, "chaos")
	require.NoError(t, err)
	within := 0
	for _, e := range sc.Expect {
		within = max(within, e.Within)
	}
	require.Positive(t, within, "chaos expects no probe of %s", st.Protocol.Name)
	sum, err := (&scenarios.Sweep{Scenario: sc, Start: st.BaseSeed, Count: within, Parallel: st.Parallel, StopAfter: 1}).Run()
	require.NoError(t, err)
	for i := range sum.Failed {
		paxossimtest.ReportFailure(t, st, &sum.Failed[i])
	}
	assert.Equal(t, within, sum.Runs)
	assert.Empty(t, sum.Missing, "chaos from base seed %d never reached %v in %d seeds; coverage: %s", st.BaseSeed, sum.Missing, sum.Runs, sum.Coverage)
}
