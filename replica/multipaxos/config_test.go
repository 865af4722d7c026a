package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // a substring of the error; "" for a valid config
	}{
		{"defaults with N", Config{N: 3}, ""},
		{"explicit replicas", Config{Replicas: []sim.NodeID{4, 2, 9}}, ""},
		{"no replicas", Config{}, "N = 0"},
		{"too many", Config{N: MaxReplicas + 1}, "N = 65"},
		{"N disagrees", Config{N: 2, Replicas: []sim.NodeID{0, 1, 2}}, "N = 2 disagrees"},
		{"duplicate id", Config{Replicas: []sim.NodeID{0, 1, 1}}, "Replicas: duplicate id n1"},
		{"negative id", Config{Replicas: []sim.NodeID{-1, 1}}, "Replicas: negative id"},
		{"min above max", Config{N: 3, ElectionTimeoutMin: 900 * sim.Millisecond}, "ElectionTimeoutMin = 900.000ms > ElectionTimeoutMax"},
		{"heartbeat too slow", Config{N: 3, HeartbeatInterval: 300 * sim.Millisecond}, "HeartbeatInterval = 300.000ms: must be below ElectionTimeoutMin"},
		{"negative retry", Config{N: 3, RetryInterval: -1}, "RetryInterval"},
		{"negative window", Config{N: 3, Window: -1}, "Window = -1"},
		{"unknown mutant", Config{N: 3, Mutant: "nope"}, `Mutant = "nope": unknown (known: quorum-minus-one,`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				_, err = New(tt.cfg)
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
			_, err = New(tt.cfg)
			require.Error(t, err)
		})
	}
	for _, m := range Mutants() {
		require.NoError(t, Config{N: 3, Mutant: m.Name}.Validate())
		require.NotEmpty(t, m.Description)
	}
	require.Len(t, Mutants(), 10)
}

func TestConfigDefaults(t *testing.T) {
	c := Config{N: 3}.withDefaults()
	require.Equal(t, []sim.NodeID{0, 1, 2}, c.Replicas)
	require.Equal(t, DefaultHeartbeatInterval, c.HeartbeatInterval)
	require.Equal(t, DefaultElectionTimeoutMin, c.ElectionTimeoutMin)
	require.Equal(t, DefaultElectionTimeoutMax, c.ElectionTimeoutMax)
	require.Equal(t, DefaultRetryInterval, c.RetryInterval)
	require.Equal(t, DefaultWindow, c.Window)
	f, err := New(Config{Replicas: []sim.NodeID{3, 5}})
	require.NoError(t, err)
	require.Panics(t, func() { f(4) }, "a factory for a non-replica id is a harness bug")
	require.Equal(t, 1, f(5).(*Replica).self)
}
