package paxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/internal/fieldlist"
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
