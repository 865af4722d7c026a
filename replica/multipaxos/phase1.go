package multipaxos

import "github.com/paxossim/paxossim/sim"

// onPrepare is Phase 1b: promise the candidate's ballot if it is not below
// what we promised, and report every vote and decision at or above From.
func (r *Replica) onPrepare(from sim.NodeID, m Prepare) {
	if !r.validBallot(from, m.B, true) {
		return
	}
	if m.From < 0 {
		r.reject(&r.rej.Malformed, from, m, "negative from-slot")
		return
	}
	if m.B.Less(r.promised) {
		r.env.Send(from, Nack{B: m.B, Promised: r.promised})
		return
	}
	r.observe(m.B)
	if r.promised.Less(m.B) {
		r.setPromised(m.B)
	}
	// Hearing a candidate counts as hearing a leader: give it a whole
	// timeout to win before standing ourselves.
	r.heard = true
	r.leaderHint = from
	p := Promise{B: m.B, From: m.From, Commit: r.commit, Entries: r.promiseEntries(m.From), LeaseLeft: r.leaseLeft()}
	// Durable before dependent: the Promise goes out only after endEvent
	// syncs the promised ballot written above (a retransmitted Prepare finds
	// it synced by an earlier event).
	r.afterSync = append(r.afterSync, outMsg{to: from, msg: p})
}

// promiseEntries lists this replica's log from slot from on: decided
// commands as Committed, otherwise its latest vote. The slice is fresh: it
// goes into a message and is never touched again.
func (r *Replica) promiseEntries(from int) []Entry {
	if from >= len(r.log) {
		return nil
	}
	out := make([]Entry, 0, len(r.log)-from)
	for s := from; s < len(r.log); s++ {
		e := &r.log[s]
		switch {
		case e.committed:
			out = append(out, Entry{Slot: s, B: e.vote, Cmd: e.cmd, Committed: true})
		case !e.vote.IsZero():
			out = append(out, Entry{Slot: s, B: e.vote, Cmd: e.voteCmd})
		}
	}
	return out
}

// onPromise is Phase 1 at the candidate: count the promise; a majority
// (our own included) makes us leader.
func (r *Replica) onPromise(from sim.NodeID, m Promise) {
	if !r.validBallot(from, m.B, false) {
		return
	}
	stale := m.B != r.ballot
	if stale && r.mut == mutantCountStalePromises && m.B.Node == r.id && m.B.Less(r.ballot) {
		stale = false
	}
	if r.role != candidate || stale {
		return // for an earlier candidacy: stale
	}
	if !r.validPromise(from, m) || !r.validLeaseLeft(from, m) {
		return
	}
	bit := uint64(1) << r.index[from]
	if r.promisedBy&bit != 0 {
		return // a duplicate
	}
	r.promisedBy |= bit
	r.promises[r.index[from]] = m
	r.maybeWinElection()
}

// validPromise checks a Promise's entries before any of them is used: slots
// increasing from m.From and within MaxSlotsAhead, valid commands, and
// votes by replicas below the promised ballot (an acceptor cannot have
// voted at or above a ballot it is only now promising).
func (r *Replica) validPromise(from sim.NodeID, m Promise) bool {
	if m.From != r.prepFrom || m.Commit < 0 {
		r.reject(&r.rej.Malformed, from, m, "from-slot or commit does not match the Prepare")
		return false
	}
	last := m.From - 1
	for _, e := range m.Entries {
		switch {
		case e.Slot <= last || e.Slot >= r.prepFrom+MaxSlotsAhead:
			r.reject(&r.rej.FarSlot, from, m, "entry slots out of order or beyond MaxSlotsAhead")
			return false
		case !e.Cmd.valid():
			r.reject(&r.rej.Malformed, from, m, "bad command")
			return false
		case !e.Committed && (e.B.Round == 0 || !e.B.Less(m.B) || !r.isReplica(e.B.Node)):
			r.reject(&r.rej.BadBallot, from, m, "vote ballot "+e.B.String()+" invalid")
			return false
		}
		last = e.Slot
	}
	return true
}

func (r *Replica) maybeWinElection() {
	if r.role == candidate && popcount(r.promisedBy) >= r.majority {
		r.becomeLeader()
	}
}

// pick is what Phase 1 learned about one slot from a majority of promises.
type pick struct {
	b       Ballot
	cmd     Command
	voted   bool // some acceptor voted here; cmd is the highest-ballot vote
	decided bool // some acceptor knows cmd was decided here
}

// mergePromises combines our own log and the majority's promises into one
// pick per slot from r.prepFrom to the highest slot anyone reported.
func (r *Replica) mergePromises() []pick {
	var picks []pick
	merge := func(entries []Entry) {
		for _, e := range entries {
			i := e.Slot - r.prepFrom
			for len(picks) <= i {
				picks = append(picks, pick{})
			}
			p := &picks[i]
			switch {
			case p.decided:
			case e.Committed:
				*p = pick{cmd: e.Cmd, decided: true}
			case !p.voted || p.b.Less(e.B):
				*p = pick{b: e.B, cmd: e.Cmd, voted: true}
			}
		}
	}
	merge(r.promiseEntries(r.prepFrom))
	for i := range r.promises {
		if i != r.self && r.promisedBy&(1<<i) != 0 {
			merge(r.promises[i].Entries)
		}
	}
	return picks
}

// becomeLeader ends Phase 1 with a majority of promises.
func (r *Replica) becomeLeader() {
	picks := r.mergePromises()
	r.role = leader
	r.leaderHint = r.id
	r.cov.LeaderChanges++
	r.becomeLeaderLease()
	clear(r.waiting)
	clear(r.proposedSeq)
	clear(r.promises)
	r.adoptPicks(picks)
	r.afterAdoptLease()
	r.sentUpTo = r.commit
	r.env.CancelTimer(electionTimer)
	r.env.Logf("leader %v: commit=%d, re-proposing up to slot %d", r.ballot, r.commit, len(r.log))
	r.onHeartbeatTimer() // announce ourselves at once, then periodically
	r.armRetry()
	r.pump()
}

// adoptPicks turns Phase 1's picks into this leader's proposals:
// a decided command is committed at once; a slot with votes gets the
// highest-ballot one (it may have been chosen, so nothing else is safe); a
// hole below the highest reported slot gets a no-op, so that later slots
// can execute.
func (r *Replica) adoptPicks(picks []pick) {
	end := r.prepFrom + len(picks)
	for i, p := range picks {
		s := r.prepFrom + i
		e := r.entryAt(s)
		e.proposed, e.acks = false, 0
		switch {
		case e.committed:
		case p.decided:
			e.committed, e.cmd = true, p.cmd
		case p.voted && r.mut != mutantIgnoreAcceptedValues:
			e.cmd = p.cmd
			r.cov.Recovered++
		default:
			e.cmd = noop()
			r.cov.GapsFilled++
		}
		if !e.committed && !e.cmd.isNoop() {
			r.proposedSeq[e.cmd.Client] = max(r.proposedSeq[e.cmd.Client], e.cmd.Seq)
		}
	}
	// Slots past the last reported one hold nothing anyone voted for (our
	// own votes were merged): drop them.
	for len(r.log) > end {
		if e := &r.log[len(r.log)-1]; e.committed || !e.vote.IsZero() {
			bug("%v: slot %d has a vote or decision but was not in our own promise", r.id, len(r.log)-1)
		}
		r.log = r.log[:len(r.log)-1]
	}
	r.advanceCommit()
}
