package multipaxos

import "github.com/paxossim/paxossim/sim"

// Catch-up: a replica that missed Accepts (partitioned, restarted, or just
// unlucky with loss) learns from a commit notice that it is behind but
// cannot commit the slots itself, because its votes there are missing or
// from another ballot. It then asks the notice's sender for the decided
// commands, LearnBatch at a time, one request outstanding at a time.

// askCatchUp sends a LearnRequest to `to` unless one is outstanding.
func (r *Replica) askCatchUp(to sim.NodeID) {
	if r.asking || to == r.id || r.role == leader {
		return
	}
	r.asking = true
	r.env.Send(to, LearnRequest{From: r.commit})
	r.env.SetTimer(catchupTimer, r.cfg.RetryInterval)
}

// onLearnRequest serves decided commands from m.From on. Any replica can
// answer: a decided command is a fact, whoever tells it.
func (r *Replica) onLearnRequest(from sim.NodeID, m LearnRequest) {
	if m.From < 0 {
		r.reject(&r.rej.Malformed, from, m, "negative from-slot")
		return
	}
	if m.From >= r.commit {
		return // we know no more than the asker
	}
	n := min(r.commit-m.From, LearnBatch)
	entries := make([]Decided, n)
	for i := range entries {
		entries[i] = Decided{Slot: m.From + i, Cmd: r.log[m.From+i].cmd}
	}
	r.cov.CatchUpSent++
	r.env.Send(from, Learn{Commit: r.commit, Entries: entries})
}

// onLearn records decided commands and asks for more if still behind. A
// leader ignores it: Phase 1 already gave it every decision it needs, and
// learning a slot it has queued a client command into would lose that
// command.
func (r *Replica) onLearn(from sim.NodeID, m Learn) {
	if r.role == leader {
		return
	}
	if !r.validLearn(from, m) {
		return
	}
	r.asking = false
	r.env.CancelTimer(catchupTimer)
	before := r.commit
	for _, d := range m.Entries {
		e := r.entryAt(d.Slot)
		if e.committed {
			if e.cmd != d.Cmd {
				bug("%v: slot %d decided as %v here but %v at %v", r.id, d.Slot, e.cmd, d.Cmd, from)
			}
			continue
		}
		e.committed, e.cmd = true, d.Cmd
	}
	r.advanceCommit()
	if r.commit > before {
		r.cov.CatchUpReceived++
		if r.commit < m.Commit {
			r.askCatchUp(from)
		}
	}
}

func (r *Replica) validLearn(from sim.NodeID, m Learn) bool {
	if m.Commit < 0 || len(m.Entries) > LearnBatch {
		r.reject(&r.rej.Malformed, from, m, "bad commit point or batch size")
		return false
	}
	for _, d := range m.Entries {
		if !r.validSlot(from, d.Slot) || !r.validCommand(from, d.Cmd, false) {
			return false
		}
	}
	return true
}
