package paxos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// Handler tests, one layer at a time: a server in a given state, one
// message or timer, and the exact effects (sends, disk writes and syncs,
// timers) and the layer events it reports.

const client = sim.NodeID(7) // a client node id in a 3-server cluster

func rnd(number uint64, node sim.NodeID) Round { return Round{Number: number, Node: node} }

var testCfg = Config{CallTimeout: DefaultCallTimeout, BackoffMin: DefaultBackoffMin, BackoffMax: DefaultBackoffMax}

// testServer starts server id of an n-server cluster on a fresh TestEnv
// and forgets the effects of Start.
func testServer(t *testing.T, id, n int, mutant string) (*Server, *sim.TestEnv) {
	t.Helper()
	env := sim.NewTestEnv(sim.NodeID(id), 1)
	s := startOn(t, env, n, mutant)
	env.Reset()
	return s, env
}

// startOn builds a server on env's disk, as the kernel does at a restart.
func startOn(t *testing.T, env *sim.TestEnv, n int, mutant string) *Server {
	t.Helper()
	cfg := testCfg
	for i := 0; i < n; i++ {
		cfg.Servers = append(cfg.Servers, sim.NodeID(i))
	}
	cfg.Mutant = mutant
	f, err := New(cfg)
	require.NoError(t, err)
	s := f(env.Id).(*Server)
	s.Start(env)
	return s
}

func restart(t *testing.T, env *sim.TestEnv, n int) *Server {
	t.Helper()
	env.Inc++
	env.Timers = map[sim.TimerTag]sim.Time{}
	return startOn(t, env, n, "")
}

// drain returns the layer events since the last drain.
func drain(s *Server) []LayerEvent { return s.DrainEvents(nil) }

func toAll(n int, msg sim.Message) []sim.Envelope {
	var out []sim.Envelope
	for i := 0; i < n; i++ {
		out = append(out, sim.Envelope{To: sim.NodeID(i), Msg: msg})
	}
	return out
}

// TestAcceptor: the register's acceptor side. It switches to a round only
// if it is not below the current one, accepts only at or above it, and
// syncs a change before the answer that depends on it.
func TestAcceptor(t *testing.T) {
	tests := []struct {
		name     string
		mutant   string
		setup    []sim.Message // from n1 or n2 (by the round's node)
		msg      sim.Message   // from the round's node
		want     sim.Message
		wantAcc  acceptor
		unsynced int // when the answer went out
		writes   bool
	}{{
		name:    "a fresh acceptor switches to the round and reports nothing accepted",
		msg:     Read{Round: rnd(1, 1)},
		want:    ReadReply{Round: rnd(1, 1), OK: true, Current: rnd(1, 1)},
		wantAcc: acceptor{round: rnd(1, 1)},
		writes:  true,
	}, {
		name:    "a read below the current round is refused with the current round",
		setup:   []sim.Message{Read{Round: rnd(2, 2)}},
		msg:     Read{Round: rnd(2, 1)},
		want:    ReadReply{Round: rnd(2, 1), Current: rnd(2, 2)},
		wantAcc: acceptor{round: rnd(2, 2)},
	}, {
		name:    "a duplicated read is answered again, without a write",
		setup:   []sim.Message{Read{Round: rnd(2, 1)}},
		msg:     Read{Round: rnd(2, 1)},
		want:    ReadReply{Round: rnd(2, 1), OK: true, Current: rnd(2, 1)},
		wantAcc: acceptor{round: rnd(2, 1)},
	}, {
		name:    "a read reports the accepted value and its round",
		setup:   []sim.Message{Write{Round: rnd(1, 2), Value: "a"}},
		msg:     Read{Round: rnd(3, 1)},
		want:    ReadReply{Round: rnd(3, 1), OK: true, Accepted: rnd(1, 2), Value: "a", Current: rnd(3, 1)},
		wantAcc: acceptor{round: rnd(3, 1), accepted: rnd(1, 2), value: "a"},
		writes:  true,
	}, {
		name:    "a write at the current round is accepted",
		setup:   []sim.Message{Read{Round: rnd(1, 1)}},
		msg:     Write{Round: rnd(1, 1), Value: "a"},
		want:    WriteReply{Round: rnd(1, 1), OK: true, Current: rnd(1, 1)},
		wantAcc: acceptor{round: rnd(1, 1), accepted: rnd(1, 1), value: "a"},
		writes:  true,
	}, {
		name:    "a write above the current round is accepted and switches to it",
		setup:   []sim.Message{Read{Round: rnd(1, 2)}},
		msg:     Write{Round: rnd(2, 1), Value: "a"},
		want:    WriteReply{Round: rnd(2, 1), OK: true, Current: rnd(2, 1)},
		wantAcc: acceptor{round: rnd(2, 1), accepted: rnd(2, 1), value: "a"},
		writes:  true,
	}, {
		name:    "a write below the current round is refused",
		setup:   []sim.Message{Read{Round: rnd(2, 2)}},
		msg:     Write{Round: rnd(1, 1), Value: "a"},
		want:    WriteReply{Round: rnd(1, 1), Current: rnd(2, 2)},
		wantAcc: acceptor{round: rnd(2, 2)},
	}, {
		name:    "accept-below-round accepts below the round it switched to",
		mutant:  "accept-below-round",
		setup:   []sim.Message{Read{Round: rnd(2, 2)}},
		msg:     Write{Round: rnd(1, 1), Value: "a"},
		want:    WriteReply{Round: rnd(1, 1), OK: true, Current: rnd(2, 2)},
		wantAcc: acceptor{round: rnd(2, 2), accepted: rnd(1, 1), value: "a"},
		writes:  true,
	}, {
		name:     "reply-before-sync answers with the switch unsynced",
		mutant:   "reply-before-sync",
		msg:      Read{Round: rnd(1, 1)},
		want:     ReadReply{Round: rnd(1, 1), OK: true, Current: rnd(1, 1)},
		wantAcc:  acceptor{round: rnd(1, 1)},
		unsynced: 1,
		writes:   true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, env := testServer(t, 0, 3, tt.mutant)
			for _, m := range tt.setup {
				s.Receive(roundOf(m).Node, m)
			}
			env.D.Sync()
			env.Reset()
			writes := env.D.Writes
			from := roundOf(tt.msg).Node
			s.Receive(from, tt.msg)
			require.Equal(t, []sim.Envelope{{To: from, Msg: tt.want}}, env.Sent)
			assert.Equal(t, tt.wantAcc, s.acc)
			assert.Equal(t, tt.unsynced, env.UnsyncedAtSend[0], "unsynced writes when the answer went out")
			assert.Equal(t, tt.writes, env.D.Writes > writes, "whether the acceptor wrote its state")
			if tt.unsynced > 0 {
				assert.Contains(t, env.Timers, flushTimer, "the mutant syncs on a timer")
				s.Timer(flushTimer)
			}
			durableAcc, _, err := readAcceptor(env.D.Durable())
			require.NoError(t, err)
			assert.Equal(t, tt.wantAcc, durableAcc, "the synced state is what the acceptor answered from")
			assert.Empty(t, drain(s), "an acceptor reports no layer calls")
		})
	}
}

func roundOf(m sim.Message) Round {
	switch m := m.(type) {
	case Read:
		return m.Round
	case Write:
		return m.Round
	}
	panic(m)
}

// TestAcceptorRecovers: a restarted server answers from its synced
// acceptor state, and never proposes at a round it used before.
func TestAcceptorRecovers(t *testing.T) {
	s, env := testServer(t, 0, 3, "")
	s.Receive(2, Write{Round: rnd(4, 2), Value: "a"})
	s.px.proposeP("b") // proposes at 5.n0, above the acceptor's round
	require.Equal(t, rnd(5, 0), s.px.k)
	s = restart(t, env, 3)
	assert.Equal(t, acceptor{round: rnd(4, 2), accepted: rnd(4, 2), value: "a"}, s.acc)
	assert.Equal(t, uint64(1), s.cov.diskRecovery)
	env.Reset()
	s.Receive(1, Read{Round: rnd(3, 1)})
	assert.Equal(t, []sim.Envelope{{To: 1, Msg: ReadReply{Round: rnd(3, 1), Current: rnd(4, 2)}}}, env.Sent)
	s.px.proposeP("c")
	assert.Equal(t, rnd(6, 0), s.px.k, "the round 5 of the last incarnation is not reused")
}

// TestRegisterRead: read(k) goes to every acceptor, succeeds at the
// majority-th acknowledgement with the value accepted at the highest
// round, and fails when a majority can no longer acknowledge, or on the
// call timeout.
func TestRegisterRead(t *testing.T) {
	k := rnd(1, 0)
	tests := []struct {
		name    string
		n       int
		mutant  string
		replies []replyFrom
		timeout bool
		want    *ReadReturn // nil: still outstanding
	}{{
		name: "a majority with nothing accepted reads undef",
		n:    3,
		replies: replies(
			reply(1, ReadReply{Round: k, OK: true}),
			reply(0, ReadReply{Round: k, OK: true})),
		want: &ReadReturn{OK: true, Value: undef},
	}, {
		name: "the value at the highest accepted round wins",
		n:    5,
		replies: replies(
			reply(1, ReadReply{Round: k, OK: true, Accepted: rnd(1, 3), Value: "low"}),
			reply(2, ReadReply{Round: k, OK: true, Accepted: rnd(2, 4), Value: "high"}),
			reply(3, ReadReply{Round: k, OK: true})),
		want: &ReadReturn{OK: true, Value: "high"},
	}, {
		name:   "read-lowest-round takes the lowest accepted round",
		n:      5,
		mutant: "read-lowest-round",
		replies: replies(
			reply(1, ReadReply{Round: k, OK: true, Accepted: rnd(1, 3), Value: "low"}),
			reply(2, ReadReply{Round: k, OK: true, Accepted: rnd(2, 4), Value: "high"}),
			reply(3, ReadReply{Round: k, OK: true})),
		want: &ReadReturn{OK: true, Value: "low"},
	}, {
		name: "a duplicated acknowledgement counts once",
		n:    3,
		replies: replies(
			reply(1, ReadReply{Round: k, OK: true}),
			reply(1, ReadReply{Round: k, OK: true})),
	}, {
		name: "an answer for another round is ignored",
		n:    3,
		replies: replies(
			reply(1, ReadReply{Round: rnd(9, 0), OK: true}),
			reply(2, ReadReply{Round: rnd(9, 0), OK: true})),
	}, {
		name: "one refusal of three leaves a majority possible",
		n:    3,
		replies: replies(
			reply(1, ReadReply{Round: k, Current: rnd(5, 2)})),
	}, {
		name: "two refusals of three fail the read",
		n:    3,
		replies: replies(
			reply(1, ReadReply{Round: k, Current: rnd(5, 2)}),
			reply(2, ReadReply{Round: k, Current: rnd(3, 2)})),
		want: &ReadReturn{OK: false},
	}, {
		name:    "no majority before the timeout fails the read",
		n:       3,
		replies: replies(reply(1, ReadReply{Round: k, OK: true})),
		timeout: true,
		want:    &ReadReturn{OK: false},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, env := testServer(t, 0, tt.n, tt.mutant)
			s.rc.proposeRC(k, "mine")
			require.Equal(t, toAll(tt.n, Read{Round: k}), env.Sent)
			assert.Equal(t, env.Clock.Add(DefaultCallTimeout), env.Timers[callTimer])
			require.Equal(t, []LayerEvent{
				{Layer: LayerConsensus, Call: 1, Value: ProposeRCCall{Round: k, Proposal: "mine"}},
				{Layer: LayerRegister, Call: 2, Value: ReadCall{Round: k}},
			}, drain(s))
			for _, r := range tt.replies {
				s.Receive(r.from, r.m)
			}
			if tt.timeout {
				s.Timer(callTimer)
			}
			evs := drain(s)
			if tt.want == nil {
				assert.Empty(t, evs, "the read is still outstanding")
				assert.True(t, s.reg.busy())
				return
			}
			require.NotEmpty(t, evs)
			assert.Equal(t, LayerEvent{Layer: LayerRegister, Return: true, Call: 2, Value: *tt.want}, evs[0])
			if !tt.want.OK {
				assert.NotContains(t, env.Timers, callTimer, "the call's timer is cancelled")
			}
		})
	}
}

type replyFrom struct {
	from sim.NodeID
	m    ReadReply
}

func reply(from sim.NodeID, m ReadReply) replyFrom { return replyFrom{from, m} }

func replies(rs ...replyFrom) []replyFrom { return rs }

// readOK completes the outstanding read of s (server 0 of 3) with
// acknowledgements from n0 and n1 carrying what they accepted.
func readOK(s *Server, k Round, accepted Round, v Value) {
	s.Receive(0, ReadReply{Round: k, OK: true, Accepted: accepted, Value: v, Current: k})
	s.Receive(1, ReadReply{Round: k, OK: true, Current: k})
}

// TestRegisterWrite: write(k, v) goes to every acceptor and succeeds at a
// majority of acknowledgements (at one fewer with write-minority).
func TestRegisterWrite(t *testing.T) {
	k := rnd(1, 0)
	for _, tt := range []struct {
		mutant string
		acks   []sim.NodeID
		want   *WriteReturn
	}{
		{acks: []sim.NodeID{1}},
		{acks: []sim.NodeID{1, 1}},
		{acks: []sim.NodeID{1, 2}, want: &WriteReturn{OK: true}},
		{mutant: "write-minority", acks: []sim.NodeID{1}, want: &WriteReturn{OK: true}},
	} {
		s, env := testServer(t, 0, 3, tt.mutant)
		s.rc.proposeRC(k, "mine")
		readOK(s, k, Round{}, undef)
		require.Equal(t, toAll(3, Write{Round: k, Value: "mine"}), env.Sent[3:], "the write follows the read")
		drain(s)
		for _, from := range tt.acks {
			s.Receive(from, WriteReply{Round: k, OK: true, Current: k})
		}
		evs := drain(s)
		if tt.want == nil {
			assert.Empty(t, evs, "acks %v: still outstanding", tt.acks)
			continue
		}
		require.NotEmpty(t, evs, "acks %v", tt.acks)
		assert.Equal(t, LayerEvent{Layer: LayerRegister, Return: true, Call: 3, Value: *tt.want}, evs[0], "acks %v", tt.acks)
	}
}

// TestConsensus: proposeRC keeps the value the read returned, else writes
// its own; a learner that reads undef writes nothing and succeeds with
// undef; a failed read or write fails proposeRC.
func TestConsensus(t *testing.T) {
	k := rnd(1, 0)
	tests := []struct {
		name      string
		mutant    string
		proposal  Value
		read      Value // the value n0 reports accepted at 0.9, if any
		failRead  bool
		writeAcks int
		wantWrite Value // undef: no write
		want      ProposeRCReturn
	}{
		{name: "nothing read: its own value", proposal: "mine", writeAcks: 2, wantWrite: "mine", want: ProposeRCReturn{OK: true, Value: "mine"}},
		{name: "a value read wins over its own", proposal: "mine", read: "theirs", writeAcks: 2, wantWrite: "theirs", want: ProposeRCReturn{OK: true, Value: "theirs"}},
		{name: "propose-own-value overwrites the value read", mutant: "propose-own-value", proposal: "mine", read: "theirs", writeAcks: 2, wantWrite: "mine", want: ProposeRCReturn{OK: true, Value: "mine"}},
		{name: "a learner that reads nothing succeeds with undef", proposal: undef, want: ProposeRCReturn{OK: true, Value: undef}},
		{name: "a learner carries on the value read", proposal: undef, read: "theirs", writeAcks: 2, wantWrite: "theirs", want: ProposeRCReturn{OK: true, Value: "theirs"}},
		{name: "a failed read fails", proposal: "mine", failRead: true, want: ProposeRCReturn{OK: false}},
		{name: "a failed write fails", proposal: "mine", writeAcks: 0, wantWrite: "mine", want: ProposeRCReturn{OK: false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, env := testServer(t, 0, 3, tt.mutant)
			s.rc.proposeRC(k, tt.proposal)
			if tt.failRead {
				s.Timer(callTimer)
			} else if tt.read != undef {
				readOK(s, k, rnd(0, 9), tt.read)
			} else {
				readOK(s, k, Round{}, undef)
			}
			writes := env.Sent[3:]
			if tt.wantWrite == undef {
				assert.Empty(t, writes, "nothing is written")
			} else {
				require.Equal(t, toAll(3, Write{Round: k, Value: tt.wantWrite}), writes)
				for i := 0; i < tt.writeAcks; i++ {
					s.Receive(sim.NodeID(i), WriteReply{Round: k, OK: true, Current: k})
				}
				if tt.writeAcks == 0 {
					s.Timer(callTimer)
				}
			}
			evs := drain(s)
			var got []LayerEvent
			for _, ev := range evs {
				if ev.Layer == LayerConsensus {
					got = append(got, ev)
				}
			}
			require.Len(t, got, 2)
			assert.Equal(t, LayerEvent{Layer: LayerConsensus, Return: true, Call: 1, Value: tt.want}, got[1])
			// Register calls nest inside proposeRC: each returned before it.
			open := 0
			for _, ev := range evs {
				if ev.Layer == LayerRegister {
					open += map[bool]int{false: 1, true: -1}[ev.Return]
				}
			}
			assert.Zero(t, open, "every register call returned")
			if tt.read != undef && tt.read != tt.proposal {
				assert.Equal(t, uint64(1), s.cov.adopted)
			}
		})
	}
}

// TestPaxosRetries: proposeP picks a round above everything seen; when
// proposeRC fails it waits the oracle's randomized backoff on the local
// clock, then tries again at a higher round, above the refusing round.
func TestPaxosRetries(t *testing.T) {
	s, env := testServer(t, 0, 3, "")
	s.Receive(client, Request{Client: client, Seq: 1, Op: RequestPut, Value: "a"})
	k := rnd(1, 0)
	require.Equal(t, toAll(3, Read{Round: k}), env.Sent)
	assert.Zero(t, env.UnsyncedAtSend[0], "the round is durable before a read at it goes out")
	v, _, err := env.D.Durable().Read(keyProposer)
	require.NoError(t, err)
	assert.Len(t, v, 8)
	leader, leading := (*view)(s).Leading()
	assert.True(t, leading)
	assert.Equal(t, uint64(1), leader.Round)

	s.Receive(1, ReadReply{Round: k, Current: rnd(7, 2)})
	s.Receive(2, ReadReply{Round: k, Current: rnd(7, 2)})
	require.Contains(t, env.Timers, oracleTimer)
	wait := env.Timers[oracleTimer].Sub(env.Clock)
	assert.True(t, wait >= DefaultBackoffMin && wait <= DefaultBackoffMax, "oracle wait %v", wait)
	_, leading = (*view)(s).Leading()
	assert.False(t, leading, "waiting for the oracle is not leading")
	assert.Equal(t, uint64(2), s.cov.contention)
	assert.Equal(t, uint64(1), s.cov.retries)

	env.Reset()
	s.Timer(oracleTimer)
	assert.Equal(t, toAll(3, Read{Round: rnd(8, 0)}), env.Sent, "the next round is above the refusing one")
	assert.Equal(t, env.Clock.Add(2*DefaultCallTimeout), env.Timers[callTimer], "after a failure, calls wait twice as long")
	for i := 0; i < 10; i++ {
		s.Timer(callTimer)
		s.Timer(oracleTimer)
	}
	assert.Equal(t, env.Clock.Add(16*DefaultCallTimeout), env.Timers[callTimer], "the wait stops doubling at 16 times")
	s.Timer(callTimer)
	wait = env.Timers[oracleTimer].Sub(env.Clock)
	assert.True(t, wait >= 16*DefaultBackoffMin && wait <= 16*DefaultBackoffMax, "oracle wait %v", wait)
	evs := drain(s)
	require.Greater(t, len(evs), 7)
	assert.Equal(t, LayerEvent{Layer: LayerPaxos, Call: 1, Value: ProposePCall{Proposal: "a"}}, evs[0])
	assert.Equal(t, LayerEvent{Layer: LayerConsensus, Call: 4, Value: ProposeRCCall{Round: rnd(8, 0), Proposal: "a"}}, evs[5])
}

// TestPaxosDecides: a successful proposeRC ends proposeP; the server tells
// the others and answers every waiting client with the decision.
func TestPaxosDecides(t *testing.T) {
	s, env := testServer(t, 0, 3, "")
	s.Receive(client, Request{Client: client, Seq: 1, Op: RequestPut, Value: "a"})
	s.Receive(client+1, Request{Client: client + 1, Seq: 4, Op: RequestGet})
	s.Receive(client+2, Request{Client: client + 2, Seq: 2, Op: RequestPut, Value: "b"})
	k := rnd(1, 0)
	readOK(s, k, rnd(0, 9), undef)
	env.Reset()
	s.Receive(0, WriteReply{Round: k, OK: true, Current: k})
	s.Receive(2, WriteReply{Round: k, OK: true, Current: k})
	assert.Equal(t, []sim.Envelope{
		{To: 1, Msg: Decided{Value: "a"}}, {To: 2, Msg: Decided{Value: "a"}},
		{To: client, Msg: Reply{Seq: 1, Value: "a"}},
		{To: client + 1, Msg: Reply{Seq: 4, Value: "a"}},
		{To: client + 2, Msg: Reply{Seq: 2, Value: "a"}},
	}, env.Sent)
	v, ok := s.Decision()
	assert.True(t, ok)
	assert.Equal(t, Value("a"), v)
	evs := drain(s)
	assert.Equal(t, LayerEvent{Layer: LayerPaxos, Return: true, Call: 1, Value: ProposePReturn{Value: "a"}}, evs[len(evs)-1])

	env.Reset()
	s.Receive(client, Request{Client: client, Seq: 9, Op: RequestGet})
	assert.Equal(t, []sim.Envelope{{To: client, Msg: Reply{Seq: 9, Value: "a"}}}, env.Sent, "a known decision is answered at once")
	assert.Empty(t, drain(s))
}

// TestBackoffResets: the doubling of timeouts belongs to one proposeP; the
// next starts from the configured values.
func TestBackoffResets(t *testing.T) {
	s, env := testServer(t, 0, 3, "")
	s.Receive(client, Request{Client: client, Seq: 1, Op: RequestGet})
	for i := 0; i < 3; i++ {
		s.Timer(callTimer)
		s.Timer(oracleTimer)
	}
	assert.Equal(t, env.Clock.Add(8*DefaultCallTimeout), env.Timers[callTimer])
	s.Receive(0, ReadReply{Round: s.px.k, OK: true, Current: s.px.k})
	s.Receive(1, ReadReply{Round: s.px.k, OK: true, Current: s.px.k})
	require.False(t, s.px.active, "nothing decided: the learner returned")
	s.Receive(client, Request{Client: client, Seq: 2, Op: RequestGet})
	assert.Equal(t, env.Clock.Add(DefaultCallTimeout), env.Timers[callTimer], "a new proposeP waits the configured time")
}

// TestLearnWhileProposing: a Decided from another server ends the
// proposal: the outstanding call fails, and proposeP returns the decision.
func TestLearnWhileProposing(t *testing.T) {
	s, env := testServer(t, 0, 3, "")
	s.Receive(client, Request{Client: client, Seq: 1, Op: RequestPut, Value: "a"})
	drain(s)
	env.Reset()
	s.Receive(2, Decided{Value: "b"})
	assert.Equal(t, []sim.Envelope{{To: client, Msg: Reply{Seq: 1, Value: "b"}}}, env.Sent)
	assert.Equal(t, []LayerEvent{
		{Layer: LayerRegister, Return: true, Call: 3, Value: ReadReturn{OK: false}},
		{Layer: LayerConsensus, Return: true, Call: 2, Value: ProposeRCReturn{OK: false}},
		{Layer: LayerPaxos, Return: true, Call: 1, Value: ProposePReturn{Value: "b"}},
	}, drain(s))
	assert.NotContains(t, env.Timers, callTimer)
	assert.NotContains(t, env.Timers, oracleTimer)
	_, leading := (*view)(s).Leading()
	assert.False(t, leading)

	// Waiting for the oracle, a Decided ends the wait.
	s, env = testServer(t, 0, 3, "")
	s.Receive(client, Request{Client: client, Seq: 1, Op: RequestPut, Value: "a"})
	s.Timer(callTimer)
	require.Contains(t, env.Timers, oracleTimer)
	drain(s)
	s.Receive(2, Decided{Value: "b"})
	assert.NotContains(t, env.Timers, oracleTimer)
	assert.Equal(t, []LayerEvent{{Layer: LayerPaxos, Return: true, Call: 1, Value: ProposePReturn{Value: "b"}}}, drain(s))
}

// TestGetBeforeDecision: a Get at a server that knows no decision
// proposes undef; "nothing decided" answers only the Gets that arrived
// before the proposeRC that found nothing started, since a value may have
// been decided, and seen by a client, since then.
func TestGetBeforeDecision(t *testing.T) {
	s, env := testServer(t, 0, 3, "")
	s.Receive(client, Request{Client: client, Seq: 1, Op: RequestGet})
	k := rnd(1, 0)
	require.Equal(t, toAll(3, Read{Round: k}), env.Sent)
	s.Receive(client+1, Request{Client: client + 1, Seq: 5, Op: RequestGet}) // after the read went out
	s.Receive(client, Request{Client: client, Seq: 1, Op: RequestGet})       // a retry: one entry
	assert.Equal(t, 2, s.Pending())
	env.Reset()
	readOK(s, k, Round{}, undef)
	require.Equal(t, []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}}, env.Sent[:1], "the first Get learns that nothing is decided")
	assert.Equal(t, toAll(3, Read{Round: rnd(2, 0)}), env.Sent[1:], "the later Get needs a proposeRC of its own")
	assert.Equal(t, 1, s.Pending())
	assert.Equal(t, []LayerEvent{
		{Layer: LayerPaxos, Call: 1, Value: ProposePCall{Proposal: undef}},
		{Layer: LayerConsensus, Call: 2, Value: ProposeRCCall{Round: k, Proposal: undef}},
		{Layer: LayerRegister, Call: 3, Value: ReadCall{Round: k}},
		{Layer: LayerRegister, Return: true, Call: 3, Value: ReadReturn{OK: true, Value: undef}},
		{Layer: LayerConsensus, Return: true, Call: 2, Value: ProposeRCReturn{OK: true, Value: undef}},
		{Layer: LayerPaxos, Return: true, Call: 1, Value: ProposePReturn{Value: undef}},
		{Layer: LayerPaxos, Call: 4, Value: ProposePCall{Proposal: undef}},
		{Layer: LayerConsensus, Call: 5, Value: ProposeRCCall{Round: rnd(2, 0), Proposal: undef}},
		{Layer: LayerRegister, Call: 6, Value: ReadCall{Round: rnd(2, 0)}},
	}, drain(s))
	_, decided := s.Decision()
	assert.False(t, decided)
}

// TestBadInput: messages from the wrong sender or outside the limits are
// ignored, never a panic.
func TestBadInput(t *testing.T) {
	long := make([]byte, MaxValue+1)
	for _, tt := range []struct {
		from sim.NodeID
		msg  sim.Message
	}{
		{client, Read{Round: rnd(1, client)}},                         // a client is not a proposer
		{1, Read{Round: rnd(1, 2)}},                                   // n2's round, from n1
		{1, Read{Round: rnd(0, 1)}},                                   // the zero round
		{1, Read{Round: rnd(MaxRoundNumber+1, 1)}},                    // past the round space
		{1, Write{Round: rnd(1, 1)}},                                  // writing undef
		{1, Write{Round: rnd(1, 1), Value: Value(long)}},              // too long
		{client, Decided{Value: "a"}},                                 // a client cannot tell a decision
		{1, Decided{}},                                                // deciding undef
		{client, ReadReply{Round: rnd(1, 0), OK: true}},               // a client is not an acceptor
		{client, Request{Client: client + 1, Seq: 1, Op: RequestGet}}, // someone else's request
		{client, Request{Client: client, Seq: 1, Op: RequestPut}},     // a put of undef
		{client, Request{Client: client, Seq: 1, Op: RequestGet, Value: "a"}},
		{client, Request{Client: client, Seq: 1, Op: 9}},
		{1, Request{Client: 1, Seq: 1, Op: RequestGet}}, // a server is not a client
		{1, Reply{Seq: 1, Value: "a"}},
	} {
		s, env := testServer(t, 0, 3, "")
		require.NotPanics(t, func() { s.Receive(tt.from, tt.msg) }, "%v from %v", tt.msg, tt.from)
		assert.Empty(t, env.Sent, "%v from %v", tt.msg, tt.from)
		assert.Equal(t, acceptor{}, s.acc, "%v from %v", tt.msg, tt.from)
		assert.Equal(t, uint64(1), s.cov.badInput, "%v from %v", tt.msg, tt.from)
		assert.Len(t, env.Logs, 1, "%v from %v: traced", tt.msg, tt.from)
	}
}

// TestDurableRecords: the acceptor record round-trips, and a record that
// does not decode is refused, not read as a state.
func TestDurableRecords(t *testing.T) {
	a := acceptor{round: rnd(7, 2), accepted: rnd(5, 1), value: "v"}
	back, err := decodeAcceptor(encodeAcceptor(a))
	require.NoError(t, err)
	assert.Equal(t, a, back)
	_, err = decodeAcceptor([]byte{1, 2, 3})
	assert.ErrorContains(t, err, "want at least 24")
	_, err = decodeAcceptor(encodeAcceptor(acceptor{round: rnd(1, 0), accepted: rnd(2, 0), value: "v"}))
	assert.ErrorContains(t, err, "inconsistent")
	_, err = decodeAcceptor(encodeAcceptor(acceptor{round: rnd(1, 0), accepted: rnd(1, 0)}))
	assert.ErrorContains(t, err, "inconsistent")

	// A torn record was never synced: it reads as missing.
	d := sim.NewDisk()
	got, found, err := readAcceptor(d)
	require.NoError(t, err)
	assert.False(t, found)
	assert.Equal(t, acceptor{}, got)
}

func TestConfigValidate(t *testing.T) {
	ok := testCfg
	ok.Servers = []sim.NodeID{0, 1, 2}
	require.NoError(t, ok.Validate())
	for _, bad := range []func(c *Config){
		func(c *Config) { c.Servers = nil },
		func(c *Config) { c.Servers = []sim.NodeID{0, 0} },
		func(c *Config) { c.Servers = []sim.NodeID{-1} },
		func(c *Config) { c.CallTimeout = 0 },
		func(c *Config) { c.BackoffMin = 0 },
		func(c *Config) { c.BackoffMax = c.BackoffMin - 1 },
		func(c *Config) { c.Mutant = "off-by-one" },
	} {
		c := ok
		c.Servers = append([]sim.NodeID(nil), ok.Servers...)
		bad(&c)
		assert.Error(t, c.Validate(), "%+v", c)
		_, err := New(c)
		assert.Error(t, err)
	}
	for _, m := range Mutants() {
		c := ok
		c.Mutant = m.Name
		assert.NoError(t, c.Validate(), m.Name)
		assert.NotEmpty(t, m.Description)
	}
}

// TestFingerprint: servers that went through the same events have the
// same fingerprint, whatever layer events the harness drained; a step that
// changes protocol state changes it.
func TestFingerprint(t *testing.T) {
	a, _ := testServer(t, 0, 3, "")
	b, _ := testServer(t, 0, 3, "")
	assert.Equal(t, a.Fingerprint(), b.Fingerprint())
	for _, s := range []*Server{a, b} {
		s.Receive(client, Request{Client: client, Seq: 1, Op: RequestPut, Value: "a"})
		s.Receive(2, Read{Round: rnd(4, 2)})
	}
	drain(a)
	assert.Equal(t, a.Fingerprint(), b.Fingerprint(), "draining events is not a change of state")
	before := a.Fingerprint()
	a.Receive(1, ReadReply{Round: rnd(1, 0), Current: rnd(4, 2)})
	assert.NotEqual(t, before, a.Fingerprint(), "a refusal counted is a change of state")
}
