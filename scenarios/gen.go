package scenarios

import (
	"slices"

	"pgregory.net/rapid"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// RunGenScenario is the Scenario name of runs drawn by RunGen. It is not in
// the registry: a drawn run replays from its saved Params (-plan=FILE), not
// from a seed.
const RunGenScenario = "rapid"

// The discrete choices RunGen draws from. Index 0 of each is the simplest
// choice, because rapid shrinks every number towards 0: a shrunk run says
// "even on a FIFO network without loss", not "on some network".
var (
	genServers = []int{3, 5}
	// genThinks are think-time ranges: the named scenarios' first, which
	// spreads even a few operations over the first faults (so that a
	// shrunk run still has faults that matter), then short and none.
	genThinks = [][2]sim.Duration{{30 * sim.Millisecond, 130 * sim.Millisecond}, {0, 10 * sim.Millisecond}, {0, 0}}
	// genLatencies are latency profiles: the named networks' plus a slow
	// one whose latency is comparable to the heartbeat interval.
	genLatencies = []network.Config{
		network.Reliable(),
		network.Unordered(),
		{LatencyMin: 5 * sim.Millisecond, LatencyJitter: 20 * sim.Millisecond, TailProb: 0.05, TailMax: 300 * sim.Millisecond},
	}
	genLoss = []float64{0, 0.01, 0.05, 0.1}
	genDup  = []float64{0, 0.01, 0.05}
	genFIFO = []bool{true, false}
)

// Bounds of RunGen's draws.
const (
	genClientsMax = 5
	genOpsMax     = 40 // per client
	// genRate is the fault rate of the plans, in faults per second: gaps
	// between faults are drawn from [0, 2/genRate]. Measured over 1000
	// drawn runs per rate (1, 2, 4, 8, 16), 1 and 2 find the mutants most
	// often; 2 gives shorter runs.
	genRate = 2
)

// RunGen is a rapid generator of whole runs of the named protocol with the
// given mutant ("" is the correct protocol): the cluster size, the
// workload (clients, operations, one of the spec's workload Variants, think
// time), the network, a fault plan (faults.PlanGen) and the seed of the
// low-level noise the kernel draws as the run goes. Every Params it draws
// validates, with the default checks (a short check bound) and HealAt at
// the plan's heal-all. It panics for an unknown protocol or mutant (a
// programming error in the property).
//
// The draws come in order of importance, and each maps 0 to its simplest
// choice, because rapid shrinks towards earlier, smaller numbers: first
// the cluster size (3 before 5), then the clients, the operations per
// client, the spec's workload variant and the think time, then the network
// (latency profile, loss, duplication, FIFO), then the plan (which shrinks
// by deleting faults, pulling them earlier and shortening them), and the
// noise seed last. A shrunk counterexample is therefore a small cluster, a
// few operations and a few faults.
//
// It is also what FuzzCluster decodes the fuzzer's bytes with, so that
// coverage-guided fuzzing explores the same space.
func RunGen(protocolName, mutant string) *rapid.Generator[Params] {
	proto, err := protocol.Lookup(protocolName)
	if err != nil {
		panic(err)
	}
	if err := proto.CheckMutant(mutant); err != nil {
		panic(err)
	}
	sp, err := spec.Lookup(proto.Spec)
	if err != nil {
		panic(err)
	}
	variants := sp.Variants()
	var sizes []int
	for _, n := range genServers {
		if n <= proto.MaxServers {
			sizes = append(sizes, n)
		}
	}
	if len(sizes) == 0 {
		sizes = []int{proto.MaxServers}
	}
	return rapid.Custom(func(t *rapid.T) Params {
		servers := sizes[rapid.IntRange(0, len(sizes)-1).Draw(t, "servers")]
		w := Workload{
			Clients: rapid.IntRange(1, genClientsMax).Draw(t, "clients"),
			Ops:     rapid.IntRange(1, genOpsMax).Draw(t, "ops"),
			// Not drawn: clients that start during the first election make
			// histories the checker cannot settle (see Workload.StartAfter).
			StartAfter:  DefaultStartAfter,
			StartSpread: DefaultStartSpread,
		}
		w.Spec = variants[rapid.IntRange(0, len(variants)-1).Draw(t, "workload")]
		think := genThinks[rapid.IntRange(0, len(genThinks)-1).Draw(t, "think")]
		w.ThinkMin, w.ThinkMax = think[0], think[1]

		net := genLatencies[rapid.IntRange(0, len(genLatencies)-1).Draw(t, "latency")]
		net.LossProb = genLoss[rapid.IntRange(0, len(genLoss)-1).Draw(t, "loss")]
		net.DupProb = genDup[rapid.IntRange(0, len(genDup)-1).Draw(t, "dup")]
		net.FIFO = genFIFO[rapid.IntRange(0, len(genFIFO)-1).Draw(t, "fifo")]
		net.Servers = servers

		// The same fault model as the chaos scenario: every kind, a
		// majority may be down, crashed servers come back within 800ms.
		gen := faults.GenConfig{
			Start:        sim.Time(DefaultWarmup),
			Duration:     DefaultPhase,
			Rate:         genRate,
			MajorityDown: true,
			DownMax:      800 * sim.Millisecond,
		}
		plan := faults.PlanGen(servers+w.Clients, servers, gen).Draw(t, "plan")
		healAt, _ := plan.HealAt() // PlanGen always ends with a heal-all

		cfg, err := proto.Config(nil, servers)
		if err != nil {
			panic(err)
		}
		checks := runner.DefaultChecks()
		checks.CheckBudget = GenCheckBudget
		return Params{
			Schema:   runner.Schema,
			Scenario: RunGenScenario,
			Seed:     rapid.Uint64().Draw(t, "seed"),
			Protocol: proto.Name,
			Mutant:   mutant,
			Servers:  servers,
			Config:   cfg,
			Workload: w,
			Client:   runner.DefaultClient(),
			Network:  net,
			Plan:     plan,
			Checks:   checks,
			HealAt:   healAt,
		}
	})
}

// GenCheckBudget bounds the linearizability search of a drawn run. The KV
// workloads are judged by the exact checker, which needs no bound; a spec
// without one may reach histories (one key, no think time, a long latency
// tail) that porcupine cannot settle in minutes, although they are
// linearizable. The properties treat such a run as inconclusive (see
// paxossimtest.Property), so a small budget keeps them from spending their
// time there.
const GenCheckBudget = 2_000_000

// minimizeRunsMax bounds the runs MinimizeParams may spend.
const minimizeRunsMax = 1000

// MinimizeParams shrinks a failing run further, in the space of Params:
// where rapid shrinks the numbers RunGen drew (and deleting a fault there
// moves every later fault, whose times are gaps), this pass deletes faults
// at their absolute times (one at a time, then in pairs), halves and
// decrements the operations per client, removes clients, starts the
// clients later and lets them think longer (so that fewer operations fill
// the time before the bug shows), takes the spec's simpler workloads
// (fewer keys), tries 3 servers instead of 5, and turns off loss and
// duplication, keeping each change with which the run still fails the same
// way. When no change fails any more, it gives each workload change a few
// other noise seeds (a smaller run draws every later latency and timeout
// differently, so the same bug may need another schedule to show).
// Measured on the first failure of every mutant of every protocol in its
// own scenario, and of the MultiPaxos and Paxos mutants in chaos: all but
// one shrink to at most 20 operations and 4 faults, most to a few
// operations and one fault (follower-reapplies-duplicates' first chaos
// failure stops at 48 operations; the next three bases' at 2 to 12).
// fails runs a candidate and reports that;
// invalid candidates (a restart whose crash was deleted, a fault naming a
// removed node) are skipped. It is deterministic, spends at most
// minimizeRunsMax runs, and returns the smallest run found and the runs
// spent.
func MinimizeParams(p Params, fails func(Params) bool) (Params, int) {
	runs := 0
	try := func(c Params) bool {
		if runs >= minimizeRunsMax || c.Validate() != nil {
			return false
		}
		runs++
		return fails(c)
	}
	for improved := true; improved; {
		improved = false
		for _, c := range minimizeCandidates(p) {
			if try(c) {
				p, improved = c, true
				break
			}
		}
		if improved {
			continue
		}
		// No simplification fails with this noise seed. A smaller run
		// draws every later latency and timeout differently, so the same
		// bug may need another schedule to show: try each workload
		// simplification under a few other noise seeds too.
		for _, c := range minimizeCandidates(p) {
			if sameWorkload(c.Workload, p.Workload) && c.Servers == p.Servers {
				continue // a fault or network change: the schedule is the point
			}
			for k := uint64(1); k <= minimizeReseeds; k++ {
				c.Seed = p.Seed + k
				if try(c) {
					p, improved = c, true
					break
				}
			}
			if improved {
				break
			}
		}
	}
	return p, runs
}

// sameWorkload reports whether two workloads are the same.
func sameWorkload(a, b runner.Workload) bool {
	return a.Clients == b.Clients && a.Ops == b.Ops && a.ThinkMin == b.ThinkMin && a.ThinkMax == b.ThinkMax &&
		a.StartAfter == b.StartAfter && a.StartSpread == b.StartSpread && string(a.Spec) == string(b.Spec)
}

// maxShrinkThink caps the think time MinimizeParams tries: past it, a
// client waits longer than the scenarios' fault phases last.
const maxShrinkThink = 500 * sim.Millisecond

// minimizeReseeds is how many other noise seeds MinimizeParams gives a
// workload simplification that did not fail under the run's own.
const minimizeReseeds = 10

// minimizeCandidates lists the one-step simplifications of p, the most
// valuable first.
func minimizeCandidates(p Params) []Params {
	var out []Params
	with := func(change func(*Params)) {
		c := p
		c.Plan.Faults = slices.Clone(p.Plan.Faults)
		change(&c)
		out = append(out, c)
	}
	if proto, err := protocol.Lookup(p.Protocol); err == nil && p.Servers > 3 {
		if cfg, err := proto.Config(p.Config, 3); err == nil {
			with(func(c *Params) { c.Servers, c.Network.Servers, c.Config = 3, 3, cfg })
		}
	}
	for i, f := range p.Plan.Faults {
		if f.Kind != faults.KindHealAll {
			with(func(c *Params) { c.Plan.Faults = slices.Delete(c.Plan.Faults, i, i+1) })
		}
	}
	// Pairs: a crash cannot go without its restart, nor a restart
	// without its crash.
	for i, f := range p.Plan.Faults {
		for j := i + 1; j < len(p.Plan.Faults) && f.Kind != faults.KindHealAll; j++ {
			if p.Plan.Faults[j].Kind != faults.KindHealAll {
				with(func(c *Params) { c.Plan.Faults = slices.Delete(slices.Delete(c.Plan.Faults, j, j+1), i, i+1) })
			}
		}
	}
	if p.Workload.Clients > 1 {
		with(func(c *Params) { c.Workload.Clients-- })
	}
	for _, ops := range []int{p.Workload.Ops / 2, p.Workload.Ops - 1} {
		if ops >= 1 && ops < p.Workload.Ops {
			with(func(c *Params) { c.Workload.Ops = ops })
		}
	}
	// Fewer operations before the failure: clients that start later, and
	// that think longer between operations, reach the moment the bug
	// shows with fewer operations behind them, which the cuts above then
	// remove. A bug that needs time to pass (a lease that must run out,
	// a clock that must drift) keeps its clients busy with operations that
	// only fill that time.
	if heal := sim.Duration(p.HealAt); heal > p.Workload.StartAfter {
		for _, frac := range []sim.Duration{2, 4, 8, 16} {
			if d := (heal - p.Workload.StartAfter) / frac; d >= sim.Millisecond {
				with(func(c *Params) { c.Workload.StartAfter += d })
			}
		}
	}
	if p.Workload.ThinkMax < maxShrinkThink {
		with(func(c *Params) {
			c.Workload.ThinkMin = min(2*c.Workload.ThinkMin+sim.Millisecond, maxShrinkThink)
			c.Workload.ThinkMax = min(2*c.Workload.ThinkMax+sim.Millisecond, maxShrinkThink)
		})
	}
	if proto, err := protocol.Lookup(p.Protocol); err == nil {
		if sp, err := spec.Lookup(proto.Spec); err == nil {
			if wl, err := sp.Workload(p.Workload.Spec); err == nil {
				for _, simpler := range wl.Simpler() {
					with(func(c *Params) { c.Workload.Spec = simpler })
				}
			}
		}
	}
	if p.Network.LossProb > 0 {
		with(func(c *Params) { c.Network.LossProb = 0 })
	}
	if p.Network.DupProb > 0 {
		with(func(c *Params) { c.Network.DupProb = 0 })
	}
	return out
}
