package faults

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

var testBound = ClockBound{DriftPPM: 500, Step: 100 * sim.Millisecond}

func TestClockBoundValidate(t *testing.T) {
	assert.NoError(t, testBound.Validate())
	assert.ErrorContains(t, ClockBound{DriftPPM: -1}.Validate(), "DriftPPM = -1")
	assert.ErrorContains(t, ClockBound{DriftPPM: 1_000_000}.Validate(), "DriftPPM = 1000000")
	assert.ErrorContains(t, ClockBound{Step: -1}.Validate(), "Step = -1ns")
	assert.Equal(t, "±500ppm, steps ±100ms", testBound.String())
}

// TestClockBoundWithin: the generator's knobs keep a clock within Step/2
// of true time until the heal phase, and a bound with no room is an error.
func TestClockBoundWithin(t *testing.T) {
	cfg, err := testBound.Within(GenConfig{Start: sim.Time(200 * sim.Millisecond), Duration: 3 * sim.Second})
	require.NoError(t, err)
	// 50ms less 500ppm of 3.2s (1.6ms), in whole milliseconds.
	assert.Equal(t, 48*sim.Millisecond, cfg.SkewMax)
	assert.Equal(t, int64(500), cfg.DriftMax)
	_, err = ClockBound{DriftPPM: 500, Step: 4 * sim.Millisecond}.Within(GenConfig{Duration: 10 * sim.Second})
	assert.ErrorContains(t, err, "leaves no skew")
	_, err = ClockBound{Step: sim.Second}.Within(GenConfig{})
	assert.ErrorContains(t, err, "DriftPPM = 0")
}

// TestClockBoundCheck: drift beyond the bound, a step beyond it, the heal
// phase's reset and a role's clock fault, each explained; clocks that start
// apart (faults at time 0) and drift within the bound stay within it.
func TestClockBoundCheck(t *testing.T) {
	s := sim.Second
	ms := sim.Millisecond
	at := func(d sim.Duration) sim.Time { return sim.Time(d) }
	within := Plan{Faults: []Fault{
		{At: 0, Kind: KindClock, Node: 0, Skew: 5 * s, Drift: 500},
		{At: 0, Kind: KindClock, Node: 1, Skew: -3 * s, Drift: -500},
		{At: at(s), Kind: KindClock, Node: 2, Skew: 40 * ms, Drift: 100},
		{At: at(2 * s), Kind: KindClock, Node: 2, Skew: -40 * ms, Drift: -100},
	}}
	assert.Empty(t, testBound.Check(within, 3, at(10*s), nil), "no heal phase: clocks that start apart never step")
	healed := within.WithHeal(at(5 * s))
	ex := testBound.Check(healed, 3, at(10*s), nil)
	require.Len(t, ex, 2, "the heal phase steps n0 and n1 back by seconds: %v", ex)
	assert.Equal(t, sim.NodeID(0), ex[0].Node)
	assert.True(t, ex[0].Heal)
	assert.Contains(t, ex[0].String(), "n0's clock jumped -5002.500ms at t=5.000s, beyond the step bound of ±100.000ms by 4902.500ms (the heal phase putting it back to true time)")

	drift := Plan{Faults: []Fault{
		{At: at(s), Kind: KindClock, Node: 1, Drift: -400_000},
		{At: at(3 * s), Kind: KindHealAll},
	}}
	ex = testBound.Check(drift, 3, at(4*s), nil)
	require.Len(t, ex, 1, "the heal undoes what the drift did: one excess, %v", ex)
	e := ex[0]
	assert.Equal(t, sim.NodeID(1), e.Node)
	assert.Equal(t, int64(-400_000), e.Drift)
	assert.Equal(t, -800*ms, e.Gain)
	assert.Equal(t, sim.Millisecond, e.Allowed)
	assert.Equal(t, "n1's clock ran -400000ppm from t=1.000s to t=3.000s, beyond the drift bound of ±500ppm: it lost 800.000ms over those 2000.000ms, 799.000ms more than the 1.000ms the bound allows (t=1.000s clock n1 skew=0s drift=-400000ppm)", e.String())

	step := Plan{Faults: []Fault{{At: at(s), Kind: KindClock, Node: 2, Skew: -150 * ms}}}
	ex = testBound.Check(step, 3, at(2*s), nil)
	require.Len(t, ex, 1)
	assert.Equal(t, "n2's clock jumped -150.000ms at t=1.000s, beyond the step bound of ±100.000ms by 50.000ms (t=1.000s clock n2 skew=-150ms drift=0ppm)", ex[0].String())

	// Two steps, each within the bound, that add up to more than it.
	twoSteps := Plan{Faults: []Fault{
		{At: at(s), Kind: KindClock, Node: 0, Skew: 60 * ms},
		{At: at(s + 100*ms), Kind: KindClock, Node: 0, Skew: 120 * ms},
	}}
	ex = testBound.Check(twoSteps, 1, at(2*s), nil)
	require.Len(t, ex, 1)
	assert.Equal(t, 120*ms, ex[0].Gain)
	assert.Contains(t, ex[0].String(), "n0's clock gained 120.000ms over the 100.000ms from t=1.000s to t=1.100s")

	// A role's fault: judged whichever server it hits, unless resolved.
	role := Plan{Faults: []Fault{
		{At: at(s), Kind: KindClock, Role: RoleLeader, Skew: 10 * ms, Drift: -300_000},
		{At: at(2 * s), Kind: KindHealAll},
	}}
	ex = testBound.Check(role, 3, at(3*s), nil)
	require.NotEmpty(t, ex)
	assert.Equal(t, RoleLeader, ex[0].Role)
	assert.Contains(t, ex[0].String(), "the leader's clock (whichever server it was when the fault fired) ran -300000ppm")
	ex = testBound.Check(role, 3, at(3*s), []sim.NodeID{2, -1})
	require.NotEmpty(t, ex)
	assert.Equal(t, sim.NodeID(2), ex[0].Node)
	assert.Contains(t, ex[0].String(), "n2's clock ran -300000ppm from t=1.000s to t=2.000s")
	assert.Contains(t, ex[0].String(), "clock leader skew=10ms drift=-300000ppm: leader=n2")
	small := Plan{Faults: []Fault{{At: at(s), Kind: KindClock, Role: RoleLeader, Skew: 49 * ms, Drift: 500}, {At: at(2 * s), Kind: KindHealAll}}}
	assert.Empty(t, testBound.Check(small, 3, at(3*s), nil), "within Step/2 whichever clock it hits")
	big := Plan{Faults: []Fault{{At: at(s), Kind: KindClock, Role: RoleLeader, Skew: 80 * ms}, {At: at(2 * s), Kind: KindHealAll}}}
	assert.NotEmpty(t, testBound.Check(big, 3, at(3*s), nil), "80ms is within the step bound from a true clock, not from one 50ms behind")
}

// TestClockBoundWithinKeepsPlansWithin: plans drawn by every generator
// with the knobs Within sets stay within the bound, whichever server each
// role resolves to (checked conservatively).
func TestClockBoundWithinKeepsPlansWithin(t *testing.T) {
	for _, servers := range []int{3, 5} {
		cfg, err := testBound.Within(GenConfig{Servers: servers, Start: sim.Time(200 * sim.Millisecond), Duration: 3 * sim.Second, Rate: 10})
		require.NoError(t, err)
		for seed := uint64(0); seed < 200; seed++ {
			r := rand.New(rand.NewPCG(seed, 7))
			for name, p := range map[string]Plan{
				"random": Random(r, cfg),
				"swarm":  Swarm(r, cfg),
				"clock":  ClockChaos(r, cfg),
			} {
				assert.Empty(t, testBound.Check(p, servers, sim.Time(10*sim.Second), nil), "%s seed %d:\n%s", name, seed, p)
			}
			for _, n := range []string{"drifting-leader-isolation", "unsynced-leader-isolation"} {
				p, err := Nemesis(n, r, cfg)
				require.NoError(t, err)
				assert.Empty(t, testBound.Check(p, servers, sim.Time(10*sim.Second), nil), "%s seed %d:\n%s", n, seed, p)
			}
		}
	}
}

// TestLeaderIsolationClockNemeses: the two patterns isolate the leader
// repeatedly; drifting-leader-isolation slows the isolated leader's clock
// and speeds another's, unsynced-leader-isolation sets every clock once,
// at time 0.
func TestLeaderIsolationClockNemeses(t *testing.T) {
	cfg := GenConfig{Servers: 3, Nodes: 8, Start: sim.Time(200 * sim.Millisecond), Duration: 5 * sim.Second, Rate: 0.5, DriftMax: 400_000, SkewMax: sim.Millisecond}
	p, err := Nemesis("drifting-leader-isolation", rand.New(rand.NewPCG(1, 2)), cfg)
	require.NoError(t, err)
	require.NoError(t, p.Validate(8, 3))
	var isolations, slowLeader int
	for _, f := range p.Faults {
		switch {
		case f.Kind == KindIsolate && f.Role == RoleLeader:
			isolations++
		case f.Kind == KindClock && f.Role == RoleLeader && f.Drift == -400_000:
			slowLeader++
		}
	}
	assert.Positive(t, isolations)
	assert.Equal(t, isolations, slowLeader)

	p, err = Nemesis("unsynced-leader-isolation", rand.New(rand.NewPCG(1, 2)), cfg)
	require.NoError(t, err)
	for i, f := range p.Faults {
		if f.Kind == KindClock {
			assert.Zero(t, f.At, "unsynced clocks are set once, at the start")
			assert.Equal(t, sim.NodeID(i), f.Node)
		}
	}
}

// TestLeaderIsolationRestarts: each round isolates the leader, then crashes
// a majority of distinct servers at once, each restarting by itself within
// 100ms.
func TestLeaderIsolationRestarts(t *testing.T) {
	for _, servers := range []int{3, 5} {
		cfg := GenConfig{Servers: servers, Nodes: servers + 5, Start: sim.Time(200 * sim.Millisecond), Duration: 5 * sim.Second, Rate: 1, MajorityDown: true}
		p, err := Nemesis("leader-isolation-restarts", rand.New(rand.NewPCG(3, 4)), cfg)
		require.NoError(t, err)
		require.NoError(t, p.Validate(servers+5, servers))
		rounds := 0
		for i, f := range p.Faults {
			if f.Kind != KindIsolate {
				continue
			}
			rounds++
			crashed := map[sim.NodeID]bool{}
			for _, g := range p.Faults[i+1:] {
				if g.Kind != KindCrash {
					break
				}
				assert.Equal(t, RoleNone, g.Role)
				assert.True(t, g.Duration >= sim.Millisecond && g.Duration <= 100*sim.Millisecond, "%v", g)
				crashed[g.Node] = true
			}
			if len(crashed) > 0 {
				assert.Len(t, crashed, servers/2+1, "a majority of distinct servers")
			}
		}
		assert.Positive(t, rounds)
	}
}
