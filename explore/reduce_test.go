package explore

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSleepSetsFindTheSameStates: the search with sleep sets finds the
// states, depths and first violation (on the same path) that it finds
// taking every choice, on protocols whose steps mostly commute (Paxos
// without layers), whose servers' steps do not (layer histories order
// them), whose replicas read their clocks (leases), with faults among
// the choices, and on mutants; and it takes fewer choices where steps
// commute.
func TestSleepSetsFindTheSameStates(t *testing.T) {
	lease, err := Setup{Protocol: "multipaxos-lease", Servers: 3, Clients: 2, Ops: 1, Seed: 3,
		Workload: json.RawMessage(`{"keys":1,"get":1,"put":1,"append":0}`)}.Params()
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		cfg     Config
		reduces bool
	}{
		{"paxos/no-layers", Config{Params: paxosSetup(t, "", 2, ""), MaxRound: 1, NoLayers: true, MaxDepth: 12}, true},
		{"paxos/layers", Config{Params: paxosSetup(t, "", 1, `{"get":0,"put":1}`), MaxRound: 1, MaxDepth: 12}, true},
		{"paxos/faults", Config{Params: paxosSetup(t, "", 2, ""), MaxRound: 1, NoLayers: true, Crashes: 1, Drops: 1, Dups: 1, MaxDepth: 6}, true},
		{"paxos/timers", Config{Params: paxosSetup(t, "", 1, ""), MaxRound: 2, NoLayers: true, Timers: 2, MaxDepth: 9}, true},
		{"paxos/write-minority", Config{Params: paxosSetup(t, "write-minority", 2, ""), MaxRound: 1, NoLayers: true}, true},
		{"paxos/reply-before-sync", Config{Params: paxosSetup(t, "reply-before-sync", 2, ""), MaxRound: 1, Crashes: 1, NoLayers: true}, true},
		{"multipaxos", Config{Params: mpSetup(t, ""), MaxRound: 2, Timers: 2, MaxDepth: 6}, false},
		{"multipaxos/quorum-minus-one", Config{Params: mpSetup(t, "quorum-minus-one"), MaxRound: 2, Timers: 2}, false},
		{"multipaxos-lease", Config{Params: lease, MaxRound: 2, Timers: 2, MaxDepth: 6}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := tc.cfg
			all.NoReduction = true
			want, err := Explore(all)
			require.NoError(t, err)
			require.Zero(t, want.Slept)
			got, err := Explore(tc.cfg)
			require.NoError(t, err)
			require.True(t, got.Snapshots, "fell back: %s", got.Fallback)
			assert.Equal(t, summarize(want), summarize(got))
			assert.Equal(t, want.Transitions, got.Transitions+got.Slept, "every choice is taken or asleep")
			if want.Violation != nil {
				require.NotNil(t, got.Violation)
				assert.Equal(t, want.Violation.Path, got.Violation.Path, "the same first violation")
			}
			if tc.reduces {
				assert.Positive(t, got.Slept)
			}
			t.Logf("%d states; %d choices taken of %d (%.0f%%)", got.States, got.Transitions, want.Transitions, 100*float64(got.Transitions)/float64(want.Transitions))
		})
	}
}
