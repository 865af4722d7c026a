package faults

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/paxossim/paxossim/sim"
)

const ms = sim.Millisecond

func at(d sim.Duration) sim.Time { return sim.Time(d) }

// everyKind is a valid plan for 5 nodes / 5 servers with one fault of each
// kind and each way of targeting.
func everyKind() Plan {
	return Plan{Name: "every-kind", Faults: []Fault{
		{At: at(1200 * ms), Kind: KindCrash, Node: 2, Fate: sim.DiskTear},
		{At: at(1500 * ms), Kind: KindCrash, Role: RoleLeader, Fate: sim.DiskKeepSome, Duration: 2 * sim.Second},
		{At: at(3 * sim.Second), Kind: KindRestart, Node: 2},
		{At: at(3 * sim.Second), Kind: KindPartition, Groups: [][]sim.NodeID{{0, 1}, {2, 3, 4}}},
		{At: at(3500 * ms), Kind: KindIsolate, Role: RoleLeader},
		{At: at(3600 * ms), Kind: KindIsolate, Node: 4},
		{At: at(4 * sim.Second), Kind: KindCut, From: 0, To: 1},
		{At: at(4 * sim.Second), Kind: KindBridge, Groups: [][]sim.NodeID{{0, 1}, {3, 4}}, Node: 2},
		{At: at(4 * sim.Second), Kind: KindRing},
		{At: at(4500 * ms), Kind: KindClog, From: 3, To: 0, Duration: 250 * ms},
		{At: at(5 * sim.Second), Kind: KindHeal},
		{At: at(5*sim.Second + 1500*sim.Microsecond), Kind: KindClock, Node: 1, Skew: -50 * ms, Drift: 200},
		{At: at(5*sim.Second + 2*ms + 7), Kind: KindClock, Role: RoleLeader, Skew: 0, Drift: -3},
		{At: at(6 * sim.Second), Kind: KindPause, Node: 0, Duration: 2 * sim.Second},
		{At: at(10 * sim.Second), Kind: KindHealAll},
	}}
}

// roleTargets is a valid plan for 5 nodes / 3 servers with every place a
// role may stand in a network fault.
func roleTargets() Plan {
	return Plan{Name: "role-targets", Faults: []Fault{
		{At: at(1 * sim.Second), Kind: KindCut, FromRole: RoleLeader, To: 2},
		{At: at(1 * sim.Second), Kind: KindCut, From: 4, ToRole: RoleLastLeader},
		{At: at(1 * sim.Second), Kind: KindCut, FromRole: RoleLeader, ToRole: RoleLastLeader},
		{At: at(2 * sim.Second), Kind: KindClog, From: 1, ToRole: RoleLastLeader, Duration: 250 * ms},
		{At: at(2 * sim.Second), Kind: KindClog, FromRole: RoleLastLeader, To: 0, Duration: 2 * sim.Second},
		{At: at(3 * sim.Second), Kind: KindPartition, Groups: [][]sim.NodeID{nil, {0, 1, 2}}, GroupRoles: [][]Role{{RoleLeader}}},
		{At: at(3 * sim.Second), Kind: KindPartition, Groups: [][]sim.NodeID{{3}, {0, 1, 2}, {4}}, GroupRoles: [][]Role{{RoleLeader, RoleLastLeader}}},
		{At: at(4 * sim.Second), Kind: KindBridge, Groups: [][]sim.NodeID{{0}, {3, 4}}, GroupRoles: [][]Role{{RoleLeader}}, Node: 2},
		{At: at(4 * sim.Second), Kind: KindBridge, Groups: [][]sim.NodeID{{0, 1}, {3, 4}}, Role: RoleLastLeader},
		{At: at(5 * sim.Second), Kind: KindIsolate, Role: RoleLastLeader},
		{At: at(5 * sim.Second), Kind: KindCrash, Role: RoleLastLeader, Duration: sim.Second},
		{At: at(6 * sim.Second), Kind: KindHealAll},
	}}
}

func TestPlanString(t *testing.T) {
	want := `# every-kind
t=1.200s crash n2 disk=tear
t=1.500s crash leader disk=keep-some for=2s
t=3.000s restart n2
t=3.000s partition {n0,n1} {n2,n3,n4}
t=3.500s isolate leader
t=3.600s isolate n4
t=4.000s cut n0->n1
t=4.000s bridge {n0,n1} {n3,n4} via n2
t=4.000s ring
t=4.500s clog n3->n0 for=250ms
t=5.000s heal
t=5.001500s clock n1 skew=-50ms drift=200ppm
t=5.002000007s clock leader skew=0s drift=-3ppm
t=6.000s pause n0 for=2s
t=10.000s heal-all`
	assert.Equal(t, want, everyKind().String())
	assert.Equal(t, "t=0.000s crash n0 disk=lose-unsynced", Fault{Kind: KindCrash}.String())
	assert.Equal(t, "", Plan{}.String())
	assert.Equal(t, "t=2.000s heal-all", Plan{}.WithHeal(at(2*sim.Second)).String())

	roles := `# role-targets
t=1.000s cut leader->n2
t=1.000s cut n4->last-leader
t=1.000s cut leader->last-leader
t=2.000s clog n1->last-leader for=250ms
t=2.000s clog last-leader->n0 for=2s
t=3.000s partition {leader} {n0,n1,n2}
t=3.000s partition {leader,last-leader,n3} {n0,n1,n2} {n4}
t=4.000s bridge {leader,n0} {n3,n4} via n2
t=4.000s bridge {n0,n1} {n3,n4} via last-leader
t=5.000s isolate last-leader
t=5.000s crash last-leader disk=lose-unsynced for=1s
t=6.000s heal-all`
	assert.Equal(t, roles, roleTargets().String())
}

func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := Kind(1); k < numKinds; k++ {
		name := k.String()
		assert.False(t, seen[name], "duplicate name %q", name)
		seen[name] = true
		got, err := ParseKind(name)
		require.NoError(t, err)
		assert.Equal(t, k, got)
	}
	assert.Equal(t, "kind(0)", Kind(0).String())
	assert.Equal(t, "kind(200)", Kind(200).String())
	_, err := ParseKind("explode")
	assert.ErrorContains(t, err, `unknown kind "explode"`)
	assert.NotContains(t, Kinds(), KindHealAll)
	assert.Len(t, Kinds(), int(numKinds)-2)
	r, err := ParseRole("leader")
	require.NoError(t, err)
	assert.Equal(t, RoleLeader, r)
	r, err = ParseRole("last-leader")
	require.NoError(t, err)
	assert.Equal(t, RoleLastLeader, r)
	for r := RoleLeader; r < numRoles; r++ {
		got, err := ParseRole(r.String())
		require.NoError(t, err)
		assert.Equal(t, r, got)
	}
	_, err = ParseRole("follower")
	assert.ErrorContains(t, err, `unknown role "follower" (have leader, last-leader)`)
	_, err = ParseRole("")
	assert.Error(t, err, "RoleNone has no name to parse")
	assert.Equal(t, "role(7)", Role(7).String())
}

func TestPlanUses(t *testing.T) {
	assert.True(t, roleTargets().Uses(RoleLastLeader))
	assert.True(t, roleTargets().Uses(RoleLeader))
	assert.False(t, roleTargets().Uses(RoleNone), "RoleNone is no role")
	assert.False(t, everyKind().Uses(RoleLastLeader))
	assert.True(t, everyKind().Uses(RoleLeader))
	for _, f := range roleTargets().Faults {
		one := Plan{Faults: []Fault{f}}
		wantLast := f.Role == RoleLastLeader || f.FromRole == RoleLastLeader || f.ToRole == RoleLastLeader ||
			(len(f.GroupRoles) > 0 && slices.Contains(f.GroupRoles[0], RoleLastLeader))
		assert.Equal(t, wantLast, one.Uses(RoleLastLeader), "%s", f)
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	for _, p := range []Plan{everyKind(), roleTargets()} {
		require.NoError(t, p.Validate(5, 5))
		data, err := json.Marshal(p)
		require.NoError(t, err)
		var q Plan
		require.NoError(t, json.Unmarshal(data, &q))
		assert.Equal(t, p, q)
		// The encoding is stable: encoding the decoded plan gives the same bytes.
		again, err := json.Marshal(q)
		require.NoError(t, err)
		assert.Equal(t, string(data), string(again))
	}
}

func TestFaultJSONForm(t *testing.T) {
	cases := []struct {
		f    Fault
		want string
	}{
		{Fault{At: at(1200 * ms), Kind: KindCrash, Node: 2, Fate: sim.DiskTear}, `{"at":"1200ms","kind":"crash","node":"n2","disk":"tear"}`},
		{Fault{At: at(3 * sim.Second), Kind: KindIsolate, Role: RoleLeader}, `{"at":"3s","kind":"isolate","role":"leader"}`},
		{Fault{At: at(4500 * ms), Kind: KindClog, From: 0, To: 1, Duration: 250 * ms}, `{"at":"4500ms","kind":"clog","from":"n0","to":"n1","for":"250ms"}`},
		{Fault{Kind: KindPartition, Groups: [][]sim.NodeID{{0}, {1, 2}}}, `{"at":"0s","kind":"partition","groups":[["n0"],["n1","n2"]]}`},
		{Fault{At: 7, Kind: KindClock, Node: 1, Skew: -1500 * sim.Microsecond}, `{"at":"7ns","kind":"clock","node":"n1","skew":"-1500us","drift":0}`},
		{Fault{Kind: KindHealAll}, `{"at":"0s","kind":"heal-all"}`},
		// An invalid fault keeps its stray fields, so Validate can name them.
		{Fault{Kind: KindHeal, Node: 3, Duration: ms}, `{"at":"0s","kind":"heal","node":"n3","for":"1ms"}`},
		{Fault{Kind: KindRing, FromRole: RoleLeader}, `{"at":"0s","kind":"ring","from":"leader"}`},
		{Fault{Kind: KindCrash, Node: 1, Groups: [][]sim.NodeID{{2}}, GroupRoles: [][]Role{{RoleLeader}}}, `{"at":"0s","kind":"crash","node":"n1","groups":[["leader","n2"]],"disk":"lose-unsynced"}`},
		// Roles stand where nodes do.
		{Fault{At: at(sim.Second), Kind: KindCut, FromRole: RoleLeader, To: 2}, `{"at":"1s","kind":"cut","from":"leader","to":"n2"}`},
		{Fault{At: at(sim.Second), Kind: KindClog, From: 1, ToRole: RoleLastLeader, Duration: 250 * ms}, `{"at":"1s","kind":"clog","from":"n1","to":"last-leader","for":"250ms"}`},
		{Fault{Kind: KindPartition, Groups: [][]sim.NodeID{nil, {0, 1, 2}}, GroupRoles: [][]Role{{RoleLeader}}}, `{"at":"0s","kind":"partition","groups":[["leader"],["n0","n1","n2"]]}`},
		{Fault{Kind: KindPartition, Groups: [][]sim.NodeID{{0}, {3}}, GroupRoles: [][]Role{nil, {RoleLastLeader, RoleLeader}}}, `{"at":"0s","kind":"partition","groups":[["n0"],["last-leader","leader","n3"]]}`},
		{Fault{Kind: KindBridge, Groups: [][]sim.NodeID{{0, 1}, {3}}, Role: RoleLeader}, `{"at":"0s","kind":"bridge","role":"leader","groups":[["n0","n1"],["n3"]]}`},
		{Fault{Kind: KindIsolate, Role: RoleLastLeader}, `{"at":"0s","kind":"isolate","role":"last-leader"}`},
	}
	for _, c := range cases {
		data, err := json.Marshal(c.f)
		require.NoError(t, err)
		assert.Equal(t, c.want, string(data))
		var g Fault
		require.NoError(t, json.Unmarshal(data, &g))
		assert.Equal(t, c.f, g)
	}
}

func TestJSONDecodeErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"at":"1s","kind":"crash","node":"n1","boom":1}`, `unknown field "boom"`},
		{`{"at":"1s","kind":"explode"}`, `unknown kind "explode"`},
		{`{"kind":"heal"}`, `missing "at"`},
		{`{"at":"1s","kind":"crash","node":"2"}`, `bad node id "2"`},
		{`{"at":"1s","kind":"crash","node":"n02"}`, `bad node id "n02"`},
		{`{"at":"1s","kind":"crash","node":"n1","disk":"melt"}`, `unknown disk fate "melt"`},
		{`{"at":"1s","kind":"isolate","role":"king"}`, `unknown role "king"`},
		{`{"at":"1.5","kind":"heal"}`, `bad duration "1.5"`},
		{`{"at":"1.0000000001s","kind":"heal"}`, `finer than a nanosecond`},
		{`{"at":"99999999999s","kind":"heal"}`, `out of range`},
		{`{"at":"1s","kind":"partition","groups":[["n0"],["x"]]}`, `groups[1]: bad node id "x": want n<number> or a role (leader, last-leader)`},
		{`{"at":"1s","kind":"cut","from":"king","to":"n1"}`, `from: bad node id "king": want n<number> or a role (leader, last-leader)`},
		{`{"at":"1s","kind":"cut","from":"n0","to":""}`, `to: bad node id ""`},
		{`{"at":"1s","kind":"crash","node":"leader"}`, `node: bad node id "leader"`},
	}
	for _, c := range cases {
		var f Fault
		assert.ErrorContains(t, json.Unmarshal([]byte(c.in), &f), c.want, c.in)
	}
	var p Plan
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"faults":[],"seed":3}`), &p), `unknown field "seed"`)
	_, err := json.Marshal(Fault{Kind: 0})
	assert.ErrorContains(t, err, "cannot encode Kind = kind(0)")
	_, err = json.Marshal(Fault{Kind: KindCrash, Fate: 9})
	assert.ErrorContains(t, err, "cannot encode Fate")
	// What JSON has one place for cannot hold two values.
	for _, c := range []struct {
		f    Fault
		want string
	}{
		{Fault{Kind: KindCut, From: 2, FromRole: RoleLeader, To: 1}, `cannot encode From = n2 with FromRole = leader: JSON has one "from" for both`},
		{Fault{Kind: KindCut, ToRole: 5}, "cannot encode ToRole = role(5)"},
		{Fault{Kind: KindPartition, Groups: [][]sim.NodeID{{1}}, GroupRoles: [][]Role{nil, {RoleLeader}}}, "cannot encode GroupRoles = [{} {leader}]: more entries than the 1 groups"},
		{Fault{Kind: KindPartition, Groups: [][]sim.NodeID{{1}}, GroupRoles: [][]Role{{RoleNone}}}, "cannot encode GroupRoles[0] = [{RoleNone}]"},
	} {
		_, err := json.Marshal(c.f)
		assert.ErrorContains(t, err, c.want)
	}
}

func TestParsePlan(t *testing.T) {
	p, err := ParsePlan([]byte(`{"name":"x","faults":[{"at":"1.5s","kind":"crash","node":"n1","disk":"keep-some"},{"at":"2s","kind":"heal-all"}]}`), 3, 3)
	require.NoError(t, err)
	assert.Equal(t, "# x\nt=1.500s crash n1 disk=keep-some\nt=2.000s heal-all", p.String())
	_, err = ParsePlan([]byte(`{"faults":[{"at":"1s","kind":"crash","node":"n7"}]}`), 3, 3)
	assert.ErrorContains(t, err, "Node = n7")
}

func TestDurationText(t *testing.T) {
	cases := []struct {
		d    sim.Duration
		text string
	}{
		{0, "0s"}, {2 * sim.Second, "2s"}, {250 * ms, "250ms"}, {-50 * ms, "-50ms"},
		{1500 * sim.Microsecond, "1500us"}, {7, "7ns"}, {-1, "-1ns"},
		{math.MaxInt64, "9223372036854775807ns"}, {math.MinInt64, "-9223372036854775808ns"},
		{-9 * sim.Second, "-9s"},
	}
	for _, c := range cases {
		assert.Equal(t, c.text, formatDuration(c.d))
		got, err := parseDuration(c.text)
		require.NoError(t, err, c.text)
		assert.Equal(t, c.d, got, c.text)
	}
	parses := map[string]sim.Duration{
		"1.5s": 1500 * ms, ".25s": 250 * ms, "0.000000001s": 1, "1.2ms": 1200 * sim.Microsecond,
		"3µs": 3 * sim.Microsecond, "-0.5ms": -500 * sim.Microsecond, "5.s": 5 * sim.Second, "1.100s": 1100 * ms,
	}
	for text, want := range parses {
		got, err := parseDuration(text)
		require.NoError(t, err, text)
		assert.Equal(t, want, got, text)
	}
	for _, bad := range []string{"", "s", "-s", ".s", "1", "1m", "1.2.3s", "+1s", "1e3ms", "0.5ns", "9223372036854775808ns", "-9223372036854775809ns"} {
		_, err := parseDuration(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "1.200s", formatSeconds(at(1200*ms)))
	assert.Equal(t, "-0.001s", formatSeconds(at(-ms)))
	assert.Equal(t, "0.000001s", formatSeconds(at(sim.Microsecond)))
}

// TestJSONRoundTripAnyFault: every fault whose enums are in range, valid or
// not, survives a JSON round trip exactly, and Validate and String never
// panic on it.
func TestJSONRoundTripAnyFault(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := rapid.Make[Fault]().Draw(t, "fault")
		_ = f.String()
		_ = Plan{Faults: []Fault{f}}.Validate(rapid.IntRange(-1, 6).Draw(t, "nodes"), rapid.IntRange(-1, 6).Draw(t, "servers"))
		f.Kind = Kind(1 + int(f.Kind)%(int(numKinds)-1))
		f.Role = Role(int(f.Role) % int(numRoles))
		f.Fate = sim.DiskFate(int(f.Fate) % numFates)
		f.FromRole = Role(int(f.FromRole) % int(numRoles))
		f.ToRole = Role(int(f.ToRole) % int(numRoles))
		canonicalRoles(&f)
		data, err := json.Marshal(f)
		if err != nil {
			t.Fatalf("marshal %+v: %v", f, err)
		}
		var g Fault
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatalf("unmarshal %s: %v", data, err)
		}
		if !assert.ObjectsAreEqual(f, g) {
			t.Fatalf("round trip changed %+v into %+v via %s", f, g, data)
		}
	})
}

// canonicalRoles puts a fault's role targets in the one form JSON can hold
// (see json.go): an end of a link is a node or a role, GroupRoles holds
// real roles, no more entries than groups, nil for a group without roles,
// no trailing such entries, and a group of roles only has nil nodes.
func canonicalRoles(f *Fault) {
	if f.FromRole != RoleNone {
		f.From = 0
	}
	if f.ToRole != RoleNone {
		f.To = 0
	}
	if len(f.GroupRoles) > len(f.Groups) {
		f.GroupRoles = f.GroupRoles[:len(f.Groups)]
	}
	for i, rs := range f.GroupRoles {
		var keep []Role
		for _, r := range rs {
			if r = Role(int(r) % int(numRoles)); r != RoleNone {
				keep = append(keep, r)
			}
		}
		f.GroupRoles[i] = keep
		if len(keep) > 0 && len(f.Groups[i]) == 0 {
			f.Groups[i] = nil
		}
	}
	for len(f.GroupRoles) > 0 && f.GroupRoles[len(f.GroupRoles)-1] == nil {
		f.GroupRoles = f.GroupRoles[:len(f.GroupRoles)-1]
	}
	if len(f.GroupRoles) == 0 {
		f.GroupRoles = nil
	}
}
