package faults

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// The registry is global: each test registers names of its own, prefixed
// "t-", so that tests stay independent of their order.

func TestRegisterNemesis(t *testing.T) {
	gen := func(r *rand.Rand, cfg GenConfig) (Plan, error) {
		// One cut from the leader to a drawn server, mid-phase; no heal.
		to := sim.NodeID(r.IntN(cfg.Servers))
		return Plan{Faults: []Fault{{At: cfg.Start.Add(cfg.Duration / 2), Kind: KindCut, FromRole: RoleLeader, To: to}}}, nil
	}
	require.NoError(t, RegisterNemesis("t-leader-cut", "cut the leader from one server", gen))
	assert.Contains(t, Nemeses(), "t-leader-cut")
	assert.True(t, slices.IsSorted(Nemeses()), "registering keeps the list sorted")
	assert.Equal(t, "cut the leader from one server", NemesisDoc("t-leader-cut"))

	cfg := GenConfig{Servers: 3, Nodes: 5, Start: at(200 * ms), Duration: 3 * sim.Second}
	p, err := Nemesis("t-leader-cut", stream(7), cfg)
	require.NoError(t, err)
	again, _ := Nemesis("t-leader-cut", stream(7), cfg)
	assert.Equal(t, p, again, "the same stream gives the same plan")
	assert.Equal(t, "t-leader-cut", p.Name, "an empty plan name becomes the nemesis's")
	checkGenerated(t, p, cfg)
	require.Len(t, p.Faults, 2, "the heal phase is appended")
	assert.Equal(t, at(1700*ms), p.Faults[0].At)

	// The generator sees cfg with its fallbacks applied.
	var seen GenConfig
	require.NoError(t, RegisterNemesis("t-config", "records its config", func(_ *rand.Rand, cfg GenConfig) (Plan, error) {
		seen = cfg
		return Plan{Name: "mine"}, nil
	}))
	p, err = Nemesis("t-config", stream(1), GenConfig{Servers: 3})
	require.NoError(t, err)
	assert.Equal(t, 3, seen.Nodes)
	assert.Equal(t, 10*sim.Second, seen.Duration)
	assert.Equal(t, "# mine\nt=10.000s heal-all", p.String(), "a plan's own name stays")

	for _, c := range []struct {
		name, doc string
		gen       NemesisGen
		want      string
	}{
		{"", "x", gen, `name = "": empty`},
		{"t-leader-cut", "again", gen, `nemesis "t-leader-cut" is registered already`},
		{"leader-isolation", "mine", gen, `nemesis "leader-isolation" is registered already`},
		{"Shouty", "x", gen, `name = "Shouty": must start with a lowercase letter`},
		{"t_under", "x", gen, `name = "t_under": '_' at 1: use lowercase letters, digits and '-'`},
		{"t-space d", "x", gen, `' ' at 7`},
		{"t-five-5", "x", gen, `must not end in '-' and digits, which read as a cluster size (NAME-3)`},
		{"t-dash-", "x", gen, `must not end in '-'`},
		{"t-no-doc", "", gen, `doc = "": want one non-empty line`},
		{"t-two-lines", "a\nb", gen, `doc = "a\nb"`},
		{"t-nil", "x", nil, `RegisterNemesis "t-nil": gen is nil`},
	} {
		err := RegisterNemesis(c.name, c.doc, c.gen)
		assert.ErrorContains(t, err, c.want, c.name)
	}
	assert.NotContains(t, Nemeses(), "t-no-doc", "a rejected nemesis is not registered")
	assert.Panics(t, func() { MustRegisterNemesis("", "x", gen) })
	MustRegisterNemesis("t-must", "registered in init", gen)
	assert.Contains(t, Nemeses(), "t-must")
}

// TestRegisteredNemesisErrors: a registered generator's mistakes fail the
// draw with an error that names the nemesis, never a panic or a bad plan.
func TestRegisteredNemesisErrors(t *testing.T) {
	cfg := GenConfig{Servers: 3, Start: at(200 * ms), Duration: sim.Second}
	for _, c := range []struct {
		name string
		gen  NemesisGen
		want string
	}{
		{"t-err", func(*rand.Rand, GenConfig) (Plan, error) { return Plan{}, errors.New("no luck") }, `faults: nemesis "t-err": no luck`},
		{"t-panic", func(*rand.Rand, GenConfig) (Plan, error) { panic("boom") }, `faults: nemesis "t-panic": generator panicked: boom`},
		{"t-bad-node", func(*rand.Rand, GenConfig) (Plan, error) {
			return Plan{Faults: []Fault{{At: at(300 * ms), Kind: KindCrash, Node: 3}}}, nil
		}, `faults: nemesis "t-bad-node" (servers=3, nodes=3): faults: Faults[0] (crash): Node = n3: no such server`},
		{"t-late", func(*rand.Rand, GenConfig) (Plan, error) {
			return Plan{Faults: []Fault{{At: at(1200 * ms), Kind: KindHeal}}}, nil
		}, `faults: nemesis "t-late": Faults[0] (heal): At = 1.200s: at or after the end of the fault phase (1.200s)`},
		{"t-disorder", func(*rand.Rand, GenConfig) (Plan, error) {
			return Plan{Faults: []Fault{{At: at(500 * ms), Kind: KindHeal}, {At: at(300 * ms), Kind: KindRing}}}, nil
		}, "plan out of time order"},
	} {
		require.NoError(t, RegisterNemesis(c.name, "broken on purpose", c.gen))
		var err error
		require.NotPanics(t, func() { _, err = Nemesis(c.name, stream(1), cfg) })
		assert.ErrorContains(t, err, c.want, c.name)
	}
	// A plan that ends healed is kept as it is, heal time included.
	require.NoError(t, RegisterNemesis("t-own-heal", "heals early", func(*rand.Rand, GenConfig) (Plan, error) {
		return Plan{Faults: []Fault{{At: at(300 * ms), Kind: KindRing}, {At: at(600 * ms), Kind: KindHealAll}}}, nil
	}))
	p, err := Nemesis("t-own-heal", stream(1), cfg)
	require.NoError(t, err)
	assert.Equal(t, "# t-own-heal\nt=0.300s ring\nt=0.600s heal-all", p.String())
}

// TestRegisterNemesisConcurrent: registering while plans are drawn is safe
// (go test -race checks it).
func TestRegisterNemesisConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 50 {
				_, err := Nemesis("leader-isolation", stream(uint64(k)), GenConfig{Servers: 3})
				assert.NoError(t, err)
				_ = Nemeses()
				if k%10 == 0 {
					name := "t-conc-" + string(rune('a'+i)) + string(rune('a'+k/10))
					assert.NoError(t, RegisterNemesis(name, "concurrent", func(*rand.Rand, GenConfig) (Plan, error) { return Plan{}, nil }))
				}
			}
		}()
	}
	wg.Wait()
	assert.True(t, slices.IsSorted(Nemeses()))
}

func TestNemesisFromPlan(t *testing.T) {
	pattern := Plan{Name: "ignored", Faults: []Fault{
		{At: 0, Kind: KindCut, FromRole: RoleLeader, To: 1},
		{At: at(500 * ms), Kind: KindPartition, Groups: [][]sim.NodeID{nil, {0, 1, 2}}, GroupRoles: [][]Role{{RoleLeader}}},
		{At: at(900 * ms), Kind: KindHeal},
		{At: at(1 * sim.Second), Kind: KindCrash, Node: 2, Duration: 200 * ms},
		{At: at(2 * sim.Second), Kind: KindClog, FromRole: RoleLastLeader, To: 0, Duration: sim.Second},
	}}
	require.NoError(t, NemesisFromPlan("t-fixed", "a fixed pattern", pattern))
	pattern.Faults[0].To = 2 // the registry holds a copy
	pattern.Faults[1].Groups[1][0] = 2

	// Times are offsets from the start of the phase; the phase cuts it.
	cfg := GenConfig{Servers: 3, Nodes: 5, Start: at(200 * ms), Duration: 2 * sim.Second}
	p, err := Nemesis("t-fixed", stream(1), cfg)
	require.NoError(t, err)
	assert.Equal(t, `# t-fixed
t=0.200s cut leader->n1
t=0.700s partition {leader} {n0,n1,n2}
t=1.100s heal
t=1.200s crash n2 disk=lose-unsynced for=200ms
t=2.200s heal-all`, p.String())
	other, err := Nemesis("t-fixed", stream(2), cfg)
	require.NoError(t, err)
	assert.Equal(t, p, other, "a fixed pattern ignores the stream")
	p.Faults[1].Groups[1][0] = 4
	again, _ := Nemesis("t-fixed", stream(1), cfg)
	assert.Equal(t, sim.NodeID(0), again.Faults[1].Groups[1][0], "a drawn plan shares nothing with the pattern")
	long, err := Nemesis("t-fixed", stream(1), GenConfig{Servers: 3, Duration: 5 * sim.Second})
	require.NoError(t, err)
	assert.Len(t, long.Faults, 6)
	// Validated against the cluster drawn: a single server has no n1.
	_, err = Nemesis("t-fixed", stream(1), GenConfig{Servers: 1, Nodes: 2})
	assert.ErrorContains(t, err, `faults: nemesis "t-fixed" (servers=1, nodes=2): faults: Faults[1] (partition): Groups[1] = {n0,n1,n2}: no such node n2`)

	for _, c := range []struct {
		name string
		p    Plan
		want string
	}{
		{"t-healed", Plan{Faults: []Fault{{At: at(ms), Kind: KindRing}, {At: at(2 * ms), Kind: KindHealAll}}}, `Faults[1] (heal-all): a pattern must not hold the heal phase`},
		{"t-bad-fault", Plan{Faults: []Fault{{Kind: KindCut, From: 1, To: 1}}}, `faults: nemesis "t-bad-fault": faults: Faults[0] (cut): To = n1: same as From`},
		{"t-negative", Plan{Faults: []Fault{{Kind: KindIsolate, Node: -1}}}, `Node = n-1: no such node`},
		{"t-restart-up", Plan{Faults: []Fault{{Kind: KindRestart, Node: 0}}}, `Node = n0: not crashed`},
		{"t-far", Plan{Faults: []Fault{{At: sim.Time(genSpanMax) + 1, Kind: KindRing}}}, `a pattern's offsets must be <= 3600000s`},
		{"t-fixed", Plan{}, `nemesis "t-fixed" is registered already`},
		{"T", Plan{}, `must start with a lowercase letter`},
	} {
		assert.ErrorContains(t, NemesisFromPlan(c.name, "x", c.p), c.want, c.name)
	}
	assert.NoError(t, NemesisFromPlan("t-empty", "nothing but the heal phase", Plan{}))
	p, err = Nemesis("t-empty", stream(1), cfg)
	require.NoError(t, err)
	assert.Equal(t, "# t-empty\nt=2.200s heal-all", p.String())
}

func TestRegisterNemesisFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	good := write("good.json", `{"name":"t-deaf-leader","doc":"the servers stop hearing the leader for 1s",
	 "faults":[{"at":"500ms","kind":"cut","from":"leader","to":"n1"},
	           {"at":"500ms","kind":"cut","from":"leader","to":"n2"},
	           {"at":"1500ms","kind":"heal"}]}`)
	require.NoError(t, RegisterNemesisFile(good))
	assert.Equal(t, "the servers stop hearing the leader for 1s", NemesisDoc("t-deaf-leader"))
	p, err := Nemesis("t-deaf-leader", stream(1), GenConfig{Servers: 3, Start: at(200 * ms), Duration: 3 * sim.Second})
	require.NoError(t, err)
	assert.Equal(t, "# t-deaf-leader\nt=0.700s cut leader->n1\nt=0.700s cut leader->n2\nt=1.700s heal\nt=3.200s heal-all", p.String())

	for _, c := range []struct{ file, text, want string }{
		{"dup.json", `{"name":"t-deaf-leader","doc":"d","faults":[]}`, `is registered already (in ` + dir},
		{"unknown.json", `{"name":"t-x","doc":"d","faults":[],"seed":1}`, `unknown field "seed"`},
		{"nofaults.json", `{"name":"t-y","doc":"d"}`, `"faults" is missing`},
		{"noname.json", `{"doc":"d","faults":[]}`, `name = "": empty`},
		{"nodoc.json", `{"name":"t-z","faults":[]}`, `doc = ""`},
		{"badrole.json", `{"name":"t-w","doc":"d","faults":[{"at":"1s","kind":"cut","from":"boss","to":"n1"}]}`, `from: bad node id "boss": want n<number> or a role`},
		{"broken.json", `{"name":`, `unexpected EOF`},
	} {
		err := RegisterNemesisFile(write(c.file, c.text))
		require.Error(t, err, c.file)
		assert.Contains(t, err.Error(), c.want, c.file)
	}
	err = RegisterNemesisFile(filepath.Join(dir, "missing.json"))
	assert.ErrorContains(t, err, "missing.json")
	assert.NotContains(t, Nemeses(), "t-x")
}

// TestLeaderOneWay: each round cuts every link between the leader and the
// other servers in one direction, then heals; run against a fake leader,
// the cut from the leader to itself is skipped and the others land.
func TestLeaderOneWay(t *testing.T) {
	dirs := map[string]int{}
	for seed := uint64(0); seed < 20; seed++ {
		p := LeaderOneWay(stream(seed), GenConfig{Servers: 5})
		var round []Fault
		for _, f := range p.Faults {
			switch f.Kind {
			case KindCut:
				round = append(round, f)
			case KindHeal, KindHealAll:
				if len(round) > 0 {
					require.Len(t, round, 5, "a round cuts every server's link: %v", round)
					mute := round[0].FromRole == RoleLeader
					for i, c := range round {
						if mute {
							assert.Equal(t, Fault{At: c.At, Kind: KindCut, FromRole: RoleLeader, To: sim.NodeID(i)}, c)
						} else {
							assert.Equal(t, Fault{At: c.At, Kind: KindCut, From: sim.NodeID(i), ToRole: RoleLeader}, c)
						}
						assert.Equal(t, round[0].At, c.At, "a round's cuts fire together")
					}
					dirs[map[bool]string{true: "mute", false: "deaf"}[mute]]++
				}
				round = nil
			default:
				t.Fatalf("unexpected %s", f)
			}
		}
	}
	assert.Len(t, dirs, 2, "both directions are drawn")

	p := LeaderOneWay(stream(3), GenConfig{Servers: 3})
	s, trace, _ := newSim(t, 1, 3)
	net := &fakeNet{}
	var in Injector
	require.NoError(t, in.Inject(s, net, p, &fakeRoles{leader: 1, known: true}))
	s.Run(sec(11), nil)
	require.True(t, in.Healed())
	lines := strings.Join(notes(trace), "\n")
	assert.Regexp(t, `note fault cut (leader->n1|n1->leader) \(leader=n1\) skipped: both ends are n1`, lines)
	for _, call := range net.calls {
		assert.Regexp(t, `^(cut n1->n[02]|cut n[02]->n1|heal)$`, call)
	}
}

// TestLeaderOneWayFixedEnds: with FixedEnds a round cuts one random
// server's links one way instead of the leader's, and without it the
// rounds are those drawn before the option existed.
func TestLeaderOneWayFixedEnds(t *testing.T) {
	targets := map[sim.NodeID]int{}
	for seed := uint64(0); seed < 20; seed++ {
		p := LeaderOneWay(stream(seed), GenConfig{Servers: 5, FixedEnds: true})
		checkGenerated(t, p, GenConfig{Servers: 5})
		var round []Fault
		for _, f := range p.Faults {
			switch f.Kind {
			case KindCut:
				assert.Equal(t, RoleNone, f.FromRole, "%s", f)
				assert.Equal(t, RoleNone, f.ToRole, "%s", f)
				round = append(round, f)
			case KindHeal, KindHealAll:
				if len(round) > 0 {
					require.Len(t, round, 4, "a round cuts the target's links to the 4 others: %v", round)
					mute := round[0].From == round[1].From
					target := round[0].To
					if mute {
						target = round[0].From
					}
					for _, c := range round {
						if mute {
							assert.Equal(t, target, c.From, "%s", c)
						} else {
							assert.Equal(t, target, c.To, "%s", c)
						}
						assert.NotEqual(t, c.From, c.To)
					}
					targets[target]++
				}
				round = nil
			default:
				t.Fatalf("unexpected %s", f)
			}
		}
	}
	assert.Len(t, targets, 5, "every server is a target in some round")
}

// TestCutOffCandidate: each round clogs every link into one server,
// isolates it while the clogs hold, and heals after the clogs have ended,
// so that what they held is released into the partition.
func TestCutOffCandidate(t *testing.T) {
	for _, servers := range []int{3, 5} {
		cfg := GenConfig{Servers: servers}
		for seed := uint64(0); seed < 20; seed++ {
			p := CutOffCandidate(stream(seed), cfg)
			checkGenerated(t, p, cfg)
			rounds := 0
			for i := 0; i+servers+1 < len(p.Faults); i += servers + 1 {
				clogs, iso, heal := p.Faults[i:i+servers-1], p.Faults[i+servers-1], p.Faults[i+servers]
				cand := clogs[0].To
				for k, c := range clogs {
					require.Equal(t, Fault{At: clogs[0].At, Kind: KindClog, From: c.From, To: cand, Duration: clogs[0].Duration}, c)
					assert.NotEqual(t, cand, c.From)
					if k > 0 {
						assert.Greater(t, c.From, clogs[k-1].From)
					}
				}
				require.Equal(t, Fault{At: iso.At, Kind: KindIsolate, Node: cand}, iso)
				require.Equal(t, KindHeal, heal.Kind)
				end := clogs[0].At.Add(clogs[0].Duration)
				assert.Greater(t, end, iso.At, "the clogs still hold when the server is isolated")
				assert.Less(t, end, heal.At, "the clogs end inside the partition")
				rounds++
			}
			assert.Positive(t, rounds, "seed %d: no whole round:\n%s", seed, p)
		}
	}
}

// TestStaleLeaderClog: each round pauses the leader, clogs the links from
// the last leader to every server once the pause is over, pauses the
// leader again while the clogs hold, and heals when they end.
func TestStaleLeaderClog(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		cfg := GenConfig{Servers: 3}
		p := StaleLeaderClog(stream(seed), cfg)
		checkGenerated(t, p, cfg)
		for i := 0; i < len(p.Faults)-1; {
			f := p.Faults[i]
			require.Equal(t, Fault{At: f.At, Kind: KindPause, Role: RoleLeader, Duration: f.Duration}, f)
			if i+1 == len(p.Faults)-1 {
				break // the phase ended
			}
			clogs := p.Faults[i+1 : i+4]
			for k, c := range clogs {
				require.Equal(t, Fault{At: c.At, Kind: KindClog, FromRole: RoleLastLeader, To: sim.NodeID(k), Duration: clogs[0].Duration}, c)
				assert.Greater(t, c.At, f.At.Add(f.Duration), "clogged before the first pause ended")
			}
			i += 4
			if i == len(p.Faults)-1 {
				break
			}
			second := p.Faults[i]
			require.Equal(t, KindPause, second.Kind)
			assert.Less(t, second.At, clogs[0].At.Add(clogs[0].Duration), "the second pause falls inside the clog")
			i++
			if i == len(p.Faults)-1 {
				break
			}
			require.Equal(t, KindHeal, p.Faults[i].Kind)
			assert.Equal(t, clogs[0].At.Add(clogs[0].Duration), p.Faults[i].At, "the heal comes when the clogs end")
			i++
		}
	}

	// Against fake roles: the clogs leave the last leader, and the one to
	// itself is skipped.
	p := StaleLeaderClog(stream(1), GenConfig{Servers: 3})
	s, trace, _ := newSim(t, 1, 3)
	net := &fakeNet{}
	var in Injector
	require.NoError(t, in.Inject(s, net, p, &fakeRoles{leader: 1, known: true, last: 2, lastKnown: true}))
	s.Run(sec(11), nil)
	require.True(t, in.Healed())
	assert.Contains(t, strings.Join(notes(trace), "\n"), "for="+formatDuration(p.Faults[1].Duration)+" (last-leader=n2) skipped: both ends are n2")
	for _, call := range net.calls {
		assert.Regexp(t, `^(clog n2->n[01] until .*|heal)$`, call)
	}
}
