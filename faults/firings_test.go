package faults

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// TestFirings: the injector records what each fault did, with the nodes a
// role resolved to, the ends it scheduled, and the faults that did
// nothing; one record per trace note, in order.
func TestFirings(t *testing.T) {
	s, trace, _ := newSim(t, 1, 5) // servers n0..n2
	roles := &fakeRoles{leader: 2, known: true}
	p := Plan{Faults: []Fault{
		{At: sec(1), Kind: KindCrash, Role: RoleLeader, Duration: 500 * ms},
		{At: sec(1.2), Kind: KindCrash, Node: 2},
		{At: sec(2), Kind: KindPartition, Groups: [][]sim.NodeID{{}, {0, 1, 2}}, GroupRoles: [][]Role{{RoleLeader}}},
		{At: sec(2.5), Kind: KindCut, FromRole: RoleLeader, To: 0},
		{At: sec(2.6), Kind: KindIsolate, Role: RoleLastLeader},
		{At: sec(3), Kind: KindPause, Node: 1, Duration: 100 * ms},
		{At: sec(4), Kind: KindHeal},
		{At: sec(4.5), Kind: KindCrash, Node: 0},
		{At: sec(5), Kind: KindHealAll},
	}}
	in := Injector{Servers: 3}
	require.NoError(t, in.Inject(s, &fakeNet{}, p, roles))
	s.Run(sec(6), nil)

	type rec struct {
		fault    int
		at       sim.Time
		end      bool
		nodes    []sim.NodeID
		noEffect bool
	}
	var got []rec
	for _, f := range in.Firings() {
		got = append(got, rec{f.Fault, f.At, f.End, f.Nodes, f.NoEffect})
	}
	assert.Equal(t, []rec{
		{0, sec(1), false, []sim.NodeID{2}, false},
		{1, sec(1.2), false, []sim.NodeID{2}, true}, // n2 is down already
		{0, sec(1.5), true, []sim.NodeID{2}, false}, // the crash's own restart
		{2, sec(2), false, []sim.NodeID{2, 0, 1}, false},
		{3, sec(2.5), false, []sim.NodeID{2, 0}, false},
		{4, sec(2.6), false, nil, true}, // no last leader known: skipped
		{5, sec(3), false, []sim.NodeID{1}, false},
		{5, sec(3.1), true, []sim.NodeID{1}, false},
		{6, sec(4), false, nil, false},
		{7, sec(4.5), false, []sim.NodeID{0}, false},
		{8, sec(5), false, []sim.NodeID{0}, false}, // heal-all restarts n0
	}, got)
	assert.Contains(t, in.Firings()[0].Note, "crash leader")
	assert.Contains(t, in.Firings()[0].Note, "(leader=n2)")
	assert.Len(t, notes(trace), len(in.Firings()), "one record per trace note")
}
