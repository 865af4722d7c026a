package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/internal/fieldlist"
	"github.com/paxossim/paxossim/sim"
)

// TestCloneFollowsFields: Replica.Clone copies the replica field by field,
// deep where a field is a slice or map the replica changes (clone.go). A
// field added to one of these structs must be copied there too, or be
// known safe to share: update clone.go, then this list.
func TestCloneFollowsFields(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want []string
	}{
		{Replica{}, []string{"inMsg", "cfg", "index", "mut", "id", "self", "majority", "env", "promised", "log", "commit", "executed", "sm",
			"role", "ballot", "maxRound", "leaderHint", "heard", "tick", "prepFrom", "promisedBy", "promises", "sentUpTo", "waiting", "proposedSeq",
			"asking", "afterSync", "selfVotes", "spareVotes", "selfPromise", "flushArmed", "scratch", "cov", "rej", "lease"}},
		{kvState{}, []string{"data", "sessions", "hash"}},
		{leaseState{}, []string{"grantUntil", "grantSent", "lastSent", "waitUntil", "readyFrom", "held", "restoredUntil", "restored", "cov"}},
		{entry{}, []string{"cmd", "vote", "voteCmd", "committed", "proposed", "acks", "sentTick", "resent"}},
	} {
		require.Equal(t, tc.want, fieldlist.Names(tc.v), "%T changed: update Replica.Clone, then this list", tc.v)
	}
}

// TestCloneIntoRecyclesAReplica: a copy into the memory of a replica in
// another state is the copy Clone makes: nil where the original has nil
// (the lease's grant table is made on first use), its own slices and maps,
// and the same next step gives both the same state while the original
// stays as it was.
func TestCloneIntoRecyclesAReplica(t *testing.T) {
	r, env := testReplica(t, 0, 3, "")
	makeLeader(t, r, env)
	r.Receive(client, Request{Cmd: cmdFrom(client, 1, Put("x", "1"))})
	before := r.Fingerprint()
	require.Nil(t, r.lease.grantSent)

	old, oldEnv := testReplica(t, 0, 3, "")
	makeLeader(t, old, oldEnv)
	old.Receive(client, Request{Cmd: cmdFrom(client, 2, Put("y", "2"))})
	old.lease.grantSent = []sim.Time{1, 2, 3}

	envX, envY := sim.NewTestEnv(0, 1), sim.NewTestEnv(0, 1)
	x := r.CloneInto(envX, old).(*Replica)
	y := r.Clone(envY).(*Replica)
	require.Same(t, old, x, "the dropped replica's memory")
	require.Nil(t, x.lease.grantSent, "nil stays nil")
	require.Equal(t, before, x.Fingerprint())
	require.Equal(t, before, y.Fingerprint())

	reply := AcceptReply{B: r.ballot, Slot: 0}
	x.Receive(1, reply)
	y.Receive(1, reply)
	require.Equal(t, y.Fingerprint(), x.Fingerprint())
	require.Equal(t, envY.Sent, envX.Sent)
	require.Equal(t, before, r.Fingerprint(), "the original is untouched")
}
