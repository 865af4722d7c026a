package multipaxos

import "github.com/paxossim/paxossim/sim"

// pump proposes queued slots while the window allows: slots in flight stay
// below commit+Window, so a leader facing a dead majority holds a bounded
// amount of work and retransmits a bounded amount per tick.
func (r *Replica) pump() {
	if r.role != leader || r.leaseWaiting() {
		return
	}
	r.sentUpTo = max(r.sentUpTo, r.commit)
	for r.sentUpTo < len(r.log) && r.sentUpTo < r.commit+r.cfg.Window {
		s := r.sentUpTo
		r.sentUpTo++
		if !r.log[s].committed {
			r.propose(s)
		}
	}
}

// propose is Phase 2a for one slot. The leader votes for its own proposal
// like any acceptor; the vote is written now and counted by endEvent only
// after it is synced, exactly like a follower's AcceptReply.
func (r *Replica) propose(s int) {
	e := &r.log[s]
	e.proposed, e.acks, e.sentTick, e.resent = true, 0, r.tick, 0
	r.recordVote(s, r.ballot, e.cmd)
	r.selfVotes = append(r.selfVotes, s)
	r.sendPeers(Accept{B: r.ballot, Slot: s, Cmd: r.log[s].cmd, Commit: r.commit})
}

// resendAccepts retransmits, to the peers that have not voted, every
// proposal that has waited at least one whole retry interval.
func (r *Replica) resendAccepts() {
	for s := r.commit; s < r.sentUpTo; s++ {
		e := &r.log[s]
		if e.committed || e.sentTick+1 >= r.tick {
			continue
		}
		if r.mut == mutantAbandonUnackedAccepts {
			if e.resent == 3 {
				continue // Mutant: given up; the client's retry is expected to bring it back, and does not.
			}
			e.resent++
		}
		e.sentTick = r.tick
		msg := sim.Message(Accept{B: r.ballot, Slot: s, Cmd: e.cmd, Commit: r.commit})
		for i, p := range r.cfg.Replicas {
			if p != r.id && e.acks&(1<<i) == 0 {
				r.env.Send(p, msg)
			}
		}
	}
}

// onAccept is Phase 2b: vote for the proposal unless we promised a higher
// ballot, then learn the piggybacked commit point.
func (r *Replica) onAccept(from sim.NodeID, m Accept) {
	if !r.validBallot(from, m.B, true) || !r.validSlot(from, m.Slot) ||
		!r.validCommit(from, m.Commit) || !r.validCommand(from, m.Cmd, false) {
		return
	}
	if m.B.Less(r.promised) && r.mut != mutantAcceptLowerBallot {
		r.env.Send(from, Nack{B: m.B, Promised: r.promised})
		return
	}
	r.observe(m.B)
	if r.promised.Less(m.B) {
		r.setPromised(m.B)
	}
	r.heard = true
	r.leaderHint = from
	e := r.entryAt(m.Slot)
	if e.vote != m.B {
		r.recordVote(m.Slot, m.B, m.Cmd)
	} else if e.voteCmd != m.Cmd {
		bug("%v: slot %d: ballot %v proposed %v and %v", r.id, m.Slot, m.B, e.voteCmd, m.Cmd)
	}
	if r.mut != mutantNoAcceptReply {
		// Durable before dependent: the AcceptReply leaves only after
		// endEvent syncs the vote written above (or by an earlier event,
		// for a retransmitted Accept).
		r.afterSync = append(r.afterSync, outMsg{to: from, msg: AcceptReply{B: m.B, Slot: m.Slot}})
	}
	r.learnCommit(from, m.B, m.Commit)
}

// onAcceptReply counts a peer's durable vote for one of our proposals.
func (r *Replica) onAcceptReply(from sim.NodeID, m AcceptReply) {
	if !r.validBallot(from, m.B, false) || !r.validSlot(from, m.Slot) {
		return
	}
	if r.role != leader || m.B != r.ballot || m.Slot < r.commit {
		return // stale: an earlier ballot, or already committed
	}
	if m.Slot >= r.sentUpTo || !r.log[m.Slot].proposed {
		bug("%v: AcceptReply for slot %d at our ballot %v, which we never proposed (sent up to %d)",
			r.id, m.Slot, m.B, r.sentUpTo)
	}
	e := &r.log[m.Slot]
	if e.committed {
		return
	}
	if r.mut == mutantCountDuplicateAcks {
		e.acks = e.acks<<1 | 1 // Mutant: every reply counts as one more vote, a repeated one too.
	} else {
		e.acks |= 1 << r.index[from]
	}
	r.tryCommit(m.Slot)
}

// tryCommit commits a slot once a majority voted for it at our ballot.
func (r *Replica) tryCommit(s int) {
	need := r.majority
	if r.mut == mutantQuorumMinusOne {
		need = max(r.majority-1, 1) // Mutant: one vote short of a majority.
	}
	e := &r.log[s]
	if e.committed || popcount(e.acks) < need {
		return
	}
	e.committed = true
	r.advanceCommit()
	r.pump()
}

// learnCommit is a follower's side of a commit notice: leader b has decided
// every slot below upto. Only a slot where we voted at b itself is known to
// hold b's decided command (b proposed one command per slot); elsewhere we
// ask for the decided commands (catch-up).
func (r *Replica) learnCommit(from sim.NodeID, b Ballot, upto int) {
	for r.commit < upto && r.commit < len(r.log) {
		e := &r.log[r.commit]
		if !e.committed {
			if e.vote != b {
				break
			}
			e.committed, e.cmd = true, e.voteCmd
		}
		r.commit++
	}
	r.advanceCommit() // slots just above upto may be known decided already
	if r.commit < upto {
		r.askCatchUp(from)
	}
}

// advanceCommit moves the commit point over committed slots and executes.
func (r *Replica) advanceCommit() {
	for r.commit < len(r.log) && r.log[r.commit].committed {
		r.commit++
	}
	r.apply()
}
