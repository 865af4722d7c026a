package multipaxos

import (
	"encoding/binary"

	"github.com/paxossim/paxossim/sim"
)

// The lease mutants, numbered after the base catalogue's. They are the
// multipaxos-lease protocol's catalogue (LeaseMutants); Config.Validate
// accepts them only with leases on.
const (
	mutantLeaseNoMargin mutant = numBaseMutants + iota
	mutantLeaseFromSendTime
	mutantLeaseNoWait
	mutantLeaseSurvivesRestart
	mutantLeaseForgetGrant
)

var leaseMutants = [...]Mutant{
	mutantLeaseNoMargin - mutantLeaseNoMargin: {Name: "lease-no-drift-margin",
		Description: "the leader trusts a grant for the grantor's whole Duration on its own clock, and a new leader waits out a " +
			"reported grant for exactly what is left of it on the grantor's clock: no margin for drift or steps (LeaseConfig.held, waitFor)"},
	mutantLeaseFromSendTime - mutantLeaseNoMargin: {Name: "lease-from-send-time",
		Description: "a grantor counts its grant from the leader's send time as the leader's clock read it instead of from its own " +
			"clock at the grant, so a grantor whose clock runs ahead of the leader's reports less than the leader relies on (onLeaseRequest)"},
	mutantLeaseNoWait - mutantLeaseNoMargin: {Name: "lease-new-leader-no-wait",
		Description: "a new leader proposes and serves local reads at once, without waiting out the grants its Phase 1 reported, " +
			"while the deposed leader may still serve reads under its lease (becomeLeaderLease)"},
	mutantLeaseSurvivesRestart - mutantLeaseNoMargin: {Name: "lease-survives-restart",
		Description: "the leader writes its lease to disk and, restarted, reads it back and answers Gets from its state machine, " +
			"rebuilt from nothing, until the lease would have run out (leaseStart)"},
	mutantLeaseForgetGrant - mutantLeaseNoMargin: {Name: "lease-grant-forgotten-on-restart",
		Description: "a restarted replica reports no grant in its Promises, though before the crash it may have granted the " +
			"leader a lease that is still running (leaseStart)"},
}

// LeaseMutants lists the lease mutants, in a fixed order.
func LeaseMutants() []Mutant { return append([]Mutant(nil), leaseMutants[:]...) }

func leaseMutantByName(name string) mutant {
	for i, m := range leaseMutants {
		if m.Name == name {
			return mutantLeaseNoMargin + mutant(i)
		}
	}
	return mutantNone
}

// The lease-survives-restart mutant's disk record: the local time its
// lease runs until, under keyLease. The correct protocol writes nothing
// about its lease: a lease is the leader's belief, and a restarted replica
// has lost what it was about.
const (
	keyLease        = "lease"
	magicLease byte = 'L'
)

func (r *Replica) writeLeaseRecord(until sim.Time) {
	buf := append(r.scratch[:0], magicLease, recVersion)
	buf = binary.AppendVarint(buf, int64(until))
	r.scratch = appendSum(buf)
	r.env.Disk().Write(keyLease, r.scratch)
}

func (r *Replica) loadLeaseRecord() {
	v, ok, err := r.env.Disk().Read(keyLease)
	if err != nil || !ok {
		return
	}
	d, err := openRecord(v, magicLease)
	if err != nil {
		return
	}
	until := d.varint()
	if d.finish() != nil {
		return
	}
	r.lease.restored, r.lease.restoredUntil = true, sim.Time(until)
}
