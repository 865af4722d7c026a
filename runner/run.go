// Package runner is paxossim's deterministic run path: one run of one
// protocol, from fully drawn Params to a Result. It wires the kernel, the
// network, the fault injector, the protocol's servers and the generic
// clients; records the client history at true simulated time; checks the
// safety invariants after every step through the protocol's views; and
// checks liveness after the heal phase. It knows no protocol by name: it
// finds one in the registry (package protocol) by Params.Protocol.
//
// Everything here runs inside a simulation and obeys its rules, which the
// determinism linter enforces (make lint): no goroutines, channels, wall
// clock, global randomness, or map order that reaches behaviour. Judging
// the history against the spec (a wall-time bounded search today), sweeps,
// reports and artifacts live in package scenarios.
package runner

import (
	"fmt"
	"io"
	"math/rand/v2"
	"sort"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// Check names a check that can fail a run.
type Check string

// The checks. Each failure names exactly one.
const (
	CheckLinearizability Check = "linearizability"
	CheckAgreement       Check = "agreement"
	CheckStability       Check = "stability"
	CheckPrefix          Check = "prefix-execution"
	CheckDivergence      Check = "divergence"
	CheckChosen          Check = "chosen"
	CheckPromise         Check = "promise-monotonic"
	CheckLayer           Check = "layer"
	CheckLiveness        Check = "no-progress"
	CheckBudgetSteps     Check = "budget-steps"
	CheckBudgetTime      Check = "budget-time"
	CheckPanic           Check = "panic"
	CheckUnknown         Check = "check-unknown"
	CheckDeterminism     Check = "determinism"
	CheckSetup           Check = "setup"
)

// Failure is the first check a run failed and the first offending fact.
type Failure struct {
	Check Check
	Fact  string
}

func (f *Failure) Error() string { return string(f.Check) + ": " + f.Fact }

// Options are the knobs of one execution that are not part of the run's
// world: they never change the trace hash.
type Options struct {
	// Trace receives every trace line.
	Trace io.Writer
	// TraceTail keeps the last TraceTail lines for the report.
	TraceTail int
	// Checked turns on the kernel's message-mutation check.
	Checked bool
	// StepsMax overrides the kernel's step budget (0: the kernel's default).
	StepsMax int64
	// ValueDigest digests the operations' inputs and outputs for
	// World.HistoryDigest (World only; nil: the package's ValueDigest). It
	// must be a pure function that tells apart the values ValueDigest
	// tells apart: a driver that digests many worlds' histories passes
	// one that caches what it digested.
	ValueDigest func(any) uint64
	// DiscardLayers drains the servers' layer events without recording
	// the layer histories (World only): a driver that neither checks them
	// nor tells states apart by them (an exhaustive search with
	// explore.Config.NoLayers) then copies no growing histories with each
	// world. An event of a layer the protocol does not declare still
	// fails the run.
	DiscardLayers bool
	// withoutVoteChecks leaves the chosen and divergence checks out. Only
	// the benchmark that measures what they cost sets it (export_test.go):
	// no run a person makes can turn a check off.
	withoutVoteChecks bool
}

// Result is what a simulation produced and how its servers and liveness
// were judged.
type Result struct {
	Params  Params
	Hash    uint64 // the trace hash
	Events  uint64
	Steps   int64
	SimTime sim.Time
	Outcome sim.Outcome
	Kernel  sim.Stats
	Net     network.LinkStats
	// History is the client history (operations of unknown outcome open
	// to its end).
	History []spec.Operation
	// Layers holds a history per layer of a protocol that declares
	// layers (layers.go), in the protocol's order.
	Layers []LayerHistory
	// Faults is what the fault injector did, roles resolved to nodes.
	Faults []faults.Firing
	// Ops and Completed count client operations invoked and answered.
	Ops, Completed int
	Coverage       Coverage
	// Failure is nil when every check passed.
	Failure *Failure
	// PanicStack is the stack of a caught panic.
	PanicStack string
	// TraceTail holds the last Options.TraceTail trace lines.
	TraceTail []string
}

// livenessTick is how often, in simulated time, the runner looks at open
// operations and finished clients. It bounds how late a stall is noticed
// and how long a run goes on after its last operation.
const livenessTick = 10 * sim.Millisecond

// timeSlack bounds a run's simulated time past the liveness bound: with a
// live protocol every client finishes long before; a run that reaches it
// fails with budget-time.
const timeSlack = 120 * sim.Second

// Simulate executes one fully drawn run. It never panics: bad params, a
// protocol that panics and a budget that runs out are all failures of the
// run.
func Simulate(p Params, opts Options) Result {
	res := Result{Params: p}
	if err := p.Validate(); err != nil {
		res.Failure = &Failure{Check: CheckSetup, Fact: err.Error()}
		return res
	}
	s, err := sim.New(sim.Config{
		Seed: p.Seed, StepsMax: opts.StepsMax, TimeMax: sim.Duration(p.HealAt) + p.Checks.Liveness + timeSlack,
		Trace: opts.Trace, TraceTail: opts.TraceTail, Checked: opts.Checked,
	})
	if err != nil {
		res.Failure = &Failure{Check: CheckSetup, Fact: err.Error()}
		return res
	}
	if p.Schedule != nil {
		ch, err := p.Schedule.Chooser(p.Seed, p.Servers+p.Workload.Clients)
		if err != nil {
			res.Failure = &Failure{Check: CheckSetup, Fact: err.Error()}
			return res
		}
		s.SetChooser(ch)
	}
	c, err := newCluster(s, &p)
	if err != nil {
		res.Failure = &Failure{Check: CheckSetup, Fact: err.Error()}
		return res
	}
	if opts.withoutVoteChecks {
		c.inv.chosen, c.inv.noDivergence = nil, true
	}
	res.Outcome = c.run()
	c.collect(&res)
	return res
}

// cluster is the world of one run.
type cluster struct {
	s       *sim.Sim
	p       *Params
	proto   *protocol.Protocol
	model   spec.Model
	net     *network.Network
	inj     *faults.Injector
	hist    *history
	inv     *invariants
	layers  *layers // nil if the protocol declares no layers
	clients []sim.NodeID
	failure *Failure
	done    bool
	// leaders is what the runner saw of leadership, for faults aimed at
	// "last-leader" (see LastLeader).
	leaders leaderHistory
	// watchLeaders makes the runner look for a change of leader after
	// every step, not only when a fault asks: set only when the plan aims
	// at "last-leader", the one role that depends on history.
	watchLeaders bool
	// wl, setup and srcs are the workload, what the generic clients
	// share, and each client's operation stream (as c.clients), which a
	// snapshot of the world copies; snap is what the world hands its
	// snapshots' kernels (clone.go).
	wl    spec.Workload
	setup *clientSetup
	srcs  []*opSource
	snap  snapState
}

// leaderHistory holds the last two distinct leaders seen: recent is the
// latest, prev the one before it.
type leaderHistory struct {
	recent, prev         sim.NodeID
	haveRecent, havePrev bool
}

// saw records that id leads now.
func (h *leaderHistory) saw(id sim.NodeID) {
	if h.haveRecent && h.recent == id {
		return
	}
	h.prev, h.havePrev = h.recent, h.haveRecent
	h.recent, h.haveRecent = id, true
}

func newCluster(s *sim.Sim, p *Params) (*cluster, error) {
	proto, err := protocol.Lookup(p.Protocol)
	if err != nil {
		return nil, err
	}
	sp, err := spec.Lookup(proto.Spec)
	if err != nil {
		return nil, err
	}
	wl, err := sp.Workload(p.Workload.Spec)
	if err != nil {
		return nil, err
	}
	nodes := p.Servers + p.Workload.Clients
	net, err := network.New(s, nodes, p.Network)
	if err != nil {
		return nil, err
	}
	ops := p.Workload.Clients * p.Workload.Ops
	c := &cluster{s: s, p: p, proto: proto, model: sp.Model(), net: net, hist: newHistory(s, ops),
		inv: newInvariants(s, proto, p.Servers, ops, p.Checks.InvariantEvery <= 1), wl: wl}
	if o, ok := wl.(spec.Observer); ok {
		c.hist.obs = o
	}
	ids := make([]sim.NodeID, p.Servers)
	for i := range ids {
		ids[i] = sim.NodeID(i)
	}
	server, err := proto.Servers(protocol.Cluster{Servers: ids, Config: p.Config, Mutant: p.Mutant})
	if err != nil {
		return nil, err
	}
	for range ids {
		s.AddNode(server)
	}
	if err := c.addClients(wl, ids); err != nil {
		return nil, err
	}
	c.inj = &faults.Injector{Servers: p.Servers}
	if err := c.inj.Inject(s, net, p.Plan, c); err != nil {
		return nil, err
	}
	c.watchLeaders = p.Plan.Uses(faults.RoleLastLeader)
	if !p.Checks.CorrectnessOnly {
		// The heal phase also ends random loss and duplication: whether the
		// cluster keeps up under permanent heavy loss is a performance
		// question; liveness asks whether it recovers once faults are gone.
		s.At(p.HealAt, func() {
			if err := net.SetRates(0, 0); err != nil {
				panic(err)
			}
		})
	}
	for id := 0; id < nodes; id++ {
		s.Start(sim.NodeID(id))
	}
	c.layers = newLayers(s, proto, p.Servers)
	return c, nil
}

// addClients adds the run's clients: the generic client speaking the
// protocol's codec, or the protocol's own client node.
func (c *cluster) addClients(wl spec.Workload, servers []sim.NodeID) error {
	p := c.p
	if c.proto.ClientNode == nil {
		setup := &clientSetup{servers: servers, codec: c.proto.Codec, rec: c.hist, cfg: p.Client,
			think: [2]sim.Duration{p.Workload.ThinkMin, p.Workload.ThinkMax}, startDly: p.Workload.StartAfter, startSpread: p.Workload.StartSpread}
		c.setup = setup
		for i := 0; i < p.Workload.Clients; i++ {
			src := &opSource{w: wl, ops: p.Workload.Ops}
			c.srcs = append(c.srcs, src)
			c.clients = append(c.clients, c.s.AddNode(func(sim.NodeID) sim.Node { return &client{setup: setup, src: src} }))
		}
		return nil
	}
	for i := 0; i < p.Workload.Clients; i++ {
		src := &opSource{w: wl, ops: p.Workload.Ops}
		factory, err := c.proto.ClientNode(protocol.ClientSetup{
			Servers:    servers,
			Next:       func(r *rand.Rand, id sim.NodeID) (any, bool) { return src.draw(r, id) },
			Recorder:   recorder{c.hist},
			StartAfter: p.Workload.StartAfter, StartSpread: p.Workload.StartSpread, ThinkMin: p.Workload.ThinkMin, ThinkMax: p.Workload.ThinkMax,
			RequestTimeout: p.Client.RequestTimeout, RedirectBackoff: p.Client.RedirectBackoff, RetriesMax: p.Client.RetriesMax,
		})
		if err != nil {
			return err
		}
		id := c.s.AddNode(func(id sim.NodeID) sim.Node {
			n := factory(id)
			if _, ok := n.(protocol.Client); !ok {
				panic(fmt.Sprintf("runner: protocol %s's client node %T does not implement protocol.Client", c.proto.Name, n))
			}
			return n
		})
		c.clients = append(c.clients, id)
	}
	return nil
}

// recorder is the history as a protocol's own client sees it.
type recorder struct{ h *history }

func (r recorder) Invoke(client sim.NodeID, seq uint64, input any) { r.h.invoke(client, seq, input) }
func (r recorder) Complete(client sim.NodeID, seq uint64, output any) {
	r.h.complete(client, seq, output)
}

// Leader implements faults.Roles: the running server that believes it
// leads at the highest ballot. Each call also records the leader in the
// history LastLeader reads.
func (c *cluster) Leader() (sim.NodeID, bool) {
	best, found := sim.NodeID(-1), false
	var bestBallot protocol.Ballot
	for id := 0; id < c.p.Servers; id++ {
		n := c.s.Node(sim.NodeID(id))
		if n == nil {
			continue
		}
		if b, ok := c.proto.View(n).Leading(); ok && (!found || bestBallot.Less(b)) {
			best, bestBallot, found = sim.NodeID(id), b, true
		}
	}
	if found {
		c.leaders.saw(best)
	}
	return best, found
}

// LastLeader implements faults.Roles: the most recent server, other than
// the current leader, that the runner saw leading; with no current leader,
// the most recent leader (it may have crashed since). A leader is "seen"
// by Leader, which a run whose plan aims at "last-leader" calls after
// every step, so no change of leader goes unseen there; in other runs
// only the faults' own calls feed the history, and nothing reads it.
// False before the first change of leader.
func (c *cluster) LastLeader() (sim.NodeID, bool) {
	if _, ok := c.Leader(); ok {
		return c.leaders.prev, c.leaders.havePrev
	}
	return c.leaders.recent, c.leaders.haveRecent
}

// run drives the simulation: the fault phase, then (unless
// correctness-only) the heal phase, in which every open operation must
// complete within the liveness bound. It ends when every client is done,
// or at a failure.
func (c *cluster) run() sim.Outcome {
	every := c.p.Checks.InvariantEvery
	steps := 0
	stop := func() bool {
		steps++
		if c.watchLeaders {
			c.Leader() // records a change of leader for LastLeader
		}
		if f := c.layers.observe(); f != nil {
			c.failure = f
			return true
		}
		if every <= 1 || steps%every == 0 {
			if f := c.inv.check(); f != nil {
				c.failure = f
				return true
			}
		}
		return c.done || c.failure != nil
	}
	bound := c.p.Checks.Liveness
	c.s.At(0, c.tick(bound))
	end := c.p.HealAt.Add(bound + timeSlack)
	out := c.s.Run(end, stop)
	switch out {
	case sim.OutcomeBudgetSteps:
		c.fail(CheckBudgetSteps, c.s.Err().Error())
	case sim.OutcomeBudgetTime, sim.OutcomeDeadline:
		c.fail(CheckBudgetTime, fmt.Sprintf("seed=%d: the run did not finish by t=%v (steps=%d)", c.p.Seed, c.s.Now(), c.s.Stats().Steps))
	case sim.OutcomePanic:
		c.fail(CheckPanic, c.s.Err().Error())
	case sim.OutcomeIdle:
		if !c.done && c.failure == nil {
			c.fail(CheckLiveness, "the event queue ran dry before the clients finished")
		}
	}
	if c.failure == nil && out != sim.OutcomePanic {
		if f := c.inv.full(); f != nil {
			c.failure = f
		}
	}
	if c.failure == nil {
		if err := c.inj.Err(); err != nil {
			c.fail(CheckSetup, "fault injection: "+err.Error())
		}
	}
	return out
}

func (c *cluster) fail(check Check, fact string) {
	if c.failure == nil {
		c.failure = &Failure{Check: check, Fact: fact}
	}
}

// tick is the runner's own periodic event: it notices finished clients and
// operations left open too long after the heal phase began.
func (c *cluster) tick(bound sim.Duration) func() {
	var fn func()
	fn = func() {
		if c.failure != nil || c.done {
			return
		}
		if c.allClientsDone() && !c.s.ScriptPending() {
			c.done = true
			return
		}
		now := c.s.Now()
		if now >= c.p.HealAt.Add(bound) {
			if c.p.Checks.CorrectnessOnly {
				c.done = true // no progress is expected without a heal phase
				return
			}
			if f := c.stalled(now, bound); f != nil {
				c.failure = f
				return
			}
		}
		c.s.At(now.Add(livenessTick), fn)
	}
	return fn
}

func (c *cluster) allClientsDone() bool {
	for _, id := range c.clients {
		switch cl := c.s.Node(id).(type) {
		case *client:
			if !cl.finished() {
				return false
			}
		case protocol.Client:
			if !cl.Done() {
				return false
			}
		default: // down
			return false
		}
	}
	return true
}

// stalled returns a no-progress failure if an operation has been open for
// longer than bound since the later of its call and the heal.
func (c *cluster) stalled(now sim.Time, bound sim.Duration) *Failure {
	var late []int // indexes into the history
	for _, o := range c.hist.open {
		i := o.i
		op := c.hist.ops[i]
		since := max(sim.Time(op.Call), c.p.HealAt)
		if now.Sub(since) > bound {
			late = append(late, i)
		}
	}
	if len(late) == 0 {
		return nil
	}
	sort.Ints(late) // the oldest invocation first
	op := c.hist.ops[late[0]]
	return &Failure{Check: CheckLiveness, Fact: fmt.Sprintf(
		"%d operation(s) open for more than %v after the heal at %v; the oldest: n%d %s called at %v\n%s",
		len(late), bound, c.p.HealAt, op.Client, c.model.DescribeOperation(op.Input, op.Output), sim.Time(op.Call), c.serverStates())}
}

// serverStates describes each server for a no-progress report.
func (c *cluster) serverStates() string {
	out := ""
	for id := 0; id < c.p.Servers; id++ {
		n := sim.NodeID(id)
		node := c.s.Node(n)
		if node == nil {
			out += fmt.Sprintf("  %v: down\n", n)
			continue
		}
		out += fmt.Sprintf("  %v: %s paused=%v\n", n, c.proto.View(node).Describe(), c.s.Paused(n))
	}
	return out
}

// collect fills the result from the finished run.
func (c *cluster) collect(res *Result) {
	res.Hash = c.s.Hash()
	res.Events = c.s.Events()
	res.Kernel = c.s.Stats()
	res.Steps = res.Kernel.Steps
	res.SimTime = c.s.Now()
	res.Net = c.net.Stats().Total
	res.History = c.hist.operations(c.s.Now())
	res.Layers = c.layers.histories(c.s.Now())
	res.Faults = c.inj.Firings()
	res.Ops = len(c.hist.ops)
	res.Completed = c.hist.completed
	res.Coverage = c.inv.coverage()
	retry := len(res.Coverage.Counts) - 1 // the harness's probe comes last
	for _, id := range c.clients {
		switch cl := c.s.Node(id).(type) {
		case *client:
			res.Coverage.Counts[retry] += cl.stats.Retries
		case protocol.Client:
			res.Coverage.Counts[retry] += cl.Retries()
		}
	}
	res.Failure = c.failure
	if f := c.s.Failure(); f != nil {
		res.PanicStack = f.Stack
	}
	res.TraceTail = c.s.TraceLast()
}
