package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// foreign is a message type replicas do not know.
type foreign struct{}

func (foreign) Digest() uint64 { return 1 }
func (foreign) String() string { return "foreign{}" }

// Bad input is counted, traced and ignored: never a panic, never a send,
// never a disk write.
func TestBadInput(t *testing.T) {
	ok := cmdFrom(client, 1, Put("x", "1"))
	huge := string(make([]byte, MaxPayload+1))
	tooMany := make([]Decided, LearnBatch+1)
	tests := []struct {
		name   string
		from   sim.NodeID
		msg    sim.Message
		leader bool // deliver to a leader rather than a follower
		want   func(Rejects) uint64
	}{
		{"unknown type", 1, foreign{}, false, func(j Rejects) uint64 { return j.UnknownType }},
		{"client message to a replica", 1, Reply{Seq: 1}, false, func(j Rejects) uint64 { return j.UnknownType }},
		{"prepare from a client", client, Prepare{B: bal(1, 1)}, false, func(j Rejects) uint64 { return j.NotPeer }},
		{"accept from a stranger", 99, Accept{B: bal(1, 1), Cmd: ok}, false, func(j Rejects) uint64 { return j.NotPeer }},
		{"negative sender", -1, Heartbeat{B: bal(1, 1)}, false, func(j Rejects) uint64 { return j.NotPeer }},
		{"ballot of an unknown replica", 1, Prepare{B: bal(1, 9)}, false, func(j Rejects) uint64 { return j.BadBallot }},
		{"ballot of another replica", 1, Prepare{B: bal(1, 2)}, false, func(j Rejects) uint64 { return j.BadBallot }},
		{"round zero", 1, Accept{B: bal(0, 1), Cmd: ok}, false, func(j Rejects) uint64 { return j.BadBallot }},
		{"round beyond MaxRound", 1, Heartbeat{B: bal(MaxRound+1, 1)}, false, func(j Rejects) uint64 { return j.BadBallot }},
		{"nack with a bad ballot", 1, Nack{B: bal(1, 0), Promised: bal(2, 42)}, false, func(j Rejects) uint64 { return j.BadBallot }},
		{"slot far in the future", 1, Accept{B: bal(1, 1), Slot: MaxSlotsAhead, Cmd: ok}, false, func(j Rejects) uint64 { return j.FarSlot }},
		{"negative slot", 1, Accept{B: bal(1, 1), Slot: -1, Cmd: ok}, false, func(j Rejects) uint64 { return j.Malformed }},
		{"negative commit", 1, Heartbeat{B: bal(1, 1), Commit: -5}, false, func(j Rejects) uint64 { return j.Malformed }},
		{"unknown op", 1, Accept{B: bal(1, 1), Cmd: Command{Op: 99, Seq: 1}}, false, func(j Rejects) uint64 { return j.Malformed }},
		{"command without seq", 1, Accept{B: bal(1, 1), Cmd: Put("x", "1")}, false, func(j Rejects) uint64 { return j.Malformed }},
		{"huge payload", 1, Accept{B: bal(1, 1), Cmd: cmdFrom(client, 1, Put("x", huge))}, false, func(j Rejects) uint64 { return j.Malformed }},
		{"request for another client", 8, Request{Cmd: ok}, true, func(j Rejects) uint64 { return j.Malformed }},
		{"request of a no-op", client, Request{Cmd: cmdFrom(client, 1, noop())}, true, func(j Rejects) uint64 { return j.Malformed }},
		{"request without seq", client, Request{Cmd: Put("x", "1")}, true, func(j Rejects) uint64 { return j.Malformed }},
		{"learn request below zero", 1, LearnRequest{From: -1}, false, func(j Rejects) uint64 { return j.Malformed }},
		{"learn batch too big", 1, Learn{Commit: 1, Entries: tooMany}, false, func(j Rejects) uint64 { return j.Malformed }},
		{"learn far slot", 1, Learn{Commit: 1, Entries: []Decided{{Slot: MaxSlotsAhead + 3, Cmd: ok}}}, false, func(j Rejects) uint64 { return j.FarSlot }},
		{"accept reply with negative slot", 1, AcceptReply{B: bal(1, 0), Slot: -3}, true, func(j Rejects) uint64 { return j.Malformed }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, "")
			if tt.leader {
				makeLeader(t, r, env)
			}
			writes := env.D.Writes
			before := r.Rejects()
			require.NotPanics(t, func() { r.Receive(tt.from, tt.msg) })
			require.Equal(t, uint64(1), tt.want(r.Rejects())-tt.want(before), "counted: %+v", r.Rejects())
			require.Equal(t, before.Total()+1, r.Rejects().Total(), "counted once")
			require.Empty(t, env.Sent)
			require.Equal(t, writes, env.D.Writes)
			require.NotEmpty(t, env.Logs, "traced")
		})
	}
}

// Bad promises reach only a candidate; each is rejected whole.
func TestBadPromise(t *testing.T) {
	ok := cmdFrom(client, 1, Put("x", "1"))
	tests := []struct {
		name    string
		entries []Entry
	}{
		{"out of order", []Entry{{Slot: 2, B: bal(1, 1), Cmd: ok}, {Slot: 1, B: bal(1, 1), Cmd: ok}}},
		{"far slot", []Entry{{Slot: MaxSlotsAhead, B: bal(1, 1), Cmd: ok}}},
		{"vote at or above the promised ballot", []Entry{{Slot: 0, B: bal(5, 1), Cmd: ok}}},
		{"vote by a stranger", []Entry{{Slot: 0, B: bal(1, 42), Cmd: ok}}},
		{"unknown op", []Entry{{Slot: 0, B: bal(1, 1), Cmd: Command{Op: 200}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, env := testReplica(t, 0, 3, "")
			r.Timer(electionTimer)
			env.Reset()
			require.NotPanics(t, func() { r.Receive(1, Promise{B: r.ballot, Entries: tt.entries}) })
			require.False(t, r.IsLeader(), "the promise was not counted")
			require.EqualValues(t, 1, r.Rejects().Total())
		})
	}
}
