package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/internal/fieldlist"
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
