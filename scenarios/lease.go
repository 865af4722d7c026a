package scenarios

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec/kv"
)

// Clock bounds. A protocol whose safety rests on timing declares the bound
// on server clocks it assumes (clockBounds, from its resolved config). The
// harness holds it to both sides of that bound:
//
//   - every scenario run against the protocol draws its clock faults within
//     the bound (LookupFor calls bindLease, which calls boundClocks: the
//     fault generator's SkewMax and DriftMax come from
//     faults.ClockBound.Within), so a failure there is the protocol's
//     fault;
//   - the scenarios in ownClocks draw their clocks themselves:
//     lease-beyond-bound exceeds the bound on purpose, and a protocol whose
//     reads trust its clocks must fail there, with a report whose clock
//     section (ClockReport) says which server's clock left the bound, by
//     how much, against what bound; lease-unsynced starts clocks apart but
//     never steps them (no heal phase), which is within the bound.

// clockBounds maps a protocol to the clock bound its resolved config
// declares.
var clockBounds = map[string]func(resolved json.RawMessage) (faults.ClockBound, error){}

// ownClocks are the scenarios whose clock faults boundClocks leaves alone,
// by base name, with whether they stay within the bound.
var ownClocks = map[string]bool{
	"lease-beyond-bound": false,
	"lease-unsynced":     true,
}

// ClockBoundOf returns the clock bound a run's protocol declares, and false
// if it declares none.
func ClockBoundOf(protocolName string, resolved json.RawMessage) (faults.ClockBound, bool, error) {
	declare, ok := clockBounds[protocolName]
	if !ok {
		return faults.ClockBound{}, false, nil
	}
	b, err := declare(resolved)
	return b, err == nil, err
}

// WithinClockBound reports whether the scenario's clock faults are meant
// to stay within its protocol's declared bound (every scenario but those
// that exceed it on purpose).
func WithinClockBound(name string) bool {
	within, own := ownClocks[baseName(name)]
	return !own || within
}

// boundClocks holds sc's clock faults to the bound its protocol declares
// (with the protocol's default config, as sc.Config resolves it for its
// first cluster size): it lowers the generator's SkewMax and DriftMax to
// what faults.ClockBound.Within allows over the scenario's phase; for
// lease-unsynced, whose skews are the clocks' initial states, the drift
// only.
func boundClocks(sc *Scenario) error {
	within, own := ownClocks[baseName(sc.Name)]
	if own && !within {
		return nil
	}
	proto, err := protocol.Lookup(sc.Protocol)
	if err != nil || len(sc.ServerChoices) == 0 {
		return err
	}
	resolved, err := proto.Config(sc.Config, sc.ServerChoices[0])
	if err != nil {
		return nil // Validate reports it, naming the field
	}
	bound, ok, err := ClockBoundOf(sc.Protocol, resolved)
	if err != nil || !ok {
		return err
	}
	gen := sc.FaultGen
	gen.Start, gen.Duration = sim.Time(orDefault(sc.Warmup, DefaultWarmup)), orDefault(sc.Phase, DefaultPhase)
	bounded, err := bound.Within(gen)
	if err != nil {
		return fmt.Errorf("scenario %q: protocol %s declares clocks within %s: %v", sc.Name, sc.Protocol, bound, err)
	}
	if sc.FaultGen.DriftMax <= 0 || sc.FaultGen.DriftMax > bounded.DriftMax {
		sc.FaultGen.DriftMax = bounded.DriftMax
	}
	if own {
		return nil // its skews set clocks apart once, at the start: not steps
	}
	if sc.FaultGen.SkewMax <= 0 || sc.FaultGen.SkewMax > bounded.SkewMax {
		sc.FaultGen.SkewMax = bounded.SkewMax
	}
	return nil
}

// ClockReport is the clock section of a failure report for a protocol that
// declares a clock bound: the bound, and every server clock the run's plan
// took beyond it ("" for a protocol that declares none).
func ClockReport(res *Result) string {
	p := &res.Params
	bound, ok, err := ClockBoundOf(p.Protocol, p.Config)
	if err != nil {
		return "--- clock bound\n" + err.Error() + "\n"
	}
	if !ok {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--- clock bound\nprotocol %s declares every server clock within %s of true time over any interval\n", p.Protocol, bound)
	excess := bound.Check(p.Plan, p.Servers, max(res.SimTime, p.HealAt), clockRoles(res))
	if len(excess) == 0 {
		b.WriteString("this run's clocks stayed within it\n")
		return b.String()
	}
	b.WriteString("this run's clocks left it:\n")
	for _, e := range excess {
		b.WriteString("  " + e.String() + "\n")
	}
	return b.String()
}

// clockRoles says which server each clock fault aimed at a role hit (-1:
// not a role's, or skipped), from what the injector recorded as the faults
// fired (Result.Faults, roles resolved). A result without them (a failure
// before the run started) leaves every role unresolved, which Check treats
// conservatively.
func clockRoles(res *Result) []sim.NodeID {
	p := &res.Params
	out := make([]sim.NodeID, len(p.Plan.Faults))
	for i := range out {
		out[i] = -1
	}
	for _, f := range res.Faults {
		if f.End || f.NoEffect || f.Fault < 0 || f.Fault >= len(out) || len(f.Nodes) != 1 {
			continue
		}
		if pf := p.Plan.Faults[f.Fault]; pf.Kind == faults.KindClock && pf.Role != faults.RoleNone {
			out[f.Fault] = f.Nodes[0]
		}
	}
	return out
}

// MultiPaxos with leader leases: its clock bound, expectations, mutant
// targets and the scenarios of its bound.
func init() {
	builtin[multipaxos.LeaseName] = true
	clockBounds[multipaxos.LeaseName] = multipaxos.LeaseBound
	expectations[multipaxos.LeaseName] = leaseExpectations()
	mutantTargets = append(mutantTargets, leaseMutantTargets...)
	for _, sc := range []*Scenario{leaseReads(), leaseRestarts(), leaseIsolatedRestarts(), leaseBeyondBound(), leaseUnsynced()} {
		for _, v := range withSizes(sc) {
			registry[v.Name] = v
		}
	}
}

// leaseExpectations are multipaxos's, with the lease probes where the
// scenarios exist to reach them. Each window n comes from the share of
// seeds that reach the probe, measured over 1,500 seeds (9000001..9001500),
// so that a correct protocol misses it with probability below 1e-9:
// n >= 20.7 / -ln(1 - share), at least 20. Measured shares: local reads
// 1.0 everywhere; lease-wait 0.46 (clocks, n=40), 0.72 (chaos), 0.97
// (lease-reads), 0.91 (lease-restarts), 1.0 (lease-unsynced,
// lease-isolated-restarts, whose disk recovery is 1.0 too);
// lease-expired-read 0.14 (clocks, n=140), 0.037 (chaos, n=560), 0.81
// (lease-reads), 0.94 (lease-unsynced), 0.01 (lease-restarts: not
// expected).
func leaseExpectations() map[string][]Expectation {
	out := map[string][]Expectation{}
	for name, e := range expectations[multipaxos.Name] {
		out[name] = append([]Expectation(nil), e...)
	}
	read, wait, expired := multipaxos.ProbeLeaseRead, multipaxos.ProbeLeaseWait, multipaxos.ProbeLeaseExpiredRead
	out["calm"] = append(out["calm"], expect(20, read)...)
	out["clocks"] = append(append(append(out["clocks"], expect(20, read)...), expect(40, wait)...), expect(140, expired)...)
	out["chaos"] = append(append(out["chaos"], expect(20, read, wait)...), expect(560, expired)...)
	out["lease-reads"] = expect(20, multipaxos.ProbeLeaderChange, read, expired, wait)
	out["lease-restarts"] = expect(20, multipaxos.ProbeLeaderChange, read, wait)
	out["lease-isolated-restarts"] = expect(20, multipaxos.ProbeLeaderChange, multipaxos.ProbeDiskRecovery, read, wait)
	out["lease-unsynced"] = expect(20, multipaxos.ProbeLeaderChange, read, expired, wait)
	return out
}

// readMostly is the lease scenarios' workload for a KV protocol: the
// default clients, 90% reads of two keys, which is what leases are for,
// and what keeps clients reading from a deposed leader (a client moves on
// from a server only when an operation there stalls, and a read served
// under a lease never does). Scenarios are protocol-free: run against a
// protocol of another spec, they keep that spec's default mix
// (bindLease).
var readMostly = map[string]json.RawMessage{kv.Name: json.RawMessage(`{"keys":2,"get":18,"put":1,"append":1}`)}

// leaseScenarios are the scenarios with read-mostly clients, by base name.
var leaseScenarios = map[string]bool{"lease-reads": true, "lease-restarts": true, "lease-isolated-restarts": true, "lease-beyond-bound": true, "lease-unsynced": true}

// bindLease binds a scenario to its protocol's side of leases: its
// declared clock bound (boundClocks) and, for the lease scenarios, the
// read-mostly mix of the protocol's spec.
func bindLease(sc *Scenario) error {
	if leaseScenarios[baseName(sc.Name)] && sc.Workload.Spec == nil {
		if proto, err := protocol.Lookup(sc.Protocol); err == nil {
			sc.Workload.Spec = readMostly[proto.Spec]
		}
	}
	return boundClocks(sc)
}

// leaseReads is the lease's own scenario, within its bound: read-mostly
// clients, the leader isolated from the other servers (not from clients)
// for 1..4s at a time, its clock set back and slowed and another server's
// set ahead and sped up, as far as the protocol's declared bound allows
// (boundClocks).
func leaseReads() *Scenario {
	return &Scenario{
		Name:          "lease-reads",
		Description:   "read-mostly clients, the leader isolated from the other servers (not from clients) for seconds, clocks pushed to the edge of the protocol's declared bound",
		ServerChoices: []int{3, 5},
		Workload:      defaultWorkload(),
		Network:       network.Unordered(),
		Faults:        FaultsNemesis,
		Nemesis:       "drifting-leader-isolation",
		FaultGen:      faults.GenConfig{Rate: 0.5},
		Phase:         5 * sim.Second,
	}
}

// leaseIsolatedRestarts isolates the leader from the other servers (not
// from clients) and then crashes a random majority at once, each restarting
// within 100ms, again and again: when the majority is the other servers,
// they elect a new leader among replicas that have just restarted while
// the isolated one still trusts the grants they made before the crash.
func leaseIsolatedRestarts() *Scenario {
	return &Scenario{
		Name:          "lease-isolated-restarts",
		Description:   "read-mostly clients, the leader isolated from the other servers (not from clients), then a random majority crashed and restarted at once, repeatedly",
		ServerChoices: []int{3, 5},
		Workload:      defaultWorkload(),
		Network:       network.Unordered(),
		Faults:        FaultsNemesis,
		Nemesis:       "leader-isolation-restarts",
		FaultGen:      faults.GenConfig{Rate: 1, MajorityDown: true},
		Phase:         5 * sim.Second,
	}
}

// leaseBeyondBound is lease-reads with clocks far beyond any lease's bound:
// the isolated leader's clock runs 40% slow, another server's 40% fast,
// so the deposed leader's lease outlives, in true time, the grants behind
// it, and a new leader commits writes while the old one still serves reads.
func leaseBeyondBound() *Scenario {
	sc := leaseReads()
	sc.Name = "lease-beyond-bound"
	sc.Description = "lease-reads with clocks far beyond a lease's drift bound (drift ±40%): " +
		"a protocol whose reads trust its clocks is expected to fail here, with a stale read"
	sc.FaultGen = faults.GenConfig{Rate: 0.5, DriftMax: 400_000, SkewMax: sim.Millisecond}
	return sc
}

// leaseUnsynced starts the clocks up to 2s apart (and drifting within the
// default bound) and isolates the leader again and again; no clock is set
// after the start and there is no heal phase (which would step every
// clock back to true time), so only safety is checked. Clocks that
// disagree are within any bound on drift and steps: a protocol that
// measures only durations on one clock is unaffected; one that compares
// two servers' readings is not.
func leaseUnsynced() *Scenario {
	sc := leaseReads()
	sc.Name = "lease-unsynced"
	sc.Description = "correctness only: read-mostly clients, clocks that start up to 2s apart and never step, and the leader isolated from the other servers again and again"
	sc.Nemesis = "unsynced-leader-isolation"
	sc.FaultGen = faults.GenConfig{Rate: 1, DriftMax: multipaxos.DefaultDriftBoundPPM, SkewMax: 2 * sim.Second}
	sc.Phase = 8 * sim.Second
	sc.Checks = Checks{CorrectnessOnly: true}
	return sc
}

// leaseRestarts crashes servers, the leader among them, and restarts them
// within a lease's duration (down for at most 300ms), under read-mostly
// clients: a restarted replica that still believed in its lease would
// answer them from a state rebuilt from nothing.
func leaseRestarts() *Scenario {
	return &Scenario{
		Name:          "lease-restarts",
		Description:   "read-mostly clients, crashes (the leader's among them) and restarts within a lease's duration, disk loss and torn unsynced writes",
		ServerChoices: []int{3, 5},
		Workload:      defaultWorkload(),
		Network:       network.Unordered(),
		Faults:        FaultsRandom,
		FaultKinds:    []faults.Kind{faults.KindCrash, faults.KindRestart},
		FaultGen:      faults.GenConfig{MajorityDown: true, DownMax: 300 * sim.Millisecond},
	}
}

// leaseMutantTargets come from measurement (TestLeaseMutantRates): each
// lease mutant swept over the lease scenarios (3 and 5 servers), chaos-3
// and clocks-3, 500 seeds each (seeds 7000001..7000500): the share of
// failing seeds and, in brackets, the most seeds it took to reach the next
// failure. Every catch was by the linearizability check (a stale read):
//
//	lease-no-drift-margin             lease-reads-3              27.8% [14]  (lease-reads-5 27.8%; 0 elsewhere)
//	lease-from-send-time              lease-unsynced-3           15.6% [30]  (lease-unsynced-5 13%; 0 where clocks start together)
//	lease-new-leader-no-wait          lease-reads-3              75.8% [5]   (lease-unsynced 84-93%, lease-isolated-restarts 37-50%, chaos-3 0.2%)
//	lease-survives-restart            lease-restarts-3           13.8% [26]  (lease-isolated-restarts 2-4%, chaos-3 1.4%, lease-restarts-5 1.8%)
//	lease-grant-forgotten-on-restart  lease-isolated-restarts-3  36.6% [10]  (lease-isolated-restarts-5 10%; 0 elsewhere)
//
// Budgets are at least five times the worst detection and large enough
// that an escape has probability (1-Rate)^Budget < 1e-15.
var leaseMutantTargets = []MutantTarget{
	{Protocol: multipaxos.LeaseName, Mutant: "lease-no-drift-margin", Scenario: "lease-reads-3", Budget: 150, Rate: 0.278},
	{Protocol: multipaxos.LeaseName, Mutant: "lease-from-send-time", Scenario: "lease-unsynced-3", Budget: 250, Rate: 0.156},
	{Protocol: multipaxos.LeaseName, Mutant: "lease-new-leader-no-wait", Scenario: "lease-reads-3", Budget: 50, Rate: 0.758},
	{Protocol: multipaxos.LeaseName, Mutant: "lease-survives-restart", Scenario: "lease-restarts-3", Budget: 250, Rate: 0.138},
	{Protocol: multipaxos.LeaseName, Mutant: "lease-grant-forgotten-on-restart", Scenario: "lease-isolated-restarts-3", Budget: 100, Rate: 0.366},
}
