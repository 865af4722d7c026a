package scenarios

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/sim"
)

// FaultMode says how a scenario makes its fault plan.
type FaultMode uint8

// Fault modes.
const (
	FaultsNone    FaultMode = iota // no faults
	FaultsRandom                   // faults.Random over Kinds
	FaultsSwarm                    // faults.Swarm: each seed enables a random subset of Kinds
	FaultsNemesis                  // a named faults.Nemesis pattern (Nemesis)
)

var faultModeNames = [...]string{"none", "random", "swarm", "nemesis"}

func (m FaultMode) String() string {
	if int(m) < len(faultModeNames) {
		return faultModeNames[m]
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Checks configures how a run is judged. Zero fields take the documented
// defaults.
type Checks struct {
	// CheckTimeout bounds the linearizability check in wall time; past it
	// the verdict is "unknown". Default 10s.
	CheckTimeout time.Duration
	// AllowUnknown lets an "unknown" verdict pass. Off by default: a check
	// that could not finish is never reported as a pass.
	AllowUnknown bool
	// Liveness bounds, in simulated time, how long any client operation
	// may stay open after the heal phase starts. Default 5s.
	Liveness sim.Duration
	// CorrectnessOnly runs the fault plan without a heal phase and expects
	// no progress: only safety is checked (linearizability, invariants).
	CorrectnessOnly bool
	// InvariantEvery checks the safety invariants after every k-th step;
	// 0 means every step. The end of the run is always checked in full.
	InvariantEvery int
}

// Path is a protocol path a scenario should exercise (see Coverage).
type Path string

// The paths the harness counts.
const (
	PathLeaderChange  Path = "leader-change"
	PathRecovery      Path = "phase1-recovery"
	PathGapFill       Path = "gap-fill"
	PathCatchUp       Path = "catch-up"
	PathDiskRecovery  Path = "disk-recovery"
	PathDedup         Path = "dedup-answer"
	PathClientRetries Path = "client-retry"
)

// Paths lists every path in report order.
func Paths() []Path {
	return []Path{PathLeaderChange, PathRecovery, PathGapFill, PathCatchUp, PathDiskRecovery, PathDedup, PathClientRetries}
}

// Scenario describes a family of runs; each seed draws one run (Params) from
// it. Fields holding choices ("...Choices") are drawn from per seed; a
// single choice fixes the knob.
type Scenario struct {
	Name        string
	Description string
	// ReplicaChoices are the cluster sizes a seed draws from, e.g. {3, 5}.
	ReplicaChoices []int
	Workload       Workload
	// KeyChoices, if set, overrides Workload.Keys per seed.
	KeyChoices []int
	// Network is the base network; LossChoices and DupChoices, if set,
	// override its loss and duplication probabilities per seed, and
	// FIFOChoices its FIFO flag.
	Network     network.Config
	LossChoices []float64
	DupChoices  []float64
	FIFOChoices []bool
	// Faults: the mode, the kinds it may use, a nemesis name, and the
	// generator's knobs (Servers, Nodes, Start and Duration are filled in).
	Faults     FaultMode
	FaultKinds []faults.Kind
	Nemesis    string
	FaultGen   faults.GenConfig
	// Warmup is how long the cluster runs before the first fault; Phase is
	// the length of the fault phase. Defaults 200ms and 3s.
	Warmup, Phase sim.Duration
	// Protocol holds the replicas' timing knobs; N and Mutant are set per run.
	Protocol multipaxos.Config
	// Client holds the clients' timeouts; Workload and Recorder are set per
	// run.
	Client multipaxos.ClientConfig
	Checks Checks
	// Expect lists the paths this scenario exists to exercise: a sweep of
	// at least Within seeds that never reaches one of them fails (a
	// "sometimes" property).
	Expect []Expectation
}

// Expectation says a sweep of Within seeds or more must reach Path at least
// once. Within is chosen from measured rates so that a correct protocol
// misses it with negligible probability (a path reached in 5% of seeds is
// missed by 300 seeds with probability e^-15).
type Expectation struct {
	Path   Path
	Within int
}

// Defaults for zero Scenario and Checks fields.
const (
	DefaultWarmup       = 200 * sim.Millisecond
	DefaultPhase        = 3 * sim.Second
	DefaultLiveness     = 5 * sim.Second
	DefaultCheckTimeout = 10 * time.Second
)

// Validate reports a scenario that cannot run, naming the field and value.
func (sc *Scenario) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("scenario %q: "+format, append([]any{sc.Name}, args...)...))
	}
	if sc.Name == "" {
		errs = append(errs, errors.New("scenario: Name is empty"))
	}
	if len(sc.ReplicaChoices) == 0 {
		bad("ReplicaChoices is empty")
	}
	for _, n := range sc.ReplicaChoices {
		if n < 1 || n > multipaxos.MaxReplicas {
			bad("ReplicaChoices contains %d: a cluster needs 1 to %d replicas", n, multipaxos.MaxReplicas)
		}
	}
	if err := sc.Workload.Validate(); err != nil {
		bad("%v", err)
	}
	for _, k := range sc.KeyChoices {
		if k < 1 {
			bad("KeyChoices contains %d: need at least 1 key", k)
		}
	}
	for _, p := range append(slices.Clone(sc.LossChoices), sc.DupChoices...) {
		if !(p >= 0 && p <= 1) {
			bad("LossChoices/DupChoices contains %v: a probability must be in [0, 1]", p)
		}
	}
	if err := sc.Network.Validate(maxNodes(sc)); err != nil {
		bad("%v", err)
	}
	if sc.Warmup < 0 || sc.Phase < 0 {
		bad("Warmup = %v, Phase = %v: must be >= 0", sc.Warmup, sc.Phase)
	}
	if sc.Checks.Liveness < 0 || sc.Checks.CheckTimeout < 0 || sc.Checks.InvariantEvery < 0 {
		bad("Checks: Liveness = %v, CheckTimeout = %v, InvariantEvery = %d: must be >= 0", sc.Checks.Liveness, sc.Checks.CheckTimeout, sc.Checks.InvariantEvery)
	}
	switch sc.Faults {
	case FaultsNone, FaultsRandom, FaultsSwarm:
	case FaultsNemesis:
		if !slices.Contains(faults.Nemeses(), sc.Nemesis) {
			bad("Nemesis = %q: unknown (have %s)", sc.Nemesis, strings.Join(faults.Nemeses(), ", "))
		}
	default:
		bad("Faults = %v: unknown mode", sc.Faults)
	}
	for _, e := range sc.Expect {
		if !slices.Contains(Paths(), e.Path) {
			bad("Expect contains %q: unknown path", e.Path)
		}
		if e.Within < 1 {
			bad("Expect %q: Within = %d: must be >= 1", e.Path, e.Within)
		}
	}
	for _, n := range sc.ReplicaChoices {
		cfg := sc.Protocol
		cfg.N = n
		cfg.Replicas = nil
		if err := cfg.Validate(); err != nil {
			bad("Protocol with %d replicas: %v", n, err)
			break
		}
	}
	return errors.Join(errs...)
}

func maxNodes(sc *Scenario) int {
	m := 0
	for _, n := range sc.ReplicaChoices {
		m = max(m, n)
	}
	return m + sc.Workload.Clients
}

// Params is one run, fully drawn: everything Run needs besides the seed's
// low-level noise (latencies, election timeouts, ...), which the kernel's
// streams draw as the run goes. It is what a report prints as the seed=
// block, and what a shrunk counterexample is made of.
type Params struct {
	Scenario string
	Seed     uint64
	Replicas int
	Workload Workload
	Network  network.Config
	Plan     faults.Plan
	Protocol multipaxos.Config
	Client   multipaxos.ClientConfig
	Checks   Checks
	// HealAt is when the heal phase starts (the plan's heal-all), or, in
	// correctness-only mode, when the fault phase ends.
	HealAt sim.Time
}

// Params draws the run for seed. Knob choices come from a stream of their
// own, and the plan from the fault stream's seed, so that changing one
// knob's choices does not reshuffle the plan.
func (sc *Scenario) Params(seed uint64, mutant string) (Params, error) {
	if err := sc.Validate(); err != nil {
		return Params{}, err
	}
	r := sim.NewStream(seed, 0x6b6e6f62, 0, 0) // "knob"
	p := Params{
		Scenario: sc.Name,
		Seed:     seed,
		Replicas: pick(r, sc.ReplicaChoices),
		Workload: sc.Workload,
		Network:  sc.Network,
		Protocol: sc.Protocol,
		Client:   sc.Client,
		Checks:   sc.Checks,
	}
	if len(sc.KeyChoices) > 0 {
		p.Workload.Keys = pick(r, sc.KeyChoices)
	}
	if len(sc.LossChoices) > 0 {
		p.Network.LossProb = pick(r, sc.LossChoices)
	}
	if len(sc.DupChoices) > 0 {
		p.Network.DupProb = pick(r, sc.DupChoices)
	}
	if len(sc.FIFOChoices) > 0 {
		p.Network.FIFO = pick(r, sc.FIFOChoices)
	}
	p.Network.Servers = p.Replicas
	p.Protocol.N = p.Replicas
	p.Protocol.Replicas = nil
	p.Protocol.Mutant = mutant
	warmup, phase := orDefault(sc.Warmup, DefaultWarmup), orDefault(sc.Phase, DefaultPhase)
	p.HealAt = sim.Time(warmup + phase)
	gen := sc.FaultGen
	gen.Servers, gen.Nodes = p.Replicas, p.Replicas+p.Workload.Clients
	gen.Start, gen.Duration = sim.Time(warmup), phase
	if len(sc.FaultKinds) > 0 {
		gen.Kinds = sc.FaultKinds
	}
	fr := sim.NewStream(seed, 0x706c616e, 0, 0) // "plan"
	switch sc.Faults {
	case FaultsNone:
		p.Plan = faults.Plan{Name: "none"}.WithHeal(p.HealAt)
	case FaultsRandom:
		p.Plan = faults.Random(fr, gen)
	case FaultsSwarm:
		p.Plan = faults.Swarm(fr, gen)
	case FaultsNemesis:
		plan, err := faults.Nemesis(sc.Nemesis, fr, gen)
		if err != nil {
			return Params{}, err
		}
		p.Plan = plan
	}
	if at, ok := p.Plan.HealAt(); ok {
		p.HealAt = at
	}
	if p.Checks.CorrectnessOnly {
		p.Plan = withoutHeal(p.Plan)
	}
	return p, p.Validate()
}

// withoutHeal drops the trailing heal-all of a plan (correctness-only mode:
// the faults are not undone and progress is not expected).
func withoutHeal(p faults.Plan) faults.Plan {
	if _, ok := p.HealAt(); ok {
		p.Faults = p.Faults[:len(p.Faults)-1]
	}
	return p
}

// Validate reports Params that cannot run, naming the field and value: the
// checks a hand-written or shrunk run needs, since it did not come from a
// validated Scenario.
func (p *Params) Validate() error {
	var errs []error
	if p.Replicas < 1 || p.Replicas > multipaxos.MaxReplicas {
		errs = append(errs, fmt.Errorf("params: Replicas = %d: a cluster needs 1 to %d replicas", p.Replicas, multipaxos.MaxReplicas))
	}
	if err := p.Workload.Validate(); err != nil {
		errs = append(errs, err)
	}
	nodes := p.Replicas + p.Workload.Clients
	if len(errs) == 0 {
		if err := p.Network.Validate(nodes); err != nil {
			errs = append(errs, err)
		}
		if p.Network.Servers != p.Replicas {
			errs = append(errs, fmt.Errorf("params: Network.Servers = %d: must equal Replicas = %d", p.Network.Servers, p.Replicas))
		}
		if err := p.Plan.Validate(nodes, p.Replicas); err != nil {
			errs = append(errs, err)
		}
		cfg := p.Protocol
		if err := cfg.Validate(); err != nil {
			errs = append(errs, err)
		} else if cfg.N != p.Replicas {
			errs = append(errs, fmt.Errorf("params: Protocol.N = %d: must equal Replicas = %d", cfg.N, p.Replicas))
		}
	}
	if p.HealAt < 0 {
		errs = append(errs, fmt.Errorf("params: HealAt = %v: must be >= 0", p.HealAt))
	}
	return errors.Join(errs...)
}

// Knobs lists every drawn parameter, in print order.
func (p *Params) Knobs() Knobs {
	var k Knobs
	k.Add("seed", p.Seed)
	k.Add("scenario", p.Scenario)
	k.Add("replicas", p.Replicas)
	k.Add("mutant", orNone(p.Protocol.Mutant))
	k.Add("workload", p.Workload)
	k.Add("network", p.Network)
	k.Add("plan", fmt.Sprintf("%s (%d faults)", orNone(p.Plan.Name), len(p.Plan.Faults)))
	k.Add("heal_at", p.HealAt)
	k.Add("correctness_only", p.Checks.CorrectnessOnly)
	return k
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func pick[T any](r *rand.Rand, choices []T) T { return choices[r.IntN(len(choices))] }
