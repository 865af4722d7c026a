package multipaxos

import "github.com/paxossim/paxossim/sim"

// onRequest handles a client command. Only the leader proposes; anyone else
// redirects. A request the dedup table has already answered is answered
// from it; one already in this leader's log just waits for its slot.
func (r *Replica) onRequest(from sim.NodeID, m Request) {
	if !r.validCommand(from, m.Cmd, true) {
		return
	}
	c := m.Cmd.Client
	if r.role != leader {
		r.env.Send(from, Redirect{Seq: m.Cmd.Seq, Leader: r.leaderHint})
		return
	}
	last := r.sm.sessions[c]
	switch {
	case m.Cmd.Seq < last.seq:
		return // the client has moved on; this is a stale duplicate
	case m.Cmd.Seq == last.seq:
		r.cov.DupAnswered++
		r.env.Send(from, Reply{Seq: last.seq, Res: last.res})
		return
	}
	if r.serveLocalRead(from, m.Cmd) {
		return
	}
	r.waiting[c] = m.Cmd.Seq
	if r.proposedSeq[c] >= m.Cmd.Seq {
		return // already in the log (proposed by us, or recovered by Phase 1)
	}
	if len(r.log)-r.commit >= r.cfg.Window+MaxQueued {
		r.env.Logf("queue full: dropping %v", m.Cmd)
		return
	}
	r.proposedSeq[c] = m.Cmd.Seq
	r.log = append(r.log, entry{cmd: m.Cmd})
	r.pump()
}

// validCommand checks a command from the wire. Clients may send Get, Put
// and Append for themselves only; replicas may also carry no-ops.
func (r *Replica) validCommand(from sim.NodeID, cmd Command, fromClient bool) bool {
	why := ""
	switch {
	case !cmd.valid():
		why = "unknown operation"
	case len(cmd.Key) > MaxPayload || len(cmd.Value) > MaxPayload || len(cmd.Expect) > MaxPayload:
		why = "payload beyond MaxPayload"
	case fromClient && (cmd.isNoop() || cmd.Client != from || cmd.Seq == 0):
		why = "a client may send only its own numbered get/put/append/cas"
	case !cmd.isNoop() && cmd.Seq == 0:
		why = "a client command without a sequence number"
	default:
		return true
	}
	r.reject(&r.rej.Malformed, from, r.inMsg, why)
	return false
}

// execLimit is how far execution may go: the commit point.
func (r *Replica) execLimit() int {
	if r.mut != mutantExecuteBeforeCommit || r.role != leader {
		return r.commit
	}
	// Mutant: the leader also executes slots that only its own vote backs.
	n := max(r.commit, r.executed)
	for n < len(r.log) && (r.log[n].committed || r.log[n].acks&(1<<r.self) != 0) {
		n++
	}
	return n
}

// apply executes decided slots strictly in slot order. The leader replies to
// the clients waiting on it, after its own execution.
func (r *Replica) apply() {
	for limit := r.execLimit(); r.executed < limit; {
		cmd := r.log[r.executed].cmd
		r.executed++
		if cmd.isNoop() {
			continue
		}
		res, applied, current := r.sm.apply(cmd)
		if !applied {
			r.cov.DupSkipped++
			if r.mut == mutantFollowerReappliesDuplicates && r.role != leader {
				r.sm.reapply(cmd) // Mutant: executed again, bypassing the dedup table.
			}
		}
		if r.role == leader && current && r.waiting[cmd.Client] == cmd.Seq {
			delete(r.waiting, cmd.Client)
			r.env.Send(cmd.Client, Reply{Seq: cmd.Seq, Res: res})
		}
	}
}
