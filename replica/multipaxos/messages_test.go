package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

func TestMessageStrings(t *testing.T) {
	x := cmdFrom(5, 3, Put("x", "1"))
	tests := []struct {
		msg  sim.Message
		want string
	}{
		{Accept{B: bal(3, 1), Slot: 7, Cmd: x, Commit: 6}, `Accept{b=(3,n1) slot=7 cmd=put("x","1")@n5#3 commit=6}`},
		{Request{Cmd: cmdFrom(5, 4, Get("a\"b"))}, `Request{cmd=get("a\"b")@n5#4}`},
		{Reply{Seq: 4, Res: Result{Value: "v\n"}}, `Reply{seq=4 res="v\n"}`},
		{Redirect{Seq: 4, Leader: -1}, `Redirect{seq=4 leader=none}`},
		{Redirect{Seq: 4, Leader: 2}, `Redirect{seq=4 leader=n2}`},
		{Prepare{B: bal(2, 0), From: 5}, `Prepare{b=(2,n0) from=5}`},
		{Promise{B: bal(2, 0), From: 5, Commit: 4, Entries: []Entry{{Slot: 5, B: bal(1, 1), Cmd: x}, {Slot: 6, Cmd: noop(), Committed: true}}},
			`Promise{b=(2,n0) from=5 commit=4 entries=[5:(1,n1) put("x","1")@n5#3 6:committed noop]}`},
		{AcceptReply{B: bal(3, 1), Slot: 7}, `AcceptReply{b=(3,n1) slot=7}`},
		{Nack{B: bal(3, 1), Promised: bal(4, 2)}, `Nack{b=(3,n1) promised=(4,n2)}`},
		{Heartbeat{B: bal(3, 1), Commit: 9}, `Heartbeat{b=(3,n1) commit=9}`},
		{LearnRequest{From: 3}, `LearnRequest{from=3}`},
		{Learn{Commit: 5, Entries: []Decided{{Slot: 3, Cmd: cmdFrom(5, 1, Append("k", "z"))}}}, `Learn{commit=5 entries=[3:append("k","z")@n5#1]}`},
		{Promise{B: bal(1, 0)}, `Promise{b=(1,n0) from=0 commit=0 entries=[]}`},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.msg.String())
	}
	require.Equal(t, "(0,-)", Ballot{}.String())
}

// Digest covers every field: changing any one changes it, and two types
// with equal fields differ.
func TestMessageDigests(t *testing.T) {
	x := cmdFrom(5, 3, Put("x", "1"))
	variants := []sim.Message{
		Accept{B: bal(3, 1), Slot: 7, Cmd: x, Commit: 6},
		Accept{B: bal(4, 1), Slot: 7, Cmd: x, Commit: 6},
		Accept{B: bal(3, 2), Slot: 7, Cmd: x, Commit: 6},
		Accept{B: bal(3, 1), Slot: 8, Cmd: x, Commit: 6},
		Accept{B: bal(3, 1), Slot: 7, Cmd: x, Commit: 7},
		Accept{B: bal(3, 1), Slot: 7, Cmd: cmdFrom(5, 3, Append("x", "1")), Commit: 6},
		Accept{B: bal(3, 1), Slot: 7, Cmd: cmdFrom(5, 3, Put("y", "1")), Commit: 6},
		Accept{B: bal(3, 1), Slot: 7, Cmd: cmdFrom(5, 3, Put("x", "2")), Commit: 6},
		Accept{B: bal(3, 1), Slot: 7, Cmd: cmdFrom(6, 3, Put("x", "1")), Commit: 6},
		Accept{B: bal(3, 1), Slot: 7, Cmd: cmdFrom(5, 4, Put("x", "1")), Commit: 6},
		Request{Cmd: x}, Request{Cmd: cmdFrom(5, 4, Put("x", "1"))},
		Reply{Seq: 1}, Reply{Seq: 2}, Reply{Seq: 1, Res: Result{Value: "a"}},
		Redirect{Seq: 1, Leader: 1}, Redirect{Seq: 1, Leader: 2}, Redirect{Seq: 2, Leader: 1},
		Prepare{B: bal(1, 1)}, Prepare{B: bal(1, 1), From: 1}, Prepare{B: bal(1, 2)},
		Promise{B: bal(1, 1)}, Promise{B: bal(1, 1), From: 1}, Promise{B: bal(1, 1), Commit: 1},
		Promise{B: bal(1, 1), Entries: []Entry{{Slot: 0, B: bal(1, 0), Cmd: x}}},
		Promise{B: bal(1, 1), Entries: []Entry{{Slot: 1, B: bal(1, 0), Cmd: x}}},
		Promise{B: bal(1, 1), Entries: []Entry{{Slot: 0, B: bal(1, 0), Cmd: x, Committed: true}}},
		Promise{B: bal(1, 1), Entries: []Entry{{Slot: 0, B: bal(1, 2), Cmd: x}}},
		AcceptReply{B: bal(1, 1)}, AcceptReply{B: bal(1, 1), Slot: 1},
		Nack{B: bal(1, 1), Promised: bal(2, 1)}, Nack{B: bal(1, 1), Promised: bal(2, 2)},
		Heartbeat{B: bal(1, 1)}, Heartbeat{B: bal(1, 1), Commit: 1},
		LearnRequest{From: 0}, LearnRequest{From: 1},
		Learn{Commit: 1}, Learn{Commit: 1, Entries: []Decided{{Slot: 0, Cmd: x}}},
		Learn{Commit: 1, Entries: []Decided{{Slot: 1, Cmd: x}}},
	}
	seen := map[uint64]sim.Message{}
	for _, m := range variants {
		d := m.Digest()
		prev, dup := seen[d]
		require.False(t, dup, "%v and %v share a digest", m, prev)
		seen[d] = m
	}
}
