package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// Exactly-once at the replica. A client retries with the same (client,
// seq) and the network duplicates messages; a leader sees both as the same
// request again, and each must take effect once. (The harness checks the
// same end to end: scenarios lossy and chaos, judged by linearizability
// over unique appended values.)

type input struct {
	from sim.NodeID
	msg  sim.Message
}

// toClients keeps the sends addressed to clients (replicas are 0..n-1).
func toClients(sent []sim.Envelope, n int) []sim.Envelope {
	var out []sim.Envelope
	for _, e := range sent {
		if int(e.To) >= n {
			out = append(out, e)
		}
	}
	return out
}

func TestRetriedRequestAppliesOnce(t *testing.T) {
	x1 := cmdFrom(client, 1, Append("x", "1"))
	x2 := cmdFrom(client, 2, Append("x", "2"))
	ack := func(slot int, from sim.NodeID) input { return input{from, AcceptReply{B: bal(1, 0), Slot: slot}} }
	req := func(cmd Command) input { return input{client, Request{Cmd: cmd}} }
	tests := []struct {
		name        string
		inputs      []input // to replica 0 of 3, leading at (1,n0)
		wantReplies []sim.Envelope
		wantAccepts int // Accepts sent (to both peers each)
		wantLog     int
		wantX       string
		wantDup     uint64 // Coverage.DupAnswered
	}{{
		name:        "a retry after execution is answered from the dedup table",
		inputs:      []input{req(x1), ack(0, 1), req(x1)},
		wantReplies: []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}, {To: client, Msg: Reply{Seq: 1}}},
		wantAccepts: 2, wantLog: 1, wantX: "1", wantDup: 1,
	}, {
		name:        "a retry in flight waits for its slot",
		inputs:      []input{req(x1), req(x1), req(x1), ack(0, 1)},
		wantReplies: []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}},
		wantAccepts: 2, wantLog: 1, wantX: "1",
	}, {
		name:        "a duplicated AcceptReply counts once and answers once",
		inputs:      []input{req(x1), ack(0, 1), ack(0, 1), ack(0, 2)},
		wantReplies: []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}},
		wantAccepts: 2, wantLog: 1, wantX: "1",
	}, {
		name:        "a stale request is ignored",
		inputs:      []input{req(x1), ack(0, 1), req(x2), ack(1, 2), req(x1)},
		wantReplies: []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}, {To: client, Msg: Reply{Seq: 2}}},
		wantAccepts: 4, wantLog: 2, wantX: "12",
	}, {
		name:        "a duplicate of the latest after the next was answered",
		inputs:      []input{req(x1), ack(0, 1), req(x2), ack(1, 2), req(x2)},
		wantReplies: []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}, {To: client, Msg: Reply{Seq: 2}}, {To: client, Msg: Reply{Seq: 2}}},
		wantAccepts: 4, wantLog: 2, wantX: "12", wantDup: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, "")
			makeLeader(t, r, env)
			for _, in := range tt.inputs {
				r.Receive(in.from, in.msg)
			}
			require.Equal(t, tt.wantReplies, toClients(env.Sent, 3))
			accepts := 0
			for _, e := range env.Sent {
				if _, ok := e.Msg.(Accept); ok {
					accepts++
				}
			}
			require.Equal(t, tt.wantAccepts, accepts)
			require.Equal(t, tt.wantLog, r.LogLength())
			v, _ := r.Read("x")
			require.Equal(t, tt.wantX, v, "applied once")
			require.Equal(t, tt.wantDup, r.Coverage().DupAnswered)
		})
	}
}

// A command decided in two slots (an old leader's proposal recovered by a
// later Phase 1 after the client's retry was decided elsewhere) executes
// once: the second copy is a no-op.
func TestDuplicateInTheLogExecutesOnce(t *testing.T) {
	x1 := cmdFrom(client, 1, Append("x", "1"))
	r, _ := testReplica(t, 2, 3, "")
	r.Receive(1, Learn{Commit: 2, Entries: []Decided{{Slot: 0, Cmd: x1}, {Slot: 1, Cmd: x1}}})
	require.Equal(t, 2, r.Executed())
	v, _ := r.Read("x")
	require.Equal(t, "1", v)
	require.EqualValues(t, 1, r.Coverage().DupSkipped)

	once, _ := testReplica(t, 1, 3, "")
	once.Receive(2, Learn{Commit: 2, Entries: []Decided{{Slot: 0, Cmd: x1}, {Slot: 1, Cmd: noop()}}})
	require.Equal(t, once.StateHash(), r.StateHash(), "the same state as executing it once")
}

// The dedup table is replicated state: a new leader answers a retry of a
// request its predecessor executed, and does not propose again one that
// its Phase 1 recovered.
func TestRetryAcrossFailoverAppliesOnce(t *testing.T) {
	x1 := cmdFrom(client, 1, Append("x", "1"))
	tests := []struct {
		name string
		// before prepares replica 0 (of 3) while n1 leads at (1,n1).
		before  func(t *testing.T, r *Replica, env *sim.TestEnv) *Replica
		promise Promise // n2's promise for (2,n0)
		// afterRetry is what the retry gets at once: a Reply from the
		// table, or nothing while the recovered slot is re-proposed.
		afterRetry []sim.Envelope
	}{{
		name: "executed before the election: answered from the table",
		before: func(t *testing.T, r *Replica, env *sim.TestEnv) *Replica {
			r.Receive(1, Accept{B: bal(1, 1), Slot: 0, Cmd: x1})
			r.Receive(1, Heartbeat{B: bal(1, 1), Commit: 1})
			require.Equal(t, 1, r.Executed())
			return r
		},
		promise:    Promise{B: bal(2, 0), From: 1, Commit: 1},
		afterRetry: []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}},
	}, {
		name: "restarted, learned the decision from Phase 1: answered from the table",
		before: func(t *testing.T, r *Replica, env *sim.TestEnv) *Replica {
			r.Receive(1, Accept{B: bal(1, 1), Slot: 0, Cmd: x1})
			r.Receive(1, Heartbeat{B: bal(1, 1), Commit: 1})
			r = restartOn(t, env, 0, 3)
			require.Zero(t, r.Executed(), "the state machine is volatile")
			return r
		},
		promise:    Promise{B: bal(2, 0), From: 0, Commit: 1, Entries: []Entry{{Slot: 0, Cmd: x1, Committed: true}}},
		afterRetry: []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}},
	}, {
		name: "voted but not decided: re-proposed once, the retry waits for it",
		before: func(t *testing.T, r *Replica, env *sim.TestEnv) *Replica {
			r.Receive(1, Accept{B: bal(1, 1), Slot: 0, Cmd: x1})
			return r
		},
		promise: Promise{B: bal(2, 0), From: 0},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, "")
			r = tt.before(t, r, env)
			r.Timer(electionTimer)
			if r.Ballot().IsZero() {
				r.Timer(electionTimer) // it had heard n1: the second timeout stands
			}
			require.Equal(t, bal(2, 0), r.Ballot())
			r.Receive(2, tt.promise)
			require.True(t, r.IsLeader())
			env.Reset()
			r.Receive(client, Request{Cmd: x1})
			require.Equal(t, tt.afterRetry, env.Sent)
			if len(tt.afterRetry) == 0 {
				// The recovered proposal commits and answers the waiting
				// client; the retry added no slot.
				require.Equal(t, 1, r.LogLength())
				r.Receive(2, AcceptReply{B: bal(2, 0), Slot: 0})
				require.Equal(t, []sim.Envelope{{To: client, Msg: Reply{Seq: 1}}}, toClients(env.Sent, 3))
			}
			require.Equal(t, 1, r.LogLength())
			v, _ := r.Read("x")
			require.Equal(t, "1", v)
		})
	}
}

// Duplicated protocol messages change nothing the second time: no second
// disk write, no second count; the reply is sent again (the first may have
// been lost).
func TestDuplicateDeliveryIsIdempotent(t *testing.T) {
	x1 := cmdFrom(client, 1, Put("x", "1"))
	tests := []struct {
		name      string
		n         int
		setup     func(r *Replica)
		msg       input
		wantSent  []sim.Envelope // per delivery
		wantWrite uint64         // disk writes of the first delivery
		check     func(t *testing.T, r *Replica)
	}{{
		name:      "Accept",
		n:         3,
		msg:       input{1, Accept{B: bal(1, 1), Slot: 0, Cmd: x1}},
		wantSent:  []sim.Envelope{{To: 1, Msg: AcceptReply{B: bal(1, 1), Slot: 0}}},
		wantWrite: 2, // the promise and the vote
	}, {
		name:      "Prepare",
		n:         3,
		msg:       input{1, Prepare{B: bal(1, 1)}},
		wantSent:  []sim.Envelope{{To: 1, Msg: Promise{B: bal(1, 1)}}},
		wantWrite: 1,
	}, {
		name:  "Promise",
		n:     5,
		setup: func(r *Replica) { r.Timer(electionTimer) },
		msg:   input{1, Promise{B: bal(1, 0)}},
		check: func(t *testing.T, r *Replica) {
			require.False(t, r.IsLeader(), "one peer's promise twice is not a majority of 5")
			r.Receive(2, Promise{B: bal(1, 0)})
			require.True(t, r.IsLeader())
		},
	}, {
		name: "Learn",
		n:    3,
		msg:  input{1, Learn{Commit: 1, Entries: []Decided{{Slot: 0, Cmd: x1}}}},
		check: func(t *testing.T, r *Replica) {
			require.Equal(t, 1, r.Executed())
			require.EqualValues(t, 1, r.Coverage().CatchUpReceived)
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 0, tt.n, "")
			if tt.setup != nil {
				tt.setup(r)
				env.Reset()
			}
			w := env.D.Writes
			r.Receive(tt.msg.from, tt.msg.msg)
			require.Equal(t, tt.wantSent, env.Sent)
			require.Equal(t, tt.wantWrite, env.D.Writes-w)
			env.Reset()
			w = env.D.Writes
			r.Receive(tt.msg.from, tt.msg.msg)
			require.Equal(t, tt.wantSent, env.Sent, "the duplicate gets the same answer")
			require.Zero(t, env.D.Writes-w, "and writes nothing")
			require.Zero(t, env.D.Unsynced(), "and leaves nothing unsynced")
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}
