package paxoscommit

import (
	"fmt"

	"github.com/paxossim/paxossim/sim"
)

// Timers.
const (
	tickTimer     sim.TimerTag = iota // heartbeats, coordinator retries, RMs asking for help
	electionTimer                     // no word from a leader for too long
)

var timerNames = [...]string{"tick", "election"}

// instKey names one Paxos instance, and the RM it decides for: the
// transaction and the RM's number.
type instKey struct {
	txn string
	rm  int
}

// coverage counts the protocol paths the scenarios must reach.
type coverage struct {
	leaderChange   uint64 // a server became leader after another had led
	coordChange    uint64 // an RM that had voted was asked again by another coordinator: a leader change mid-transaction
	forcedAbort    uint64 // an RM voted abort, forcing its transaction to abort
	recovery       uint64 // a leader completed phase 1 on an instance and proposed at its ballot
	recoveredAbort uint64 // ... and proposed aborted, phase 1 having found nothing accepted
	rescued        uint64 // a leader finished a transaction that a prepared RM asked it to (Help)
	diskRecovery   uint64 // a restarted server loaded state from its disk
	contention     uint64 // an acceptor refused a ballot below its promise
	badInput       uint64 // messages ignored as malformed or from the wrong sender
}

// Server is one server: an acceptor of every instance, the host of some
// RMs, and a candidate leader, which coordinates the transactions clients
// and RMs bring it while it leads.
type Server struct {
	cfg      Config
	mutant   mutant
	env      sim.Env
	me       sim.NodeID
	index    int // position in cfg.Servers
	n        int
	majority int

	// round is the highest ballot round this server used (durable, so
	// that a restarted server never reuses a ballot); seen is the highest
	// round it saw anywhere.
	round, seen  uint64
	leading      bool
	leader       sim.NodeID // -1: none known
	leaderBallot Ballot

	acc     map[instKey]*accState
	rms     map[instKey]*rmState
	waiting []*rmState // prepared RMs that do not know the outcome, in the order they voted
	// known is the outcome this incarnation knows for a transaction: from
	// a decision, or from an RM hosted here that voted abort.
	known map[string]Outcome

	coords map[string]*coord
	order  []*coord // coords in creation order: the tick walks them in a fixed order

	events []eventRec
	calls  uint64
	cov    coverage
}

// Start boots or restarts the server from its disk alone.
func (s *Server) Start(env sim.Env) {
	s.env = env
	s.me = env.ID()
	s.n = len(s.cfg.Servers)
	s.majority = s.n/2 + 1
	s.index = s.serverIndex(s.me)
	s.leader = -1
	s.acc = map[instKey]*accState{}
	s.rms = map[instKey]*rmState{}
	s.known = map[string]Outcome{}
	s.coords = map[string]*coord{}
	if s.load() {
		s.cov.diskRecovery++
	}
	env.SetTimer(tickTimer, s.cfg.Heartbeat)
	s.armElection()
}

// Receive is the server's single dispatch point. Messages from a sender
// that may not send them, or with values outside the limits, are bad
// input: traced and ignored.
func (s *Server) Receive(from sim.NodeID, msg sim.Message) {
	server := s.serverIndex(from) >= 0
	switch m := msg.(type) {
	case Request:
		if from == m.Client && !server && m.Txn.valid() {
			s.onRequest(m)
			return
		}
	case Heartbeat:
		if server && s.ownBallot(m.Ballot, from) {
			s.onHeartbeat(from, m)
			return
		}
	case Prepare:
		if server && m.Coord == from && m.Txn.valid() {
			s.onPrepare(m)
			return
		}
	case Phase2a:
		if server && s.validInstance(m.Txn, m.RM) && validValue(m.Value) && s.serverIndex(m.Coord) >= 0 &&
			((m.Ballot.IsZero() && m.Ballot.Node == 0 && from == s.host(m.RM)) || s.ownBallot(m.Ballot, from)) {
			s.on2a(m)
			return
		}
	case Phase1a:
		if server && s.validInstance(m.Txn, m.RM) && s.ownBallot(m.Ballot, from) {
			s.on1a(from, m)
			return
		}
	case Phase2b:
		if server && s.validInstance(m.Txn, m.RM) && validValue(m.Value) && s.validBallot(m.Ballot) {
			s.on2b(from, m)
			return
		}
	case Phase1b:
		if server && s.validInstance(m.Txn, m.RM) && s.validBallot(m.Ballot) && s.validBallot(m.AccBal) &&
			(!m.Accepted || validValue(m.Value)) {
			s.on1b(from, m)
			return
		}
	case Nack:
		if server && s.validInstance(m.Txn, m.RM) && s.validBallot(m.Promised) {
			s.note(m.Promised)
			return
		}
	case Known:
		if server && validTxnID(m.Txn) && validOutcome(m.Outcome) {
			s.onKnown(m)
			return
		}
	case Decide:
		if server && m.Txn.valid() && validOutcome(m.Outcome) {
			s.onDecide(from, m)
			return
		}
	case DecideAck:
		if server && validTxnID(m.Txn) {
			s.onDecideAck(from, m)
			return
		}
	case Help:
		if server && m.Txn.valid() {
			s.onHelp(m)
			return
		}
	}
	s.cov.badInput++
	s.env.Logf("ignoring %v from %v", msg, from)
}

// Timer dispatches the server's timers.
func (s *Server) Timer(tag sim.TimerTag) {
	switch tag {
	case tickTimer:
		s.env.SetTimer(tickTimer, s.cfg.Heartbeat)
		if s.leading {
			s.broadcastOthers(Heartbeat{Ballot: s.leaderBallot})
			s.tickCoords()
		}
		s.tickRMs()
	case electionTimer:
		s.onElectionTimeout()
	}
}

// TimerName names the server's timers in the trace.
func (s *Server) TimerName(tag sim.TimerTag) string {
	if int(tag) < len(timerNames) {
		return timerNames[tag]
	}
	return fmt.Sprintf("timer(%d)", tag)
}

func (s *Server) serverIndex(id sim.NodeID) int {
	for i, x := range s.cfg.Servers {
		if x == id {
			return i
		}
	}
	return -1
}

// host is the server that hosts rm.
func (s *Server) host(rm int) sim.NodeID { return s.cfg.Servers[rm%s.n] }

// hosts reports whether rm lives here.
func (s *Server) hosts(rm int) bool { return rm%s.n == s.index }

func (s *Server) validBallot(b Ballot) bool {
	if b.Round == 0 {
		return b.Node == 0
	}
	return b.Round <= MaxRound && s.serverIndex(b.Node) >= 0
}

// ownBallot: a ballot above 0 belongs to the leader that sends it.
func (s *Server) ownBallot(b Ballot, from sim.NodeID) bool {
	return b.Round >= 1 && b.Round <= MaxRound && b.Node == from
}

func (s *Server) validInstance(txn string, rm int) bool {
	return validTxnID(txn) && rm >= 0 && rm < MaxRMs
}

func (s *Server) broadcast(msg sim.Message) {
	for _, id := range s.cfg.Servers {
		s.env.Send(id, msg)
	}
}

func (s *Server) broadcastOthers(msg sim.Message) {
	for _, id := range s.cfg.Servers {
		if id != s.me {
			s.env.Send(id, msg)
		}
	}
}

// note remembers a round seen anywhere, so that this server's next
// ballot is higher.
func (s *Server) note(b Ballot) { s.seen = max(s.seen, b.Round) }

// nextBallot picks a ballot above every one this server used or saw, and
// makes it durable before anything goes out at it: a ballot stands for
// one proposal, and a restarted server must never reuse one.
func (s *Server) nextBallot() Ballot {
	s.round = max(s.round, s.seen) + 1
	s.writeRound()
	s.env.Disk().Sync()
	return Ballot{Round: s.round, Node: s.me}
}

// Leader election by timeouts. Safety never depends on it (any number of
// leaders may coordinate at once: the instances' acceptors keep them
// consistent); it only makes one leader likely, so that transactions
// finish.

func (s *Server) armElection() {
	lo, hi := s.cfg.ElectionMin, s.cfg.ElectionMax
	s.env.SetTimer(electionTimer, lo+sim.Duration(s.env.Rand().Int64N(int64(hi-lo)+1)))
}

func (s *Server) onElectionTimeout() {
	if s.leading {
		return
	}
	if !s.leaderBallot.IsZero() && s.leaderBallot.Node != s.me {
		s.cov.leaderChange++
	}
	s.leaderBallot = s.nextBallot()
	s.leading, s.leader = true, s.me
	s.env.Logf("leading at %v", s.leaderBallot)
	s.broadcastOthers(Heartbeat{Ballot: s.leaderBallot})
}

func (s *Server) onHeartbeat(from sim.NodeID, m Heartbeat) {
	s.note(m.Ballot)
	if m.Ballot.Less(s.leaderBallot) {
		return // a deposed leader: its heartbeats stop once it hears the current one
	}
	if s.leading && m.Ballot != s.leaderBallot {
		s.stepDown()
	}
	s.leader, s.leaderBallot = from, m.Ballot
	s.armElection()
}

// stepDown ends this server's leadership. Its coordinators go: their
// clients retry at the new leader, and prepared RMs ask it for help.
func (s *Server) stepDown() {
	s.env.Logf("stepping down")
	s.leading = false
	clear(s.coords)
	clear(s.order)
	s.order = s.order[:0]
}

// learn records an outcome this server knows.
func (s *Server) learn(txn string, o Outcome) {
	switch have := s.known[txn]; {
	case have == 0:
		s.known[txn] = o
	case have != o:
		s.env.Logf("told %v for %s, but knew %v", o, txn, have)
	}
}

// Accessors, for the binding's view and for tests.

// Leading reports whether the server leads, and at what ballot.
func (s *Server) Leading() (Ballot, bool) { return s.leaderBallot, s.leading }

// RMState returns an RM's vote and final state here (zero: none).
func (s *Server) RMState(txn string, rm int) (Value, Outcome) {
	if st := s.rms[instKey{txn, rm}]; st != nil {
		return st.vote, st.final
	}
	return 0, 0
}

// KnownOutcome returns the outcome this server knows for a transaction.
func (s *Server) KnownOutcome(txn string) Outcome { return s.known[txn] }

// Coordinating counts the transactions this server coordinates.
func (s *Server) Coordinating() int { return len(s.order) }
