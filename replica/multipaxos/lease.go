package multipaxos

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/paxossim/paxossim/sim"
)

// Leader leases and local reads (the multipaxos-lease protocol; the safety
// argument is in the package doc, under "Leader leases").

// LeaseConfig turns leader leases on. Its zero value (Duration 0) is plain
// MultiPaxos, reads through the log.
type LeaseConfig struct {
	// Duration is how long a grant lasts, measured on the grantor's own
	// clock from the moment it grants: D.
	Duration sim.Duration
	// DriftPPM is the declared drift bound: every server clock runs within
	// ±DriftPPM parts per million of true time's rate.
	DriftPPM int64
	// Step is the declared step bound: a server clock's reading jumps (is
	// set forward or back) by at most Step in total over any interval.
	Step sim.Duration
}

// MaxLeaseDuration bounds Lease.Duration and Lease.Step, so that the
// margins' arithmetic cannot overflow.
const MaxLeaseDuration = 24 * 3600 * sim.Second

// leasing reports whether leases are on.
func (r *Replica) leasing() bool { return r.cfg.Lease.Duration > 0 }

// validate reports a lease config under which no lease is ever valid, or
// one that cannot be renewed before it runs out.
func (l LeaseConfig) validate(heartbeat sim.Duration) error {
	if l.Duration == 0 && l.DriftPPM == 0 && l.Step == 0 {
		return nil
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("multipaxos: "+format, args...)) }
	if l.Duration <= 0 || l.Duration > MaxLeaseDuration {
		bad("Lease.Duration = %v: must be in (0, %v] (a zero LeaseConfig turns leases off)", l.Duration, MaxLeaseDuration)
	}
	if l.DriftPPM < 0 || l.DriftPPM >= 1_000_000 {
		bad("Lease.DriftPPM = %d: must be in [0, 1000000)", l.DriftPPM)
	}
	if l.Step < 0 || l.Step > MaxLeaseDuration {
		bad("Lease.Step = %v: must be in [0, %v]", l.Step, MaxLeaseDuration)
	}
	if len(errs) == 0 && l.held(mutantNone) <= heartbeat {
		bad("Lease: a leader may trust a lease for only %v of its own clock (Duration %v less the margin for drift %dppm and steps %v), not more than HeartbeatInterval = %v: it could never renew one in time",
			l.held(mutantNone), l.Duration, l.DriftPPM, l.Step, heartbeat)
	}
	return errors.Join(errs...)
}

// held is how long, on the leader's clock from the moment it sent a lease
// request, it may trust the grant that answers it: the longest local
// interval guaranteed to end, in true time, before the grantor's Duration
// (counted on its own clock from the later moment it granted) runs out.
// With drift bound ρ and step bound σ, the grant lasts at least
// (D-σ)/(1+ρ) of true time, and the leader's clock, running slow and set
// back, reaches send + held no later than (held+σ)/(1-ρ) of true time after
// the send; so held = (D-σ)(1-ρ)/(1+ρ) - σ.
func (l LeaseConfig) held(mut mutant) sim.Duration {
	if mut == mutantLeaseNoMargin {
		return l.Duration // Mutant: the grantor's duration, trusted as is.
	}
	return scalePPM(l.Duration-l.Step, 1_000_000-l.DriftPPM, 1_000_000+l.DriftPPM) - l.Step
}

// waitFor is how long a new leader waits, on its own clock, for a grant
// that a peer reported with left remaining on the peer's clock: the grant
// ends within (left+σ)/(1-ρ) of true time, and the new leader's clock,
// running fast and set forward, advances by wait in no less than
// (wait-σ)/(1+ρ) of true time; so wait = (left+σ)(1+ρ)/(1-ρ) + σ (and a
// nanosecond for the rounding).
func (l LeaseConfig) waitFor(left sim.Duration, mut mutant) sim.Duration {
	if left <= 0 {
		return 0
	}
	if mut == mutantLeaseNoMargin {
		return left // Mutant: the peer's remaining time, trusted as is.
	}
	return scalePPM(left+l.Step, 1_000_000+l.DriftPPM, 1_000_000-l.DriftPPM) + l.Step + 1
}

// scalePPM returns d*num/den (num, den <= 2e6) without overflow for any
// duration up to MaxLeaseDuration and beyond (d*num directly would
// overflow past 76 minutes).
func scalePPM(d sim.Duration, num, den int64) sim.Duration {
	q, rem := int64(d)/den, int64(d)%den
	return sim.Duration(q*num + rem*num/den)
}

// leaseState is a replica's lease bookkeeping; all of it is volatile.
type leaseState struct {
	// As grantor: the latest local time until which this replica promised
	// some leader (or, after a restart, may have promised one) not to
	// let a later leader serve or commit unaware of it; Promises report
	// what is left of it.
	grantUntil sim.Time
	// As leader of ballot: per replica index, the leader's local send time
	// of the latest lease request that replica granted (-1: none).
	grantSent []sim.Time
	lastSent  sim.Time // the latest lease request sent at our ballot
	// waitUntil: a new leader neither proposes nor reads locally before
	// its clock reads waitUntil (the grants its Phase 1 reported).
	waitUntil sim.Time
	// readyFrom: slots below it (everything Phase 1 found) must be
	// executed before a local read can be current.
	readyFrom int
	held      bool // a lease was valid at some point at this ballot
	// restoredUntil is the lease-survives-restart mutant's lease, read
	// back from disk.
	restoredUntil sim.Time
	restored      bool

	cov LeaseCoverage
}

// LeaseCoverage counts the lease paths this incarnation took.
type LeaseCoverage struct {
	LocalReads   uint64 // a Get answered from the leader's state under a valid lease
	ExpiredReads uint64 // a Get sent through the log because the lease held at this ballot ran out
	Waits        uint64 // a new leader waited out grants its Phase 1 reported
	Grants       uint64 // lease requests granted
}

// LeaseCoverage returns the lease coverage counters of this incarnation.
func (r *Replica) LeaseCoverage() LeaseCoverage { return r.lease.cov }

// leaseStart runs at every boot. A restarted replica cannot know what it
// granted before the crash, so it acts as if it had just granted a lease:
// its Promises report a whole Duration left (the lease state that must
// survive a crash is the grantor's promise, not the leader's lease). At its
// first boot it has granted nothing.
func (r *Replica) leaseStart() {
	if !r.leasing() || r.env.Incarnation() == 0 {
		return
	}
	if r.mut != mutantLeaseForgetGrant { // Mutant: the grant is forgotten with the rest of memory.
		r.lease.grantUntil = r.env.Now().Add(r.cfg.Lease.Duration)
	}
	if r.mut == mutantLeaseSurvivesRestart {
		r.loadLeaseRecord()
	}
}

// leaseLeft is what a Promise reports: how long this replica's latest
// grant still runs on its own clock.
func (r *Replica) leaseLeft() sim.Duration {
	if !r.leasing() {
		return 0
	}
	return max(r.lease.grantUntil.Sub(r.env.Now()), 0)
}

// sendLeaseRequests is the leader's heartbeat in lease mode: it carries the
// commit point, as a Heartbeat does, and asks every peer for a grant. The
// send time, on our clock, comes back in the grant, and the lease it buys
// is counted from it: a grant made later (the request was in flight) only
// lasts longer than we assume.
func (r *Replica) sendLeaseRequests() {
	now := r.env.Now()
	r.lease.lastSent = max(r.lease.lastSent, now)
	r.sendPeers(LeaseRequest{B: r.ballot, Commit: r.commit, Sent: now})
	if r.mut == mutantLeaseSurvivesRestart && r.leaseValid() {
		r.writeLeaseRecord(r.leaseEnd())
	}
}

// onLeaseRequest: a leader's heartbeat and lease request. We treat it as a
// heartbeat, and grant unless we promised a higher ballot (then onHeartbeat
// Nacks it): a grant is only a promise to report it to any later
// candidate, which waits it out (becomeLeaderLease).
func (r *Replica) onLeaseRequest(from sim.NodeID, m LeaseRequest) {
	if !r.validBallot(from, m.B, true) || !r.validCommit(from, m.Commit) {
		return
	}
	if !r.leasing() {
		r.reject(&r.rej.UnknownType, from, m, "lease request to a replica without leases")
		return
	}
	refused := m.B.Less(r.promised)
	r.onHeartbeat(from, Heartbeat{B: m.B, Commit: m.Commit})
	if refused || r.role != follower {
		return
	}
	until := r.env.Now().Add(r.cfg.Lease.Duration)
	if r.mut == mutantLeaseFromSendTime {
		until = m.Sent.Add(r.cfg.Lease.Duration) // Mutant: counted on the leader's clock, from its send.
	}
	r.lease.grantUntil = max(r.lease.grantUntil, until)
	r.lease.cov.Grants++
	r.env.Send(from, LeaseGrant{B: m.B, Sent: m.Sent})
}

// onLeaseGrant counts a peer's grant for the request we sent at m.Sent.
func (r *Replica) onLeaseGrant(from sim.NodeID, m LeaseGrant) {
	if !r.validBallot(from, m.B, false) {
		return
	}
	if r.role != leader || m.B != r.ballot || !r.leasing() {
		return // for an earlier ballot of ours: stale
	}
	if m.Sent > r.lease.lastSent {
		r.reject(&r.rej.Malformed, from, m, "grant for a lease request we never sent")
		return
	}
	i := r.index[from]
	r.lease.grantSent[i] = max(r.lease.grantSent[i], m.Sent)
}

// leaseEnd is the local time until which a majority's grants (our own
// leadership counting as one) hold: the majority-th latest grant.
func (r *Replica) leaseEnd() sim.Time {
	// Insertion into a small fixed array: no allocation, n <= 64.
	var top [MaxReplicas]sim.Time
	k := 0
	for i, s := range r.lease.grantSent {
		if i == r.self || s < 0 {
			continue
		}
		j := k
		for j > 0 && top[j-1] < s {
			top[j] = top[j-1]
			j--
		}
		top[j] = s
		k++
	}
	need := r.majority - 1 // we count ourselves
	if need == 0 {
		return sim.Time(1<<62 - 1)
	}
	if k < need {
		return -1
	}
	return top[need-1].Add(r.cfg.Lease.held(r.mut))
}

// leaseValid reports whether we lead with a lease valid now.
func (r *Replica) leaseValid() bool {
	return r.leasing() && r.role == leader && r.env.Now() < r.leaseEnd()
}

// leaseWaiting reports whether a new leader is still waiting out grants
// its Phase 1 reported: it proposes nothing until then.
func (r *Replica) leaseWaiting() bool {
	return r.leasing() && r.role == leader && r.env.Now() < r.lease.waitUntil
}

// becomeLeaderLease runs when a candidate wins, before its promises are
// cleared: it resets the lease and computes how long to wait out what the
// promises reported. Every lease an earlier leader may still hold rests on
// grants from a majority, and that majority shares a replica with ours: it
// either stepped down (it was that leader) or reported its grant here.
func (r *Replica) becomeLeaderLease() {
	if !r.leasing() {
		return
	}
	l := &r.lease
	if l.grantSent == nil {
		l.grantSent = make([]sim.Time, len(r.cfg.Replicas))
	}
	for i := range l.grantSent {
		l.grantSent[i] = -1
	}
	l.lastSent, l.held = 0, false
	now := r.env.Now()
	// Our own grant runs on our own clock: wait for the clock to pass it.
	l.waitUntil = l.grantUntil
	for i := range r.promises {
		if i != r.self && r.promisedBy&(1<<i) != 0 {
			l.waitUntil = max(l.waitUntil, now.Add(r.cfg.Lease.waitFor(r.promises[i].LeaseLeft, r.mut)))
		}
	}
	l.waitUntil = max(l.waitUntil, now) // our own grant may be long over
	if r.mut == mutantLeaseNoWait {
		l.waitUntil = now // Mutant: the new leader trusts that no earlier lease is still held.
	}
	if l.waitUntil > now {
		l.cov.Waits++
		r.env.SetTimer(leaseTimer, l.waitUntil.Sub(now))
		r.env.Logf("waiting out earlier leases until %v", l.waitUntil)
	}
}

// afterAdoptLease marks what Phase 1 found: a local read waits until it is
// executed, since a command chosen by an earlier leader may be among it.
func (r *Replica) afterAdoptLease() {
	if r.leasing() {
		r.lease.readyFrom = len(r.log)
	}
}

// onLeaseTimer: the wait is over; start proposing.
func (r *Replica) onLeaseTimer() {
	if r.leaseWaiting() {
		r.env.SetTimer(leaseTimer, r.lease.waitUntil.Sub(r.env.Now())) // a clock set back
		return
	}
	r.pump()
}

// serveLocalRead answers a Get from the leader's own state when its lease
// is valid, its wait is over and it has executed everything Phase 1 found:
// no other leader can have committed a write it has not executed, so its
// state is current. It reports whether it answered.
func (r *Replica) serveLocalRead(from sim.NodeID, cmd Command) bool {
	if !r.leasing() || cmd.Op != OpGet {
		return false
	}
	if r.mut == mutantLeaseSurvivesRestart && r.lease.restored && r.env.Now() < r.lease.restoredUntil {
		r.replyLocal(from, cmd) // Mutant: the lease read back from disk, from a state rebuilt from nothing.
		return true
	}
	if r.role != leader {
		return false
	}
	if r.leaseWaiting() || r.executed < r.lease.readyFrom || !r.leaseValid() {
		if r.lease.held && !r.leaseValid() {
			r.lease.cov.ExpiredReads++
		}
		return false
	}
	r.lease.held = true
	r.replyLocal(from, cmd)
	return true
}

func (r *Replica) replyLocal(from sim.NodeID, cmd Command) {
	r.lease.cov.LocalReads++
	if r.waiting[cmd.Client] == cmd.Seq {
		delete(r.waiting, cmd.Client) // answered now; its copy in the log, if any, must not answer again
	}
	r.env.Send(from, Reply{Seq: cmd.Seq, Res: Result{Value: r.sm.data[cmd.Key].v}})
}

// LeaseRequest is a leader's heartbeat when leases are on: it carries the
// commit point and asks for a grant. Sent is the leader's clock at the
// send, echoed in the grant.
type LeaseRequest struct {
	B      Ballot
	Commit int
	Sent   sim.Time
}

// LeaseGrant grants leader B a lease for its request sent at Sent: the
// grantor will report it to any later candidate for Duration of its own
// clock.
type LeaseGrant struct {
	B    Ballot
	Sent sim.Time
}

func (m LeaseRequest) Digest() uint64 {
	return sim.Mix(kindLeaseRequest, ballotDigest(m.B), uint64(m.Commit), uint64(m.Sent))
}

func (m LeaseGrant) Digest() uint64 {
	return sim.Mix(kindLeaseGrant, ballotDigest(m.B), uint64(m.Sent))
}

func (m LeaseRequest) String() string {
	return "LeaseRequest{b=" + m.B.String() + " commit=" + strconv.Itoa(m.Commit) + " sent=" + m.Sent.String() + "}"
}

func (m LeaseGrant) String() string {
	return "LeaseGrant{b=" + m.B.String() + " sent=" + m.Sent.String() + "}"
}

// validLeaseLeft checks a Promise's LeaseLeft: a grantor whose clock keeps
// the declared bound never reports more than Duration + Step (its clock
// may have been set back by Step since it granted), nor less than zero. A
// larger value would make a new leader wait for ever.
func (r *Replica) validLeaseLeft(from sim.NodeID, m Promise) bool {
	if m.LeaseLeft == 0 {
		return true
	}
	if !r.leasing() || m.LeaseLeft < 0 || m.LeaseLeft > r.cfg.Lease.Duration+r.cfg.Lease.Step {
		r.reject(&r.rej.Malformed, from, m, "lease_left outside [0, Duration+Step]")
		return false
	}
	return true
}

// validateLease reports a lease config that cannot work, and a lease
// mutant without leases.
func (c Config) validateLease(heartbeat sim.Duration) error {
	err := c.Lease.validate(heartbeat)
	if c.Lease.Duration == 0 && c.Mutant != "" && leaseMutantByName(c.Mutant) != mutantNone {
		err = errors.Join(err, fmt.Errorf("multipaxos: Mutant = %q is a lease mutant, but Lease is off", c.Mutant))
	}
	return err
}
