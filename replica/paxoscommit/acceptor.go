package paxoscommit

import "github.com/paxossim/paxossim/sim"

// The acceptor: one Paxos instance per (transaction, RM), each with its
// own promise, so that a leader recovering one transaction never stops
// the RMs of another from proposing at ballot 0.

// accState is an acceptor's state in one instance.
type accState struct {
	promised Ballot // the highest ballot promised (or accepted at)
	accepted bool
	bal      Ballot // where Value was accepted, if accepted
	val      Value
}

func (s *Server) accState(k instKey) *accState {
	a := s.acc[k]
	if a == nil {
		a = &accState{}
		s.acc[k] = a
	}
	return a
}

// on2a accepts unless it promised a higher ballot; the acceptance is
// synced before the answer that reports it.
func (s *Server) on2a(m Phase2a) {
	k := instKey{m.Txn, m.RM}
	a := s.accState(k)
	s.note(m.Ballot)
	if m.Ballot.Less(a.promised) {
		s.cov.contention++
		s.env.Send(m.Coord, Nack{Txn: m.Txn, RM: m.RM, Ballot: m.Ballot, Promised: a.promised})
		return
	}
	if !a.accepted || a.bal != m.Ballot || a.val != m.Value || a.promised != m.Ballot {
		a.promised, a.accepted, a.bal, a.val = m.Ballot, true, m.Ballot, m.Value
		s.writeAcceptor(k, a)
		s.env.Disk().Sync()
		s.report(Event{Kind: EventAccept, Txn: m.Txn, RM: m.RM, Ballot: m.Ballot, Value: m.Value})
	}
	s.env.Send(m.Coord, Phase2b{Txn: m.Txn, RM: m.RM, Ballot: m.Ballot, Value: m.Value})
}

// on1a promises the ballot unless it promised a higher one, and reports
// what it accepted; the promise is synced first.
func (s *Server) on1a(from sim.NodeID, m Phase1a) {
	k := instKey{m.Txn, m.RM}
	a := s.accState(k)
	s.note(m.Ballot)
	if m.Ballot.Less(a.promised) {
		s.cov.contention++
		s.env.Send(from, Nack{Txn: m.Txn, RM: m.RM, Ballot: m.Ballot, Promised: a.promised})
		return
	}
	if a.promised.Less(m.Ballot) {
		a.promised = m.Ballot
		s.writeAcceptor(k, a)
		s.env.Disk().Sync()
		s.report(Event{Kind: EventPromise, Txn: m.Txn, RM: m.RM, Ballot: m.Ballot})
	}
	s.env.Send(from, Phase1b{Txn: m.Txn, RM: m.RM, Ballot: m.Ballot, Accepted: a.accepted, AccBal: a.bal, Value: a.val})
}
