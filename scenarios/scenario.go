package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
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

// Scenario is data: a protocol, its config, a workload of its spec, a
// network, a fault generator, the checks and the expectations of a family
// of runs. Each seed draws one run (Params) from it. Fields holding
// choices ("...Choices") are drawn from per seed; a single choice fixes the
// knob. Zero fields take the documented defaults, which Params resolves:
// a drawn run names every value.
type Scenario struct {
	Name        string
	Description string
	// Protocol names a registered protocol (package protocol).
	Protocol string
	// Config is the protocol's config; nil means its defaults.
	Config json.RawMessage
	// ServerChoices are the cluster sizes a seed draws from, e.g. {3, 5}.
	ServerChoices []int
	// Workload is the clients' workload; a nil Workload.Spec is the
	// protocol's spec's default workload.
	Workload runner.Workload
	// Network is the base network; LossChoices and DupChoices, if set,
	// override its loss and duplication probabilities per seed,
	// FIFOChoices its FIFO flag, and InFlightChoices whether a message in
	// flight when its link is cut still arrives.
	Network         network.Config
	LossChoices     []float64
	DupChoices      []float64
	FIFOChoices     []bool
	InFlightChoices []bool
	// Faults: the mode, the kinds it may use, a nemesis name, and the
	// generator's knobs (Servers, Nodes, Start and Duration are filled in).
	Faults     FaultMode
	FaultKinds []faults.Kind
	Nemesis    string
	FaultGen   faults.GenConfig
	// Overlay, if set, lays a nemesis pattern over some seeds' faults.
	Overlay *Overlay
	// Warmup is how long the cluster runs before the first fault; Phase is
	// the length of the fault phase. Defaults 200ms and 3s.
	Warmup, Phase sim.Duration
	// Client holds the generic client's timeouts (zero fields: defaults).
	Client runner.ClientConfig
	// Checks says how runs are judged (zero fields: defaults).
	Checks runner.Checks
	// Expect lists the protocol's probes this scenario exists to exercise:
	// a sweep of at least Within seeds that never reaches one fails (a
	// "sometimes" property).
	Expect []Expectation
	// Schedule, if set, replaces the seeded default order of events in
	// every run (e.g. PCT, whose priorities each seed draws); nil: the
	// default.
	Schedule *sim.Schedule
}

// Expectation says a sweep of Within seeds or more must reach Probe at
// least once. Within is chosen from measured rates so that a correct
// protocol misses it with negligible probability (a probe reached in 5% of
// seeds is missed by 300 seeds with probability e^-15).
type Expectation struct {
	Probe  string
	Within int
}

// Defaults for zero Scenario fields.
const (
	DefaultWarmup = 200 * sim.Millisecond
	DefaultPhase  = 3 * sim.Second
	// DefaultStartAfter is the named scenarios' Workload.StartAfter: past
	// the default election timeout (at most 500ms) plus a round trip.
	DefaultStartAfter = 600 * sim.Millisecond
	// DefaultStartSpread staggers the named scenarios' clients over their
	// first 100ms, so that their first operations do not all overlap.
	DefaultStartSpread = 100 * sim.Millisecond
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
	proto, err := protocol.Lookup(sc.Protocol)
	if err != nil {
		bad("Protocol: %v", err)
		return errors.Join(errs...)
	}
	if len(sc.ServerChoices) == 0 {
		bad("ServerChoices is empty")
	}
	for _, n := range sc.ServerChoices {
		if n < 1 || n > proto.MaxServers {
			bad("ServerChoices contains %d: protocol %s runs 1 to %d servers", n, proto.Name, proto.MaxServers)
		} else if _, err := proto.Config(sc.Config, n); err != nil {
			bad("Config with %d servers: %v", n, err)
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
	if sc.Warmup < 0 || sc.Phase < 0 || sc.Warmup > runner.MaxSimulated || sc.Phase > runner.MaxSimulated {
		bad("Warmup = %v, Phase = %v: must be in [0, %v]", sc.Warmup, sc.Phase, runner.MaxSimulated)
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
	if o := sc.Overlay; o != nil {
		if o.Every < 1 {
			bad("Overlay.Every = %d: must be >= 1", o.Every)
		}
		for _, n := range o.Nemeses {
			if !slices.Contains(faults.Nemeses(), n) {
				bad("Overlay nemesis %q: unknown (have %s)", n, strings.Join(faults.Nemeses(), ", "))
			}
		}
	}
	probes := proto.ProbeNames()
	for _, e := range sc.Expect {
		if !slices.Contains(probes, e.Probe) {
			bad("Expect contains %q: protocol %s has no such probe (have %s)", e.Probe, proto.Name, strings.Join(probes, ", "))
		}
		if e.Within < 1 {
			bad("Expect %q: Within = %d: must be >= 1", e.Probe, e.Within)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// The rest is what a drawn run checks; a sample draw names it.
	p, err := sc.resolve(sc.ServerChoices[0], "")
	if err != nil {
		bad("%v", err)
	} else {
		w := p.Workload
		if err := (&runner.Params{Schema: runner.Schema, Protocol: proto.Name, Servers: p.Servers, Config: p.Config,
			Workload: w, Client: p.Client, Checks: p.Checks, Network: p.Network, Plan: faults.Plan{Name: "none"}}).Validate(); err != nil {
			bad("%v", err)
		}
	}
	return errors.Join(errs...)
}

func maxNodes(sc *Scenario) int {
	m := 0
	for _, n := range sc.ServerChoices {
		m = max(m, n)
	}
	return m + sc.Workload.Clients
}

// resolve fills in everything of a run but the seed's draws: the protocol
// and workload configs and the defaults.
func (sc *Scenario) resolve(servers int, mutant string) (runner.Params, error) {
	proto, err := protocol.Lookup(sc.Protocol)
	if err != nil {
		return runner.Params{}, err
	}
	sp, err := spec.Lookup(proto.Spec)
	if err != nil {
		return runner.Params{}, err
	}
	cfg, err := proto.Config(sc.Config, servers)
	if err != nil {
		return runner.Params{}, err
	}
	wl, err := sp.Workload(sc.Workload.Spec)
	if err != nil {
		return runner.Params{}, err
	}
	p := runner.Params{
		Schema:   runner.Schema,
		Scenario: sc.Name,
		Protocol: proto.Name,
		Mutant:   mutant,
		Servers:  servers,
		Config:   cfg,
		Workload: sc.Workload,
		Network:  sc.Network,
		Client:   sc.Client,
		Checks:   sc.Checks,
	}
	p.Workload.Spec = wl.Config()
	p.Network.Servers = servers
	if sc.Schedule != nil {
		sched := *sc.Schedule
		p.Schedule = &sched
	}
	def := runner.DefaultClient()
	p.Client.RequestTimeout = orDefault(p.Client.RequestTimeout, def.RequestTimeout)
	p.Client.RedirectBackoff = orDefault(p.Client.RedirectBackoff, def.RedirectBackoff)
	dc := runner.DefaultChecks()
	p.Checks.CheckBudget = orDefault(p.Checks.CheckBudget, dc.CheckBudget)
	p.Checks.Liveness = orDefault(p.Checks.Liveness, dc.Liveness)
	p.Checks.InvariantEvery = orDefault(p.Checks.InvariantEvery, dc.InvariantEvery)
	return p, nil
}

// Params draws the run for seed, with every value resolved. Knob choices
// come from a stream of their own, and the plan from the fault stream's
// seed, so that changing one knob's choices does not reshuffle the plan.
func (sc *Scenario) Params(seed uint64, mutant string) (runner.Params, error) {
	if err := sc.Validate(); err != nil {
		return runner.Params{}, err
	}
	proto, _ := protocol.Lookup(sc.Protocol)
	if err := proto.CheckMutant(mutant); err != nil {
		return runner.Params{}, err
	}
	r := sim.NewStream(seed, 0x6b6e6f62, 0, 0) // "knob"
	p, err := sc.resolve(pick(r, sc.ServerChoices), mutant)
	if err != nil {
		return runner.Params{}, err
	}
	p.Seed = seed
	if len(sc.LossChoices) > 0 {
		p.Network.LossProb = pick(r, sc.LossChoices)
	}
	if len(sc.DupChoices) > 0 {
		p.Network.DupProb = pick(r, sc.DupChoices)
	}
	if len(sc.FIFOChoices) > 0 {
		p.Network.FIFO = pick(r, sc.FIFOChoices)
	}
	if len(sc.InFlightChoices) > 0 {
		p.Network.InFlightSurvivesCut = pick(r, sc.InFlightChoices)
	}
	warmup, phase := orDefault(sc.Warmup, DefaultWarmup), orDefault(sc.Phase, DefaultPhase)
	p.HealAt = sim.Time(warmup + phase)
	gen := sc.FaultGen
	gen.Servers, gen.Nodes = p.Servers, p.Servers+p.Workload.Clients
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
			return runner.Params{}, err
		}
		p.Plan = plan
	}
	if p.Plan, err = sc.Overlay.apply(seed, p.Plan, gen); err != nil {
		return runner.Params{}, err
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

// Knobs lists every drawn parameter of a run, in print order.
func Knobs(p *runner.Params) KnobList {
	var k KnobList
	k.Add("seed", p.Seed)
	k.Add("scenario", p.Scenario)
	k.Add("protocol", p.Protocol)
	k.Add("servers", p.Servers)
	k.Add("mutant", orNone(p.Mutant))
	k.Add("config", string(p.Config))
	k.Add("workload", workloadString(p))
	k.Add("network", p.Network)
	k.Add("plan", fmt.Sprintf("%s (%d faults)", orNone(p.Plan.Name), len(p.Plan.Faults)))
	k.Add("heal_at", p.HealAt)
	k.Add("correctness_only", p.Checks.CorrectnessOnly)
	return k
}

func workloadString(p *runner.Params) string {
	w := p.Workload
	s := fmt.Sprintf("clients=%d ops/client=%d think=[%v,%v] start=%v+[0,%v)", w.Clients, w.Ops, w.ThinkMin, w.ThinkMax, w.StartAfter, w.StartSpread)
	if proto, err := protocol.Lookup(p.Protocol); err == nil {
		if sp, err := spec.Lookup(proto.Spec); err == nil {
			if wl, err := sp.Workload(w.Spec); err == nil {
				return s + " " + sp.Name() + ":" + wl.String()
			}
		}
	}
	return s + " spec=" + string(w.Spec)
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
