package paxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/internal/fieldlist"
	"github.com/paxossim/paxossim/sim"
)

// TestCloneFollowsFields: Server.Clone copies the server field by field,
// deep where a field is a slice the server changes, and re-wires the
// layers' pointers (clone.go). A field added to one of these structs must
// be copied there too, or be known safe to share: update clone.go, then
// this list.
func TestCloneFollowsFields(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want []string
	}{
		{Server{}, []string{"node", "reg", "rc", "px", "decided", "pending", "flushing"}},
		{node{}, []string{"env", "servers", "majority", "cfg", "mutant", "acc", "proposed", "seen", "rcCalls", "failures", "events", "cov"}},
		{register{}, []string{"n", "upper", "call"}},
		{consensus{}, []string{"n", "reg", "upper", "busy", "id", "k", "v0", "v"}},
		{paxos{}, []string{"n", "rc", "upper", "active", "waiting", "id", "v0", "k", "learned"}},
		{events{}, []string{"log", "next"}},
	} {
		require.Equal(t, tc.want, fieldlist.Names(tc.v), "%T changed: update Server.Clone, then this list", tc.v)
	}
}

// TestCloneIntoRecyclesAServer: a copy into the memory of a server in
// another state is the copy Clone makes, re-wired to itself and sharing
// nothing that changes with the original: the same next step gives both
// the same state, and leaves the original as it was.
func TestCloneIntoRecyclesAServer(t *testing.T) {
	a, _ := testServer(t, 0, 3, "")
	a.Receive(client, Request{Client: client, Seq: 1, Op: RequestPut, Value: "a"})
	a.Receive(client+1, Request{Client: client + 1, Seq: 4, Op: RequestGet})
	before := a.Fingerprint()
	old, _ := testServer(t, 1, 3, "")
	old.Receive(client+2, Request{Client: client + 2, Seq: 2, Op: RequestPut, Value: "b"})

	envX, envY := sim.NewTestEnv(0, 1), sim.NewTestEnv(0, 1)
	x := a.CloneInto(envX, old).(*Server)
	y := a.Clone(envY).(*Server)
	require.Same(t, old, x, "the dropped server's memory")
	require.Equal(t, before, x.Fingerprint())
	require.Equal(t, before, y.Fingerprint())
	require.Same(t, &x.node, x.reg.n)
	require.Same(t, &x.rc, x.reg.upper)
	require.Same(t, x, x.px.upper)

	msg := Request{Client: client + 3, Seq: 1, Op: RequestPut, Value: "c"}
	x.Receive(client+3, msg)
	y.Receive(client+3, msg)
	require.Equal(t, y.Fingerprint(), x.Fingerprint())
	require.Equal(t, envY.Sent, envX.Sent)
	require.Equal(t, before, a.Fingerprint(), "the original is untouched")
	require.Len(t, a.pending, 2)
}
