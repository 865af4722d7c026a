package multipaxos

import "github.com/paxossim/paxossim/sim"

// Fingerprint digests everything in the replica that its future behaviour
// depends on, for an exhaustive search (package explore) that merges states
// it has seen: the promise, every log slot in full (acceptor, learner and
// proposer parts), the commit and execution points, the state machine and
// its dedup table (kvState.hash), the role and ballot, the candidate's
// promises, the leader's bookkeeping, the retry tick and any effect held
// for the end of an event or a deferred sync. It leaves out what only
// reports: the coverage and rejection counts. It also leaves out the
// replica's random stream, which only draws election timeouts: a search
// abstracts time away, so a delay's length changes no order it explores.
// For the same reason a replica with leases, whose verdicts read its
// clock, mixes in the clock and its lease state: without leases nothing
// but the random delays depends on time. Two replicas of one node with
// equal fingerprints (and equal disks, which the search digests itself)
// behave alike from here on.
func (r *Replica) Fingerprint() uint64 {
	h := sim.Mix(ballotDigest(r.promised), uint64(len(r.log)), uint64(r.commit), uint64(r.executed), r.sm.hash,
		uint64(r.role), ballotDigest(r.ballot), r.maxRound, uint64(uint32(r.leaderHint)), b2u(r.heard), uint64(r.tick),
		uint64(r.prepFrom), r.promisedBy, uint64(r.sentUpTo), b2u(r.asking), b2u(r.selfPromise), b2u(r.flushArmed))
	for i := range r.log {
		e := &r.log[i]
		h = sim.Mix(h, e.cmd.digest(), ballotDigest(e.vote), e.voteCmd.digest(), b2u(e.committed), b2u(e.proposed), e.acks, uint64(e.sentTick))
		if e.resent != 0 { // only the abandon-unacked-accepts mutant counts retransmissions
			h = sim.Mix(h, uint64(e.resent))
		}
	}
	for _, p := range r.promises {
		h = sim.Mix(h, ballotDigest(p.B), uint64(p.From), uint64(p.Commit), uint64(len(p.Entries)), uint64(p.LeaseLeft))
		for _, e := range p.Entries {
			h = sim.Mix(h, e.digest())
		}
	}
	// The maps are digested as sums, which do not depend on the order
	// their entries are visited in.
	var waiting, proposed uint64
	//detlint:ordered the entries are combined with +, which is commutative
	for c, seq := range r.waiting {
		waiting += sim.Mix(uint64(uint32(c)), seq)
	}
	//detlint:ordered the entries are combined with +, which is commutative
	for c, seq := range r.proposedSeq {
		proposed += sim.Mix(uint64(uint32(c)), seq)
	}
	h = sim.Mix(h, uint64(len(r.waiting)), waiting, uint64(len(r.proposedSeq)), proposed)
	// Effects held for the end of the event are empty between events,
	// except the sends the reply-before-sync mutant defers to its flush.
	h = sim.Mix(h, uint64(len(r.afterSync)), uint64(len(r.selfVotes)))
	for _, o := range r.afterSync {
		h = sim.Mix(h, uint64(uint32(o.to)), o.msg.Digest())
	}
	for _, v := range r.selfVotes {
		h = sim.Mix(h, uint64(v))
	}
	if r.leasing() {
		l := &r.lease
		h = sim.Mix(h, uint64(r.env.Now()), uint64(l.grantUntil), uint64(l.lastSent), uint64(l.waitUntil),
			uint64(l.readyFrom), b2u(l.held), uint64(l.restoredUntil), b2u(l.restored), uint64(len(l.grantSent)))
		for _, t := range l.grantSent {
			h = sim.Mix(h, uint64(t))
		}
	}
	return h
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
