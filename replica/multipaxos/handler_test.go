package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// Table-driven handler tests: a replica in a given state, one message or
// timer, and the exact effects (sends, disk writes, syncs, timers).

const client = sim.NodeID(7) // a client node id in a 3-replica cluster

func bal(round uint64, node sim.NodeID) Ballot { return Ballot{Round: round, Node: node} }

func cmdFrom(c sim.NodeID, seq uint64, cmd Command) Command {
	cmd.Client, cmd.Seq = c, seq
	return cmd
}

// testReplica starts replica id of an n-replica cluster on a fresh TestEnv
// and forgets the effects of Start.
func testReplica(t *testing.T, id, n int, mutant string) (*Replica, *sim.TestEnv) {
	t.Helper()
	f, err := New(Config{N: n, Mutant: mutant})
	require.NoError(t, err)
	r := f(sim.NodeID(id)).(*Replica)
	env := sim.NewTestEnv(sim.NodeID(id), 1)
	r.Start(env)
	env.Reset()
	return r, env
}

// restartOn builds a new incarnation on the same disk, as the kernel does.
func restartOn(t *testing.T, env *sim.TestEnv, id, n int) *Replica {
	t.Helper()
	f, err := New(Config{N: n})
	require.NoError(t, err)
	r := f(sim.NodeID(id)).(*Replica)
	env.Inc++
	r.Start(env)
	return r
}

// makeLeader makes r (replica 0 of 3) leader at ballot (1,n0) with an
// empty promise from n1.
func makeLeader(t *testing.T, r *Replica, env *sim.TestEnv) {
	t.Helper()
	r.Timer(electionTimer)
	r.Receive(1, Promise{B: r.ballot, From: r.prepFrom})
	require.True(t, r.IsLeader())
	env.Reset()
}

func sends(env *sim.TestEnv) []sim.Envelope { return env.Sent }

func TestPrepare(t *testing.T) {
	x1 := cmdFrom(client, 1, Put("x", "1"))
	tests := []struct {
		name        string
		mutant      string
		setup       func(r *Replica)
		msg         Prepare
		want        []sim.Envelope
		wantPromise Ballot
		unsyncedAt  int // UnsyncedAtSend of the first send
	}{{
		name:        "fresh acceptor promises",
		msg:         Prepare{B: bal(1, 1), From: 0},
		want:        []sim.Envelope{{To: 1, Msg: Promise{B: bal(1, 1), From: 0, Commit: 0}}},
		wantPromise: bal(1, 1),
	}, {
		name:        "lower ballot is refused",
		setup:       func(r *Replica) { r.Receive(2, Prepare{B: bal(2, 2)}) },
		msg:         Prepare{B: bal(1, 1), From: 0},
		want:        []sim.Envelope{{To: 1, Msg: Nack{B: bal(1, 1), Promised: bal(2, 2)}}},
		wantPromise: bal(2, 2),
	}, {
		name: "promise reports votes at and above From",
		setup: func(r *Replica) {
			r.Receive(2, Accept{B: bal(1, 2), Slot: 0, Cmd: x1})
			r.Receive(2, Accept{B: bal(1, 2), Slot: 2, Cmd: x1})
		},
		msg: Prepare{B: bal(2, 1), From: 1},
		want: []sim.Envelope{{To: 1, Msg: Promise{B: bal(2, 1), From: 1, Commit: 0,
			Entries: []Entry{{Slot: 2, B: bal(1, 2), Cmd: x1}}}}},
		wantPromise: bal(2, 1),
	}, {
		name:        "reply-before-sync mutant promises with the ballot unsynced",
		mutant:      "reply-before-sync",
		msg:         Prepare{B: bal(1, 1), From: 0},
		want:        []sim.Envelope{{To: 1, Msg: Promise{B: bal(1, 1), From: 0, Commit: 0}}},
		wantPromise: bal(1, 1),
		unsyncedAt:  1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, tt.mutant)
			if tt.setup != nil {
				tt.setup(r)
				env.D.Sync()
				env.Reset()
			}
			writes := env.D.Writes
			r.Receive(1, tt.msg)
			require.Equal(t, tt.want, sends(env))
			require.Equal(t, tt.wantPromise, r.Promised())
			require.Equal(t, tt.unsyncedAt, env.UnsyncedAtSend[0], "unsynced writes when the reply was sent")
			if tt.unsyncedAt > 0 {
				require.Contains(t, env.Timers, flushTimer)
			}
			if _, isNack := tt.want[0].Msg.(Nack); isNack {
				require.Equal(t, writes, env.D.Writes, "a refusal writes nothing")
			} else {
				b, _ := decodePromised(mustRead(t, env.D, keyPromised))
				require.Equal(t, tt.wantPromise, b, "the promise is on disk")
			}
		})
	}
}

func mustRead(t *testing.T, d *sim.Disk, key string) []byte {
	t.Helper()
	v, ok, err := d.Read(key)
	require.NoError(t, err)
	require.True(t, ok, "key %s", key)
	return v
}

func TestAccept(t *testing.T) {
	x1 := cmdFrom(client, 1, Put("x", "1"))
	tests := []struct {
		name       string
		mutant     string
		promised   Ballot // set by a Prepare first, if non-zero
		msg        Accept
		want       []sim.Envelope
		wantVote   bool
		unsyncedAt int
	}{{
		name:     "vote is synced before the AcceptReply",
		msg:      Accept{B: bal(1, 1), Slot: 3, Cmd: x1},
		want:     []sim.Envelope{{To: 1, Msg: AcceptReply{B: bal(1, 1), Slot: 3}}},
		wantVote: true,
	}, {
		name:     "below the promise is refused",
		promised: bal(2, 2),
		msg:      Accept{B: bal(1, 1), Slot: 3, Cmd: x1},
		want:     []sim.Envelope{{To: 1, Msg: Nack{B: bal(1, 1), Promised: bal(2, 2)}}},
	}, {
		name:       "reply-before-sync mutant replies with the vote unsynced",
		mutant:     "reply-before-sync",
		msg:        Accept{B: bal(1, 1), Slot: 3, Cmd: x1},
		want:       []sim.Envelope{{To: 1, Msg: AcceptReply{B: bal(1, 1), Slot: 3}}},
		wantVote:   true,
		unsyncedAt: 2, // the promised ballot and the vote
	}, {
		name:     "no-accept-reply mutant votes but never replies",
		mutant:   "no-accept-reply",
		msg:      Accept{B: bal(1, 1), Slot: 3, Cmd: x1},
		wantVote: true,
	}, {
		name:     "accept-lower-ballot mutant votes below its promise",
		mutant:   "accept-lower-ballot",
		promised: bal(2, 2),
		msg:      Accept{B: bal(1, 1), Slot: 3, Cmd: x1},
		want:     []sim.Envelope{{To: 1, Msg: AcceptReply{B: bal(1, 1), Slot: 3}}},
		wantVote: true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, tt.mutant)
			if !tt.promised.IsZero() {
				r.Receive(tt.promised.Node, Prepare{B: tt.promised})
				env.D.Sync()
				env.Reset()
			}
			r.Receive(1, tt.msg)
			require.Equal(t, tt.want, sends(env))
			if len(tt.want) > 0 {
				require.Equal(t, tt.unsyncedAt, env.UnsyncedAtSend[0])
			}
			b, cmd, ok := r.Vote(tt.msg.Slot)
			require.Equal(t, tt.wantVote, ok)
			if tt.wantVote {
				require.Equal(t, tt.msg.B, b)
				require.Equal(t, tt.msg.Cmd, cmd)
				s, db, dcmd, err := decodeVote(mustRead(t, env.D, voteKey(tt.msg.Slot)))
				require.NoError(t, err)
				require.Equal(t, []any{tt.msg.Slot, tt.msg.B, tt.msg.Cmd}, []any{s, db, dcmd})
			}
		})
	}
}

// A new leader fills holes with no-ops and re-proposes, per slot, the
// command of the highest-ballot vote a Promise reported.
func TestPhase1Recovery(t *testing.T) {
	a := cmdFrom(client, 1, Put("a", "1"))
	b := cmdFrom(client, 2, Put("b", "2"))
	c := cmdFrom(8, 1, Append("c", "3"))
	d := cmdFrom(8, 2, Append("d", "4"))
	for _, mutant := range []string{"", "ignore-accepted-values"} {
		t.Run("mutant="+mutant, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, mutant)
			// Our own votes: slot 0 = a at (1,n2), slot 3 = d at (1,n2).
			r.Receive(2, Accept{B: bal(1, 2), Slot: 0, Cmd: a})
			r.Receive(2, Accept{B: bal(1, 2), Slot: 3, Cmd: d})
			r.Timer(electionTimer) // heard n2: re-arms
			r.Timer(electionTimer) // silence: stands for election
			require.Equal(t, bal(2, 0), r.Ballot())
			env.Reset()
			// n1 voted b in slot 0 at the lower (1,n1), c in slot 2, and knows
			// slot 4 was decided.
			r.Receive(1, Promise{B: bal(2, 0), From: 0, Entries: []Entry{
				{Slot: 0, B: bal(1, 1), Cmd: b}, {Slot: 2, B: bal(1, 1), Cmd: c}, {Slot: 4, Cmd: b, Committed: true}}})
			require.True(t, r.IsLeader())
			want := []Command{a, noop(), c, d}
			if mutant != "" {
				want = []Command{noop(), noop(), noop(), noop()}
			}
			var got []Command
			for _, e := range env.Sent {
				if acc, ok := e.Msg.(Accept); ok && e.To == 1 {
					require.Equal(t, bal(2, 0), acc.B)
					require.Equal(t, len(got), acc.Slot)
					got = append(got, acc.Cmd)
				}
			}
			require.Equal(t, want, got, "one Accept per open slot, none for the decided slot 4")
			decided, ok := r.DecidedAt(4)
			require.True(t, ok)
			require.Equal(t, b, decided)
			cov := r.Coverage()
			require.EqualValues(t, 1, cov.LeaderChanges)
			if mutant == "" {
				require.Equal(t, Coverage{LeaderChanges: 1, Recovered: 3, GapsFilled: 1, DiskRecoveries: 0}, cov)
			} else {
				require.EqualValues(t, 4, cov.GapsFilled)
			}
		})
	}
}

func TestLeaderCommit(t *testing.T) {
	x1 := cmdFrom(client, 1, Append("x", "1"))
	tests := []struct {
		mutant          string
		repliedAtSelf   bool // the client got its Reply without any AcceptReply
		committedAtSelf int
	}{
		{mutant: ""},
		{mutant: "quorum-minus-one", repliedAtSelf: true, committedAtSelf: 1},
		{mutant: "execute-before-commit", repliedAtSelf: true, committedAtSelf: 0},
	}
	for _, tt := range tests {
		t.Run("mutant="+tt.mutant, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, tt.mutant)
			makeLeader(t, r, env)
			r.Receive(client, Request{Cmd: x1})
			acc := Accept{B: bal(1, 0), Slot: 0, Cmd: x1}
			want := []sim.Envelope{{To: 1, Msg: acc}, {To: 2, Msg: acc}}
			if tt.repliedAtSelf {
				want = append(want, sim.Envelope{To: client, Msg: Reply{Seq: 1}})
			}
			require.Equal(t, want, env.Sent)
			require.Zero(t, env.D.Unsynced(), "the leader's own vote is synced in the same event")
			require.Equal(t, tt.committedAtSelf, r.Committed())
			env.Reset()
			r.Receive(1, AcceptReply{B: bal(1, 0), Slot: 0})
			require.Equal(t, 1, r.Committed())
			require.Equal(t, 1, r.Executed())
			if !tt.repliedAtSelf {
				require.Equal(t, []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}}, env.Sent)
			}
			v, _ := r.Read("x")
			require.Equal(t, "1", v)
		})
	}
}

// An AcceptReply for a slot this leader never proposed cannot happen; the
// replica treats it as a bug (the kernel reports the panic).
func TestAcceptReplyForUnproposedSlotIsABug(t *testing.T) {
	r, env := testReplica(t, 0, 3, "")
	makeLeader(t, r, env)
	require.Panics(t, func() { r.Receive(1, AcceptReply{B: bal(1, 0), Slot: 5}) })
}

func TestFollowerCommitAndCatchUp(t *testing.T) {
	x1 := cmdFrom(client, 1, Put("x", "1"))
	y2 := cmdFrom(client, 2, Put("y", "2"))
	r, env := testReplica(t, 2, 3, "")
	r.Receive(1, Accept{B: bal(1, 1), Slot: 0, Cmd: x1})
	r.Receive(1, Heartbeat{B: bal(1, 1), Commit: 1})
	require.Equal(t, 1, r.Committed(), "voted at the leader's ballot: commits from the notice")
	env.Reset()
	r.Receive(1, Heartbeat{B: bal(1, 1), Commit: 3})
	require.Equal(t, []sim.Envelope{{To: 1, Msg: LearnRequest{From: 1}}}, env.Sent)
	require.Contains(t, env.Timers, catchupTimer)
	env.Reset()
	r.Receive(1, Heartbeat{B: bal(1, 1), Commit: 3})
	require.Empty(t, env.Sent, "one catch-up request outstanding at a time")
	r.Receive(1, Learn{Commit: 3, Entries: []Decided{{Slot: 1, Cmd: y2}, {Slot: 2, Cmd: noop()}}})
	require.Equal(t, 3, r.Committed())
	require.Equal(t, 3, r.Executed())
	require.EqualValues(t, 1, r.Coverage().CatchUpReceived)
	require.NotContains(t, env.Timers, catchupTimer)

	// The leader's side: serve a lagging replica.
	l, lenv := testReplica(t, 0, 3, "")
	makeLeader(t, l, lenv)
	l.Receive(client, Request{Cmd: x1})
	l.Receive(1, AcceptReply{B: bal(1, 0), Slot: 0})
	lenv.Reset()
	l.Receive(2, LearnRequest{From: 0})
	require.Equal(t, []sim.Envelope{{To: 2, Msg: Learn{Commit: 1, Entries: []Decided{{Slot: 0, Cmd: x1}}}}}, lenv.Sent)
	require.EqualValues(t, 1, l.Coverage().CatchUpSent)
}

func TestRequestRouting(t *testing.T) {
	x1 := cmdFrom(client, 1, Append("x", "1"))
	r, env := testReplica(t, 0, 3, "")
	r.Receive(client, Request{Cmd: x1})
	require.Equal(t, []sim.Envelope{{To: client, Msg: Redirect{Seq: 1, Leader: -1}}}, env.Sent)
	r.Receive(1, Heartbeat{B: bal(1, 1)})
	env.Reset()
	r.Receive(client, Request{Cmd: x1})
	require.Equal(t, []sim.Envelope{{To: client, Msg: Redirect{Seq: 1, Leader: 1}}}, env.Sent, "redirect to the known leader")

	l, lenv := testReplica(t, 0, 3, "")
	makeLeader(t, l, lenv)
	l.Receive(client, Request{Cmd: x1})
	l.Receive(client, Request{Cmd: x1}) // a retry while in flight: not proposed twice
	l.Receive(1, AcceptReply{B: bal(1, 0), Slot: 0})
	require.Equal(t, 1, l.LogLength())
	lenv.Reset()
	l.Receive(client, Request{Cmd: x1}) // a retry after execution: answered from the dedup table
	require.Equal(t, []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}}, lenv.Sent)
	require.EqualValues(t, 1, l.Coverage().DupAnswered)
	lenv.Reset()
	l.Receive(client, Request{Cmd: cmdFrom(client, 2, Get("x"))})
	l.Receive(2, AcceptReply{B: bal(1, 0), Slot: 1})
	require.Equal(t, Reply{Seq: 2, Res: Result{Value: "1"}}, lenv.Sent[len(lenv.Sent)-1].Msg)
	lenv.Reset()
	l.Receive(client, Request{Cmd: x1}) // older than the client's last: ignored
	require.Empty(t, lenv.Sent)
	v, _ := l.Read("x")
	require.Equal(t, "1", v, "applied once")
}

// A leader that sees a higher ballot stops proposing and redirects the
// clients waiting on it; it never replies with a failure.
func TestStepDownRedirects(t *testing.T) {
	r, env := testReplica(t, 0, 3, "")
	makeLeader(t, r, env)
	r.Receive(client, Request{Cmd: cmdFrom(client, 1, Put("x", "1"))})
	r.Receive(8, Request{Cmd: cmdFrom(8, 1, Put("y", "1"))})
	env.Reset()
	r.Receive(2, Heartbeat{B: bal(5, 2)})
	require.False(t, r.IsLeader())
	require.Equal(t, []sim.Envelope{
		{To: client, Msg: Redirect{Seq: 1, Leader: 2}},
		{To: 8, Msg: Redirect{Seq: 1, Leader: 2}},
	}, env.Sent)
	require.NotContains(t, env.Timers, heartbeatTimer)
	require.Contains(t, env.Timers, electionTimer)
}

func TestRetransmission(t *testing.T) {
	x1 := cmdFrom(client, 1, Put("x", "1"))
	r, env := testReplica(t, 0, 3, "")
	r.Timer(electionTimer)
	env.Reset()
	r.Timer(retryTimer)
	require.Len(t, env.Sent, 2, "Prepare resent to both silent peers")
	r.Receive(1, Promise{B: r.ballot})
	env.Reset()
	r.Receive(client, Request{Cmd: x1})
	r.Receive(1, AcceptReply{B: r.ballot, Slot: 0})
	r.Receive(client, Request{Cmd: cmdFrom(client, 2, Put("x", "2"))})
	env.Reset()
	r.Timer(retryTimer)
	require.Empty(t, env.Sent, "nothing has waited a whole interval yet")
	r.Timer(retryTimer)
	acc := Accept{B: r.ballot, Slot: 1, Cmd: cmdFrom(client, 2, Put("x", "2")), Commit: 1}
	require.Equal(t, []sim.Envelope{{To: 1, Msg: acc}, {To: 2, Msg: acc}}, env.Sent)
}

func TestElectionTimer(t *testing.T) {
	r, env := testReplica(t, 0, 3, "")
	require.Contains(t, env.Timers, electionTimer)
	d := env.Timers[electionTimer].Sub(env.Clock)
	require.GreaterOrEqual(t, d, DefaultElectionTimeoutMin)
	require.Less(t, d, DefaultElectionTimeoutMax)
	r.Receive(1, Heartbeat{B: bal(1, 1)})
	r.Timer(electionTimer)
	require.Empty(t, env.Sent, "a leader was heard: no election")
	r.Timer(electionTimer)
	require.Len(t, env.Sent, 2, "silence for a whole timeout: Prepare to both peers")
	require.Equal(t, Prepare{B: bal(2, 0)}, env.Sent[0].Msg, "a ballot above every one seen")
	require.Zero(t, env.UnsyncedAtSend[0], "our own promise is synced before the Prepare leaves")
}

func TestSingleReplicaCommitsAlone(t *testing.T) {
	r, env := testReplica(t, 0, 1, "")
	r.Timer(electionTimer)
	require.True(t, r.IsLeader())
	r.Receive(client, Request{Cmd: cmdFrom(client, 1, Put("x", "1"))})
	require.Equal(t, []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}}, env.Sent)
}
