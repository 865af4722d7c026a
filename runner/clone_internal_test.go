package runner

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/internal/fieldlist"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// TestCloneFollowsFields: World.CloneInto copies these structs field by
// field (clone.go), deep where a field is a slice or map the world
// changes. A field added to one of them must be copied there too, or be
// known safe to share: update clone.go, then this list. chosen is
// optimized in chosen.go, so its clone (chosen.cloneInto) must follow it.
func TestCloneFollowsFields(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want []string
	}{
		{cluster{}, []string{"s", "p", "proto", "model", "net", "inj", "hist", "inv", "layers", "clients", "failure", "done", "leaders", "watchLeaders", "wl", "setup", "srcs", "snap"}},
		{history{}, []string{"s", "ops", "open", "completed", "obs", "last", "dig", "valueDigest"}},
		{invariants{}, []string{"s", "proto", "servers", "decided", "decider", "deciderID", "have", "stateAt", "stateBy", "haveState", "per", "cov", "chosen", "scanned", "everyStep", "noDivergence"}},
		{serverWatch{}, []string{"seen", "inc", "view", "log", "commit", "executed", "maxPromised", "promisedBy", "syncs", "maxDurable", "durableBy"}},
		{chosen{}, []string{"s", "decode", "majority", "marks", "entries", "slots", "disks", "decoded"}},
		{ballotVotes{}, []string{"ballot", "value", "voters", "next"}},
		{voterSet{}, []string{"low", "high", "count"}},
		{layers{}, []string{"s", "proto", "servers", "hist", "open", "digests", "buf", "views", "last", "failure", "discard", "valueDigest"}},
		{clientSetup{}, []string{"servers", "codec", "rec", "cfg", "think", "startDly", "startSpread"}},
		{opSource{}, []string{"w", "ops", "issued"}},
		{client{}, []string{"setup", "src", "env", "seqBase", "n", "target", "cur", "seq", "outstanding", "attempts", "redirects", "done", "stats"}},
	} {
		require.Equal(t, tc.want, fieldlist.Names(tc.v), "%T changed: update its copy in clone.go, then this list", tc.v)
	}
}

// hiddenClone is a workload with a memory that cannot copy itself: a
// snapshot rebuilds it from its config and replays what its clients saw.
type hiddenClone struct {
	spec.Workload
	spec.Observer
}

// TestCloneWorkloadByReplay: a rebuilt workload, shown the completed
// operations in the order they completed, draws what the original draws.
func TestCloneWorkloadByReplay(t *testing.T) {
	raw := json.RawMessage(`{"keys":1,"get":1,"put":1,"append":0,"cas":1}`)
	wl, err := kv.Spec{}.Workload(raw)
	require.NoError(t, err)
	obs := wl.(spec.Observer)
	put := func(c sim.NodeID, v string) spec.Operation {
		return spec.Operation{Client: int(c), Input: kv.Input{Op: kv.Put, Key: "k0", Value: v}, Output: kv.Output{}}
	}
	// Completed out of call order: n4's put returned last, so n4 saw its
	// own value last, and n3 too saw only its own.
	ops := []spec.Operation{put(4, "a"), put(3, "b"), put(4, "c")}
	ops[0].Call, ops[0].Return = 1, 9
	ops[1].Call, ops[1].Return = 2, 5
	ops[2].Call, ops[2].Return = 10, -1 // open: never observed
	obs.Observe(3, ops[1].Input, ops[1].Output)
	obs.Observe(4, ops[0].Input, ops[0].Output)
	c := &cluster{proto: multipaxos.Protocol, p: &Params{Workload: Workload{Spec: raw}}, wl: hiddenClone{wl, obs}, hist: &history{ops: ops}}
	cp, err := c.cloneWorkload()
	require.NoError(t, err)
	require.NotSame(t, wl, cp)
	for client := sim.NodeID(3); client <= 4; client++ {
		for n := range 20 {
			a, b := rand.New(rand.NewPCG(uint64(n), 1)), rand.New(rand.NewPCG(uint64(n), 1))
			require.Equal(t, wl.Next(a, client, n), cp.Next(b, client, n))
		}
	}
}
