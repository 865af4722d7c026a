package sim

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime/debug"
)

// Config configures a Sim. The zero value of every optional field documents
// its fallback.
type Config struct {
	// Seed determines every random choice of the run.
	Seed uint64
	// StepsMax bounds the events processed; 0 means 10,000,000. Hitting it
	// ends Run with OutcomeBudgetSteps.
	StepsMax int64
	// TimeMax bounds simulated time; 0 means 1 hour. Hitting it ends Run
	// with OutcomeBudgetTime.
	TimeMax Duration
	// Trace, when set, receives every trace line as it happens.
	Trace io.Writer
	// TraceTail, when positive, keeps the last TraceTail lines for reports
	// (TraceLast). It costs a formatted line per event.
	TraceTail int
	// Checked keeps the text of every message at send and asserts at
	// delivery that it is unchanged, which catches a sender that mutates a
	// slice or map after sending it. For tests; it costs a format per send.
	Checked bool
}

// Validate reports a configuration that cannot run.
func (c Config) Validate() error {
	if c.StepsMax < 0 {
		return fmt.Errorf("sim: StepsMax = %d: must be >= 0", c.StepsMax)
	}
	if c.TimeMax < 0 {
		return fmt.Errorf("sim: TimeMax = %v: must be >= 0", c.TimeMax)
	}
	if c.TraceTail < 0 {
		return fmt.Errorf("sim: TraceTail = %d: must be >= 0", c.TraceTail)
	}
	return nil
}

// Outcome says why Run returned.
type Outcome uint8

// Outcomes of Run. Only OutcomeDeadline, OutcomeIdle and OutcomeStopped are
// normal; the others end the run and carry the seed in Sim.Err.
const (
	OutcomeDeadline    Outcome = iota + 1 // simulated time reached Run's deadline
	OutcomeIdle                           // no event left in the queue
	OutcomeStopped                        // the caller's stop function returned true
	OutcomeBudgetSteps                    // StepsMax events processed
	OutcomeBudgetTime                     // simulated time passed TimeMax
	OutcomePanic                          // a node, transport or callback panicked
)

var outcomeNames = [...]string{"?", "deadline", "idle", "stopped", "budget-steps", "budget-time", "panic"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Failed reports whether the outcome ends the run as a failure.
func (o Outcome) Failed() bool { return o >= OutcomeBudgetSteps }

// Failure describes a panic caught inside the simulation.
type Failure struct {
	Seed  uint64
	At    Time
	Node  NodeID // -1 when not inside a node
	Event string // the event being handled, as a trace line
	Value any    // what was passed to panic
	Stack string
}

func (f *Failure) Error() string {
	where := "kernel"
	if f.Node >= 0 {
		where = f.Node.String()
	}
	return fmt.Sprintf("seed=%d: panic in %s at t=%v while handling %s: %v", f.Seed, where, f.At, f.Event, f.Value)
}

// BudgetError is Sim.Err after a budget outcome.
type BudgetError struct {
	Seed    uint64
	Outcome Outcome
	Steps   int64
	At      Time
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("seed=%d: %s after %d steps at t=%v", e.Seed, e.Outcome, e.Steps, e.At)
}

// Transport carries messages between nodes; the network package implements
// it. The kernel calls Send once per message a handler sent, in send order,
// after the handler returns. The transport then calls Sim.Schedule zero or
// more times (loss, duplication) and Sim.Drop for a message it drops at once.
// When a scheduled delivery comes due the kernel calls Arrive, which may still
// drop it (a partition that cut the link while it was in flight, a crashed
// receiver) by returning a cause; CauseNone delivers it.
type Transport interface {
	Send(s *Sim, from, to NodeID, msg Message)
	Arrive(s *Sim, from, to NodeID, token uint32, receiverUp bool) DropCause
}

// Stats counts what the kernel did.
type Stats struct {
	Steps       int64
	Delivered   int64
	Dropped     [NumDropCauses]int64
	TimersFired int64
	Crashes     int64
	Restarts    int64
}

// Sim is one simulation run: a virtual clock, one event queue, the nodes,
// their disks, clocks and random streams, and the trace. A Sim is used by
// one goroutine; parallelism lives only between Sims.
type Sim struct {
	cfg       Config
	now       Time
	seq       uint64
	q         queue
	nodes     []*slot
	transport Transport
	tr        tracer
	stats     Stats
	failure   *Failure
	err       error
	netRand   *rand.Rand
	faultRand *rand.Rand
	current   *slot // the node whose handler is running, if any
	checked   map[uint64]string
	// lastNode is the node the last step ran a handler of, or -1 for a
	// callback (see LastStepNode).
	lastNode NodeID
	// chooser, when set, steers the order of events (chooser.go); nil is
	// the seeded default, on a path that never looks at it.
	chooser Chooser
	cands   []Candidate
	candAt  []int // queue positions of cands
	// candAt holds the candidates of the queue as candKey says while
	// candOK: a search lists a world's candidates, then copies the world
	// once per candidate, and each copy takes its one step without
	// listing them again.
	candKey candidatesKey
	candOK  bool

	// netSrc and faultSrc are the sources of netRand and faultRand, which
	// a snapshot copies; factories overrides the nodes' factories in a
	// snapshot, onCopy hears of every node it copies, and spare holds
	// slots of a dropped snapshot for its copies to reuse (clone.go).
	netSrc, faultSrc *rand.PCG
	factories        []func(NodeID) Node
	onCopy           func(id NodeID, old, new Node)
	spare            []*slot
	// released is set by Release: the Sim never runs again.
	released bool
	// clockReads counts the nodes' reads of their clocks (ClockReads).
	clockReads uint64
}

// New returns an empty simulation at time 0.
func New(cfg Config) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.StepsMax == 0 {
		cfg.StepsMax = 10_000_000
	}
	if cfg.TimeMax == 0 {
		cfg.TimeMax = 3600 * Second
	}
	s := &Sim{
		cfg:       cfg,
		transport: Direct{Latency: Millisecond},
		lastNode:  -1,
	}
	s.netRand, s.netSrc = newStream(cfg.Seed, domainNetwork, 0, 0)
	s.faultRand, s.faultSrc = newStream(cfg.Seed, domainFaults, 0, 0)
	s.tr.hash = splitmix64(cfg.Seed)
	s.tr.w = cfg.Trace
	if cfg.TraceTail > 0 {
		s.tr.tail = make([]string, cfg.TraceTail)
	}
	if cfg.Checked {
		s.checked = map[uint64]string{}
	}
	return s, nil
}

// Seed is the run's seed.
func (s *Sim) Seed() uint64 { return s.cfg.Seed }

// Now is the true simulated time.
func (s *Sim) Now() Time { return s.now }

// SetTransport installs the network. The default delivers every message
// after one millisecond.
func (s *Sim) SetTransport(t Transport) { s.transport = t }

// NetworkRand is the network's random stream.
func (s *Sim) NetworkRand() *rand.Rand { return s.netRand }

// FaultRand is the fault injector's random stream.
func (s *Sim) FaultRand() *rand.Rand { return s.faultRand }

// UserRand returns an independent stream for a harness component (a client
// workload, a generator), keyed by id.
func (s *Sim) UserRand(id uint64) *rand.Rand { return NewStream(s.cfg.Seed, domainUser, id, 0) }

// Hash is the running trace hash: equal hashes mean identical runs.
func (s *Sim) Hash() uint64 { return s.tr.hash }

// Events is the number of trace records so far.
func (s *Sim) Events() uint64 { return s.tr.count }

// Stats returns the kernel's counters.
func (s *Sim) Stats() Stats { return s.stats }

// TraceLast returns the last Config.TraceTail trace lines, oldest first.
func (s *Sim) TraceLast() []string { return s.tr.lastLines() }

// Failure returns the caught panic after OutcomePanic, else nil.
func (s *Sim) Failure() *Failure { return s.failure }

// Err returns the error that ended the run (a *Failure or *BudgetError),
// or nil.
func (s *Sim) Err() error { return s.err }

// Schedule queues delivery of msg from -> to at time at (clamped to now).
// The token is handed back to Transport.Arrive. Only a Transport calls it.
func (s *Sim) Schedule(at Time, from, to NodeID, msg Message, token uint32) {
	if at < s.now {
		at = s.now
	}
	s.seq++
	var ck uint64
	if s.checked != nil {
		ck = s.seq // kept when Resume or Crash re-queues the event
		s.checked[ck] = msg.String()
	}
	s.q.push(event{at: at, seq: s.seq, kind: evDeliver, msg: msg, from: from, to: to, a: token, ck: ck})
}

// Drop records that the transport dropped msg at send time.
func (s *Sim) Drop(from, to NodeID, msg Message, cause DropCause) {
	s.stats.Dropped[cause]++
	s.tr.record(&Record{At: s.now, Kind: RecDrop, Node: to, Peer: from, Msg: msg, Cause: cause})
}

// At runs fn at time t (clamped to now), in the kernel, outside any node.
// Fault injectors and harness phases use it. fn may call any Sim method.
func (s *Sim) At(t Time, fn func()) {
	if t < s.now {
		t = s.now
	}
	s.seq++
	s.q.push(event{at: t, seq: s.seq, kind: evCall, fn: fn, to: -1})
}

// Note writes a harness line (a fault, a network event) to the trace. node
// may be -1 for a line that concerns no single node.
func (s *Sim) Note(node NodeID, text string) {
	s.tr.record(&Record{At: s.now, Kind: RecNote, Node: node, Text: text})
}

// Pending is the number of queued events.
func (s *Sim) Pending() int { return s.q.len() }

// Run processes events in (time, sequence) order until the next event is
// later than deadline (OutcomeDeadline; time then stands at deadline), the
// queue is empty (OutcomeIdle), stop returns true after a step
// (OutcomeStopped), a budget is hit, or something panics. stop may be nil;
// it is where a harness checks invariants as the run goes.
func (s *Sim) Run(deadline Time, stop func() bool) Outcome {
	if s.released {
		panic("sim: Run on a released Sim (Release)")
	}
	if s.err != nil {
		return s.errOutcome()
	}
	for {
		if s.q.len() == 0 {
			return OutcomeIdle
		}
		next := s.q.peek().at
		if next > deadline {
			if deadline > s.now {
				s.now = deadline
			}
			return OutcomeDeadline
		}
		if next > Time(s.cfg.TimeMax) {
			s.now = Time(s.cfg.TimeMax)
			s.err = &BudgetError{Seed: s.cfg.Seed, Outcome: OutcomeBudgetTime, Steps: s.stats.Steps, At: s.now}
			return OutcomeBudgetTime
		}
		if s.stats.Steps >= s.cfg.StepsMax {
			s.err = &BudgetError{Seed: s.cfg.Seed, Outcome: OutcomeBudgetSteps, Steps: s.stats.Steps, At: s.now}
			return OutcomeBudgetSteps
		}
		var e event
		if s.chooser == nil {
			e = s.q.pop()
			s.now = e.at
		} else {
			var ok, done bool
			if e, ok, done = s.safeChoose(min(deadline, Time(s.cfg.TimeMax))); !ok {
				if s.err != nil {
					return OutcomePanic
				}
				if done && stop != nil && s.guard(stop) {
					return OutcomeStopped
				}
				if s.err != nil {
					return OutcomePanic
				}
				continue
			}
			s.now = max(s.now, e.at)
		}
		if !s.safeStep(&e) {
			continue // a stale or deferred event: not a step
		}
		if s.err != nil {
			return OutcomePanic
		}
		if stop != nil && s.guard(stop) {
			return OutcomeStopped
		}
		if s.err != nil {
			return OutcomePanic
		}
	}
}

// LastStepNode returns the node whose handler the last step ran (a message
// delivered or dropped at it, a timer it set), and false after a step of a
// callback (Sim.At), which may have crashed, restarted, paused or resumed
// any node. A node's state changes only in its own handlers, so a checker
// that runs after every step (Run's stop function) need look at no other
// node after a node's step.
func (s *Sim) LastStepNode() (NodeID, bool) { return s.lastNode, s.lastNode >= 0 }

func (s *Sim) errOutcome() Outcome {
	var be *BudgetError
	if errors.As(s.err, &be) {
		return be.Outcome
	}
	return OutcomePanic
}

// guard runs fn outside any node and turns a panic into the run's failure.
func (s *Sim) guard(fn func() bool) (r bool) {
	defer func() {
		if v := recover(); v != nil {
			s.fail(-1, "harness callback", v)
			r = false
		}
	}()
	return fn()
}

func (s *Sim) fail(node NodeID, event string, v any) {
	if s.failure != nil {
		return
	}
	s.failure = &Failure{Seed: s.cfg.Seed, At: s.now, Node: node, Event: event, Value: v, Stack: string(debug.Stack())}
	s.err = s.failure
}

// safeStep handles one event, turning a panic anywhere inside it (a node, the
// transport, a callback) into the run's failure.
func (s *Sim) safeStep(e *event) (counted bool) {
	defer func() {
		if v := recover(); v != nil {
			node := NodeID(-1)
			if s.current != nil {
				node = s.current.id
			}
			s.fail(node, s.describe(e), v)
			s.current = nil
			counted = true
		}
	}()
	return s.step(e)
}

// safeChoose is chooseNext with a panic (a chooser's, or a choice that
// cannot apply) turned into the run's failure.
func (s *Sim) safeChoose(limit Time) (e event, ok, done bool) {
	defer func() {
		if v := recover(); v != nil {
			s.fail(-1, "chooser", v)
			e, ok, done = event{}, false, false
		}
	}()
	return s.chooseNext(limit)
}

// describe formats the event being handled, for a failure report.
func (s *Sim) describe(e *event) string {
	switch e.kind {
	case evDeliver:
		r := Record{At: e.at, Kind: RecRecv, Node: e.to, Peer: e.from, Msg: e.msg}
		return r.String()
	case evTimer:
		r := Record{At: e.at, Kind: RecTimer, Node: e.to, Tag: e.tag, namer: s.nodes[e.to].namer}
		return r.String()
	}
	return "t=" + e.at.String() + " kernel callback"
}

// step handles one event and reports whether it counted as a step.
func (s *Sim) step(e *event) bool {
	s.lastNode = e.to
	switch e.kind {
	case evCall:
		s.lastNode = -1
		s.stats.Steps++
		e.fn()
		return true
	case evTimer:
		n := s.nodes[e.to]
		t := &n.timers[e.tag]
		if !n.up || e.inc != n.incarnation || !t.armed || t.gen != e.a {
			return false
		}
		n = s.own(n) // a snapshot may share the node (clone.go)
		t = &n.timers[e.tag]
		if n.paused {
			n.deferred = append(n.deferred, *e)
			return false
		}
		t.armed = false
		s.stats.Steps++
		s.stats.TimersFired++
		s.tr.record(&Record{At: s.now, Kind: RecTimer, Node: e.to, Tag: e.tag, namer: n.namer})
		s.current = n
		n.fpOK = false
		n.node.Timer(e.tag)
		s.current = nil
		s.flush(n)
		return true
	case evDeliver:
		n := s.own(s.nodes[e.to])
		if n.up && n.paused {
			n.deferred = append(n.deferred, *e)
			return false
		}
		s.stats.Steps++
		if s.checked != nil {
			s.verifyUnchanged(e)
		}
		cause := s.transport.Arrive(s, e.from, e.to, e.a, n.up)
		if cause == CauseNone && !n.up {
			cause = CauseDown
		}
		if cause != CauseNone {
			s.stats.Dropped[cause]++
			s.tr.record(&Record{At: s.now, Kind: RecDrop, Node: e.to, Peer: e.from, Msg: e.msg, Cause: cause})
			return true
		}
		s.stats.Delivered++
		s.tr.record(&Record{At: s.now, Kind: RecRecv, Node: e.to, Peer: e.from, Msg: e.msg})
		s.current = n
		n.fpOK = false
		n.node.Receive(e.from, e.msg)
		s.current = nil
		s.flush(n)
		return true
	}
	panic("sim: unknown event kind")
}

func (s *Sim) verifyUnchanged(e *event) {
	want, ok := s.checked[e.ck]
	if !ok {
		return
	}
	delete(s.checked, e.ck)
	if got := e.msg.String(); got != want {
		panic(fmt.Sprintf("sim: message from %v to %v changed after send: sent %s, delivered %s", e.from, e.to, want, got))
	}
}

// flush hands the sends a handler buffered to the transport, in send order.
func (s *Sim) flush(n *slot) {
	out := n.outbox
	for i := range out {
		s.transport.Send(s, n.id, out[i].to, out[i].msg)
		out[i] = outMsg{}
	}
	n.outbox = out[:0]
}

// Direct is the default transport: every message arrives after Latency.
type Direct struct{ Latency Duration }

// Send implements Transport.
func (d Direct) Send(s *Sim, from, to NodeID, msg Message) {
	s.Schedule(s.Now().Add(d.Latency), from, to, msg, 0)
}

// Arrive implements Transport.
func (Direct) Arrive(_ *Sim, _, _ NodeID, _ uint32, _ bool) DropCause { return CauseNone }
