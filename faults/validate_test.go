package faults

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

func TestValidateAccepts(t *testing.T) {
	require.NoError(t, everyKind().Validate(5, 5))
	require.NoError(t, roleTargets().Validate(5, 3))
	require.NoError(t, roleTargets().Validate(5, 1), "a role always names a server, whatever the cluster")
	require.NoError(t, Plan{}.Validate(1, 1))
	ok := []Plan{
		// A client may be partitioned, isolated, cut or clogged.
		{Faults: []Fault{
			{Kind: KindPartition, Groups: [][]sim.NodeID{{0, 3}, {1, 2, 4}}},
			{Kind: KindIsolate, Node: 4},
			{Kind: KindClog, From: 4, To: 0, Duration: ms},
		}},
		// A crash of the leader may have taken any server: restarting one is fine.
		{Faults: []Fault{
			{At: at(ms), Kind: KindCrash, Role: RoleLeader},
			{At: at(2 * ms), Kind: KindRestart, Node: 1},
		}},
		// So may a crash of the last leader.
		{Faults: []Fault{
			{At: at(ms), Kind: KindCrash, Role: RoleLastLeader, Duration: sim.Second},
			{At: at(2 * ms), Kind: KindRestart, Node: 2},
		}},
		// A role and a node at the two ends, or a role in a group with a
		// node it may resolve to: only the fire time tells whether they
		// coincide, and the injector then skips or moves the node.
		{Faults: []Fault{
			{Kind: KindCut, FromRole: RoleLeader, To: 1},
			{Kind: KindPartition, Groups: [][]sim.NodeID{{1}, {0, 2}}, GroupRoles: [][]Role{{RoleLeader}}},
			// With the bridge a role, n0 (Node's zero value) may be on a side.
			{Kind: KindBridge, Groups: [][]sim.NodeID{{0}, {2}}, Role: RoleLeader},
		}},
		// A crash that ends at 2s: the node may crash again just after.
		{Faults: []Fault{
			{At: at(sim.Second), Kind: KindCrash, Node: 1, Duration: sim.Second},
			{At: at(2*sim.Second + 1), Kind: KindCrash, Node: 1},
			{At: at(3 * sim.Second), Kind: KindHealAll},
			{At: at(3 * sim.Second), Kind: KindCrash, Node: 1},
			{At: at(3 * sim.Second), Kind: KindRestart, Node: 1},
			{At: at(3 * sim.Second), Kind: KindPause, Node: 1, Duration: ms},
		}},
	}
	for _, p := range ok {
		assert.NoError(t, p.Validate(5, 3), p.String())
	}
}

// TestValidateRejects: each bad plan gets an error that names the fault, the
// field and the bad value (or the bad argument).
func TestValidateRejects(t *testing.T) {
	one := func(f Fault) Plan { return Plan{Faults: []Fault{f}} }
	g := func(groups ...[]sim.NodeID) [][]sim.NodeID { return groups }
	cases := []struct {
		name           string
		p              Plan
		nodes, servers int
		want           string
	}{
		{"no nodes", Plan{}, 0, 0, "nodes = 0: must be >= 1"},
		{"too many servers", Plan{}, 3, 4, "servers = 4: must be in [1, nodes=3]"},
		{"no servers", Plan{}, 3, 0, "servers = 0"},
		{"unknown kind", one(Fault{}), 5, 3, "Faults[0] (kind(0)): Kind = kind(0): unknown kind"},
		{"negative time", one(Fault{At: -1_000_000, Kind: KindHeal}), 5, 3, "Faults[0] (heal): At = -0.001s: must be >= 0"},
		{"out of order", Plan{Faults: []Fault{{At: at(2 * ms), Kind: KindHeal}, {At: at(ms), Kind: KindRing}}}, 5, 3,
			"Faults[1] (ring): At = 0.001s: before Faults[0].At = 0.002s: plan out of time order"},
		{"crash a client", one(Fault{Kind: KindCrash, Node: 3}), 5, 3, "Faults[0] (crash): Node = n3: no such server (servers are n0..n2)"},
		{"crash a negative id", one(Fault{Kind: KindCrash, Node: -1}), 5, 3, "Node = n-1: no such server"},
		{"pause a missing node", one(Fault{Kind: KindPause, Node: 9, Duration: ms}), 5, 3, "Node = n9: no such server"},
		{"clock a client", one(Fault{Kind: KindClock, Node: 4}), 5, 3, "(clock): Node = n4: no such server"},
		{"isolate a missing node", one(Fault{Kind: KindIsolate, Node: 5}), 5, 3, "Node = n5: no such node (nodes are n0..n4)"},
		{"restart a role", one(Fault{Kind: KindRestart, Role: RoleLeader}), 5, 3, "Role = leader: restart cannot target a role"},
		{"partition a role", one(Fault{Kind: KindPartition, Role: RoleLeader, Groups: g([]sim.NodeID{0}, []sim.NodeID{1})}), 5, 3, "Role = leader: partition cannot target a role"},
		{"unknown role", one(Fault{Kind: KindIsolate, Role: 9}), 5, 3, "Role = role(9): unknown role"},
		{"role and node", one(Fault{Kind: KindCrash, Role: RoleLeader, Node: 1}), 5, 3, "Node = n1: must be unset (n0) when Role = leader"},
		{"node on heal", one(Fault{Kind: KindHeal, Node: 1}), 5, 3, "Faults[0] (heal): Node = n1: not used by heal"},
		{"one group", one(Fault{Kind: KindPartition, Groups: g([]sim.NodeID{0, 1})}), 5, 3, "Groups = [{n0,n1}]: a partition needs at least 2 groups"},
		{"no groups", one(Fault{Kind: KindPartition}), 5, 3, "Groups = []: a partition needs at least 2 groups"},
		{"empty group", one(Fault{Kind: KindPartition, Groups: g([]sim.NodeID{0, 1}, []sim.NodeID{})}), 5, 3, "Groups[1] = {}: empty group"},
		{"node twice", one(Fault{Kind: KindPartition, Groups: g([]sim.NodeID{0, 1}, []sim.NodeID{1, 2})}), 5, 3, "Groups[1] = {n1,n2}: n1 is already in Groups[0]"},
		{"missing node in group", one(Fault{Kind: KindPartition, Groups: g([]sim.NodeID{0}, []sim.NodeID{9})}), 5, 3, "Groups[1] = {n9}: no such node n9"},
		{"bridge of three", one(Fault{Kind: KindBridge, Node: 0, Groups: g([]sim.NodeID{1}, []sim.NodeID{2}, []sim.NodeID{3})}), 5, 3, "a bridge needs exactly 2 groups"},
		{"bridge in a group", one(Fault{Kind: KindBridge, Node: 1, Groups: g([]sim.NodeID{0, 1}, []sim.NodeID{2})}), 5, 3, "Node = n1: the bridge must be in neither group, but is in Groups[0]"},
		{"groups on crash", one(Fault{Kind: KindCrash, Groups: g([]sim.NodeID{0})}), 5, 3, "Groups = [{n0}]: not used by crash"},
		{"cut to self", one(Fault{Kind: KindCut, From: 1, To: 1}), 5, 3, "To = n1: same as From"},
		{"cut leader to leader", one(Fault{Kind: KindCut, FromRole: RoleLeader, ToRole: RoleLeader}), 5, 3, "(cut): To = leader: same as From"},
		{"clog last leader to itself", one(Fault{Kind: KindClog, FromRole: RoleLastLeader, ToRole: RoleLastLeader, Duration: ms}), 5, 3, "(clog): To = last-leader: same as From"},
		{"unknown from role", one(Fault{Kind: KindCut, FromRole: 9, To: 1}), 5, 3, "FromRole = role(9): unknown role"},
		{"unknown to role", one(Fault{Kind: KindClog, From: 1, ToRole: 3, Duration: ms}), 5, 3, "ToRole = role(3): unknown role"},
		{"from node and role", one(Fault{Kind: KindCut, From: 2, FromRole: RoleLeader, To: 1}), 5, 3, "From = n2: must be unset (n0) when FromRole = leader"},
		{"to node and role", one(Fault{Kind: KindClog, From: 1, To: 4, ToRole: RoleLastLeader, Duration: ms}), 5, 3, "To = n4: must be unset (n0) when ToRole = last-leader"},
		{"role end on ring", one(Fault{Kind: KindRing, ToRole: RoleLeader}), 5, 3, "From->To = n0->leader: not used by ring"},
		{"role end on crash", one(Fault{Kind: KindCrash, FromRole: RoleLastLeader}), 5, 3, "From->To = last-leader->n0: not used by crash"},
		{"cut from nowhere to leader", one(Fault{Kind: KindCut, From: 5, ToRole: RoleLeader}), 5, 3, "From = n5: no such node"},
		{"group roles on isolate", one(Fault{Kind: KindIsolate, Node: 1, GroupRoles: [][]Role{{RoleLeader}}}), 5, 3, "GroupRoles = [{leader}]: not used by isolate"},
		{"group roles beyond groups", one(Fault{Kind: KindPartition, Groups: g([]sim.NodeID{0}, []sim.NodeID{1}), GroupRoles: [][]Role{nil, nil, {RoleLeader}}}), 5, 3, "GroupRoles = [{} {} {leader}]: 3 entries for 2 groups"},
		{"RoleNone in a group", one(Fault{Kind: KindPartition, Groups: g([]sim.NodeID{0}, []sim.NodeID{1}), GroupRoles: [][]Role{{RoleNone}}}), 5, 3, "Groups[0] = {RoleNone,n0}: GroupRoles[0] holds RoleNone: not a role"},
		{"unknown role in a group", one(Fault{Kind: KindPartition, Groups: g(nil, []sim.NodeID{1}), GroupRoles: [][]Role{{8}}}), 5, 3, "Groups[0] = {role(8)}: GroupRoles[0] holds role(8): not a role"},
		{"role in two groups", one(Fault{Kind: KindPartition, Groups: g(nil, []sim.NodeID{1}), GroupRoles: [][]Role{{RoleLeader}, {RoleLeader}}}), 5, 3, "Groups[1] = {leader,n1}: leader is already in Groups[0]"},
		{"role twice in a group", one(Fault{Kind: KindPartition, Groups: g(nil, []sim.NodeID{1}), GroupRoles: [][]Role{{RoleLastLeader, RoleLastLeader}}}), 5, 3, "Groups[0] = {last-leader,last-leader}: last-leader is already in Groups[0]"},
		{"bridge role on a side", one(Fault{Kind: KindBridge, Role: RoleLeader, Groups: g([]sim.NodeID{0}, []sim.NodeID{1}), GroupRoles: [][]Role{nil, {RoleLeader}}}), 5, 3,
			"Groups[1] = {leader,n1}: leader is the bridge (Role), which must be in neither group"},
		{"bridge role and node", one(Fault{Kind: KindBridge, Role: RoleLeader, Node: 2, Groups: g([]sim.NodeID{0}, []sim.NodeID{1})}), 5, 3, "Node = n2: must be unset (n0) when Role = leader"},
		{"empty group beside roles", one(Fault{Kind: KindPartition, Groups: g(nil, nil), GroupRoles: [][]Role{{RoleLeader}}}), 5, 3, "Groups[1] = {}: empty group"},
		{"cut to nowhere", one(Fault{Kind: KindCut, From: 1, To: 7}), 5, 3, "To = n7: no such node"},
		{"clog from nowhere", one(Fault{Kind: KindClog, From: -2, To: 1, Duration: ms}), 5, 3, "From = n-2: no such node"},
		{"from on ring", one(Fault{Kind: KindRing, From: 2}), 5, 3, "From->To = n2->n0: not used by ring"},
		{"clog for nothing", one(Fault{Kind: KindClog, From: 0, To: 1}), 5, 3, "(clog): Duration = 0s: must be > 0"},
		{"negative pause", one(Fault{Kind: KindPause, Duration: -5 * ms}), 5, 3, "(pause): Duration = -5ms: must be > 0"},
		{"negative downtime", one(Fault{Kind: KindCrash, Duration: -ms}), 5, 3, "(crash): Duration = -1ms: must be >= 0"},
		{"duration on heal", one(Fault{Kind: KindHeal, Duration: 5 * ms}), 5, 3, "Duration = 5ms: not used by heal"},
		{"overflow", one(Fault{At: at(sim.Second), Kind: KindPause, Duration: math.MaxInt64}), 5, 3, "At+Duration overflows"},
		{"drift too fast", one(Fault{Kind: KindClock, Drift: 1_000_000}), 5, 3, "Drift = 1000000ppm: must be within (-1000000, 1000000)"},
		{"drift too slow", one(Fault{Kind: KindClock, Drift: -1_000_000}), 5, 3, "Drift = -1000000ppm"},
		{"skew too far", one(Fault{Kind: KindClock, Skew: SkewMax + 1}), 5, 3, "Skew = 86400000000001ns: magnitude must be <= 86400s"},
		{"skew on crash", one(Fault{Kind: KindCrash, Skew: ms}), 5, 3, "Skew/Drift = 1ms/0ppm: not used by crash"},
		{"unknown fate", one(Fault{Kind: KindCrash, Fate: 7}), 5, 3, "Fate = fate(7): unknown disk fate"},
		{"fate on pause", one(Fault{Kind: KindPause, Duration: ms, Fate: sim.DiskTear}), 5, 3, "Fate = tear: not used by pause"},
		{"restart an up node", one(Fault{Kind: KindRestart, Node: 1}), 5, 3, "Faults[0] (restart): Node = n1: not crashed at 0.000s"},
		{"restart after auto-restart", Plan{Faults: []Fault{
			{At: 0, Kind: KindCrash, Node: 1, Duration: ms},
			{At: at(2 * ms), Kind: KindRestart, Node: 1},
		}}, 5, 3, "Faults[1] (restart): Node = n1: not crashed at 0.002s"},
		{"crash twice", Plan{Faults: []Fault{
			{At: at(sim.Second), Kind: KindCrash, Node: 2, Duration: sim.Second},
			{At: at(2 * sim.Second), Kind: KindCrash, Node: 2},
		}}, 5, 3, "Faults[1] (crash): Node = n2: already down at 2.000s (crashed by Faults[0])"},
		{"pause a crashed node", Plan{Faults: []Fault{
			{At: 0, Kind: KindCrash, Node: 0},
			{At: at(ms), Kind: KindPause, Node: 0, Duration: ms},
		}}, 5, 3, "Faults[1] (pause): Node = n0: crashed at 0.001s (by Faults[0]), cannot pause"},
		{"restart after role crash ended", Plan{Faults: []Fault{
			{At: 0, Kind: KindCrash, Role: RoleLeader, Duration: ms},
			{At: at(2 * ms), Kind: KindRestart, Node: 0},
		}}, 5, 3, "Node = n0: not crashed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			assert.NotPanics(t, func() { err = c.p.Validate(c.nodes, c.servers) })
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), "faults: ")
		})
	}
}

func TestWithHeal(t *testing.T) {
	p := everyKind()
	h := p.WithHeal(at(4 * sim.Second))
	end, ok := h.HealAt()
	require.True(t, ok)
	assert.Equal(t, at(4*sim.Second), end)
	require.NoError(t, h.Validate(5, 5))
	for _, f := range h.Faults[:len(h.Faults)-1] {
		assert.Less(t, f.At, at(4*sim.Second))
		assert.NotEqual(t, KindHealAll, f.Kind)
	}
	assert.Len(t, h.Faults, 7)
	// The copy shares no groups with the original.
	h.Faults[3].Groups[0][0] = 4
	assert.Equal(t, sim.NodeID(0), p.Faults[3].Groups[0][0])
	// Healing late keeps everything and the old heal-all.
	assert.Len(t, p.WithHeal(at(20*sim.Second)).Faults, len(p.Faults)+1)
	_, ok = Plan{Faults: []Fault{{Kind: KindHeal}}}.HealAt()
	assert.False(t, ok)
}
