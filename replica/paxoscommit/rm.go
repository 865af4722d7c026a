package paxoscommit

import "github.com/paxossim/paxossim/sim"

// The resource managers hosted here. An RM goes working -> prepared ->
// committed | aborted, or working -> aborted: asked to prepare, it votes
// its own choice, makes the vote durable, and proposes it at ballot 0 of
// its own instance to every acceptor. An RM that votes abort is aborted at
// once (its vote alone forces abort). A prepared RM waits for the outcome
// and, while it waits, asks the leader to finish the transaction: this is
// what keeps a transaction alive when its coordinator crashed.

// rmState is one RM's part in one transaction.
type rmState struct {
	key   instKey
	txn   Txn
	vote  Value      // 0: working
	final Outcome    // 0: not final
	coord sim.NodeID // the coordinator that last asked it to prepare (-1: none)
	// votedAt and helpAt are local times: when it voted, and when it
	// next asks the leader for help.
	votedAt, helpAt sim.Time
	waiting         bool
}

// rm returns the state of rm in txn, made if new.
func (s *Server) rm(txn Txn, rm int) *rmState {
	k := instKey{txn.ID, rm}
	st := s.rms[k]
	if st == nil {
		st = &rmState{key: k, txn: txn, coord: -1}
		s.rms[k] = st
	}
	return st
}

// onPrepare: each RM hosted here that is still working votes; every RM
// that voted (re)proposes its vote, with the asking coordinator as the
// place the answers go. A host that knows the outcome tells it.
func (s *Server) onPrepare(m Prepare) {
	changed := false
	var voted []*rmState
	for i, rm := range m.Txn.RMs {
		if !s.hosts(rm) {
			continue
		}
		st := s.rm(m.Txn, rm)
		if st.vote != 0 && st.coord >= 0 && st.coord != m.Coord {
			s.cov.coordChange++
		}
		st.coord = m.Coord
		if st.vote == 0 && st.final == 0 {
			st.vote = Aborted
			if m.Txn.Prepare[i] {
				st.vote = Prepared
			}
			s.report(Event{Kind: EventVote, Txn: st.txn.ID, RMs: st.txn.RMs, RM: rm, Value: st.vote})
			if st.vote == Aborted {
				s.cov.forcedAbort++
				st.final = Abort
				s.learn(st.txn.ID, Abort)
				s.report(Event{Kind: EventFinal, Txn: st.txn.ID, RMs: st.txn.RMs, RM: rm, Outcome: Abort})
			} else {
				st.votedAt = s.env.Now()
				s.wait(st)
			}
			s.writeRM(st)
			changed = true
		}
		if st.vote != 0 {
			voted = append(voted, st)
		}
	}
	if changed {
		s.env.Disk().Sync()
	}
	for _, st := range voted {
		s.broadcast(Phase2a{Txn: st.txn.ID, RM: st.key.rm, Value: st.vote, Coord: m.Coord})
	}
	if o := s.known[m.Txn.ID]; o != 0 {
		s.env.Send(m.Coord, Known{Txn: m.Txn.ID, Outcome: o})
	}
}

// wait puts a prepared RM on the list of those that ask for help.
func (s *Server) wait(st *rmState) {
	if st.waiting {
		return
	}
	st.waiting = true
	st.helpAt = s.env.Now().Add(s.cfg.HelpAfter)
	s.waiting = append(s.waiting, st)
}

// onDecide makes the outcome final at every RM of the transaction hosted
// here, durably, before it acknowledges.
func (s *Server) onDecide(from sim.NodeID, m Decide) {
	changed := false
	for _, rm := range m.Txn.RMs {
		if !s.hosts(rm) {
			continue
		}
		st := s.rm(m.Txn, rm)
		if st.final != 0 {
			continue
		}
		st.final = m.Outcome
		s.report(Event{Kind: EventFinal, Txn: st.txn.ID, RMs: st.txn.RMs, RM: rm, Outcome: st.final})
		s.writeRM(st)
		changed = true
	}
	s.learn(m.Txn.ID, m.Outcome)
	if changed {
		s.env.Disk().Sync()
	}
	s.env.Send(from, DecideAck{Txn: m.Txn.ID})
}

// tickRMs: every prepared RM still waiting for the outcome asks the
// leader (every server if it knows none) to finish the transaction.
func (s *Server) tickRMs() {
	now := s.env.Now()
	kept := s.waiting[:0]
	for _, st := range s.waiting {
		if st.final != 0 {
			st.waiting = false
			continue
		}
		if s.mutant == mutantUnilateralAbort && now.Sub(st.votedAt) >= unilateralAfter {
			st.final = Abort
			s.learn(st.txn.ID, Abort)
			s.report(Event{Kind: EventFinal, Txn: st.txn.ID, RMs: st.txn.RMs, RM: st.key.rm, Outcome: Abort})
			s.writeRM(st)
			s.env.Disk().Sync()
			st.waiting = false
			continue
		}
		if now >= st.helpAt {
			st.helpAt = now.Add(s.cfg.HelpAfter)
			if s.leader >= 0 && s.leader != s.me {
				s.env.Send(s.leader, Help{Txn: st.txn})
			} else if s.leading {
				s.onHelp(Help{Txn: st.txn})
			} else {
				s.broadcastOthers(Help{Txn: st.txn})
			}
		}
		kept = append(kept, st)
	}
	clear(s.waiting[len(kept):])
	s.waiting = kept
}
