package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// Crash the leader mid-stream: a new leader takes over, every acknowledged
// write survives exactly once, and the old leader, restarted from its disk,
// catches up to the same state.
func TestFailoverLeaderCrash(t *testing.T) {
	for _, fate := range []sim.DiskFate{sim.DiskLoseUnsynced, sim.DiskTear} {
		t.Run(fate.String(), func(t *testing.T) {
			c := newCluster(t, clusterOpts{seed: 7, replicas: 3, clients: 5, opsPerClient: 400, keys: 8, appendOnly: true, checked: true,
				ccfg: ClientConfig{ThinkTimeMin: 2 * sim.Millisecond, ThinkTimeMax: 6 * sim.Millisecond}})
			var crashed int
			c.s.At(sim.Time(1500*sim.Millisecond), func() {
				crashed = c.leader()
				require.GreaterOrEqual(t, crashed, 0)
				require.True(t, c.s.CrashWith(sim.NodeID(crashed), fate))
			})
			c.s.At(sim.Time(3*sim.Second), func() { require.True(t, c.s.Restart(sim.NodeID(crashed))) })
			c.runUntilDone(sim.Time(60 * sim.Second))
			c.settle(2 * sim.Second)
			c.checkConverged()
			c.checkAcked(c.replica(0))
			var changes uint64
			for i := 0; i < 3; i++ {
				changes += c.replica(i).Coverage().LeaderChanges
			}
			require.NotEqual(t, crashed, c.leader(), "a new leader took over")
			require.Positive(t, changes)
			cov := c.replica(crashed).Coverage()
			require.EqualValues(t, 1, cov.DiskRecoveries, "restarted leader loaded its disk")
			require.Positive(t, cov.CatchUpReceived, "restarted leader caught up")
		})
	}
}

// Crash every replica at once and restart them all: every committed slot
// keeps its command and no acknowledged write is lost.
func TestRecoveryAllCrash(t *testing.T) {
	c := newCluster(t, clusterOpts{seed: 11, replicas: 3, clients: 5, opsPerClient: 400, keys: 8, appendOnly: true, checked: true,
		ccfg: ClientConfig{ThinkTimeMin: 2 * sim.Millisecond, ThinkTimeMax: 6 * sim.Millisecond}})
	var before []Command
	c.s.At(sim.Time(2*sim.Second), func() {
		l := c.replica(c.leader())
		for s := 0; s < l.Committed(); s++ {
			cmd, _ := l.DecidedAt(s)
			before = append(before, cmd)
		}
		for i := 0; i < 3; i++ {
			c.s.CrashWith(sim.NodeID(i), sim.DiskTear)
		}
	})
	c.s.At(sim.Time(2100*sim.Millisecond), func() {
		for i := 0; i < 3; i++ {
			require.True(t, c.s.Restart(sim.NodeID(i)))
		}
	})
	c.runUntilDone(sim.Time(60 * sim.Second))
	c.settle(2 * sim.Second)
	c.checkConverged()
	c.checkAcked(c.replica(0))
	require.NotEmpty(t, before)
	r := c.replica(0)
	for s, want := range before {
		got, ok := r.DecidedAt(s)
		require.True(t, ok)
		require.Equal(t, want, got, "slot %d changed across the restart", s)
	}
	var recovered, gaps uint64
	for i := 0; i < 3; i++ {
		cov := c.replica(i).Coverage()
		require.EqualValues(t, 1, cov.DiskRecoveries)
		recovered += cov.Recovered
		gaps += cov.GapsFilled
	}
	require.Positive(t, recovered, "the new leader re-proposed recovered values")
}

// Isolate the leader: the majority elects a new one while clients of the
// old one time out (never a failure reply) and retry elsewhere; after the
// partition heals the old leader sees the higher ballot, steps down and
// catches up.
func TestPartitionedLeader(t *testing.T) {
	c := newCluster(t, clusterOpts{seed: 5, replicas: 5, clients: 5, opsPerClient: 300, keys: 8, appendOnly: true, checked: true,
		ccfg: ClientConfig{ThinkTimeMin: 5 * sim.Millisecond, ThinkTimeMax: 15 * sim.Millisecond}})
	net := &chaosNet{latencyMax: 1, cut: map[[2]sim.NodeID]bool{}}
	c.s.SetTransport(net)
	old := -1
	c.s.At(sim.Time(1500*sim.Millisecond), func() {
		old = c.leader()
		require.GreaterOrEqual(t, old, 0)
		for i := 0; i < c.s.NumNodes(); i++ {
			if i != old {
				net.cut[[2]sim.NodeID{sim.NodeID(old), sim.NodeID(i)}] = true
				net.cut[[2]sim.NodeID{sim.NodeID(i), sim.NodeID(old)}] = true
			}
		}
	})
	during := -1
	c.s.At(sim.Time(3500*sim.Millisecond), func() {
		require.True(t, c.replica(old).IsLeader(), "isolated, the old leader cannot know it was deposed")
		for i := 0; i < c.n; i++ {
			if i != old && c.replica(i).IsLeader() {
				during = i
			}
		}
		clear(net.cut)
	})
	c.runUntilDone(sim.Time(60 * sim.Second))
	c.settle(2 * sim.Second)
	c.checkConverged()
	c.checkAcked(c.replica(0))
	require.GreaterOrEqual(t, during, 0, "the majority elected another leader")
	require.False(t, c.replica(old).IsLeader(), "the old leader stepped down")
	require.True(t, c.replica(old).Promised().Round > 1)
}
