package explore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// summary is what a search found, as the two ways of reaching states
// must agree on it. Its Transitions include the choices sleep sets
// skipped: without them the search takes those too.
type summary struct {
	States, Transitions, Depth, Pruned int
	Finished, Complete                 bool
	Check                              string
	PathLen                            int
}

func summarize(r Result) summary {
	s := summary{States: r.States, Transitions: r.Transitions + r.Slept, Depth: r.Depth, Pruned: r.Pruned, Finished: r.Finished, Complete: r.Complete}
	if v := r.Violation; v != nil {
		s.Check, s.PathLen = string(v.Failure.Check), len(v.Path)
	}
	return s
}

// TestSnapshotsCountWhatReexecutionCounts: copying worlds finds exactly
// the states, transitions and verdicts that re-executing paths finds,
// whether it keeps every world or almost none (each state's world then
// made again from its nearest ancestor's), on both protocols, with faults
// among the choices, and on mutants (the same check on a path as short).
func TestSnapshotsCountWhatReexecutionCounts(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"paxos/puts", Config{Params: paxosSetup(t, "", 1, `{"get":0,"put":1}`), MaxRound: 1, MaxDepth: 8}},
		{"paxos/no-layers", Config{Params: paxosSetup(t, "", 2, ""), MaxRound: 1, NoLayers: true, MaxDepth: 9}},
		{"paxos/faults", Config{Params: paxosSetup(t, "", 2, ""), MaxRound: 1, Crashes: 1, Drops: 1, Dups: 1, MaxDepth: 4}},
		{"paxos/write-minority", Config{Params: paxosSetup(t, "write-minority", 2, ""), MaxRound: 1}},
		{"paxos/reply-before-sync", Config{Params: paxosSetup(t, "reply-before-sync", 2, ""), MaxRound: 1, Crashes: 1}},
		{"multipaxos", Config{Params: mpSetup(t, ""), MaxRound: 2, Timers: 2, MaxDepth: 5}},
		{"multipaxos/quorum-minus-one", Config{Params: mpSetup(t, "quorum-minus-one"), MaxRound: 2, Timers: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			re := tc.cfg
			re.NoSnapshots = true
			want, err := Explore(re)
			require.NoError(t, err)
			require.False(t, want.Snapshots)
			var copied Result
			for _, keep := range []int{0, 1} {
				cfg := tc.cfg
				cfg.MaxSnapshots = keep
				got, err := Explore(cfg)
				require.NoError(t, err)
				require.True(t, got.Snapshots, "fell back: %s", got.Fallback)
				copied = got
				assert.Equal(t, summarize(want), summarize(got), "keeping %d worlds", keep)
				if v := got.Violation; v != nil {
					// The counterexample replays to the same check
					// (TestFindsMutants replays the default's).
					require.NotNil(t, want.Violation)
					assert.Equal(t, want.Violation.Failure.Check, v.Failure.Check)
				}
			}
			t.Logf("%+v; re-executed in %v, copied in %v", summarize(want), want.Wall, copied.Wall)
		})
	}
}

// TestSnapshotsFallBack: a protocol whose servers cannot be copied (they
// do not implement sim.Cloner) is explored by re-execution, and says so.
func TestSnapshotsFallBack(t *testing.T) {
	p, err := Setup{Protocol: "paxoscommit", Servers: 3, Clients: 1, Ops: 1, Seed: 1}.Params()
	require.NoError(t, err)
	res, err := Explore(Config{Params: p, MaxRound: 1, MaxDepth: 5})
	require.NoError(t, err)
	assert.False(t, res.Snapshots)
	assert.Contains(t, res.Fallback, "sim.Cloner")
	re, err := Explore(Config{Params: p, MaxRound: 1, MaxDepth: 5, NoSnapshots: true})
	require.NoError(t, err)
	assert.Equal(t, summarize(re), summarize(res))
	assert.Empty(t, re.Fallback, "asked not to copy: no fallback to report")

	_, err = Explore(Config{Params: paxosSetup(t, "", 1, ""), MaxSnapshots: -1})
	assert.Error(t, err)
}
