package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
)

// DefaultProtocol is the protocol a scenario runs when none is named: the
// reference MultiPaxos KV store.
const DefaultProtocol = multipaxos.Name

// defaultWorkload is the workload of the named scenarios: 5 closed-loop
// clients, 40 operations each (200 in all), of the spec's default mix (for
// the KV store, few keys, so that operations contend). The think time
// spreads the operations over the default fault phase (about 80ms per
// operation, so 3 to 4 seconds), so that faults hit a cluster under load
// rather than an idle one.
func defaultWorkload() runner.Workload {
	return runner.Workload{Clients: 5, Ops: 40, ThinkMin: 30 * sim.Millisecond, ThinkMax: 130 * sim.Millisecond, StartAfter: DefaultStartAfter, StartSpread: DefaultStartSpread}
}

// registry holds the named scenarios, protocol-free: a scenario is a
// network, a fault generator, a workload shape and checks, and runs any
// protocol (LookupFor). Each name with a "-3" or "-5" suffix fixes the
// cluster size; the plain name draws 3 or 5 servers per seed.
var registry = buildRegistry()

// expectations are, per protocol and base scenario, the probes the
// scenario exists to exercise, with the seeds within which a sweep must
// reach each. They come from measurement of that protocol (see expect).
var expectations = map[string]map[string][]Expectation{
	multipaxos.Name: {
		"lossy":      expect(20, probeClientRetries, probeDedup),
		"partitions": append(expect(20, probeLeaderChange, probeRecovery, probeCatchUp), expect(700, probeGapFill)...),
		"crashes":    expect(20, probeLeaderChange, probeDiskRecovery, probeCatchUp, probeRecovery),
		"clocks":     append(expect(20, probeLeaderChange), expect(60, probeCatchUp)...),
		"chaos": append(append(expect(20, probeLeaderChange, probeRecovery, probeCatchUp, probeDedup),
			expect(60, probeDiskRecovery)...), expect(700, probeGapFill)...),
	},
}

const (
	probeLeaderChange  = multipaxos.ProbeLeaderChange
	probeRecovery      = multipaxos.ProbeRecovery
	probeGapFill       = multipaxos.ProbeGapFill
	probeCatchUp       = multipaxos.ProbeCatchUp
	probeDiskRecovery  = multipaxos.ProbeDiskRecovery
	probeDedup         = multipaxos.ProbeDedup
	probeClientRetries = protocol.ProbeClientRetry
)

func buildRegistry() map[string]*Scenario {
	base := []*Scenario{
		{
			Name:          "calm",
			Description:   "no faults on a reliable network: the protocol's happy path",
			ServerChoices: []int{3, 5},
			Workload:      defaultWorkload(),
			Network:       network.Reliable(),
			Faults:        FaultsNone,
		},
		{
			Name:          "lossy",
			Description:   "message loss, duplication and reordering with a long latency tail",
			ServerChoices: []int{3, 5},
			Workload:      defaultWorkload(),
			Network:       network.Unordered(),
			LossChoices:   []float64{0.01, 0.05, 0.1, 0.2},
			DupChoices:    []float64{0, 0.02, 0.1},
			Faults:        FaultsNone,
		},
		{
			Name:            "partitions",
			Description:     "random partitions, one-way cuts, bridges, majority rings, clogs, and isolating the leader",
			ServerChoices:   []int{3, 5},
			Workload:        defaultWorkload(),
			Network:         network.Unordered(),
			LossChoices:     []float64{0, 0.01},
			InFlightChoices: []bool{false, true},
			Faults:          FaultsRandom,
			FaultKinds:      []faults.Kind{faults.KindPartition, faults.KindIsolate, faults.KindCut, faults.KindBridge, faults.KindRing, faults.KindClog, faults.KindHeal},
		},
		{
			Name:          "crashes",
			Description:   "crashes and restarts, a majority down and back, disk loss and torn unsynced writes",
			ServerChoices: []int{3, 5},
			Workload:      defaultWorkload(),
			Network:       network.Unordered(),
			Faults:        FaultsRandom,
			FaultKinds:    []faults.Kind{faults.KindCrash, faults.KindRestart},
			FaultGen:      faults.GenConfig{MajorityDown: true, DownMax: 800 * sim.Millisecond},
		},
		{
			Name:          "clocks",
			Description:   "clock skew and drift, and pauses (a stalled process whose timers and messages wait)",
			ServerChoices: []int{3, 5},
			Workload:      defaultWorkload(),
			Network:       network.Unordered(),
			Faults:        FaultsRandom,
			FaultKinds:    []faults.Kind{faults.KindClock, faults.KindPause},
		},
		{
			Name:            "chaos",
			Description:     "swarm testing: each seed enables a random subset of every fault kind at full intensity",
			ServerChoices:   []int{3, 5},
			Workload:        defaultWorkload(),
			Network:         network.Unordered(),
			LossChoices:     []float64{0, 0.01, 0.05},
			DupChoices:      []float64{0, 0.01},
			FIFOChoices:     []bool{true, false},
			InFlightChoices: []bool{false, true},
			Faults:          FaultsSwarm,
			FaultGen:        faults.GenConfig{MajorityDown: true, DownMax: 800 * sim.Millisecond},
			Overlay:         &Overlay{Every: 4, Nemeses: []string{"deaf-server", "leader-one-way", "stale-leader-clog"}},
		},
	}
	base = append(base, &Scenario{
		Name:            "unhealed",
		Description:     "correctness only: swarm faults of every kind, a majority may stay down, no heal phase; only safety is checked",
		ServerChoices:   []int{3, 5},
		Workload:        defaultWorkload(),
		Network:         network.Unordered(),
		LossChoices:     []float64{0, 0.05, 0.2},
		DupChoices:      []float64{0, 0.05},
		FIFOChoices:     []bool{true, false},
		InFlightChoices: []bool{false, true},
		Faults:          FaultsSwarm,
		FaultGen:        faults.GenConfig{MajorityDown: true, DownMax: 3 * sim.Second},
		Checks:          Checks{CorrectnessOnly: true},
	})
	for _, name := range faults.Nemeses() {
		base = append(base, nemesisScenario(name))
	}
	m := map[string]*Scenario{}
	for _, sc := range base {
		for _, v := range withSizes(sc) {
			m[v.Name] = v
		}
	}
	return m
}

// inFlightNemeses are the nemeses whose point is a message that crosses a
// cut: their scenarios deliver what is in flight when a link is cut
// (network.Config.InFlightSurvivesCut), which the others leave dropped.
var inFlightNemeses = map[string]bool{"cut-off-candidate": true}

// nemesisScenario is the scenario nemesis-NAME of the named nemesis.
func nemesisScenario(name string) *Scenario {
	sc := &Scenario{
		Name:          "nemesis-" + name,
		Description:   "the " + name + " nemesis: " + faults.NemesisDoc(name),
		ServerChoices: []int{3, 5},
		Workload:      defaultWorkload(),
		Network:       network.Unordered(),
		Faults:        FaultsNemesis,
		Nemesis:       name,
		FaultGen:      faults.GenConfig{MajorityDown: true},
	}
	if inFlightNemeses[name] {
		sc.InFlightChoices = []bool{true}
	}
	return sc
}

// withSizes returns sc and its variants with the cluster size fixed,
// NAME-3 and NAME-5.
func withSizes(sc *Scenario) []*Scenario {
	out := []*Scenario{sc}
	for _, n := range []int{3, 5} {
		v := *sc
		v.Name = fmt.Sprintf("%s-%d", sc.Name, n)
		v.Description = fmt.Sprintf("%s (%d servers)", sc.Description, n)
		v.ServerChoices = []int{n}
		out = append(out, &v)
	}
	return out
}

// lateNemeses are the scenarios of nemeses registered after the registry
// was built (faults.RegisterNemesis from a user's package, whose init runs
// after this package's), built when asked for, so that they are named and
// run like the rest.
func lateNemeses() []*Scenario {
	var out []*Scenario
	for _, name := range faults.Nemeses() {
		if _, built := registry["nemesis-"+name]; !built {
			out = append(out, withSizes(nemesisScenario(name))...)
		}
	}
	return out
}

// lookup finds a named scenario in the registry or among lateNemeses.
func lookup(name string) (*Scenario, bool) {
	if sc, ok := registry[name]; ok {
		return sc, true
	}
	if strings.HasPrefix(name, "nemesis-") {
		for _, sc := range lateNemeses() {
			if sc.Name == name {
				return sc, true
			}
		}
	}
	return nil, false
}

// expect builds expectations that each path is reached within n seeds.
// Each n comes from the share of seeds that reach the path (measured over
// 1,500 seeds of the scenario), so that a correct protocol misses it with
// probability below 1e-9: n >= 20.7 / -ln(1 - share). Measured shares:
// chaos leader-change 1.0, phase1-recovery 0.75, catch-up 0.88, dedup 0.77,
// disk-recovery 0.34 (n=60), gap-fill 0.043 (n=700); clocks catch-up 0.30
// (n=60); crashes all >= 0.8; lossy >= 0.95; partitions gap-fill 0.031.
func expect(n int, probes ...string) []Expectation {
	out := make([]Expectation, len(probes))
	for i, p := range probes {
		out[i] = Expectation{Probe: p, Within: n}
	}
	return out
}

// Lookup returns a copy of the named scenario for the default protocol,
// or an error listing the names there are.
func Lookup(name string) (*Scenario, error) { return LookupFor(DefaultProtocol, name) }

// LookupFor returns a copy of the named scenario running the named
// protocol, with that protocol's expectations for it.
func LookupFor(protocolName, name string) (*Scenario, error) {
	sc, ok := lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown scenario %q (have: %s)", name, strings.Join(Names(), ", "))
	}
	if _, err := protocol.Lookup(protocolName); err != nil {
		return nil, err
	}
	c := *sc
	c.ServerChoices = slices.Clone(sc.ServerChoices)
	c.Protocol = protocolName
	c.Expect = slices.Clone(expectations[protocolName][baseName(name)])
	if err := bindLease(&c); err != nil { // a protocol's declared clock bound; the lease scenarios' workload (lease.go)
		return nil, err
	}
	return &c, nil
}

// baseName strips a size suffix: "chaos-3" -> "chaos".
func baseName(name string) string {
	for _, suffix := range []string{"-3", "-5"} {
		if b, ok := strings.CutSuffix(name, suffix); ok {
			if _, known := lookup(b); known {
				return b
			}
		}
	}
	return name
}

// Names lists the scenarios, sorted, with those of nemeses registered
// since the registry was built.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	for _, sc := range lateNemeses() {
		names = append(names, sc.Name)
	}
	sort.Strings(names)
	return names
}

// SweepNames lists the base scenarios a default sweep runs: every one but
// those built to fail (lease-beyond-bound exceeds a protocol's declared
// clock bound on purpose). Named explicitly, they run like any other.
func SweepNames() []string {
	return slices.DeleteFunc(BaseNames(), func(n string) bool { return !WithinClockBound(n) })
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
