package faults

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// checkGenerated asserts what every generated plan promises: valid for the
// cluster, whole milliseconds, within [Start, Start+Duration], exactly one
// heal-all and it is last, at Start+Duration.
func checkGenerated(t *testing.T, p Plan, cfg GenConfig) {
	t.Helper()
	n := cfg.normalized(0)
	require.NoError(t, p.Validate(n.Nodes, n.Servers), "%s", p)
	end := n.Start.Add(n.Duration)
	healAt, ok := p.HealAt()
	require.True(t, ok, "plan does not end healed:\n%s", p)
	assert.Equal(t, end, healAt)
	for i, f := range p.Faults {
		assert.GreaterOrEqual(t, f.At, n.Start)
		assert.LessOrEqual(t, f.At, end)
		assert.Zero(t, int64(f.At)%int64(ms), "not whole ms: %s", f)
		if i < len(p.Faults)-1 {
			assert.NotEqual(t, KindHealAll, f.Kind, "heal-all before the end: %s", f)
		}
	}
}

func genConfigs() []GenConfig {
	return []GenConfig{
		{Servers: 3},
		{Servers: 5, Nodes: 8, Rate: 8, Duration: 5 * sim.Second, Start: at(500 * ms)},
		{Servers: 5, MajorityDown: true, Rate: 10},
		{Servers: 1, Nodes: 2},
		{Servers: 2},
		{Servers: 7, Kinds: []Kind{KindCrash, KindPause}, CrashedMax: 2, Rate: 20, DownMax: 100 * ms},
		{Servers: 3, Kinds: []Kind{KindClock}, SkewMax: 5 * sim.Second, DriftMax: 999_999},
		{Servers: 3, Kinds: []Kind{}},
	}
}

func TestRandomDeterministicAndValid(t *testing.T) {
	for ci, cfg := range genConfigs() {
		for seed := uint64(0); seed < 40; seed++ {
			p := Random(stream(seed), cfg)
			assert.Equal(t, p, Random(stream(seed), cfg), "config %d seed %d", ci, seed)
			checkGenerated(t, p, cfg)
			assert.Equal(t, "random", p.Name)
		}
	}
	a, b := Random(stream(1), GenConfig{Servers: 3}), Random(stream(2), GenConfig{Servers: 3})
	assert.NotEqual(t, a, b, "different streams gave the same plan")
	// The order Kinds is given in does not matter, only the set.
	k1 := GenConfig{Servers: 3, Kinds: []Kind{KindPause, KindCrash, KindHeal}}
	k2 := GenConfig{Servers: 3, Kinds: []Kind{KindHeal, KindCrash, KindPause, KindCrash}}
	assert.Equal(t, Random(stream(5), k1), Random(stream(5), k2))
}

func TestRandomKindsAndKnobs(t *testing.T) {
	count := func(cfg GenConfig) (n int, kinds map[Kind]int) {
		kinds = map[Kind]int{}
		for seed := uint64(0); seed < 20; seed++ {
			p := Random(stream(seed), cfg)
			for _, f := range p.Faults[:len(p.Faults)-1] {
				kinds[f.Kind]++
				n++
			}
		}
		return n, kinds
	}
	// At the default rate of 2/s for 10s, about 20 faults a plan.
	n, kinds := count(GenConfig{Servers: 5})
	assert.InDelta(t, 20*20, n, 100)
	for _, k := range Kinds() {
		assert.Positive(t, kinds[k], "kind %v never drawn", k)
	}
	fast, _ := count(GenConfig{Servers: 5, Rate: 10})
	assert.Greater(t, fast, 3*n)
	// Only enabled kinds are drawn.
	_, kinds = count(GenConfig{Servers: 5, Kinds: []Kind{KindClock, KindRing}})
	assert.Equal(t, []Kind{KindRing, KindClock}, sortedKeys(kinds))
	// Bounds hold.
	cfg := GenConfig{Servers: 5, SkewMax: 30 * ms, DriftMax: 7, PauseMax: 40 * ms, ClogMax: 50 * ms, DownMax: 60 * ms, Fates: []sim.DiskFate{sim.DiskTear}}
	for seed := uint64(0); seed < 20; seed++ {
		for _, f := range Random(stream(seed), cfg).Faults {
			switch f.Kind {
			case KindClock:
				assert.LessOrEqual(t, abs(int64(f.Skew)), int64(30*ms))
				assert.LessOrEqual(t, abs(f.Drift), int64(7))
			case KindPause:
				assert.LessOrEqual(t, f.Duration, 40*ms)
			case KindClog:
				assert.LessOrEqual(t, f.Duration, 50*ms)
			case KindCrash:
				assert.LessOrEqual(t, f.Duration, 60*ms)
				assert.Equal(t, sim.DiskTear, f.Fate)
			}
		}
	}
}

func sortedKeys(m map[Kind]int) []Kind {
	var out []Kind
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestRandomCrashedMax runs generated plans through the injector in a real
// Sim (no Roles, so the leader is drawn) and checks at every step that no
// more servers are down than allowed: a majority stays up by default, and
// with MajorityDown every server may go down.
func TestRandomCrashedMax(t *testing.T) {
	cases := []struct {
		cfg      GenConfig
		wantMax  int
		wantPeak int // the peak over all seeds must reach this
	}{
		{GenConfig{Servers: 5, Rate: 20, Kinds: []Kind{KindCrash, KindRestart}}, 2, 2},
		{GenConfig{Servers: 3, Rate: 20}, 1, 1},
		{GenConfig{Servers: 5, Rate: 20, CrashedMax: 9}, 2, 2},
		{GenConfig{Servers: 5, Rate: 20, MajorityDown: true, Kinds: []Kind{KindCrash}}, 5, 4},
		{GenConfig{Servers: 4, Rate: 20, CrashedMax: 1, Kinds: []Kind{KindCrash, KindRestart, KindPause}}, 1, 1},
	}
	for _, c := range cases {
		peak := 0
		for seed := uint64(0); seed < 15; seed++ {
			p := Random(stream(seed), c.cfg)
			s, _, _ := newSim(t, seed, c.cfg.Servers)
			var in Injector
			require.NoError(t, in.Inject(s, &fakeNet{}, p, nil))
			end, _ := p.HealAt()
			s.Run(sim.Time(end)-1, func() bool {
				d := downCount(s, c.cfg.Servers)
				peak = max(peak, d)
				require.LessOrEqual(t, d, c.wantMax, "seed %d at %v:\n%s", seed, s.Now(), p)
				return false
			})
			s.Run(sim.Time(end), nil)
			assert.True(t, in.Healed())
			assert.Zero(t, downCount(s, c.cfg.Servers))
		}
		assert.GreaterOrEqual(t, peak, c.wantPeak, "%+v never reached its crash bound", c.cfg)
	}
}

func TestSwarm(t *testing.T) {
	cfg := GenConfig{Servers: 5, Nodes: 7}
	enabled := map[Kind]int{}
	drawn := map[Kind]int{}
	few, subsets := 0, map[string]bool{}
	for seed := uint64(0); seed < 200; seed++ {
		p := Swarm(stream(seed), cfg)
		assert.Equal(t, p, Swarm(stream(seed), cfg))
		checkGenerated(t, p, cfg)
		names, ok := strings.CutPrefix(p.Name, "swarm:")
		require.True(t, ok, p.Name)
		require.NotEmpty(t, names)
		subsets[names] = true
		var kinds []Kind
		for _, name := range strings.Split(names, ",") {
			k, err := ParseKind(name)
			require.NoError(t, err)
			kinds = append(kinds, k)
			enabled[k]++
		}
		if len(kinds) <= 2 {
			few++
		}
		for _, f := range p.Faults[:len(p.Faults)-1] {
			assert.Contains(t, kinds, f.Kind, "seed %d drew a kind it did not enable", seed)
			drawn[f.Kind]++
		}
	}
	for _, k := range Kinds() {
		assert.Positive(t, enabled[k], "kind %v never enabled", k)
		assert.Positive(t, drawn[k], "kind %v never drawn", k)
	}
	assert.Positive(t, few, "no seed enabled only one or two kinds")
	assert.Greater(t, len(subsets), 100, "too few distinct subsets")
	// Swarm stays within the kinds it is given.
	for seed := uint64(0); seed < 30; seed++ {
		p := Swarm(stream(seed), GenConfig{Servers: 3, Kinds: []Kind{KindPause}})
		assert.Equal(t, "swarm:pause", p.Name)
	}
}

// builtinNemeses are the patterns of nemesis.go. Tests elsewhere in the
// package register more, so Nemeses may list others too.
var builtinNemeses = []string{"clock-chaos", "cut-off-candidate", "deaf-server", "flapping-partition", "leader-isolation", "leader-one-way", "majority-crash", "rolling-restart", "stale-leader-clog"}

func TestNemeses(t *testing.T) {
	assert.Subset(t, Nemeses(), builtinNemeses)
	assert.True(t, slices.IsSorted(Nemeses()))
	_, err := Nemesis("gremlins", stream(1), GenConfig{Servers: 3})
	assert.ErrorContains(t, err, `unknown nemesis "gremlins" (have clock-chaos, `)
	for _, name := range builtinNemeses {
		assert.NotEmpty(t, NemesisDoc(name))
		for _, servers := range []int{1, 2, 3, 5} {
			cfg := GenConfig{Servers: servers, Nodes: servers + 1, Start: at(200 * ms)}
			for seed := uint64(0); seed < 10; seed++ {
				p, err := Nemesis(name, stream(seed), cfg)
				require.NoError(t, err)
				again, _ := Nemesis(name, stream(seed), cfg)
				assert.Equal(t, p, again)
				assert.Equal(t, name, p.Name)
				checkGenerated(t, p, cfg)
				if servers >= 2 {
					assert.Greater(t, len(p.Faults), 3, "%s is nearly empty:\n%s", name, p)
				}
			}
		}
	}
}

func TestNemesisShapes(t *testing.T) {
	cfg := GenConfig{Servers: 5}
	for seed := uint64(0); seed < 10; seed++ {
		for _, f := range LeaderIsolation(stream(seed), cfg).Faults {
			ok := (f.Kind == KindIsolate && f.Role == RoleLeader) || f.Kind == KindHeal || f.Kind == KindHealAll
			assert.True(t, ok, "leader-isolation: %s", f)
		}
		for _, f := range FlappingPartition(stream(seed), cfg).Faults {
			if f.Kind == KindPartition {
				assert.LessOrEqual(t, len(f.Groups[0]), 2, "minority side too big: %s", f)
				assert.Equal(t, 5, len(f.Groups[0])+len(f.Groups[1]))
			}
		}
		clocks := 0
		for _, f := range ClockChaos(stream(seed), cfg).Faults {
			assert.Contains(t, []Kind{KindClock, KindPause, KindHealAll}, f.Kind)
			if f.Kind == KindClock {
				clocks++
			}
		}
		assert.Positive(t, clocks)
	}
	// Rolling restart keeps at most one server down and visits them all;
	// majority crash takes a majority down at once. Checked by running them.
	for _, c := range []struct {
		name       string
		downAtMost int
		peak       int
	}{{"rolling-restart", 1, 1}, {"majority-crash", 3, 3}} {
		p, _ := Nemesis(c.name, stream(3), cfg)
		s, _, _ := newSim(t, 3, 5)
		var in Injector
		require.NoError(t, in.Inject(s, &fakeNet{}, p, nil))
		peak := 0
		crashed := map[sim.NodeID]bool{}
		s.Run(sim.Time(cfg.normalized(0).Duration), func() bool {
			d := downCount(s, 5)
			peak = max(peak, d)
			for id := range 5 {
				if !s.Up(sim.NodeID(id)) {
					crashed[sim.NodeID(id)] = true
				}
			}
			return false
		})
		assert.Equal(t, c.peak, peak, c.name)
		assert.True(t, in.Healed())
		if c.name == "rolling-restart" {
			assert.Len(t, crashed, 5, "rolling restart skipped a server")
		}
	}
}

func TestGenConfigValidate(t *testing.T) {
	require.NoError(t, GenConfig{Servers: 3}.Validate())
	require.NoError(t, GenConfig{Servers: 3, CrashedMax: 3, MajorityDown: true}.Validate())
	cases := []struct {
		cfg  GenConfig
		want string
	}{
		{GenConfig{}, "Servers = 0"},
		{GenConfig{Servers: 3, Nodes: 2}, "Nodes = 2"},
		{GenConfig{Servers: 3, Start: -1}, "Start = -0.000000001s"},
		{GenConfig{Servers: 3, Duration: -ms}, "Duration = -1ms"},
		{GenConfig{Servers: 3, Rate: -1}, "Rate = -1"},
		{GenConfig{Servers: 5, CrashedMax: 3}, "CrashedMax = 3: more than a minority of 5 servers needs MajorityDown"},
		{GenConfig{Servers: 3, DriftMax: 1_000_000}, "DriftMax = 1000000"},
		{GenConfig{Servers: 3, SkewMax: SkewMax + 1}, "SkewMax"},
		{GenConfig{Servers: 3, Kinds: []Kind{KindCrash, 0}}, "Kinds[1] = kind(0)"},
		{GenConfig{Servers: 3, Fates: []sim.DiskFate{5}}, "Fates[0] = fate(5)"},
		{GenConfig{Servers: 3, PauseMax: -1}, "PauseMax"},
		{GenConfig{Servers: 3, Rate: 1e-12}, "Rate = 1e-12: must be 0 or in [0.001, 1000]"},
		{GenConfig{Servers: 3, Rate: 1e9}, "Rate = 1e+09"},
		{GenConfig{Servers: 3, DownMax: 1 << 62}, "must be <= 3600000s"},
		{GenConfig{Servers: 3, Start: 1 << 62}, "must be <= 3600000s"},
	}
	for _, c := range cases {
		assert.ErrorContains(t, c.cfg.Validate(), c.want)
	}
	// Generators clamp what Validate rejects and still produce valid plans.
	for _, c := range cases {
		checkGenerated(t, Random(stream(1), c.cfg), c.cfg)
	}
}

// TestFixedEnds: with FixedEnds the generators draw the same plan with
// every role end of a cut or clog replaced by the fixed node drawn before
// it, and without it some ends are roles (they are drawn three times in
// eight), so that the two measure the same faults aimed differently.
func TestFixedEnds(t *testing.T) {
	roles := 0
	for seed := uint64(0); seed < 50; seed++ {
		cfg := GenConfig{Servers: 5, Nodes: 8, Kinds: []Kind{KindCut, KindClog, KindCrash, KindHeal}}
		aimed := Random(stream(seed), cfg)
		cfg.FixedEnds = true
		fixed := Random(stream(seed), cfg)
		checkGenerated(t, fixed, cfg)
		require.Len(t, fixed.Faults, len(aimed.Faults), "seed %d", seed)
		for i, f := range fixed.Faults {
			a := aimed.Faults[i]
			assert.Equal(t, RoleNone, f.FromRole, "%s", f)
			assert.Equal(t, RoleNone, f.ToRole, "%s", f)
			if a.FromRole != RoleNone || a.ToRole != RoleNone {
				roles++
				// The role end takes the place of the fixed node it
				// replaced: the rest of the fault is the same.
				if a.FromRole != RoleNone {
					a.From, a.FromRole = f.From, RoleNone
				} else {
					a.To, a.ToRole = f.To, RoleNone
				}
			}
			assert.Equal(t, a, f, "seed %d fault %d", seed, i)
		}
	}
	assert.Greater(t, roles, 20, "role ends are drawn without FixedEnds")
}
