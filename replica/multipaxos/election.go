package multipaxos

import (
	"slices"

	"github.com/paxossim/paxossim/sim"
)

// armElection (re)arms the election timer with a timeout drawn from the
// node's own random stream, so that replicas which lost their leader at the
// same moment time out at different moments and rarely duel.
func (r *Replica) armElection() {
	d := r.cfg.ElectionTimeoutMin
	if span := r.cfg.ElectionTimeoutMax - r.cfg.ElectionTimeoutMin; span > 0 {
		d += sim.Duration(r.env.Rand().Int64N(int64(span)))
	}
	r.env.SetTimer(electionTimer, d)
}

// onElectionTimeout starts an election if no leader or candidate was heard
// for a whole timeout. Followers do not re-arm the timer on every message
// (which would cost a queued event per message); they set r.heard instead
// and the timer checks it, so silence is detected within one to two
// timeouts.
func (r *Replica) onElectionTimeout() {
	switch r.role {
	case leader:
		return // a leader never arms it; a stale firing is impossible, but harmless
	case follower:
		if r.heard {
			r.heard = false
			r.armElection()
			return
		}
	}
	// A candidate that did not win within a timeout retries with a higher
	// ballot after a fresh random timeout: the randomized backoff that
	// breaks duels between candidates.
	r.startElection()
}

// startElection runs Phase 1: promise our own new ballot, then ask every
// peer for promises covering all slots from our first uncommitted one.
func (r *Replica) startElection() {
	round := max(r.promised.Round, r.maxRound) + 1
	if round > MaxRound {
		r.env.Logf("ballot rounds exhausted at %d; not standing for election", round-1)
		r.role = follower
		r.armElection()
		return
	}
	b := Ballot{Round: round, Node: r.id}
	r.role = candidate
	r.ballot = b
	r.maxRound = round
	r.setPromised(b)
	r.prepFrom = r.commit
	r.promisedBy = 0
	clear(r.promises)
	r.selfPromise = true // credited by endEvent once the promise above is synced
	// Durable before dependent: the Prepares wait for the sync too. A
	// ballot must never be used twice, and only a synced promise stops a
	// restarted incarnation from picking this round again.
	msg := sim.Message(Prepare{B: b, From: r.prepFrom})
	for _, p := range r.cfg.Replicas {
		if p != r.id {
			r.afterSync = append(r.afterSync, outMsg{to: p, msg: msg})
		}
	}
	r.armElection()
	r.armRetry()
	r.env.Logf("candidate %v from slot %d", b, r.prepFrom)
}

// observe notes a valid ballot seen on the wire. A candidate or leader that
// sees a higher ballot than its own stops: it no longer proposes and
// redirects waiting clients.
func (r *Replica) observe(b Ballot) {
	r.maxRound = max(r.maxRound, b.Round)
	if r.role != follower && r.ballot.Less(b) {
		r.stepDown(b)
	}
}

// stepDown returns to following. Clients waiting on this leader get a
// Redirect to the owner of the higher ballot; their requests may still be
// executed (they stay in the log), so this is never a failure reply.
func (r *Replica) stepDown(higher Ballot) {
	r.env.Logf("%v %v steps down for %v", r.role, r.ballot, higher)
	if r.role == leader {
		clients := make([]sim.NodeID, 0, len(r.waiting))
		for c := range r.waiting {
			clients = append(clients, c)
		}
		slices.Sort(clients) // the redirects' order reaches the trace
		for _, c := range clients {
			r.env.Send(c, Redirect{Seq: r.waiting[c], Leader: higher.Node})
		}
		clear(r.waiting)
		clear(r.proposedSeq)
		// Client commands queued beyond the window were never voted for
		// anywhere: drop them (their clients retry elsewhere).
		for n := len(r.log); n > r.commit && !r.log[n-1].committed && r.log[n-1].vote.IsZero(); n-- {
			r.log = r.log[:n-1]
		}
		for i := r.commit; i < len(r.log); i++ {
			r.log[i].proposed, r.log[i].acks = false, 0
		}
		r.env.CancelTimer(heartbeatTimer)
	}
	r.role = follower
	r.leaderHint = higher.Node
	r.heard = true // give the new ballot's owner a whole timeout to win
	r.env.CancelTimer(retryTimer)
	r.armElection()
}

// onNack: a peer promised a higher ballot than ours.
func (r *Replica) onNack(from sim.NodeID, m Nack) {
	if !r.validBallot(from, m.Promised, false) || !r.validBallot(from, m.B, false) {
		return
	}
	if r.role == follower || m.B != r.ballot {
		return // about an earlier ballot of ours: stale
	}
	r.observe(m.Promised)
}

// onHeartbeat: the leader is alive; learn its commit point.
func (r *Replica) onHeartbeat(from sim.NodeID, m Heartbeat) {
	if !r.validBallot(from, m.B, true) || !r.validCommit(from, m.Commit) {
		return
	}
	if m.B.Less(r.promised) {
		r.env.Send(from, Nack{B: m.B, Promised: r.promised})
		return
	}
	r.observe(m.B)
	if r.role != follower {
		return // equal ballots come only from ourselves; unreachable after fromPeer
	}
	r.heard = true
	r.leaderHint = from
	r.learnCommit(from, m.B, m.Commit)
}

// onHeartbeatTimer: the leader's periodic heartbeat with its commit point.
func (r *Replica) onHeartbeatTimer() {
	if r.role != leader {
		return
	}
	if r.leasing() {
		r.sendLeaseRequests()
	} else {
		r.sendPeers(Heartbeat{B: r.ballot, Commit: r.commit})
	}
	r.env.SetTimer(heartbeatTimer, r.cfg.HeartbeatInterval)
}

func (r *Replica) armRetry() { r.env.SetTimer(retryTimer, r.cfg.RetryInterval) }

// onRetryTimer retransmits whatever waited a whole retry interval: Prepares
// to peers that have not promised, Accepts to peers that have not voted.
// Messages get lost; this is what resumes progress once faults heal,
// without any help from clients.
func (r *Replica) onRetryTimer() {
	r.tick++
	switch r.role {
	case candidate:
		msg := sim.Message(Prepare{B: r.ballot, From: r.prepFrom})
		for i, p := range r.cfg.Replicas {
			if p != r.id && r.promisedBy&(1<<i) == 0 {
				r.env.Send(p, msg)
			}
		}
	case leader:
		r.resendAccepts()
		r.pump()
	default:
		return
	}
	r.armRetry()
}
