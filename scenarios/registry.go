package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

// defaultWorkload is the workload of the named scenarios: 5 closed-loop
// clients, 40 operations each (200 in all), over few keys so that
// operations contend. The think time spreads the operations over the
// default fault phase (about 80ms per operation, so 3 to 4 seconds), so
// that faults hit a cluster under load rather than an idle one.
func defaultWorkload() Workload {
	return Workload{Clients: 5, Ops: 40, Keys: 3, GetWeight: 2, PutWeight: 1, AppendWeight: 3, ThinkMin: 30 * sim.Millisecond, ThinkMax: 130 * sim.Millisecond, StartAfter: DefaultStartAfter}
}

// registry holds the named scenarios. Each name with a "-3" or "-5" suffix
// fixes the cluster size; the plain name draws 3 or 5 replicas per seed.
var registry = buildRegistry()

func buildRegistry() map[string]*Scenario {
	base := []*Scenario{
		{
			Name:           "calm",
			Description:    "no faults on a reliable network: the protocol's happy path",
			ReplicaChoices: []int{3, 5},
			Workload:       defaultWorkload(),
			Network:        network.Reliable(),
			Faults:         FaultsNone,
		},
		{
			Name:           "lossy",
			Description:    "message loss, duplication and reordering with a long latency tail",
			ReplicaChoices: []int{3, 5},
			Workload:       defaultWorkload(),
			Network:        network.Unordered(),
			LossChoices:    []float64{0.01, 0.05, 0.1, 0.2},
			DupChoices:     []float64{0, 0.02, 0.1},
			Faults:         FaultsNone,
			Expect:         expect(20, PathClientRetries, PathDedup),
		},
		{
			Name:           "partitions",
			Description:    "random partitions, one-way cuts, bridges, majority rings, clogs, and isolating the leader",
			ReplicaChoices: []int{3, 5},
			Workload:       defaultWorkload(),
			Network:        network.Unordered(),
			LossChoices:    []float64{0, 0.01},
			Faults:         FaultsRandom,
			FaultKinds:     []faults.Kind{faults.KindPartition, faults.KindIsolate, faults.KindCut, faults.KindBridge, faults.KindRing, faults.KindClog, faults.KindHeal},
			Expect:         append(expect(20, PathLeaderChange, PathRecovery, PathCatchUp), expect(700, PathGapFill)...),
		},
		{
			Name:           "crashes",
			Description:    "crashes and restarts, a majority down and back, disk loss and torn unsynced writes",
			ReplicaChoices: []int{3, 5},
			Workload:       defaultWorkload(),
			Network:        network.Unordered(),
			Faults:         FaultsRandom,
			FaultKinds:     []faults.Kind{faults.KindCrash, faults.KindRestart},
			FaultGen:       faults.GenConfig{MajorityDown: true, DownMax: 800 * sim.Millisecond},
			Expect:         expect(20, PathLeaderChange, PathDiskRecovery, PathCatchUp, PathRecovery),
		},
		{
			Name:           "clocks",
			Description:    "clock skew and drift, and pauses (a stalled process whose timers and messages wait)",
			ReplicaChoices: []int{3, 5},
			Workload:       defaultWorkload(),
			Network:        network.Unordered(),
			Faults:         FaultsRandom,
			FaultKinds:     []faults.Kind{faults.KindClock, faults.KindPause},
			Expect:         append(expect(20, PathLeaderChange), expect(60, PathCatchUp)...),
		},
		{
			Name:           "chaos",
			Description:    "swarm testing: each seed enables a random subset of every fault kind at full intensity",
			ReplicaChoices: []int{3, 5},
			Workload:       defaultWorkload(),
			Network:        network.Unordered(),
			LossChoices:    []float64{0, 0.01, 0.05},
			DupChoices:     []float64{0, 0.01},
			FIFOChoices:    []bool{true, false},
			Faults:         FaultsSwarm,
			FaultGen:       faults.GenConfig{MajorityDown: true, DownMax: 800 * sim.Millisecond},
			Expect: append(append(expect(20, PathLeaderChange, PathRecovery, PathCatchUp, PathDedup),
				expect(60, PathDiskRecovery)...), expect(700, PathGapFill)...),
		},
	}
	base = append(base, &Scenario{
		Name:           "unhealed",
		Description:    "correctness only: swarm faults of every kind, a majority may stay down, no heal phase; only safety is checked",
		ReplicaChoices: []int{3, 5},
		Workload:       defaultWorkload(),
		Network:        network.Unordered(),
		LossChoices:    []float64{0, 0.05, 0.2},
		DupChoices:     []float64{0, 0.05},
		FIFOChoices:    []bool{true, false},
		Faults:         FaultsSwarm,
		FaultGen:       faults.GenConfig{MajorityDown: true, DownMax: 3 * sim.Second},
		Checks:         Checks{CorrectnessOnly: true},
	})
	for _, name := range faults.Nemeses() {
		base = append(base, &Scenario{
			Name:           "nemesis-" + name,
			Description:    "the " + name + " nemesis: " + faults.NemesisDoc(name),
			ReplicaChoices: []int{3, 5},
			Workload:       defaultWorkload(),
			Network:        network.Unordered(),
			Faults:         FaultsNemesis,
			Nemesis:        name,
			FaultGen:       faults.GenConfig{MajorityDown: true},
		})
	}
	m := map[string]*Scenario{}
	for _, sc := range base {
		m[sc.Name] = sc
		for _, n := range []int{3, 5} {
			v := *sc
			v.Name = fmt.Sprintf("%s-%d", sc.Name, n)
			v.Description = fmt.Sprintf("%s (%d replicas)", sc.Description, n)
			v.ReplicaChoices = []int{n}
			m[v.Name] = &v
		}
	}
	return m
}

// expect builds expectations that each path is reached within n seeds.
// Each n comes from the share of seeds that reach the path (measured over
// 1,500 seeds of the scenario), so that a correct protocol misses it with
// probability below 1e-9: n >= 20.7 / -ln(1 - share). Measured shares:
// chaos leader-change 1.0, phase1-recovery 0.75, catch-up 0.88, dedup 0.77,
// disk-recovery 0.34 (n=60), gap-fill 0.043 (n=700); clocks catch-up 0.30
// (n=60); crashes all >= 0.8; lossy >= 0.95; partitions gap-fill 0.031.
func expect(n int, paths ...Path) []Expectation {
	out := make([]Expectation, len(paths))
	for i, p := range paths {
		out[i] = Expectation{Path: p, Within: n}
	}
	return out
}

// Lookup returns a copy of the named scenario, or an error listing the
// names there are.
func Lookup(name string) (*Scenario, error) {
	sc, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown scenario %q (have: %s)", name, strings.Join(Names(), ", "))
	}
	c := *sc
	c.ReplicaChoices = slices.Clone(sc.ReplicaChoices)
	return &c, nil
}

// Names lists the scenarios, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// BaseNames lists the scenarios without a size suffix, sorted: the ones a
// sweep over "every scenario" runs.
func BaseNames() []string {
	var out []string
	for _, n := range Names() {
		if !strings.HasSuffix(n, "-3") && !strings.HasSuffix(n, "-5") {
			out = append(out, n)
		}
	}
	return out
}
