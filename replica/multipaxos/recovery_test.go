package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// Failover and recovery at the replica: what a crashed leader, a restarted
// cluster and a partitioned leader need of each handler. The harness runs
// the same stories end to end (scenarios crashes, partitions, chaos and the
// leader-isolation, majority-crash and rolling-restart nemeses).

// A restarted replica knows only its disk: its votes. A commit notice at
// the ballot it voted in commits from those votes; a notice from another
// ballot, or beyond its votes, makes it ask for the decided commands.
func TestRestartedFollowerCatchesUp(t *testing.T) {
	x1 := cmdFrom(client, 1, Put("x", "1"))
	y2 := cmdFrom(client, 2, Put("y", "2"))
	z3 := cmdFrom(client, 3, Put("z", "3"))
	tests := []struct {
		name       string
		from       sim.NodeID
		notice     Heartbeat
		wantCommit int
		wantSent   []sim.Envelope
		learn      Learn // the answer to wantSent's LearnRequest, if any
		wantFinal  int
	}{{
		name:       "notice at its vote's ballot: commits from its votes",
		from:       1,
		notice:     Heartbeat{B: bal(1, 1), Commit: 2},
		wantCommit: 2,
		wantFinal:  2,
	}, {
		name:       "notice of a new leader: asks for every decided command",
		from:       0,
		notice:     Heartbeat{B: bal(2, 0), Commit: 3},
		wantCommit: 0,
		wantSent:   []sim.Envelope{{To: 0, Msg: LearnRequest{From: 0}}},
		learn:      Learn{Commit: 3, Entries: []Decided{{Slot: 0, Cmd: x1}, {Slot: 1, Cmd: y2}, {Slot: 2, Cmd: z3}}},
		wantFinal:  3,
	}, {
		name:       "notice beyond its votes: commits its prefix and asks for the rest",
		from:       1,
		notice:     Heartbeat{B: bal(1, 1), Commit: 3},
		wantCommit: 2,
		wantSent:   []sim.Envelope{{To: 1, Msg: LearnRequest{From: 2}}},
		learn:      Learn{Commit: 3, Entries: []Decided{{Slot: 2, Cmd: z3}}},
		wantFinal:  3,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 2, 3, "")
			r.Receive(1, Accept{B: bal(1, 1), Slot: 0, Cmd: x1})
			r.Receive(1, Accept{B: bal(1, 1), Slot: 1, Cmd: y2})
			r.Receive(1, Heartbeat{B: bal(1, 1), Commit: 2})
			require.Equal(t, 2, r.Executed())
			want := r.StateHash()

			r = restartOn(t, env, 2, 3)
			require.Zero(t, r.Committed(), "the commit point is volatile")
			require.EqualValues(t, 1, r.Coverage().DiskRecoveries)
			env.Reset()
			r.Receive(tt.from, tt.notice)
			require.Equal(t, tt.wantCommit, r.Committed())
			require.Equal(t, tt.wantSent, env.Sent)
			if len(tt.wantSent) > 0 {
				require.Contains(t, env.Timers, catchupTimer)
				r.Receive(tt.from, tt.learn)
				require.EqualValues(t, 1, r.Coverage().CatchUpReceived)
				require.NotContains(t, env.Timers, catchupTimer)
			}
			require.Equal(t, tt.wantFinal, r.Committed())
			require.Equal(t, tt.wantFinal, r.Executed())
			if tt.wantFinal == 2 {
				require.Equal(t, want, r.StateHash(), "re-executed into the same state")
			}
			v, _ := r.Read("y")
			require.Equal(t, "2", v)
		})
	}
}

// A crashed leader restarts as a follower and never reuses its ballot: its
// next candidacy is above the promise on its disk.
func TestRestartedLeaderStandsAboveItsPromise(t *testing.T) {
	r, env := testReplica(t, 0, 3, "")
	makeLeader(t, r, env)
	r.Receive(client, Request{Cmd: cmdFrom(client, 1, Put("x", "1"))})
	require.Zero(t, env.D.Unsynced())

	r = restartOn(t, env, 0, 3)
	require.False(t, r.IsLeader())
	require.Equal(t, bal(1, 0), r.Promised())
	_, _, voted := r.Vote(0)
	require.True(t, voted, "its own vote survived")
	env.Reset()
	r.Timer(electionTimer)
	require.Equal(t, []sim.Envelope{{To: 1, Msg: Prepare{B: bal(2, 0)}}, {To: 2, Msg: Prepare{B: bal(2, 0)}}}, env.Sent)
	require.Zero(t, env.UnsyncedAtSend[0], "the new promise is durable before the Prepare leaves")
}

// After every replica restarted, nothing but the votes remains: a new
// leader's Phase 1 re-proposes every voted slot, so the commands decided
// before the crash are decided again, in the same slots, into the same
// state.
func TestNewLeaderAfterEveryReplicaRestarted(t *testing.T) {
	a := cmdFrom(client, 1, Append("k", "a"))
	b := cmdFrom(client, 2, Append("k", "b"))
	c := cmdFrom(8, 1, Append("k", "c"))
	tests := []struct {
		name    string
		entries []Entry // n1's promise: its votes, read back from its disk
	}{
		{"a peer reports the same votes", []Entry{{Slot: 0, B: bal(1, 1), Cmd: a}, {Slot: 1, B: bal(1, 1), Cmd: b}, {Slot: 2, B: bal(1, 1), Cmd: c}}},
		{"a peer that voted nowhere", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, "")
			for s, cmd := range []Command{a, b, c} {
				r.Receive(1, Accept{B: bal(1, 1), Slot: s, Cmd: cmd})
			}
			r.Receive(1, Heartbeat{B: bal(1, 1), Commit: 3})
			require.Equal(t, 3, r.Executed())
			want := r.StateHash()

			r = restartOn(t, env, 0, 3)
			require.Zero(t, r.Executed())
			r.Timer(electionTimer)
			require.Equal(t, bal(2, 0), r.Ballot())
			env.Reset()
			r.Receive(1, Promise{B: bal(2, 0), From: 0, Entries: tt.entries})
			require.True(t, r.IsLeader())
			var proposed []Command
			for _, e := range env.Sent {
				if acc, ok := e.Msg.(Accept); ok && e.To == 1 {
					require.Equal(t, bal(2, 0), acc.B)
					require.Equal(t, len(proposed), acc.Slot)
					proposed = append(proposed, acc.Cmd)
				}
			}
			require.Equal(t, []Command{a, b, c}, proposed, "every voted slot re-proposed, in place")
			require.EqualValues(t, 3, r.Coverage().Recovered)
			require.Zero(t, r.Coverage().GapsFilled)
			for s := 0; s < 3; s++ {
				r.Receive(2, AcceptReply{B: bal(2, 0), Slot: s})
			}
			require.Equal(t, 3, r.Committed())
			require.Equal(t, 3, r.Executed())
			require.Equal(t, want, r.StateHash(), "the same state as before the crash")
			v, _ := r.Read("k")
			require.Equal(t, "abc", v)
		})
	}
}

// A partitioned leader cannot know it was deposed: it keeps leading and
// retransmitting. The first message of the new ballot to reach it after
// the partition heals deposes it: its waiting clients are redirected to
// the new leader, its leader timers stop, and it catches up from the new
// leader's commit notices.
func TestPartitionedLeaderStepsDown(t *testing.T) {
	x1 := cmdFrom(client, 1, Put("x", "1"))
	y1 := cmdFrom(8, 1, Put("y", "1"))
	redirect := sim.Envelope{To: client, Msg: Redirect{Seq: 1, Leader: 1}}
	tests := []struct {
		name     string
		from     sim.NodeID
		msg      sim.Message
		wantSent []sim.Envelope
		// wantPromised: only a Prepare or an Accept raises the promise;
		// a heartbeat or a Nack just deposes.
		wantPromised Ballot
		// caughtUp: after the step-down, a commit notice of the new leader
		// commits slot 0 from this replica's vote (it voted at the new
		// ballot); otherwise the replica asks for it.
		caughtUp bool
	}{{
		name:         "a heartbeat of the new leader",
		from:         1,
		msg:          Heartbeat{B: bal(2, 1)},
		wantSent:     []sim.Envelope{redirect},
		wantPromised: bal(1, 0),
	}, {
		name:         "a Nack naming the new promise",
		from:         2,
		msg:          Nack{B: bal(1, 0), Promised: bal(2, 1)},
		wantSent:     []sim.Envelope{redirect},
		wantPromised: bal(1, 0),
	}, {
		name: "a Prepare of the new ballot",
		from: 1,
		msg:  Prepare{B: bal(2, 1)},
		wantSent: []sim.Envelope{redirect, {To: 1, Msg: Promise{B: bal(2, 1), Entries: []Entry{
			{Slot: 0, B: bal(1, 0), Cmd: x1}}}}},
		wantPromised: bal(2, 1),
	}, {
		name:         "an Accept of the new ballot",
		from:         1,
		msg:          Accept{B: bal(2, 1), Slot: 0, Cmd: y1},
		wantSent:     []sim.Envelope{redirect, {To: 1, Msg: AcceptReply{B: bal(2, 1), Slot: 0}}},
		wantPromised: bal(2, 1),
		caughtUp:     true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, "")
			makeLeader(t, r, env)
			r.Receive(client, Request{Cmd: x1})
			// Isolated: no AcceptReply, no heartbeat of anyone else.
			env.Reset()
			for i := 0; i < 3; i++ {
				r.Timer(heartbeatTimer)
				r.Timer(retryTimer)
				require.True(t, r.IsLeader(), "isolated, it cannot know it was deposed")
			}
			require.Contains(t, env.Sent, sim.Envelope{To: 1, Msg: Accept{B: bal(1, 0), Slot: 0, Cmd: x1}}, "it retransmits")
			require.Contains(t, env.Sent, sim.Envelope{To: 2, Msg: Heartbeat{B: bal(1, 0)}})

			env.Reset()
			r.Receive(tt.from, tt.msg)
			require.False(t, r.IsLeader())
			require.Equal(t, tt.wantSent, env.Sent)
			require.Equal(t, sim.NodeID(1), r.LeaderHint())
			require.NotContains(t, env.Timers, heartbeatTimer)
			require.NotContains(t, env.Timers, retryTimer)
			require.Contains(t, env.Timers, electionTimer)
			require.Equal(t, tt.wantPromised, r.Promised())

			env.Reset()
			r.Receive(1, Heartbeat{B: bal(2, 1), Commit: 1})
			if tt.caughtUp {
				require.Empty(t, env.Sent)
				require.Equal(t, 1, r.Committed())
				return
			}
			require.Equal(t, []sim.Envelope{{To: 1, Msg: LearnRequest{From: 0}}}, env.Sent,
				"its own vote in slot 0 is from its old ballot: it asks")
			r.Receive(1, Learn{Commit: 1, Entries: []Decided{{Slot: 0, Cmd: y1}}})
			require.Equal(t, 1, r.Committed())
			d, _ := r.DecidedAt(0)
			require.Equal(t, y1, d, "the new leader's decision replaces the old proposal")
		})
	}
}
