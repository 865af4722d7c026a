package sim

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/internal/fieldlist"
)

// TestCloneFollowsFields: Sim.CloneInto, Sim.own and Disk.share copy these
// structs field by field (clone.go), deep where a field is a slice or map
// a world changes. A field added to one of them must be copied there too,
// or be known safe to share: update clone.go, then this list.
func TestCloneFollowsFields(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want []string
	}{
		{Sim{}, []string{"cfg", "now", "seq", "q", "nodes", "transport", "tr", "stats", "failure", "err", "netRand", "faultRand", "current", "checked", "lastNode", "chooser", "cands", "candAt", "candKey", "candOK", "netSrc", "faultSrc", "factories", "onCopy", "spare", "released", "clockReads"}},
		{slot{}, []string{"slotState", "refs"}},
		{slotState{}, []string{"slotHead", "timers"}},
		{slotHead{}, []string{"sim", "id", "factory", "node", "env", "namer", "up", "paused", "started", "incarnation", "disk", "clk", "usedTimers", "outbox", "deferred", "inputs", "fp", "fpOK"}},
		{nodeEnv{}, []string{"slot", "inc", "rng", "src"}},
		{Disk{}, []string{"synced", "torn", "unsynced", "pending", "syncLog", "Writes", "Syncs", "shared", "digest", "digested", "spareSynced", "sparePending", "spareUnsynced"}},
		{queue{}, []string{"keys", "slots", "free", "calls", "gen"}},
		{tracer{}, []string{"hash", "count", "w", "tail", "tailPos", "buf"}},
		{Script{}, []string{"choices", "next"}},
		{PCT{}, []string{"window", "prio", "change", "next", "count"}},
	} {
		require.Equal(t, tc.want, fieldlist.Names(tc.v), "%T changed: update its copy in clone.go, then this list", tc.v)
	}
}
