package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// Chooser makes the run's nondeterministic ordering and fault choices: which
// of the events that may run next runs first, and whether a probabilistic
// network fault (loss, duplication) happens. It is the one seam through which
// a scheduler other than the seeded default (PCT, a replayed script, an
// exhaustive explorer) steers the same node code.
//
// A Sim without a chooser (the default) runs events in (time, sequence)
// order and draws coins from the network stream, which is exactly what the
// Seeded chooser does; the kernel keeps that path free of the seam's cost.
type Chooser interface {
	// Window says which pending events are candidates: those due no
	// later than the earliest pending event plus the window, and not
	// after the next kernel callback (Sim.At), which is never a candidate
	// and never overtaken. A negative window makes every pending event a
	// candidate whatever its time (latency abstracted away); a callback
	// then runs whenever it is the earliest event.
	Window() Duration
	// Choose picks what happens next. cands holds at least one event, in
	// the order they were scheduled; the slice is reused after Choose
	// returns. A Choice that names no candidate, or a fault the candidate
	// cannot take (a timer cannot be dropped), fails the run.
	Choose(s *Sim, cands []Candidate) Choice
	// Coin decides a probabilistic network fault of probability p > 0.
	Coin(s *Sim, kind CoinKind, p float64) bool
}

// PresetChooser is a Chooser that may know its next choice before it sees
// the candidates (a script with choices left, an exhaustive search taking
// one choice): when Preset reports one, the kernel builds no candidate
// list and does not call Choose. The choice is checked against the
// candidates as any other.
type PresetChooser interface {
	Chooser
	Preset() (Choice, bool)
}

// CoinKind names a probabilistic network fault.
type CoinKind uint8

// The coins the network flips.
const (
	CoinLoss CoinKind = iota + 1 // a message is lost at send
	CoinDup                      // a message is duplicated at send
)

// EventKind says what a candidate event does.
type EventKind uint8

// Candidate event kinds.
const (
	EventDeliver EventKind = iota + 1 // a message arrives at To from From
	EventTimer                        // To's timer Tag fires
)

// Candidate is a pending event a Chooser may pick.
type Candidate struct {
	Kind EventKind
	At   Time // when it is due; it runs at the later of this and now
	From NodeID
	To   NodeID // the receiver, or the timer's owner
	Msg  Message
	Tag  TimerTag
}

// ChoiceKind is what a Choice does.
type ChoiceKind uint8

// Choice kinds. Drop and Duplicate apply to a delivery candidate; Crash and
// Restart to a node, and take no time.
const (
	ChooseRun       ChoiceKind = iota + 1 // run candidate Index
	ChooseDrop                            // lose delivery candidate Index in flight
	ChooseDuplicate                       // send delivery candidate Index's message again; the original stays in flight
	ChooseCrash                           // crash node Index (its unsynced writes are lost)
	ChooseRestart                         // restart crashed node Index
)

var choiceNames = [...]string{"?", "run", "drop", "dup", "crash", "restart"}

// Choice is what a Chooser decided.
type Choice struct {
	Kind  ChoiceKind
	Index int // a candidate index, or a node id for Crash and Restart
}

// String prints the choice as a script holds it: "run:2", "crash:1".
func (c Choice) String() string {
	name := "?"
	if int(c.Kind) < len(choiceNames) {
		name = choiceNames[c.Kind]
	}
	return name + ":" + strconv.Itoa(c.Index)
}

// ParseChoice parses a choice as String prints it.
func ParseChoice(s string) (Choice, error) {
	name, idx, ok := strings.Cut(s, ":")
	if !ok {
		return Choice{}, fmt.Errorf("sim: choice %q: want kind:index (run:0, drop:1, dup:2, crash:0, restart:0)", s)
	}
	kind := ChoiceKind(0)
	for i := 1; i < len(choiceNames); i++ {
		if choiceNames[i] == name {
			kind = ChoiceKind(i)
		}
	}
	if kind == 0 {
		return Choice{}, fmt.Errorf("sim: choice %q: unknown kind %q (want run, drop, dup, crash or restart)", s, name)
	}
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 || n > maxChoiceIndex {
		return Choice{}, fmt.Errorf("sim: choice %q: index %q is not an integer in [0, %d]", s, idx, maxChoiceIndex)
	}
	return Choice{Kind: kind, Index: n}, nil
}

// maxChoiceIndex bounds an index read from a file; no run has this many
// pending events or nodes.
const maxChoiceIndex = 1 << 24

// Seeded is the default chooser made explicit: the earliest candidate in
// (time, sequence) order, coins from the network stream. A Sim with Seeded
// installed runs exactly the trace of a Sim with no chooser (a test pins
// it), only slower.
type Seeded struct{}

// Window implements Chooser: ties at the earliest time only.
func (Seeded) Window() Duration { return 0 }

// Choose implements Chooser.
func (Seeded) Choose(_ *Sim, cands []Candidate) Choice {
	return Choice{Kind: ChooseRun, Index: Earliest(cands)}
}

// Coin implements Chooser.
func (Seeded) Coin(s *Sim, _ CoinKind, p float64) bool { return s.netRand.Float64() < p }

// Earliest returns the index of the candidate that the default order runs
// first: the earliest due, and of those the first scheduled.
func Earliest(cands []Candidate) int {
	best := 0
	for i := 1; i < len(cands); i++ {
		if cands[i].At < cands[best].At {
			best = i
		}
	}
	return best
}

// SetChooser installs a chooser; nil restores the default. Install it before
// the run starts: changing schedulers midway gives a run no seed replays.
func (s *Sim) SetChooser(c Chooser) { s.chooser = c }

// Chooser returns the installed chooser, or nil for the default.
func (s *Sim) Chooser() Chooser { return s.chooser }

// Coin flips a probabilistic network fault of probability p through the
// chooser; by default it draws from the network stream. The network calls
// it only for p > 0, so a fault model with the fault off draws nothing.
func (s *Sim) Coin(kind CoinKind, p float64) bool {
	if s.chooser != nil {
		return s.chooser.Coin(s, kind, p)
	}
	return s.netRand.Float64() < p
}

// Candidates returns the events the chooser may pick from now, in
// scheduling order; empty if the next event is a kernel callback or nothing
// is pending. Stale timers (cancelled, re-armed, of a crashed incarnation)
// are not candidates. The slice is reused by the next call. Without a
// chooser the candidates are the events due at the earliest instant.
func (s *Sim) Candidates() []Candidate {
	s.gatherCandidates(Time(s.cfg.TimeMax))
	return s.cands
}

// gatherCandidates fills s.cands (and s.candAt, the queue positions)
// with the valid events due by the window and by limit, ordered by
// sequence number.
func (s *Sim) gatherCandidates(limit Time) {
	s.gatherPositions(limit)
	s.buildCandidates()
}

// candidatesKey is what the candidates depend on beyond the queue's
// generation's events and timers: the limit and the chooser's window.
type candidatesKey struct {
	gen    uint64
	limit  Time
	window Duration
	chosen bool // a chooser is installed
}

// gatherPositions fills s.candAt with the queue positions of the
// candidates, in order, and empties s.cands (buildCandidates fills it).
// Positions listed for the same queue, limit and window are kept.
func (s *Sim) gatherPositions(limit Time) {
	s.cands = s.cands[:0]
	key := candidatesKey{gen: s.q.gen, limit: limit, chosen: s.chooser != nil}
	if s.chooser != nil {
		key.window = s.chooser.Window()
	}
	if s.candOK && s.candKey == key {
		return
	}
	s.candKey, s.candOK = key, true
	s.candAt = s.candAt[:0]
	n := s.q.len()
	if n == 0 || s.q.item(0).kind == evCall {
		return
	}
	// In a window, events after the first pending callback wait for it.
	// With latency abstracted away, callbacks run when they are the
	// earliest event, late if the chosen events moved time past them:
	// the candidates must not depend on the harness's own callbacks, so
	// that a script explored without them replays with them.
	var call *event
	w := Duration(0) // the default order: ties at the earliest instant
	if s.chooser != nil {
		w = s.chooser.Window()
	}
	if w >= 0 {
		limit = min(limit, s.q.item(0).at.Add(w))
		for i := range n {
			if e := s.q.item(i); e.kind == evCall && (call == nil || e.at < call.at || e.at == call.at && e.seq < call.seq) {
				call = e
			}
		}
	}
	for i := range n {
		e := s.q.item(i)
		if e.kind == evCall || e.at > limit || call != nil && (e.at > call.at || e.at == call.at && e.seq > call.seq) {
			continue
		}
		if e.kind == evTimer && !s.timerLive(e) {
			continue
		}
		s.candAt = append(s.candAt, i)
	}
	// Insertion sort by sequence number: the set is small, and sort.Slice
	// would allocate.
	at := s.candAt
	for i := 1; i < len(at); i++ {
		for j := i; j > 0 && s.q.item(at[j]).seq < s.q.item(at[j-1]).seq; j-- {
			at[j], at[j-1] = at[j-1], at[j]
		}
	}
}

// buildCandidates fills s.cands from s.candAt.
func (s *Sim) buildCandidates() {
	for _, i := range s.candAt {
		e := s.q.item(i)
		c := Candidate{At: e.at, From: e.from, To: e.to, Msg: e.msg, Tag: e.tag, Kind: EventDeliver}
		if e.kind == evTimer {
			c.Kind, c.From = EventTimer, e.to
		}
		s.cands = append(s.cands, c)
	}
}

// timerLive reports whether a queued timer event would fire.
func (s *Sim) timerLive(e *event) bool {
	n := s.nodes[e.to]
	t := &n.timers[e.tag]
	return n.up && e.inc == n.incarnation && t.armed && t.gen == e.a
}

// chooseNext is Run's step under a chooser. It returns the event to run
// (ok), or applies a fault choice itself and reports it as a step taken
// (done), or neither when the next event is a callback or stale, which it
// hands back for the ordinary path.
func (s *Sim) chooseNext(limit Time) (e event, ok, done bool) {
	s.gatherPositions(limit)
	if len(s.candAt) == 0 {
		return s.q.pop(), true, false
	}
	c, preset := Choice{}, false
	if p, isPreset := s.chooser.(PresetChooser); isPreset {
		c, preset = p.Preset()
	}
	if !preset {
		s.buildCandidates()
		c = s.chooser.Choose(s, s.cands)
	}
	if c.Kind != ChooseCrash && c.Kind != ChooseRestart && (c.Index < 0 || c.Index >= len(s.candAt)) {
		panic(fmt.Sprintf("sim: the chooser chose %v among %d candidates", c, len(s.candAt)))
	}
	switch c.Kind {
	case ChooseRun:
		e = s.q.remove(s.candAt[c.Index])
		if e.at > s.now {
			s.now = e.at
		}
		e.at = s.now
		s.noteInput(&e)
		return e, true, false
	case ChooseDrop, ChooseDuplicate:
		d := s.q.item(s.candAt[c.Index])
		if d.kind != evDeliver {
			panic(fmt.Sprintf("sim: the chooser chose %v, but candidate %d is a timer", c, c.Index))
		}
		s.stats.Steps++
		s.lastNode = -1
		if c.Kind == ChooseDuplicate {
			s.transport.Send(s, d.from, d.to, d.msg)
			return event{}, false, true
		}
		lost := s.q.remove(s.candAt[c.Index])
		if s.checked != nil {
			delete(s.checked, lost.ck)
		}
		// The transport settles its books as for a message that found its
		// receiver down; the trace says it was lost.
		s.transport.Arrive(s, lost.from, lost.to, lost.a, false)
		s.stats.Dropped[CauseLoss]++
		s.tr.record(&Record{At: s.now, Kind: RecDrop, Node: lost.to, Peer: lost.from, Msg: lost.msg, Cause: CauseLoss})
		return event{}, false, true
	case ChooseCrash, ChooseRestart:
		if c.Index < 0 || c.Index >= len(s.nodes) {
			panic(fmt.Sprintf("sim: the chooser chose %v, but there are %d nodes", c, len(s.nodes)))
		}
		s.stats.Steps++
		s.lastNode = -1
		id := NodeID(c.Index)
		if c.Kind == ChooseCrash && !s.Crash(id) {
			panic(fmt.Sprintf("sim: the chooser chose %v, but %v is down", c, id))
		}
		if c.Kind == ChooseRestart && !s.Restart(id) {
			panic(fmt.Sprintf("sim: the chooser chose %v, but %v is up or was never started", c, id))
		}
		return event{}, false, true
	}
	panic(fmt.Sprintf("sim: the chooser chose %v, which is no kind of choice", c))
}

// noteInput folds an event a node is about to handle into its input digest,
// which stands in for the state of a node that cannot fingerprint itself.
func (s *Sim) noteInput(e *event) {
	if e.kind == evCall {
		return
	}
	n := s.own(s.nodes[e.to])
	switch e.kind {
	case evDeliver:
		if n.up && !n.paused {
			n.inputs = mix(mix(mix(n.inputs, 1), uint64(uint32(e.from))), e.msg.Digest())
		}
	case evTimer:
		if n.up && !n.paused {
			n.inputs = mix(mix(n.inputs, 2), uint64(e.tag))
		}
	}
}

// ClockReads counts the times the nodes read their clocks (Env.Now) so
// far. A handler that did not read its clock did the same whatever the
// time: an exhaustive search may then take two such steps of different
// nodes in either order and reach the same state (package explore).
func (s *Sim) ClockReads() uint64 { return s.clockReads }

// Fingerprinter is a node that digests its own state, so that an
// exhaustive search (package explore) recognizes a state it has seen:
// equal fingerprints must mean node states whose futures are alike. It is
// read between handlers only, and must not change the node.
type Fingerprinter interface {
	Fingerprint() uint64
}

// NodeFingerprint is the state of node id as an exhaustive search tells
// states apart: its Fingerprint when it has one, its InputDigest when it
// has not, 0 when it is down. A Fingerprint is cached until a handler of
// the node runs again, in a slot this Sim alone holds (a slot a snapshot
// shares is read, never written: the cache is filled in the world that
// ran the node last, and its snapshots share it), except a ClockReader's
// that reads its clock.
func (s *Sim) NodeFingerprint(id NodeID) uint64 {
	n := s.slot(id)
	if n.node == nil {
		return 0
	}
	if n.fpOK {
		return n.fp
	}
	f, ok := n.node.(Fingerprinter)
	if !ok {
		return n.inputs
	}
	v := f.Fingerprint()
	if cr, ok := n.node.(ClockReader); (!ok || !cr.ReadsClock()) && n.refs == 1 {
		n.fp, n.fpOK = v, true
	}
	return v
}

// InputDigest digests everything the node's current incarnation has handled
// under a chooser: its incarnation, its disk at boot, and every message and
// timer since, in order. Equal digests mean equal node state (the node is a
// deterministic function of them and of its random stream, which they
// determine), so an exhaustive search can use it for a node that offers no
// fingerprint of its own. It is maintained only while a chooser is
// installed; 0 for a node that is down.
func (s *Sim) InputDigest(id NodeID) uint64 {
	n := s.slot(id)
	if !n.up {
		return 0
	}
	return n.inputs
}
