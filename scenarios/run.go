package scenarios

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/sim"
)

// Check names a check that can fail a run.
type Check string

// The checks. Each failure names exactly one.
const (
	CheckLinearizability Check = "linearizability"
	CheckAgreement       Check = "agreement"
	CheckStability       Check = "stability"
	CheckPrefix          Check = "prefix-execution"
	CheckPromise         Check = "promise-monotonic"
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

// RunOptions are the knobs of one execution that are not part of the run's
// world: they never change the trace hash.
type RunOptions struct {
	// Trace receives every trace line (replay -trace).
	Trace io.Writer
	// TraceTail keeps the last TraceTail lines for the report.
	TraceTail int
	// Checked turns on the kernel's message-mutation check.
	Checked bool
	// StepsMax overrides the kernel's step budget (0: the kernel's default).
	StepsMax int64
	// SkipLinearizability skips the porcupine check (for determinism
	// re-runs, which compare hashes only).
	SkipLinearizability bool
}

// Result is everything a run produced and how it was judged.
type Result struct {
	Params  Params
	Hash    uint64 // the trace hash
	Events  uint64
	Steps   int64
	SimTime sim.Time
	Outcome sim.Outcome
	Kernel  sim.Stats
	Net     network.LinkStats
	// History is the client history as checked (unknown operations open).
	History []porcupine.Operation
	// Ops and Completed count client operations invoked and answered.
	Ops, Completed int
	Linearizable   Verdict
	Coverage       Coverage
	// Failure is nil when every check passed.
	Failure *Failure
	// PanicStack is the stack of a caught panic.
	PanicStack string
	// TraceTail holds the last RunOptions.TraceTail trace lines.
	TraceTail []string
	// SimWall and CheckWall are the wall time of the simulation and of the
	// linearizability check (harness measurements, not part of the run).
	SimWall, CheckWall time.Duration
}

// Passed reports whether every check passed.
func (r *Result) Passed() bool { return r.Failure == nil }

// Run executes one seed of the scenario.
func Run(sc *Scenario, seed uint64, mutant string, opts RunOptions) Result {
	p, err := sc.Params(seed, mutant)
	if err != nil {
		return Result{Params: p, Failure: &Failure{Check: CheckSetup, Fact: err.Error()}}
	}
	return RunParams(p, opts)
}

// livenessTick is how often, in simulated time, the runner looks at open
// operations and finished clients. It bounds how late a stall is noticed
// and how long a run goes on after its last operation.
const livenessTick = 10 * sim.Millisecond

// timeSlack bounds a run's simulated time past the liveness bound: with a
// live protocol every client finishes long before; a run that reaches it
// fails with budget-time.
const timeSlack = 120 * sim.Second

// RunParams executes one fully drawn run.
func RunParams(p Params, opts RunOptions) Result {
	res := Result{Params: p}
	if err := p.Validate(); err != nil {
		res.Failure = &Failure{Check: CheckSetup, Fact: err.Error()}
		return res
	}
	bound := orDefault(p.Checks.Liveness, DefaultLiveness)
	s, err := sim.New(sim.Config{
		Seed: p.Seed, StepsMax: opts.StepsMax, TimeMax: sim.Duration(p.HealAt) + bound + timeSlack,
		Trace: opts.Trace, TraceTail: opts.TraceTail, Checked: opts.Checked,
	})
	if err != nil {
		res.Failure = &Failure{Check: CheckSetup, Fact: err.Error()}
		return res
	}
	c, err := newCluster(s, &p)
	if err != nil {
		res.Failure = &Failure{Check: CheckSetup, Fact: err.Error()}
		return res
	}
	wallStart := time.Now() // harness measurement only; never reaches the run
	c.run(bound)
	res.SimWall = time.Since(wallStart)
	c.collect(&res)
	if res.Failure == nil && !opts.SkipLinearizability {
		checkStart := time.Now()
		res.Linearizable = checkHistory(&res, p.Checks)
		res.CheckWall = time.Since(checkStart)
	}
	return res
}

// cluster is the world of one run: the kernel, the network, the replicas,
// the clients, the history and the checkers.
type cluster struct {
	s       *sim.Sim
	p       *Params
	net     *network.Network
	inj     *faults.Injector
	hist    *history
	inv     *invariants
	clients []sim.NodeID
	failure *Failure
	done    bool
}

func newCluster(s *sim.Sim, p *Params) (*cluster, error) {
	nodes := p.Replicas + p.Workload.Clients
	net, err := network.New(s, nodes, p.Network)
	if err != nil {
		return nil, err
	}
	ops := p.Workload.Clients * p.Workload.Ops
	c := &cluster{s: s, p: p, net: net, hist: newHistory(s, ops), inv: newInvariants(s, p.Replicas, ops)}
	replica, err := multipaxos.New(p.Protocol)
	if err != nil {
		return nil, err
	}
	for i := 0; i < p.Replicas; i++ {
		s.AddNode(replica)
	}
	for i := 0; i < p.Workload.Clients; i++ {
		cc := p.Client
		cc.N = p.Replicas
		cc.Replicas = nil
		cc.Workload = &kvWorkload{w: p.Workload, client: p.Replicas + i}
		cc.Recorder = c.hist
		cc.ThinkTimeMin, cc.ThinkTimeMax = p.Workload.ThinkMin, p.Workload.ThinkMax
		cc.StartDelay = p.Workload.StartAfter
		client, err := multipaxos.NewClient(cc)
		if err != nil {
			return nil, err
		}
		c.clients = append(c.clients, s.AddNode(client))
	}
	c.inj = &faults.Injector{Servers: p.Replicas}
	if err := c.inj.Inject(s, net, p.Plan, c); err != nil {
		return nil, err
	}
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
	return c, nil
}

// Leader implements faults.Roles: the running replica that believes it
// leads with the highest ballot.
func (c *cluster) Leader() (sim.NodeID, bool) {
	best, found := sim.NodeID(-1), false
	var bestBallot multipaxos.Ballot
	for id := 0; id < c.p.Replicas; id++ {
		r, _ := c.s.Node(sim.NodeID(id)).(*multipaxos.Replica)
		if r != nil && r.IsLeader() && (!found || bestBallot.Less(r.Ballot())) {
			best, bestBallot, found = sim.NodeID(id), r.Ballot(), true
		}
	}
	return best, found
}

// run drives the simulation: the fault phase, then (unless correctness-only)
// the heal phase, in which every open operation must complete within bound.
// It ends when every client is done, or at a failure.
func (c *cluster) run(bound sim.Duration) {
	every := c.p.Checks.InvariantEvery
	steps := 0
	stop := func() bool {
		steps++
		if every <= 1 || steps%every == 0 {
			if f := c.inv.check(); f != nil {
				c.failure = f
				return true
			}
		}
		return c.done || c.failure != nil
	}
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
		if c.allClientsDone() {
			c.done = true
			return
		}
		now := c.s.Now()
		if !c.p.Checks.CorrectnessOnly && now >= c.p.HealAt.Add(bound) {
			if f := c.stalled(now, bound); f != nil {
				c.failure = f
				return
			}
		}
		if c.p.Checks.CorrectnessOnly && now >= c.p.HealAt.Add(bound) {
			c.done = true // no progress is expected without a heal phase
			return
		}
		c.s.At(now.Add(livenessTick), fn)
	}
	return fn
}

func (c *cluster) allClientsDone() bool {
	for _, id := range c.clients {
		cl, _ := c.s.Node(id).(*multipaxos.Client)
		if cl == nil || !cl.Done() {
			return false
		}
	}
	return true
}

// stalled returns a no-progress failure if an operation has been open for
// longer than bound since the later of its call and the heal.
func (c *cluster) stalled(now sim.Time, bound sim.Duration) *Failure {
	var late []int // indexes into the history
	for _, i := range c.hist.open {
		op := c.hist.ops[i]
		since := max(sim.Time(op.Call), c.p.HealAt)
		if now.Sub(since) > bound {
			late = append(late, i)
		}
	}
	if len(late) == 0 {
		return nil
	}
	sort.Ints(late) // the oldest invocation first, whatever the map's order
	op := c.hist.ops[late[0]]
	in := op.Input.(KVInput)
	return &Failure{Check: CheckLiveness, Fact: fmt.Sprintf(
		"%d operation(s) open for more than %v after the heal at %v; the oldest: n%d %s(%q) called at %v\n%s",
		len(late), bound, c.p.HealAt, op.ClientId, in.Op, in.Key, sim.Time(op.Call), c.replicaStates())}
}

// replicaStates describes each replica for a no-progress report.
func (c *cluster) replicaStates() string {
	out := ""
	for id := 0; id < c.p.Replicas; id++ {
		n := sim.NodeID(id)
		r, _ := c.s.Node(n).(*multipaxos.Replica)
		if r == nil {
			out += fmt.Sprintf("  %v: down\n", n)
			continue
		}
		out += fmt.Sprintf("  %v: leader=%v ballot=%v promised=%v committed=%d executed=%d log=%d hint=%v paused=%v\n",
			n, r.IsLeader(), r.Ballot(), r.Promised(), r.Committed(), r.Executed(), r.LogLength(), r.LeaderHint(), c.s.Paused(n))
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
	res.History = c.hist.Operations(c.s.Now())
	res.Ops = len(c.hist.ops)
	res.Completed = c.hist.completed
	res.Coverage = c.inv.coverage()
	for _, id := range c.clients {
		if cl, _ := c.s.Node(id).(*multipaxos.Client); cl != nil {
			res.Coverage.Counts[pathIndex(PathClientRetries)] += cl.Stats().Retries
		}
	}
	res.Failure = c.failure
	if f := c.s.Failure(); f != nil {
		res.PanicStack = f.Stack
	}
	res.TraceTail = c.s.TraceLast()
}

// checkHistory runs the linearizability check and sets a failure for a
// violation, or for an unknown verdict unless it is allowed.
func checkHistory(res *Result, checks Checks) Verdict {
	timeout := orDefault(checks.CheckTimeout, DefaultCheckTimeout)
	// The fast check first; the verbose one (for the HTML) only on failure.
	var v Verdict
	switch porcupine.CheckOperationsTimeout(KVModel(), kvPrepare(res.History), timeout) {
	case porcupine.Ok:
		v = VerdictOk
	case porcupine.Illegal:
		v = VerdictViolation
	default:
		v = VerdictUnknown
	}
	switch v {
	case VerdictViolation:
		res.Failure = &Failure{Check: CheckLinearizability, Fact: firstBadKey(res.History, timeout)}
	case VerdictUnknown:
		if !checks.AllowUnknown {
			res.Failure = &Failure{Check: CheckUnknown, Fact: fmt.Sprintf(
				"the linearizability check did not finish within %v (%d operations); allow with AllowUnknown or raise CheckTimeout", timeout, len(res.History))}
		}
	}
	return v
}

// firstBadKey names the first key, in sorted order, whose sub-history is not
// linearizable, with its operations.
func firstBadKey(ops []porcupine.Operation, timeout time.Duration) string {
	for _, part := range kvPartition(kvPrepare(ops)) {
		if porcupine.CheckOperationsTimeout(KVModel(), part, timeout) != porcupine.Illegal {
			continue
		}
		key := part[0].Input.(KVInput).Key
		s := fmt.Sprintf("key %q is not linearizable (%d operations):", key, len(part))
		for i, op := range part {
			if i == 40 {
				s += fmt.Sprintf("\n  ... %d more", len(part)-i)
				break
			}
			s += fmt.Sprintf("\n  n%d [%v, %v] %s", op.ClientId, sim.Time(op.Call), sim.Time(op.Return), kvDescribeOperation(op.Input, op.Output))
		}
		return s
	}
	return "the history is not linearizable (no single key is: a checker inconsistency)"
}
