package paxos

import (
	"encoding/binary"
	"fmt"

	"github.com/paxossim/paxossim/sim"
)

// Timers.
const (
	callTimer   sim.TimerTag = iota // the outstanding register call timed out
	oracleTimer                     // the oracle lets proposeP try again
	flushTimer                      // the reply-before-sync mutant syncs late
)

var timerNames = [...]string{"call", "oracle", "flush"}

// node is what the layers of one server share: its world, its cluster,
// the rounds it has seen, its event log and its coverage counts.
type node struct {
	env      sim.Env
	servers  []sim.NodeID
	majority int
	cfg      Config
	mutant   mutant
	acc      acceptor
	// proposed is the highest round number this server proposed at
	// (durable: keyProposer); seen the highest a refusal reported.
	proposed, seen uint64
	// rcCalls counts proposeRC calls of this incarnation.
	rcCalls uint64
	// failures counts the failed proposeRC calls of the running proposeP:
	// each doubles the call timeout and the oracle's wait (Config).
	failures uint
	events   events
	cov      coverage
}

// coverage counts the protocol paths the scenarios must reach.
type coverage struct {
	contention   uint64 // an acceptor refused a read or write: it had switched to a higher round
	adopted      uint64 // proposeRC wrote a value a read returned instead of its own
	diskRecovery uint64 // a restarted server loaded state from its disk
	retries      uint64 // proposeP tried again at a higher round
	badInput     uint64 // messages ignored as malformed or from the wrong sender
}

func (n *node) broadcast(msg sim.Message) {
	for _, id := range n.servers {
		n.env.Send(id, msg)
	}
}

// saw notes a round above this server's, so that its next round is higher.
func (n *node) saw(k Round) { n.seen = max(n.seen, k.Number) }

// nextRound picks a round above every round this server proposed at, saw
// refused at, or switched its own acceptor to, and makes it durable before
// any read at it goes out: a restarted server must never reuse a round,
// since a round stands for one proposal.
func (n *node) nextRound() Round {
	num := max(n.proposed, n.seen, n.acc.round.Number) + 1
	n.proposed = num
	d := n.env.Disk()
	d.Write(keyProposer, binary.LittleEndian.AppendUint64(nil, num))
	d.Sync()
	return Round{Number: num, Node: n.env.ID()}
}

// backoff draws the oracle's wait.
func (n *node) backoff() sim.Duration {
	lo, hi := n.scaled(n.cfg.BackoffMin), n.scaled(n.cfg.BackoffMax)
	return lo + sim.Duration(n.env.Rand().Int64N(int64(hi-lo)+1))
}

// scaled doubles d once per failed attempt, up to maxDoublings times.
func (n *node) scaled(d sim.Duration) sim.Duration { return d << min(n.failures, maxDoublings) }

func (n *node) index(id sim.NodeID) int {
	for i, s := range n.servers {
		if s == id {
			return i
		}
	}
	return -1
}

// Server is one server: an acceptor of the round-based register and a
// proposer that runs the three layers (register, consensus, paxos) for the
// clients it serves. It answers a client's Put with the decision, and a
// Get with the decision, or with undef if a proposal of undef found
// nothing decided.
type Server struct {
	node
	reg register
	rc  consensus
	px  paxos
	// decided is the decision this incarnation knows (undef: none yet).
	// It is not durable: a restarted server learns it again, from a
	// Decided or by proposing.
	decided Value
	pending []pending
	// flushing: the reply-before-sync mutant's flush timer is armed.
	flushing bool
}

// pending is a client request waiting for the decision.
type pending struct {
	client sim.NodeID
	seq    uint64
	op     RequestOp
	value  Value
	// rcBefore is node.rcCalls when the request arrived: a Get may be
	// answered "nothing decided" only by a proposeRC that started after
	// it arrived (one that started before may have read before a value
	// was decided that a client then saw, before this Get was called).
	rcBefore uint64
}

// Start boots or restarts the server from its disk alone.
func (s *Server) Start(env sim.Env) {
	s.env = env
	s.majority = len(s.servers)/2 + 1
	s.reg = register{n: &s.node, upper: &s.rc}
	s.rc = consensus{n: &s.node, reg: &s.reg, upper: &s.px}
	s.px = paxos{n: &s.node, rc: &s.rc, upper: s}
	d := env.Disk()
	acc, found, err := readAcceptor(d)
	if err != nil {
		env.Logf("acceptor record does not decode (%v): starting without it", err)
	}
	s.acc = acc
	proposed, err := readProposer(d)
	if err != nil {
		env.Logf("proposer record does not decode (%v): starting without it", err)
	}
	s.proposed = proposed
	if found || proposed > 0 {
		s.cov.diskRecovery++
	}
}

// Receive is the server's single dispatch point. Messages from a sender
// that may not send them, or with values outside the limits, are bad
// input: traced and ignored.
func (s *Server) Receive(from sim.NodeID, msg sim.Message) {
	switch m := msg.(type) {
	case Read:
		if s.index(from) < 0 || !s.validRound(m.Round, from) {
			break
		}
		s.onRead(from, m)
		return
	case Write:
		if s.index(from) < 0 || !s.validRound(m.Round, from) || !validValue(m.Value) || m.Value == undef {
			break
		}
		s.onWrite(from, m)
		return
	case ReadReply:
		if i := s.index(from); i >= 0 && validValue(m.Value) {
			s.reg.onReadReply(i, m)
			return
		}
	case WriteReply:
		if i := s.index(from); i >= 0 {
			s.reg.onWriteReply(i, m)
			return
		}
	case Decided:
		if s.index(from) >= 0 && validValue(m.Value) && m.Value != undef {
			s.learn(m.Value)
			return
		}
	case Request:
		if from == m.Client && s.index(from) < 0 && validRequest(m) {
			s.onRequest(m)
			return
		}
	}
	s.cov.badInput++
	s.env.Logf("ignoring %v from %v", msg, from)
}

// Timer dispatches the server's timers.
func (s *Server) Timer(tag sim.TimerTag) {
	switch tag {
	case callTimer:
		s.reg.timeout()
	case oracleTimer:
		s.px.retry()
	case flushTimer:
		s.flushing = false
		s.env.Disk().Sync()
	}
}

// TimerName names the server's timers in the trace.
func (s *Server) TimerName(tag sim.TimerTag) string {
	if int(tag) < len(timerNames) {
		return timerNames[tag]
	}
	return fmt.Sprintf("timer(%d)", tag)
}

// validRound: a round belongs to the server that proposes at it.
func (s *Server) validRound(k Round, from sim.NodeID) bool {
	return k.Number >= 1 && k.Number <= MaxRoundNumber && k.Node == from
}

func validValue(v Value) bool { return len(v) <= MaxValue }

func validRequest(m Request) bool {
	switch m.Op {
	case RequestGet:
		return m.Value == undef
	case RequestPut:
		return m.Value != undef && validValue(m.Value)
	}
	return false
}

// onRead is the acceptor's side of read(k).
func (s *Server) onRead(from sim.NodeID, m Read) {
	ok, changed := s.acc.read(m.Round)
	if changed {
		s.persistAcceptor()
	}
	if !ok {
		s.env.Send(from, ReadReply{Round: m.Round, Current: s.acc.round})
		return
	}
	s.env.Send(from, ReadReply{Round: m.Round, OK: true, Accepted: s.acc.accepted, Value: s.acc.value, Current: s.acc.round})
}

// onWrite is the acceptor's side of write(k, v).
func (s *Server) onWrite(from sim.NodeID, m Write) {
	ok, changed := s.acc.write(m.Round, m.Value, s.mutant)
	if changed {
		s.persistAcceptor()
	}
	s.env.Send(from, WriteReply{Round: m.Round, OK: ok, Current: s.acc.round})
}

// persistAcceptor writes the acceptor's state and syncs it: the answer
// about to go out depends on it.
func (s *Server) persistAcceptor() {
	d := s.env.Disk()
	d.Write(keyAcceptor, encodeAcceptor(s.acc))
	if s.mutant == mutantReplyBeforeSync {
		if !s.flushing {
			s.flushing = true
			s.env.SetTimer(flushTimer, flushDelay)
		}
		return
	}
	d.Sync()
}

// onRequest answers at once if the decision is known; otherwise the
// request waits for it, and a proposal starts if none is running.
func (s *Server) onRequest(m Request) {
	if s.decided != undef {
		s.env.Send(m.Client, Reply{Seq: m.Seq, Value: s.decided})
		return
	}
	for _, p := range s.pending {
		if p.client == m.Client && p.seq == m.Seq {
			return // a retry: the request is waiting already
		}
	}
	s.pending = append(s.pending, pending{client: m.Client, seq: m.Seq, op: m.Op, value: m.Value, rcBefore: s.rcCalls})
	s.propose()
}

// propose starts proposeP for the waiting requests, unless one runs: with
// the first waiting Put's value, or, for Gets only, with undef.
func (s *Server) propose() {
	if s.px.active || s.decided != undef || len(s.pending) == 0 {
		return
	}
	v0 := undef
	for _, p := range s.pending {
		if p.op == RequestPut {
			v0 = p.value
			break
		}
	}
	s.px.proposeP(v0)
}

// proposePDone receives proposeP's result.
func (s *Server) proposePDone(v Value) {
	if v != undef {
		if s.decided == undef { // decided here, not told: tell the others
			s.decided = v
			for _, id := range s.servers {
				if id != s.env.ID() {
					s.env.Send(id, Decided{Value: v})
				}
			}
		}
		s.answerAll()
		return
	}
	// Nothing decided, as of a proposeRC that started after every Get
	// that arrived before it: those Gets are answered.
	kept := s.pending[:0]
	for _, p := range s.pending {
		if p.op == RequestGet && p.rcBefore < s.rcCalls {
			s.env.Send(p.client, Reply{Seq: p.seq})
			continue
		}
		kept = append(kept, p)
	}
	clear(s.pending[len(kept):])
	s.pending = kept
	s.propose()
}

// learn takes the decision another server told.
func (s *Server) learn(v Value) {
	if s.decided != undef {
		if s.decided != v {
			s.env.Logf("told decision %v, but decided %v", v, s.decided)
		}
		return
	}
	s.decided = v
	s.px.learn(v)
	s.answerAll()
}

func (s *Server) answerAll() {
	for _, p := range s.pending {
		s.env.Send(p.client, Reply{Seq: p.seq, Value: s.decided})
	}
	clear(s.pending)
	s.pending = s.pending[:0]
}

// Accessors, for the binding's view and for tests.

// Decision returns the decision this server knows.
func (s *Server) Decision() (Value, bool) { return s.decided, s.decided != undef }

// AcceptorRound is the round the server's acceptor switched to.
func (s *Server) AcceptorRound() Round { return s.acc.round }

// Accepted is what the acceptor last accepted: its round and value.
func (s *Server) Accepted() (Round, Value) { return s.acc.accepted, s.acc.value }

// Proposing reports whether proposeP is running, and at what round.
func (s *Server) Proposing() (Round, bool) { return s.px.k, s.px.active }

// Pending counts the client requests waiting for the decision.
func (s *Server) Pending() int { return len(s.pending) }

// Fingerprint digests the server's protocol state: the acceptor, the
// rounds, the outstanding calls of the three layers, the decision and the
// waiting requests; not the layer-event log, the call ids that label it or
// the coverage counts, which are output for the harness. Two servers with equal fingerprints behave
// the same from here on (up to their random streams), which is what an
// exhaustive search needs to recognize a state it has seen.
func (s *Server) Fingerprint() uint64 {
	c := &s.reg.call
	h := sim.Mix(s.acc.round.digest(), s.acc.accepted.digest(), s.acc.value.digest(), s.proposed, s.seen,
		uint64(c.kind), c.round.digest(), c.acks, c.refusals, c.written.digest(), c.accepted.digest(), c.value.digest(),
		b2u(s.rc.busy), s.rc.k.digest(), s.rc.v0.digest(), s.rc.v.digest(),
		b2u(s.px.active), b2u(s.px.waiting), s.px.v0.digest(), s.px.k.digest(), s.px.learned.digest(),
		s.decided.digest(), b2u(s.flushing), uint64(s.failures))
	for _, p := range s.pending {
		// Only whether a proposeRC started since the request arrived
		// matters, not how many did.
		h = sim.Mix(h, uint64(uint32(p.client)), p.seq, uint64(p.op), p.value.digest(), b2u(p.rcBefore < s.rcCalls))
	}
	return h
}

// DrainEvents appends the layer events since the last drain to buf and
// forgets them.
func (s *Server) DrainEvents(buf []LayerEvent) []LayerEvent {
	buf = append(buf, s.events.log...)
	clear(s.events.log)
	s.events.log = s.events.log[:0]
	return buf
}
