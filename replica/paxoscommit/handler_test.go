package paxoscommit

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec/commit"
)

// Handler tests: a server in a given state, one message, and the exact
// effects: sends, what was synced before each send, and the events.

func testConfig(n int, mutant string) Config {
	c := Config{Heartbeat: DefaultHeartbeat, ElectionMin: DefaultElectionMin, ElectionMax: DefaultElectionMax,
		PrepareWait: DefaultPrepareWait, HelpAfter: DefaultHelpAfter, Mutant: mutant}
	for i := 0; i < n; i++ {
		c.Servers = append(c.Servers, sim.NodeID(i))
	}
	return c
}

// startOn builds server id of a 3-server cluster on env's disk, as the
// kernel does at boot and at a restart.
func startOn(t *testing.T, env *sim.TestEnv, mutant string) *Server {
	t.Helper()
	f, err := New(testConfig(3, mutant))
	require.NoError(t, err)
	s := f(env.Id).(*Server)
	s.Start(env)
	env.Reset()
	return s
}

func restart(t *testing.T, env *sim.TestEnv, mutant string) *Server {
	t.Helper()
	env.Inc++
	env.Timers = map[sim.TimerTag]sim.Time{}
	return startOn(t, env, mutant)
}

func assertSyncedBeforeSends(t *testing.T, env *sim.TestEnv) {
	t.Helper()
	for i, u := range env.UnsyncedAtSend {
		assert.Zero(t, u, "send %d (%v) went out with unsynced writes", i, env.Sent[i].Msg)
	}
}

func kinds(evs []Event) []EventKind {
	var out []EventKind
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

// TestAcceptor: an acceptor accepts at or above its promise, promises only
// upward, syncs before it answers, and keeps both across a restart.
func TestAcceptor(t *testing.T) {
	env := sim.NewTestEnv(1, 1)
	s := startOn(t, env, "")

	// RM 0 lives on n0: its vote at ballot 0 is accepted, answered to the
	// coordinator n2.
	s.Receive(0, Phase2a{Txn: "t", RM: 0, Value: Prepared, Coord: 2})
	assert.Equal(t, []sim.Envelope{{To: 2, Msg: Phase2b{Txn: "t", RM: 0, Value: Prepared}}}, env.Sent)
	assertSyncedBeforeSends(t, env)
	assert.Equal(t, []EventKind{EventAccept}, kinds(s.DrainEvents(nil)))

	// A leader's phase 1 at 4.n2 is promised, and reports the vote.
	env.Reset()
	s.Receive(2, Phase1a{Txn: "t", RM: 0, Ballot: bal(4, 2)})
	assert.Equal(t, []sim.Envelope{{To: 2, Msg: Phase1b{Txn: "t", RM: 0, Ballot: bal(4, 2), Accepted: true, Value: Prepared}}}, env.Sent)
	assertSyncedBeforeSends(t, env)
	assert.Equal(t, []EventKind{EventPromise}, kinds(s.DrainEvents(nil)))

	// Below the promise: refused, with the promise, and nothing changes.
	for _, m := range []sim.Message{Phase1a{Txn: "t", RM: 0, Ballot: bal(3, 0)}, Phase2a{Txn: "t", RM: 0, Value: Prepared, Coord: 2}} {
		env.Reset()
		from := sim.NodeID(0)
		s.Receive(from, m)
		require.Len(t, env.Sent, 1, "%v", m)
		assert.IsType(t, Nack{}, env.Sent[0].Msg)
		assert.Equal(t, bal(4, 2), env.Sent[0].Msg.(Nack).Promised)
		assert.Empty(t, s.DrainEvents(nil))
	}

	// A restart keeps the promise: the RM's vote at ballot 0 is still
	// refused.
	s = restart(t, env, "")
	assert.Equal(t, uint64(1), s.cov.diskRecovery)
	s.Receive(0, Phase2a{Txn: "t", RM: 0, Value: Prepared, Coord: 2})
	require.Len(t, env.Sent, 1)
	assert.IsType(t, Nack{}, env.Sent[0].Msg)

	// The forget-promise mutant takes ballot 0 again after a restart.
	s = restart(t, env, "forget-promise")
	s.Receive(0, Phase2a{Txn: "t", RM: 0, Value: Prepared, Coord: 2})
	require.Len(t, env.Sent, 1)
	assert.IsType(t, Phase2b{}, env.Sent[0].Msg)
}

// TestRMVotesDurablyThenProposes: asked to prepare, each RM hosted here
// votes its own choice, syncs, and proposes it at ballot 0 to every
// acceptor; an RM that votes abort is aborted at once, and its host tells
// the coordinator. A restart keeps the votes.
func TestRMVotesDurablyThenProposes(t *testing.T) {
	env := sim.NewTestEnv(0, 1)
	s := startOn(t, env, "")
	// RMs 0 and 3 live on n0 (3 servers); RM 1 on n1.
	txn := Txn{ID: "t", RMs: []int{0, 1, 3}, Prepare: []bool{true, true, false}}
	s.Receive(2, Prepare{Txn: txn, Coord: 2})
	var want []sim.Envelope
	for _, rm := range []int{0, 3} {
		v := Prepared
		if rm == 3 {
			v = Aborted
		}
		for to := 0; to < 3; to++ {
			want = append(want, sim.Envelope{To: sim.NodeID(to), Msg: Phase2a{Txn: "t", RM: rm, Value: v, Coord: 2}})
		}
	}
	want = append(want, sim.Envelope{To: 2, Msg: Known{Txn: "t", Outcome: Abort}})
	assert.Equal(t, want, env.Sent)
	assertSyncedBeforeSends(t, env)
	assert.Equal(t, []EventKind{EventVote, EventVote, EventFinal}, kinds(s.DrainEvents(nil)))
	v, f := s.RMState("t", 0)
	assert.Equal(t, Prepared, v)
	assert.Zero(t, f)
	assert.Equal(t, Abort, s.KnownOutcome("t"))

	// Asked again by another coordinator: the votes are proposed again,
	// unchanged; the leader changed mid-transaction.
	env.Reset()
	s.Receive(1, Prepare{Txn: txn, Coord: 1})
	assert.Len(t, env.Sent, 7)
	assert.Empty(t, s.DrainEvents(nil))
	assert.Equal(t, uint64(2), s.cov.coordChange)

	// The outcome is made durable before it is acknowledged.
	env.Reset()
	s.Receive(1, Decide{Txn: txn, Outcome: Abort})
	assert.Equal(t, []sim.Envelope{{To: 1, Msg: DecideAck{Txn: "t"}}}, env.Sent)
	assertSyncedBeforeSends(t, env)

	s = restart(t, env, "")
	v, f = s.RMState("t", 0)
	assert.Equal(t, Prepared, v)
	assert.Equal(t, Abort, f)
	v, f = s.RMState("t", 3)
	assert.Equal(t, Aborted, v)
	assert.Equal(t, Abort, f)
	assert.Equal(t, []EventKind{EventVote, EventFinal, EventVote, EventFinal}, kinds(s.DrainEvents(nil)),
		"a restarted host reports its RMs again, for the stability check")
}

// TestPreparedRMAsksForHelp: a prepared RM that hears no outcome asks the
// leader to finish the transaction; the unilateral-abort mutant aborts
// instead.
func TestPreparedRMAsksForHelp(t *testing.T) {
	env := sim.NewTestEnv(0, 1)
	s := startOn(t, env, "")
	txn := Txn{ID: "t", RMs: []int{0, 1}, Prepare: []bool{true, true}}
	s.Receive(1, Heartbeat{Ballot: bal(1, 1)})
	s.Receive(1, Prepare{Txn: txn, Coord: 1})
	env.Reset()
	env.Clock = env.Clock.Add(DefaultHelpAfter)
	s.Timer(tickTimer)
	assert.Equal(t, []sim.Envelope{{To: 1, Msg: Help{Txn: txn}}}, env.Sent)

	s = startOn(t, sim.NewTestEnv(0, 1), "unilateral-abort")
	s.Receive(1, Prepare{Txn: txn, Coord: 1})
	s.DrainEvents(nil)
	s.env.(*sim.TestEnv).Clock = s.env.Now().Add(unilateralAfter)
	s.Timer(tickTimer)
	_, f := s.RMState("t", 0)
	assert.Equal(t, Abort, f)
	assert.Equal(t, []EventKind{EventFinal}, kinds(s.DrainEvents(nil)))
}

// TestBadInputIsIgnored: messages from the wrong sender or outside the
// limits change nothing and send nothing.
func TestBadInputIsIgnored(t *testing.T) {
	env := sim.NewTestEnv(0, 1)
	s := startOn(t, env, "")
	good := Txn{ID: "t", RMs: []int{0}, Prepare: []bool{true}}
	cases := []struct {
		from sim.NodeID
		msg  sim.Message
	}{
		{7, Prepare{Txn: good, Coord: 7}}, // not a server
		{1, Prepare{Txn: good, Coord: 2}}, // a coordinator speaks for itself
		{1, Prepare{Txn: Txn{ID: "t", RMs: []int{1, 0}, Prepare: []bool{true, true}}, Coord: 1}}, // RMs out of order
		{1, Prepare{Txn: Txn{ID: "a/b", RMs: []int{0}, Prepare: []bool{true}}, Coord: 1}},        // a slash in the id
		{1, Phase2a{Txn: "t", RM: 0, Value: Prepared, Coord: 1}},                                 // ballot 0 from a server that does not host the RM
		{1, Phase2a{Txn: "t", RM: 0, Ballot: bal(1, 2), Value: Prepared, Coord: 1}},              // someone else's ballot
		{0, Phase2a{Txn: "t", RM: 0, Value: 9, Coord: 1}},                                        // no such value
		{1, Phase1a{Txn: "t", RM: 0, Ballot: Ballot{}}},                                          // phase 1 at ballot 0
		{1, Phase1a{Txn: "t", RM: MaxRMs, Ballot: bal(1, 1)}},                                    // no such RM
		{1, Heartbeat{Ballot: bal(MaxRound+1, 1)}},                                               // round out of range
		{3, Request{Client: 3, Seq: 1, Txn: Txn{ID: "t"}}},                                       // a transaction without RMs
		{1, Request{Client: 1, Seq: 1, Txn: good}},                                               // a server posing as a client
		{1, Decide{Txn: good, Outcome: 7}},                                                       // no such outcome
	}
	for _, c := range cases {
		env.Reset()
		s.Receive(c.from, c.msg)
		assert.Empty(t, env.Sent, "%v from %v", c.msg, c.from)
		assert.Zero(t, env.D.Unsynced(), "%v from %v", c.msg, c.from)
		assert.Empty(t, s.DrainEvents(nil), "%v from %v", c.msg, c.from)
	}
	assert.Equal(t, uint64(len(cases)), s.cov.badInput)
}

// TestConfig: the defaults resolve to every field named; a partial or bad
// config is an error naming the field.
func TestConfig(t *testing.T) {
	raw, err := Protocol.Config(nil, 3)
	require.NoError(t, err)
	assert.JSONEq(t, `{"heartbeat":"25ms","election_min":"100ms","election_max":"200ms","prepare_wait":"40ms","help_after":"150ms"}`, string(raw))
	again, err := Protocol.Config(raw, 5)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(again))
	for cfg, want := range map[string]string{
		`{"heartbeat":"25ms"}`: "missing field(s) election_min",
		`{"heartbeat":"25ms","election_min":"20ms","election_max":"200ms","prepare_wait":"40ms","help_after":"150ms"}`: "election_min = 20.000ms",
		`{"heartbeat":"0s","election_min":"100ms","election_max":"200ms","prepare_wait":"40ms","help_after":"150ms"}`:  "heartbeat = 0.000ms",
		`{"heartbeats":"1s"}`: "unknown field",
	} {
		_, err := Protocol.Config(json.RawMessage(cfg), 3)
		assert.ErrorContains(t, err, want, cfg)
	}
	_, err = Protocol.Config(nil, MaxServers+1)
	assert.ErrorContains(t, err, "servers = 65")
	_, err = New(testConfig(3, "no-such-mutant"))
	assert.ErrorContains(t, err, `unknown mutant "no-such-mutant"`)
	require.NoError(t, Protocol.Validate())
	assert.Equal(t, len(Mutants()), len(Protocol.Mutants))
}

// TestCodec: a transaction goes out whole; outcomes and redirects come
// back classified.
func TestCodec(t *testing.T) {
	in := commit.Input{Txn: "5.2", Votes: []commit.Vote{{RM: 0, Prepare: true}, {RM: 3, Prepare: false}}}
	msg := Protocol.Codec.Request(5, 9, in)
	assert.Equal(t, Request{Client: 5, Seq: 9, Txn: Txn{ID: "5.2", RMs: []int{0, 3}, Prepare: []bool{true, false}}}, msg)
	assert.Equal(t, protocol.Reply{Kind: protocol.Answered, Seq: 9, Output: commit.Output{Outcome: commit.Abort}},
		Protocol.Codec.Reply(Reply{Seq: 9, Outcome: Abort}))
	assert.Equal(t, protocol.Reply{Kind: protocol.Answered, Seq: 9, Output: commit.Output{Outcome: commit.Commit}},
		Protocol.Codec.Reply(Reply{Seq: 9, Outcome: Commit}))
	assert.Equal(t, protocol.Reply{Kind: protocol.Redirect, Seq: 9, Hint: 2}, Protocol.Codec.Reply(Redirect{Seq: 9, Hint: 2}))
	assert.Equal(t, protocol.NotAReply, Protocol.Codec.Reply(Heartbeat{}).Kind)
}
