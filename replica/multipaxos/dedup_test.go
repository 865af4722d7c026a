package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// duplicating delivers every message twice, the second copy later.
type duplicating struct{}

func (duplicating) Send(s *sim.Sim, from, to sim.NodeID, msg sim.Message) {
	s.Schedule(s.Now().Add(sim.Millisecond), from, to, msg, 0)
	s.Schedule(s.Now().Add(sim.Duration(1+s.NetworkRand().IntN(30))*sim.Millisecond), from, to, msg, 0)
}

func (duplicating) Arrive(*sim.Sim, sim.NodeID, sim.NodeID, uint32, bool) sim.DropCause {
	return sim.CauseNone
}

// A retried or duplicated Append applies exactly once.
func TestRetriedAppendAppliesOnce(t *testing.T) {
	t.Run("duplicate delivery", func(t *testing.T) {
		c := newCluster(t, clusterOpts{seed: 3, replicas: 3, clients: 5, opsPerClient: 200, keys: 4, appendOnly: true, checked: true})
		c.s.SetTransport(duplicating{})
		c.runUntilDone(sim.Time(60 * sim.Second))
		c.settle(sim.Second)
		c.checkConverged()
		c.checkAcked(c.replica(0))
		l := c.replica(c.leader())
		require.Positive(t, l.Coverage().DupAnswered, "duplicate requests answered from the dedup table")
	})
	t.Run("retry after a lost reply", func(t *testing.T) {
		// Replies are lost: the client times out and retries the same
		// (client, seq), and the leader answers from the dedup table
		// instead of appending again.
		c := newCluster(t, clusterOpts{seed: 4, replicas: 3, clients: 5, opsPerClient: 200, keys: 4, appendOnly: true,
			checked: true, ccfg: ClientConfig{RequestTimeout: 20 * sim.Millisecond}})
		c.s.SetTransport(lossyReplies{p: 0.3})
		c.runUntilDone(sim.Time(60 * sim.Second))
		c.settle(sim.Second)
		c.checkConverged()
		c.checkAcked(c.replica(0))
		var retries uint64
		for i := range c.clients {
			retries += c.client(i).Stats().Retries
		}
		require.Greater(t, retries, uint64(100))
		require.Positive(t, c.replica(c.leader()).Coverage().DupAnswered)
	})
}

// lossyReplies drops a fraction p of the replies to clients.
type lossyReplies struct{ p float64 }

func (l lossyReplies) Send(s *sim.Sim, from, to sim.NodeID, msg sim.Message) {
	if _, ok := msg.(Reply); ok && s.NetworkRand().Float64() < l.p {
		s.Drop(from, to, msg, sim.CauseLoss)
		return
	}
	s.Schedule(s.Now().Add(sim.Millisecond), from, to, msg, 0)
}

func (lossyReplies) Arrive(*sim.Sim, sim.NodeID, sim.NodeID, uint32, bool) sim.DropCause {
	return sim.CauseNone
}

// The same seed gives the same run, event for event.
func TestDeterminism(t *testing.T) {
	run := func() (uint64, uint64) {
		c, err := runChaos(t, 42, chaosOpts{replicas: 5, clients: 3, ops: 40, faultTime: 2 * sim.Second})
		require.NoError(t, err)
		return c.s.Hash(), c.s.Events()
	}
	h1, n1 := run()
	h2, n2 := run()
	require.Equal(t, h1, h2)
	require.Equal(t, n1, n2)
}
