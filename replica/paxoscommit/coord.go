package paxoscommit

import (
	"math/bits"

	"github.com/paxossim/paxossim/sim"
)

// The coordinator: the leader's side of a transaction (the paper's
// transaction manager). It asks the RMs to prepare, counts the acceptors'
// phase-2b answers per instance, and decides Commit once every instance
// chose prepared, Abort as soon as one chose aborted. An instance whose RM
// is silent past the wait is recovered: phase 1 at a fresh ballot of the
// leader's, then phase 2 with the value accepted at the highest ballot
// among a majority, or aborted if none of them accepted anything. Once the
// outcome is known it tells every RM's host, and answers the client when
// all of them have made it durable, so that a client's answer means every
// RM knows.

// coord is one transaction under coordination.
type coord struct {
	txn     Txn
	inst    []coordInst // one per RM, in txn.RMs order
	hosts   []sim.NodeID
	acked   uint64 // hosts (by position in hosts) that acknowledged the outcome
	outcome Outcome
	waiters []waiter
	next    sim.Time // local time of the next retry
	tries   uint
	help    bool // an RM asked for it
}

type waiter struct {
	client sim.NodeID
	seq    uint64
}

// coordInst is the coordinator's view of one instance.
type coordInst struct {
	chosen  Value
	tallies []tally
	// Phase 1 at p1 (zero: none running): the acceptors that promised,
	// and the highest accepted (ballot, value) among them. p2 is the value
	// proposed at p1, once proposed (at most one value per ballot).
	p1       Ballot
	p1Voters uint64
	p1Any    bool
	p1Best   Ballot
	p1Val    Value
	p2       Value
}

// tally counts the acceptors that accepted a value at a ballot.
type tally struct {
	ballot Ballot
	value  Value
	voters uint64
}

func (s *Server) onRequest(m Request) {
	if !s.leading {
		hint := s.leader
		if hint == s.me {
			hint = -1
		}
		s.env.Send(m.Client, Redirect{Seq: m.Seq, Hint: hint})
		return
	}
	c := s.coordinate(m.Txn, false)
	for _, w := range c.waiters {
		if w.client == m.Client && w.seq == m.Seq {
			return // a retry: it waits already
		}
	}
	c.waiters = append(c.waiters, waiter{client: m.Client, seq: m.Seq})
}

func (s *Server) onHelp(m Help) {
	if s.leading {
		s.coordinate(m.Txn, true)
	}
}

// coordinate returns the transaction's coordinator, started if new: with
// the outcome if this server knows it, else by asking the RMs to prepare.
func (s *Server) coordinate(txn Txn, help bool) *coord {
	if c := s.coords[txn.ID]; c != nil {
		c.help = c.help || help
		return c
	}
	c := &coord{txn: txn, inst: make([]coordInst, len(txn.RMs)), help: help}
	for _, rm := range txn.RMs {
		h := s.host(rm)
		if !containsID(c.hosts, h) {
			c.hosts = append(c.hosts, h)
		}
	}
	s.coords[txn.ID] = c
	s.order = append(s.order, c)
	c.next = s.env.Now().Add(s.cfg.PrepareWait)
	if o := s.known[txn.ID]; o != 0 {
		c.outcome = o
		s.sendDecides(c)
		return c
	}
	for _, h := range c.hosts {
		s.env.Send(h, Prepare{Txn: txn, Coord: s.me})
	}
	return c
}

func containsID(ids []sim.NodeID, id sim.NodeID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// quorum2b is how many phase-2b answers choose a value.
func (s *Server) quorum2b() int {
	if s.mutant == mutantQuorumMinusOne {
		return max(s.majority-1, 1)
	}
	return s.majority
}

func (s *Server) on2b(from sim.NodeID, m Phase2b) {
	c := s.coords[m.Txn]
	if c == nil || c.outcome != 0 {
		return
	}
	i := c.txn.index(m.RM)
	if i < 0 {
		return
	}
	inst := &c.inst[i]
	if inst.chosen != 0 {
		return
	}
	bit := uint64(1) << uint(s.serverIndex(from))
	var t *tally
	for j := range inst.tallies {
		if inst.tallies[j].ballot == m.Ballot && inst.tallies[j].value == m.Value {
			t = &inst.tallies[j]
		}
	}
	if t == nil {
		inst.tallies = append(inst.tallies, tally{ballot: m.Ballot, value: m.Value})
		t = &inst.tallies[len(inst.tallies)-1]
	}
	t.voters |= bit
	if bits.OnesCount64(t.voters) < s.quorum2b() {
		return
	}
	inst.chosen = m.Value
	s.evaluate(c)
}

// evaluate decides once the chosen values settle the outcome.
func (s *Server) evaluate(c *coord) {
	all := true
	for i := range c.inst {
		switch c.inst[i].chosen {
		case Aborted:
			s.decide(c, Abort)
			return
		case 0:
			all = false
		}
	}
	if all {
		s.decide(c, Commit)
	}
}

// decide records the outcome the coordinator decided from the votes it
// counted and tells the RMs' hosts.
func (s *Server) decide(c *coord, o Outcome) {
	c.outcome = o
	s.learn(c.txn.ID, o)
	s.report(Event{Kind: EventDecide, Txn: c.txn.ID, RMs: c.txn.RMs, Outcome: o})
	s.env.Logf("decided %v for %s", o, c.txn.ID)
	c.tries = 0
	c.next = s.env.Now().Add(s.cfg.PrepareWait)
	s.sendDecides(c)
}

func (s *Server) sendDecides(c *coord) {
	for i, h := range c.hosts {
		if c.acked&(1<<uint(i)) == 0 {
			s.env.Send(h, Decide{Txn: c.txn, Outcome: c.outcome})
		}
	}
}

// onKnown: an RM's host knows the outcome (it was told, or its RM voted
// abort): the coordinator takes it without counting votes.
func (s *Server) onKnown(m Known) {
	c := s.coords[m.Txn]
	if c == nil || c.outcome != 0 {
		return
	}
	c.outcome = m.Outcome
	s.learn(c.txn.ID, m.Outcome)
	s.sendDecides(c)
}

func (s *Server) onDecideAck(from sim.NodeID, m DecideAck) {
	c := s.coords[m.Txn]
	if c == nil || c.outcome == 0 {
		return
	}
	for i, h := range c.hosts {
		if h == from {
			c.acked |= 1 << uint(i)
		}
	}
	if bits.OnesCount64(c.acked) < len(c.hosts) {
		return
	}
	for _, w := range c.waiters {
		s.env.Send(w.client, Reply{Seq: w.seq, Outcome: c.outcome})
	}
	if c.help {
		s.cov.rescued++
	}
	s.dropCoord(c)
}

func (s *Server) dropCoord(c *coord) {
	delete(s.coords, c.txn.ID)
	for i, x := range s.order {
		if x == c {
			copy(s.order[i:], s.order[i+1:])
			s.order[len(s.order)-1] = nil
			s.order = s.order[:len(s.order)-1]
			return
		}
	}
}

func (s *Server) on1b(from sim.NodeID, m Phase1b) {
	c := s.coords[m.Txn]
	if c == nil || c.outcome != 0 {
		return
	}
	i := c.txn.index(m.RM)
	if i < 0 {
		return
	}
	inst := &c.inst[i]
	if inst.chosen != 0 || inst.p1 != m.Ballot || inst.p2 != 0 {
		return
	}
	bit := uint64(1) << uint(s.serverIndex(from))
	if inst.p1Voters&bit != 0 {
		return
	}
	inst.p1Voters |= bit
	if m.Accepted && (!inst.p1Any || inst.p1Best.Less(m.AccBal)) {
		inst.p1Any, inst.p1Best, inst.p1Val = true, m.AccBal, m.Value
	}
	if bits.OnesCount64(inst.p1Voters) < s.majority {
		return
	}
	v := Aborted
	switch {
	case inst.p1Any:
		v = inst.p1Val
	case s.mutant == mutantRecoverPrepared:
		v = Prepared
	}
	inst.p2 = v
	s.cov.recovery++
	if !inst.p1Any {
		s.cov.recoveredAbort++
	}
	s.broadcast(Phase2a{Txn: m.Txn, RM: m.RM, Ballot: inst.p1, Value: v, Coord: s.me})
}

// tickCoords retries every transaction whose wait ran out: the outcome
// again to the hosts that did not acknowledge it, or, undecided, the
// prepare request again and, from the second retry, phase 1 at a fresh
// ballot on every instance not chosen yet.
func (s *Server) tickCoords() {
	now := s.env.Now()
	for _, c := range s.order {
		if now < c.next {
			continue
		}
		c.tries++
		c.next = now.Add(s.cfg.PrepareWait<<min(c.tries, maxDoublings) + sim.Duration(s.env.Rand().Int64N(int64(s.cfg.PrepareWait))))
		if c.outcome != 0 {
			s.sendDecides(c)
			continue
		}
		s.retry(c)
	}
}

func (s *Server) retry(c *coord) {
	if s.mutant == mutantCommitOnSilence {
		prepared, aborted := 0, 0
		for i := range c.inst {
			switch c.inst[i].chosen {
			case Prepared:
				prepared++
			case Aborted:
				aborted++
			}
		}
		if prepared > 0 && aborted == 0 {
			s.decide(c, Commit)
			return
		}
	}
	for _, h := range c.hosts {
		s.env.Send(h, Prepare{Txn: c.txn, Coord: s.me})
	}
	if c.tries < 2 {
		return
	}
	var b Ballot
	for i := range c.inst {
		inst := &c.inst[i]
		if inst.chosen != 0 {
			continue
		}
		if b.IsZero() {
			b = s.nextBallot()
		}
		inst.p1, inst.p1Voters, inst.p1Any, inst.p1Best, inst.p1Val, inst.p2 = b, 0, false, Ballot{}, 0, 0
		s.broadcast(Phase1a{Txn: c.txn.ID, RM: c.txn.RMs[i], Ballot: b})
	}
}
