package paxoscommit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// The case two-phase commit blocks in: every RM has prepared and the
// coordinator crashes before anyone learns the outcome. In two-phase
// commit the RMs must wait for the coordinator to come back; here the
// votes live with a majority of acceptors, so another leader finishes the
// transaction while the old one is still down.

// testClient sends one transaction until a server answers it, following
// redirects, as the harness's client does.
type testClient struct {
	env     sim.Env
	servers []sim.NodeID
	txn     Txn
	target  sim.NodeID
	outcome Outcome
}

const clientRetry sim.TimerTag = 0

func (c *testClient) Start(env sim.Env) { c.env = env; env.SetTimer(clientRetry, 300*sim.Millisecond) }

func (c *testClient) send() {
	c.env.Send(c.target, Request{Client: c.env.ID(), Seq: 1, Txn: c.txn})
	c.env.SetTimer(clientRetry, 100*sim.Millisecond)
}

func (c *testClient) Receive(from sim.NodeID, msg sim.Message) {
	switch m := msg.(type) {
	case Reply:
		c.outcome = m.Outcome
		c.env.CancelTimer(clientRetry)
	case Redirect:
		if m.Hint >= 0 {
			c.target = m.Hint
		} else {
			c.target = c.servers[(int(from)+1)%len(c.servers)]
		}
		c.send()
	}
}

func (c *testClient) Timer(sim.TimerTag) {
	if c.outcome == 0 {
		c.target = c.servers[(int(c.target)+1)%len(c.servers)]
		c.send()
	}
}

// checkEvents replays every server's events against the model, as the
// harness's layer check does, and fails at the first refused one.
type checkEvents struct {
	states map[string]any
	buf    []Event
}

func (ce *checkEvents) drain(t *testing.T, s *sim.Sim, n int) {
	m := Model()
	for id := 0; id < n; id++ {
		srv, ok := s.Node(sim.NodeID(id)).(*Server)
		if !ok {
			continue
		}
		ce.buf = srv.DrainEvents(ce.buf[:0])
		for _, e := range ce.buf {
			st, have := ce.states[e.Txn]
			if !have {
				st = m.Init()
			}
			ok, next := m.Step(st, e, Ack{})
			require.True(t, ok, "the model refuses %v after %s", e, m.DescribeState(st))
			ce.states[e.Txn] = next
		}
	}
}

func TestLeaderCrashAfterEveryRMPreparedDoesNotBlock(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		const n = 5
		s, err := sim.New(sim.Config{Seed: seed})
		require.NoError(t, err)
		cfg := Config{Heartbeat: DefaultHeartbeat, ElectionMin: DefaultElectionMin, ElectionMax: DefaultElectionMax,
			PrepareWait: DefaultPrepareWait, HelpAfter: DefaultHelpAfter}
		for i := 0; i < n; i++ {
			cfg.Servers = append(cfg.Servers, sim.NodeID(i))
		}
		factory, err := New(cfg)
		require.NoError(t, err)
		for i := 0; i < n; i++ {
			s.AddNode(factory)
		}
		cl := &testClient{servers: cfg.Servers}
		clientID := s.AddNode(func(sim.NodeID) sim.Node { return cl })
		for id := 0; id <= int(clientID); id++ {
			s.Start(sim.NodeID(id))
		}
		server := func(id sim.NodeID) *Server { return s.Node(id).(*Server) }
		events := &checkEvents{states: map[string]any{}}

		// Wait for a leader; the transaction's RMs live on two other
		// servers (RM i on server i), and the client starts at the leader.
		leader := sim.NodeID(-1)
		s.Run(sim.Time(2*sim.Second), func() bool {
			for id := 0; id < n; id++ {
				if _, ok := server(sim.NodeID(id)).Leading(); ok {
					leader = sim.NodeID(id)
				}
			}
			return leader >= 0
		})
		require.GreaterOrEqual(t, int(leader), 0, "seed %d: no leader", seed)
		rms := []int{int(leader+1) % n, int(leader+2) % n}
		if rms[0] > rms[1] {
			rms[0], rms[1] = rms[1], rms[0]
		}
		cl.txn = Txn{ID: "t1", RMs: rms, Prepare: []bool{true, true}}
		cl.target = leader

		// Run until both RMs prepared, then crash the coordinator: no one
		// knows the outcome yet.
		prepared := func() bool {
			for _, rm := range rms {
				if v, _ := server(sim.NodeID(rm)).RMState("t1", rm); v != Prepared {
					return false
				}
			}
			return true
		}
		s.Run(sim.Time(5*sim.Second), func() bool { events.drain(t, s, n); return prepared() })
		require.True(t, prepared(), "seed %d: the RMs never prepared", seed)
		for _, rm := range rms {
			require.Zero(t, server(sim.NodeID(rm)).KnownOutcome("t1"), "seed %d: the outcome was known before the crash", seed)
		}
		require.True(t, s.Crash(leader))

		// The leader stays down. The transaction must still finish: both
		// RMs committed (they prepared, and their votes were accepted by
		// the acceptors that are up) and the client told.
		done := func() bool {
			for _, rm := range rms {
				if _, f := server(sim.NodeID(rm)).RMState("t1", rm); f == 0 {
					return false
				}
			}
			return cl.outcome != 0
		}
		s.Run(s.Now().Add(5*sim.Second), func() bool { events.drain(t, s, n); return done() })
		require.True(t, done(), "seed %d: the transaction blocked after its coordinator %v crashed", seed, leader)
		assert.False(t, s.Up(leader), "the old coordinator is still down")
		for _, rm := range rms {
			_, f := server(sim.NodeID(rm)).RMState("t1", rm)
			assert.Equal(t, cl.outcome, f, "seed %d: rm%d", seed, rm)
		}
		assert.Equal(t, Commit, cl.outcome, "seed %d: both RMs prepared and a majority accepted their votes before the crash", seed)
		newLeader := false
		for id := 0; id < n; id++ {
			if sim.NodeID(id) == leader {
				continue
			}
			if _, ok := server(sim.NodeID(id)).Leading(); ok {
				newLeader = true
			}
		}
		assert.True(t, newLeader, "seed %d: another server leads", seed)
	}
}
