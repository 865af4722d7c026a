package faults

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

func sec(n float64) sim.Time { return sim.Time(n * float64(sim.Second)) }

// TestInjectNodeFaults checks that crash, restart, pause and clock faults
// take effect at their times, and that the heal phase undoes them all.
func TestInjectNodeFaults(t *testing.T) {
	s, trace, ticks := newSim(t, 1, 5) // servers n0..n2, clients n3, n4
	s.Disk(1).Write("k", []byte("v"))  // unsynced: the crash decides its fate
	p := Plan{Faults: []Fault{
		{At: sec(1), Kind: KindCrash, Node: 1, Fate: sim.DiskKeepSome, Duration: 500 * ms},
		{At: sec(2), Kind: KindPause, Node: 2, Duration: 300 * ms},
		{At: sec(3), Kind: KindClock, Node: 0, Skew: -50 * ms, Drift: 200},
		{At: sec(4), Kind: KindCrash, Node: 2, Fate: sim.DiskTear},
		{At: sec(4.2), Kind: KindPause, Node: 1, Duration: 10 * sim.Second},
		{At: sec(4.5), Kind: KindRestart, Node: 2},
		{At: sec(4.6), Kind: KindCrash, Node: 2},
		{At: sec(5), Kind: KindHealAll},
	}}
	in := Injector{Servers: 3}
	require.NoError(t, in.Inject(s, nil, p, nil))

	s.Run(sec(1)-1, nil)
	assert.True(t, s.Up(1))
	s.Run(sec(1), nil)
	assert.False(t, s.Up(1), "crash at 1s")
	s.Run(sec(1.5)-1, nil)
	assert.False(t, s.Up(1))
	s.Run(sec(1.5), nil)
	assert.True(t, s.Up(1), "restart after for=500ms")
	assert.Equal(t, uint32(1), s.Incarnation(1))

	s.Run(sec(2)-1, nil)
	assert.False(t, s.Paused(2))
	before := ticks[2]
	s.Run(sec(2), nil)
	assert.True(t, s.Paused(2), "pause at 2s")
	s.Run(sec(2.3)-1, nil)
	assert.True(t, s.Paused(2))
	assert.Equal(t, before, ticks[2], "a paused node ticked")
	s.Run(sec(2.3), nil)
	assert.False(t, s.Paused(2), "resume after for=300ms")

	s.Run(sec(3), nil)
	assert.Equal(t, -50*ms, s.Skew(0))
	assert.Equal(t, int64(200), s.Drift(0))
	s.Run(sec(4), nil)
	assert.Equal(t, -50*ms+200*sim.Microsecond, s.Skew(0), "1s at 200ppm gains 200us")
	assert.False(t, s.Up(2), "crash at 4s")
	s.Run(sec(4.5), nil)
	assert.True(t, s.Up(2), "restart at 4.5s")
	assert.True(t, s.Paused(1))
	s.Run(sec(4.6), nil)
	assert.False(t, s.Up(2))

	s.Run(sec(5)-1, nil)
	assert.False(t, in.Healed())
	s.Run(sec(5), nil)
	assert.True(t, in.Healed())
	for id := range sim.NodeID(3) {
		assert.True(t, s.Up(id), "%v down after heal", id)
		assert.False(t, s.Paused(id), "%v paused after heal", id)
		assert.Zero(t, s.Skew(id))
		assert.Zero(t, s.Drift(id))
	}
	// The pause of n1 would have ended at 14.2s; healed nodes stay resumed.
	s.Run(sec(20), nil)
	assert.False(t, s.Paused(1))
	assert.Equal(t, 8, in.Fired())
	assert.Equal(t, "faults: 8/8 fired, healed", in.String())
	require.NoError(t, in.Err())

	want := []string{
		"t=1000.000ms n1 note fault crash n1 disk=keep-some for=500ms",
		"t=1500.000ms n1 note fault restart n1 (end of crash for=500ms)",
		"t=2000.000ms n2 note fault pause n2 for=300ms",
		"t=2300.000ms n2 note fault resume n2 (end of pause)",
		"t=3000.000ms n0 note fault clock n0 skew=-50ms drift=200ppm",
		"t=4000.000ms n2 note fault crash n2 disk=tear",
		"t=4200.000ms n1 note fault pause n1 for=10s",
		"t=4500.000ms n2 note fault restart n2",
		"t=4600.000ms n2 note fault crash n2 disk=lose-unsynced",
		"t=5000.000ms note fault heal-all clock-reset={n0} resume={n1} restart={n2}",
	}
	assert.Equal(t, want, notes(trace))
	// Each note comes just before the kernel's own record of the change.
	assert.Contains(t, trace.String(), "t=1000.000ms n1 note fault crash n1 disk=keep-some for=500ms\nt=1000.000ms n1 crash disk=keep-some\n")
}

func TestInjectNetworkFaults(t *testing.T) {
	s, trace, _ := newSim(t, 1, 5)
	net := &fakeNet{}
	var in Injector
	require.NoError(t, in.Inject(s, net, everyKind(), &fakeRoles{leader: 3, known: true}))
	s.Run(sec(20), nil)
	assert.Equal(t, []string{
		"partition [[n0 n1] [n2 n3 n4]]",
		"isolate n3",
		"isolate n4",
		"cut n0->n1",
		"bridge [n0 n1] [n3 n4] via n2",
		"ring",
		"clog n3->n0 until 4750.000ms",
		"heal",
		"heal",
	}, net.calls)
	assert.True(t, in.Healed())
	assert.Contains(t, notes(trace), "t=3500.000ms n3 note fault isolate leader (leader=n3)")
	assert.Contains(t, notes(trace), "t=4000.000ms note fault bridge {n0,n1} {n3,n4} via n2")
	// The crash of the leader at 1.5s took n3 down and brought it back 2s later.
	assert.Contains(t, notes(trace), "t=1500.000ms n3 note fault crash leader disk=keep-some for=2s (leader=n3)")
	assert.Contains(t, notes(trace), "t=3500.000ms n3 note fault restart n3 (end of crash for=2s)")
	// The network's groups are copies: changing them does not change the plan.
	assert.Equal(t, sim.NodeID(0), everyKind().Faults[3].Groups[0][0])
}

// TestInjectRoles: a role resolves at fire time through Roles; with no
// leader known (or no Roles at all) it falls back to a running server drawn
// from the fault stream, the same for the same seed.
func TestInjectRoles(t *testing.T) {
	p := Plan{Faults: []Fault{
		{At: sec(1), Kind: KindIsolate, Role: RoleLeader},
		{At: sec(2), Kind: KindCrash, Role: RoleLeader},
		{At: sec(3), Kind: KindPause, Role: RoleLeader, Duration: ms},
		{At: sec(4), Kind: KindClock, Role: RoleLeader, Skew: ms},
	}}
	run := func(seed uint64, roles Roles) ([]string, []string, *sim.Sim) {
		s, trace, _ := newSim(t, seed, 4)
		net := &fakeNet{}
		in := Injector{Servers: 3}
		require.NoError(t, in.Inject(s, net, p, roles))
		s.Run(sec(5), nil)
		return net.calls, notes(trace), s
	}

	roles := &fakeRoles{leader: 2, known: true}
	calls, lines, s := run(1, roles)
	assert.Equal(t, []string{"isolate n2"}, calls)
	assert.Equal(t, 4, roles.asked, "the leader is asked when each fault fires")
	assert.False(t, s.Up(2))
	assert.Equal(t, ms, s.Skew(2))
	assert.Contains(t, lines, "t=2000.000ms n2 note fault crash leader disk=lose-unsynced (leader=n2)")
	assert.Contains(t, lines, "t=3000.000ms n2 note fault pause leader for=1ms (leader=n2) no-op: down")

	// A leader outside the servers is not believed.
	calls, lines, _ = run(1, &fakeRoles{leader: 3, known: true})
	assert.NotEqual(t, "isolate n3", calls[0])
	assert.Contains(t, lines[0], "no leader known: drew")

	for _, roles := range []Roles{nil, &fakeRoles{known: false}} {
		seen := map[string]bool{}
		for seed := uint64(0); seed < 20; seed++ {
			calls, lines, s := run(seed, roles)
			again, againLines, _ := run(seed, roles)
			assert.Equal(t, calls, again, "fallback not deterministic")
			assert.Equal(t, lines, againLines)
			require.Len(t, calls, 1)
			seen[calls[0]] = true
			assert.Regexp(t, `^t=1000.000ms (n[0-2]) note fault isolate leader \(no leader known: drew n[0-2]\)$`, lines[0])
			// The crash drew a running server and took it down; the pause
			// then drew among the servers still up.
			assert.Equal(t, 1, downCount(s, 3))
			assert.NotContains(t, strings.Join(lines, "\n"), "no-op")
		}
		assert.Len(t, seen, 3, "fallback never chose some server")
	}
}

func TestInjectPauseAndCrashInteractions(t *testing.T) {
	s, trace, _ := newSim(t, 1, 3)
	p := Plan{Faults: []Fault{
		// A manual restart and a new crash make the automatic restart stale.
		{At: sec(1), Kind: KindCrash, Node: 1, Duration: sec2(1)},
		{At: sec(1.2), Kind: KindRestart, Node: 1},
		{At: sec(1.5), Kind: KindCrash, Node: 1},
		// A second pause extends the first to the later end, never shortens it.
		{At: sec(1), Kind: KindPause, Node: 0, Duration: 500 * ms},
		{At: sec(1.1), Kind: KindPause, Node: 0, Duration: 100 * ms},
		{At: sec(1.2), Kind: KindPause, Node: 0, Duration: 800 * ms},
		// A crash ends a pause; the old resume must not touch the next pause.
		{At: sec(2.5), Kind: KindPause, Node: 2, Duration: 200 * ms},
		{At: sec(2.6), Kind: KindCrash, Node: 2},
		{At: sec(2.65), Kind: KindRestart, Node: 2},
		{At: sec(2.68), Kind: KindPause, Node: 2, Duration: sec2(1)},
	}}
	sortPlan(&p)
	var in Injector
	require.NoError(t, in.Inject(s, nil, p, nil))
	s.Run(sec(2.1), nil)
	assert.False(t, s.Up(1), "stale automatic restart brought n1 back")
	assert.False(t, s.Paused(0))
	s.Run(sec(2.75), nil)
	assert.True(t, s.Paused(2), "the resume of the first pause ended the second")
	s.Run(sec(3.68), nil)
	assert.False(t, s.Paused(2))
	lines := notes(trace)
	assert.Contains(t, lines, "t=1100.000ms n0 note fault pause n0 for=100ms extends pause to t=1.500s")
	assert.Contains(t, lines, "t=1200.000ms n0 note fault pause n0 for=800ms extends pause to t=2.000s")
	assert.Contains(t, lines, "t=2000.000ms n0 note fault resume n0 (end of pause)")
	assert.NotContains(t, strings.Join(lines, "\n"), "t=2000.000ms n1")
}

func sec2(n float64) sim.Duration { return sim.Duration(sec(n)) }

func sortPlan(p *Plan) {
	fs := p.Faults
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].At < fs[j-1].At; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

func TestInjectHealBounds(t *testing.T) {
	s, _, _ := newSim(t, 1, 3)
	p := Plan{Faults: []Fault{
		{At: sec(1), Kind: KindClock, Node: 0, Skew: 10 * ms},
		{At: sec(1), Kind: KindClock, Node: 1, Skew: 30 * ms},
		{At: sec(1), Kind: KindClock, Node: 2, Drift: 80},
		{At: sec(2), Kind: KindHealAll},
	}}
	in := Injector{HealSkewMax: 20 * ms, HealDriftMax: 50}
	require.NoError(t, in.Inject(s, nil, p, nil))
	s.Run(sec(2), nil)
	assert.Equal(t, 10*ms, s.Skew(0), "within bounds: left alone")
	assert.Zero(t, s.Skew(1))
	assert.Zero(t, s.Drift(2))
	assert.True(t, in.Healed())
}

func TestInjectErrors(t *testing.T) {
	s, _, _ := newSim(t, 1, 3)
	pending := s.Pending()
	var in Injector
	assert.ErrorContains(t, in.Inject(s, nil, Plan{Faults: []Fault{{Kind: KindCrash, Node: 3}}}, nil), "Node = n3: no such server")
	assert.ErrorContains(t, in.Inject(s, nil, Plan{Faults: []Fault{{Kind: KindRing}}}, nil), "a network fault needs a Net")
	in2 := Injector{Servers: 2}
	assert.ErrorContains(t, in2.Inject(s, nil, Plan{Faults: []Fault{{Kind: KindPause, Node: 2, Duration: ms}}}, nil), "Node = n2: no such server (servers are n0..n1)")
	assert.Equal(t, pending, s.Pending(), "a failed Inject scheduled something")
	s.Run(sec(1), nil)
	assert.ErrorContains(t, in.Inject(s, nil, Plan{Faults: []Fault{{At: sec(0.5), Kind: KindHealAll}}}, nil), "At = 0.500s: before now (1.000s)")
	require.NoError(t, in.Inject(s, nil, Plan{}, nil))
	assert.ErrorContains(t, in.Inject(s, nil, Plan{}, nil), "called twice")

	// A network error is reported, traced, and does not stop the plan.
	s2, trace, _ := newSim(t, 1, 3)
	net := &fakeNet{err: errors.New("no such link")}
	var in3 Injector
	require.NoError(t, in3.Inject(s2, net, Plan{Faults: []Fault{{At: sec(1), Kind: KindCut, From: 0, To: 1}, {At: sec(2), Kind: KindHealAll}}}, nil))
	s2.Run(sec(3), nil)
	assert.ErrorContains(t, in3.Err(), "faults: t=1.000s cut n0->n1: no such link")
	assert.Contains(t, trace.String(), "note fault cut n0->n1 error: no such link")
	assert.True(t, in3.Healed())
}

// TestInjectDeterministic: the same seed and plan give the same trace hash;
// Random from the Sim's own fault stream included.
func TestInjectDeterministic(t *testing.T) {
	hash := func(seed uint64) (uint64, string) {
		s, trace, _ := newSim(t, seed, 6)
		p := Random(s.FaultRand(), GenConfig{Servers: 5, Nodes: 6, Rate: 10, Duration: 3 * sim.Second})
		in := Injector{Servers: 5}
		require.NoError(t, in.Inject(s, &fakeNet{}, p, nil))
		s.Run(sec(5), nil)
		require.True(t, in.Healed())
		return s.Hash(), trace.String()
	}
	h1, t1 := hash(42)
	h2, t2 := hash(42)
	assert.Equal(t, h1, h2)
	assert.Equal(t, t1, t2)
	h3, _ := hash(43)
	assert.NotEqual(t, h1, h3)
}

// TestInjectRoleTargets: every place a role may stand in a network fault
// resolves when the fault fires, through Roles; a role's placement wins
// over a node named explicitly; a fault that would mean nothing once
// resolved is skipped with a note saying why.
func TestInjectRoleTargets(t *testing.T) {
	type want struct {
		call string // the network call, "" if skipped
		note string // the fault's trace note, without the time
	}
	cases := []struct {
		f Fault
		want
	}{
		{Fault{Kind: KindCut, FromRole: RoleLeader, To: 2}, want{"cut n1->n2", "fault cut leader->n2 (leader=n1)"}},
		{Fault{Kind: KindCut, From: 4, ToRole: RoleLastLeader}, want{"cut n4->n2", "fault cut n4->last-leader (last-leader=n2)"}},
		{Fault{Kind: KindCut, FromRole: RoleLeader, ToRole: RoleLastLeader}, want{"cut n1->n2", "fault cut leader->last-leader (leader=n1) (last-leader=n2)"}},
		{Fault{Kind: KindClog, From: 0, ToRole: RoleLastLeader, Duration: 250 * ms}, want{"clog n0->n2 until 1250.000ms", "fault clog n0->last-leader for=250ms (last-leader=n2)"}},
		{Fault{Kind: KindClog, FromRole: RoleLastLeader, To: 3, Duration: ms}, want{"clog n2->n3 until 1001.000ms", "fault clog last-leader->n3 for=1ms (last-leader=n2)"}},
		// A role that resolves to the other end: a cut from a node to itself.
		{Fault{Kind: KindCut, FromRole: RoleLeader, To: 1}, want{"", "fault cut leader->n1 (leader=n1) skipped: both ends are n1"}},
		{Fault{Kind: KindClog, From: 2, ToRole: RoleLastLeader, Duration: ms}, want{"", "fault clog n2->last-leader for=1ms (last-leader=n2) skipped: both ends are n2"}},
		// The leader alone against the rest, whichever of them leads.
		{Fault{Kind: KindPartition, Groups: [][]sim.NodeID{nil, {0, 1, 2}}, GroupRoles: [][]Role{{RoleLeader}}},
			want{"partition [[n1] [n0 n2]]", "fault partition {leader} {n0,n1,n2} (leader=n1)"}},
		{Fault{Kind: KindPartition, Groups: [][]sim.NodeID{{0}, {1, 3}}, GroupRoles: [][]Role{{RoleLastLeader, RoleLeader}}},
			want{"partition [[n0 n1 n2] [n3]]", "fault partition {last-leader,leader,n0} {n1,n3} (last-leader=n2) (leader=n1)"}},
		// An emptied group is dropped; with one group left there is no partition.
		{Fault{Kind: KindPartition, Groups: [][]sim.NodeID{{0}, {1}, {2, 3}}, GroupRoles: [][]Role{{RoleLeader}}},
			want{"partition [[n0 n1] [n2 n3]]", "fault partition {leader,n0} {n1} {n2,n3} (leader=n1)"}},
		{Fault{Kind: KindPartition, Groups: [][]sim.NodeID{nil, {1}}, GroupRoles: [][]Role{{RoleLeader}}},
			want{"", "fault partition {leader} {n1} (leader=n1) skipped: 1 group(s) left"}},
		{Fault{Kind: KindBridge, Groups: [][]sim.NodeID{{0}, {3, 4}}, GroupRoles: [][]Role{{RoleLeader}}, Node: 2},
			want{"bridge [n0 n1] [n3 n4] via n2", "fault bridge {leader,n0} {n3,n4} via n2 (leader=n1)"}},
		// The bridge as a role leaves the side it was on.
		{Fault{Kind: KindBridge, Groups: [][]sim.NodeID{{0, 1}, {3, 4}}, Role: RoleLeader},
			want{"bridge [n0] [n3 n4] via n1", "fault bridge {n0,n1} {n3,n4} via leader (leader=n1)"}},
		{Fault{Kind: KindBridge, Groups: [][]sim.NodeID{{1}, {3, 4}}, Role: RoleLeader},
			want{"", "fault bridge {n1} {n3,n4} via leader (leader=n1) skipped: Groups[0] is left empty"}},
		// A role that puts the named bridge on a side leaves no bridge.
		{Fault{Kind: KindBridge, Groups: [][]sim.NodeID{{0}, {3}}, GroupRoles: [][]Role{nil, {RoleLastLeader}}, Node: 2},
			want{"", "fault bridge {n0} {last-leader,n3} via n2 (last-leader=n2) skipped: the bridge n2 is in Groups[1]"}},
		{Fault{Kind: KindIsolate, Role: RoleLastLeader}, want{"isolate n2", "fault isolate last-leader (last-leader=n2)"}},
	}
	for _, c := range cases {
		t.Run(c.f.describe(), func(t *testing.T) {
			s, trace, _ := newSim(t, 1, 5)
			net := &fakeNet{}
			in := Injector{Servers: 3}
			f := c.f
			f.At = sec(1)
			roles := &fakeRoles{leader: 1, known: true, last: 2, lastKnown: true}
			require.NoError(t, in.Inject(s, net, Plan{Faults: []Fault{f}}, roles))
			s.Run(sec(2), nil)
			if c.call == "" {
				assert.Empty(t, net.calls)
			} else {
				assert.Equal(t, []string{c.call}, net.calls)
			}
			lines := notes(trace)
			require.NotEmpty(t, lines)
			assert.Regexp(t, `^t=1000.000ms (n\d )?note `, lines[0])
			assert.Equal(t, c.note, lines[0][strings.Index(lines[0], "note ")+len("note "):])
			require.NoError(t, in.Err())
		})
	}
}

// TestInjectLastLeaderUnknown: with no last leader known (or no Roles),
// every fault aimed at one is skipped with a note, whatever its kind, and
// draws nothing from the fault stream; "leader" keeps its fallback.
func TestInjectLastLeaderUnknown(t *testing.T) {
	p := Plan{Faults: []Fault{
		{At: sec(1), Kind: KindCrash, Role: RoleLastLeader, Fate: sim.DiskTear},
		{At: sec(1), Kind: KindPause, Role: RoleLastLeader, Duration: ms},
		{At: sec(1), Kind: KindClock, Role: RoleLastLeader, Skew: ms},
		{At: sec(1), Kind: KindIsolate, Role: RoleLastLeader},
		{At: sec(1), Kind: KindCut, FromRole: RoleLastLeader, ToRole: RoleLeader},
		{At: sec(1), Kind: KindClog, FromRole: RoleLastLeader, To: 3, Duration: ms},
		{At: sec(1), Kind: KindPartition, Groups: [][]sim.NodeID{{0}, {1}}, GroupRoles: [][]Role{nil, {RoleLastLeader}}},
		{At: sec(1), Kind: KindBridge, Groups: [][]sim.NodeID{{0}, {1}}, Role: RoleLastLeader},
	}}
	for _, roles := range []*fakeRoles{nil, {leader: 1, known: true}, {}} {
		s, trace, _ := newSim(t, 1, 4)
		net := &fakeNet{}
		in := Injector{Servers: 3}
		var r Roles
		if roles != nil {
			r = roles
		}
		require.NoError(t, in.Inject(s, net, p, r))
		s.Run(sec(2), nil)
		assert.Empty(t, net.calls)
		for id := range sim.NodeID(3) {
			assert.True(t, s.Up(id))
			assert.False(t, s.Paused(id))
			assert.Zero(t, s.Skew(id))
		}
		lines := notes(trace)
		require.Len(t, lines, len(p.Faults))
		for i, line := range lines {
			assert.True(t, strings.HasPrefix(line, "t=1000.000ms note fault "+p.Faults[i].describe()), line)
			assert.True(t, strings.HasSuffix(line, " skipped: no last-leader known"), line)
		}
		// The ends resolve from first: "leader" was never asked for, so
		// even its fallback drew nothing, and the stream continues as a
		// fresh one does.
		assert.Equal(t, "t=1000.000ms note fault cut last-leader->leader skipped: no last-leader known", lines[4])
		fresh, _, _ := newSim(t, 1, 4)
		assert.Equal(t, fresh.FaultRand().Uint64(), s.FaultRand().Uint64(), "a skipped fault drew from the fault stream")
	}
	// The fallback of "leader" may draw the node another role names: two
	// roles on one node in two places are skipped.
	s, trace, _ := newSim(t, 1, 4)
	net := &fakeNet{}
	in := Injector{Servers: 3}
	require.NoError(t, in.Inject(s, net, Plan{Faults: []Fault{
		{At: sec(1), Kind: KindPartition, Groups: [][]sim.NodeID{nil, {0}}, GroupRoles: [][]Role{{RoleLeader}, {RoleLastLeader}}},
	}}, &fakeRoles{leader: 2, known: true, last: 2, lastKnown: true}))
	s.Run(sec(2), nil)
	assert.Empty(t, net.calls)
	assert.Equal(t, []string{"t=1000.000ms note fault partition {leader} {last-leader,n0} (leader=n2) (last-leader=n2) skipped: leader and last-leader are both n2"}, notes(trace))
}

// TestInjectLeaderEndFallback: "leader" at an end of a link falls back to
// a drawn server, as it does for node faults, the same for the same seed;
// a draw that lands on the other end is skipped.
func TestInjectLeaderEndFallback(t *testing.T) {
	run := func(seed uint64) ([]string, []string) {
		s, trace, _ := newSim(t, seed, 4)
		net := &fakeNet{}
		in := Injector{Servers: 3}
		require.NoError(t, in.Inject(s, net, Plan{Faults: []Fault{{At: sec(1), Kind: KindCut, FromRole: RoleLeader, To: 0}}}, nil))
		s.Run(sec(2), nil)
		return net.calls, notes(trace)
	}
	seen := map[string]bool{}
	for seed := uint64(0); seed < 30; seed++ {
		calls, lines := run(seed)
		again, againLines := run(seed)
		assert.Equal(t, calls, again)
		assert.Equal(t, lines, againLines)
		require.Len(t, lines, 1)
		if len(calls) == 0 {
			assert.Equal(t, "t=1000.000ms note fault cut leader->n0 (no leader known: drew n0) skipped: both ends are n0", lines[0])
			seen["skipped"] = true
			continue
		}
		seen[calls[0]] = true
		assert.Regexp(t, `^t=1000.000ms note fault cut leader->n0 \(no leader known: drew n[12]\)$`, lines[0])
	}
	assert.Len(t, seen, 3, "the fallback never drew some server: %v", seen)
}
