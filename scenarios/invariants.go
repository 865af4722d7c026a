package scenarios

import (
	"fmt"

	"github.com/paxossim/paxossim/replica/multipaxos"
	"github.com/paxossim/paxossim/sim"
)

// invariants checks the replicas' own state as the run goes: agreement (no
// two replicas decide different commands for a slot), stability (a decided
// slot never changes), prefix-consistent execution (every replica executes
// the decided command of each slot, in slot order) and promise monotonicity
// (a replica's durable promised ballot never goes backwards, also across
// restarts). Checking is incremental: each call looks only at what changed
// since the last, so it can run after every step; full() re-checks
// everything (stability of slots checked earlier) at the end.
type invariants struct {
	s        *sim.Sim
	replicas int
	decided  []multipaxos.Command // the first decision seen for each slot
	decider  []sim.NodeID         // who reported it first
	have     []bool
	per      []replicaWatch
	cov      Coverage
}

// replicaWatch is what the checker remembers of one replica id.
type replicaWatch struct {
	inst        *multipaxos.Replica // the incarnation last seen
	commit      int                 // slots [0, commit) checked for agreement
	executed    int                 // slots [0, executed) checked for execution
	maxPromised multipaxos.Ballot   // highest promise ever seen, any incarnation
	promisedBy  uint32              // the incarnation that showed it
}

// newInvariants returns a checker with room for about slots decided slots
// (a run decides one per client operation, plus no-ops).
func newInvariants(s *sim.Sim, replicas, slots int) *invariants {
	return &invariants{s: s, replicas: replicas, per: make([]replicaWatch, replicas),
		decided: make([]multipaxos.Command, 0, slots), decider: make([]sim.NodeID, 0, slots), have: make([]bool, 0, slots)}
}

// check looks at what changed since the last call and returns the first
// violation, or nil.
func (iv *invariants) check() *Failure {
	for id := 0; id < iv.replicas; id++ {
		r, _ := iv.s.Node(sim.NodeID(id)).(*multipaxos.Replica)
		if r == nil {
			continue
		}
		w := &iv.per[id]
		if r != w.inst {
			// A new incarnation rebuilds its log from disk: check it anew,
			// and bank the counters of the one before (its value is
			// frozen since its crash, and still readable through w.inst).
			if w.inst != nil {
				iv.cov.addReplica(w.inst.Coverage())
			}
			*w = replicaWatch{inst: r, maxPromised: w.maxPromised, promisedBy: w.promisedBy}
		}
		if f := iv.checkPromise(id, r, w); f != nil {
			return f
		}
		for ; w.commit < r.Committed(); w.commit++ {
			if f := iv.checkDecided(id, r, w.commit); f != nil {
				return f
			}
		}
		for ; w.executed < r.Executed(); w.executed++ {
			if f := iv.checkExecuted(id, r, w.executed); f != nil {
				return f
			}
		}
	}
	return nil
}

func (iv *invariants) checkPromise(id int, r *multipaxos.Replica, w *replicaWatch) *Failure {
	p := r.Promised()
	inc := iv.s.Incarnation(sim.NodeID(id))
	if p.Less(w.maxPromised) {
		return &Failure{Check: CheckPromise, Fact: fmt.Sprintf(
			"n%d's promised ballot went back from %v (incarnation %d) to %v (incarnation %d)",
			id, w.maxPromised, w.promisedBy, p, inc)}
	}
	if w.maxPromised.Less(p) {
		w.maxPromised, w.promisedBy = p, inc
	}
	return nil
}

func (iv *invariants) checkDecided(id int, r *multipaxos.Replica, slot int) *Failure {
	cmd, ok := r.DecidedAt(slot)
	if !ok {
		return &Failure{Check: CheckAgreement, Fact: fmt.Sprintf(
			"n%d reports slot %d committed (Committed()=%d) but knows no decision there", id, slot, r.Committed())}
	}
	for len(iv.have) <= slot {
		iv.have = append(iv.have, false)
		iv.decided = append(iv.decided, multipaxos.Command{})
		iv.decider = append(iv.decider, -1)
	}
	if !iv.have[slot] {
		iv.have[slot], iv.decided[slot], iv.decider[slot] = true, cmd, sim.NodeID(id)
		return nil
	}
	if cmd != iv.decided[slot] {
		return &Failure{Check: CheckAgreement, Fact: fmt.Sprintf(
			"slot %d: %v decided %v but n%d decided %v", slot, iv.decider[slot], iv.decided[slot], id, cmd)}
	}
	return nil
}

func (iv *invariants) checkExecuted(id int, r *multipaxos.Replica, slot int) *Failure {
	cmd, ok := r.ExecutedAt(slot)
	if !ok {
		return &Failure{Check: CheckPrefix, Fact: fmt.Sprintf("n%d reports %d executed slots but not slot %d", id, r.Executed(), slot)}
	}
	if slot >= len(iv.have) || !iv.have[slot] {
		// Executed before anyone was seen to decide it: it must at least be
		// decided here, which registers the decision.
		if dec, ok := r.DecidedAt(slot); !ok || dec != cmd {
			return &Failure{Check: CheckPrefix, Fact: fmt.Sprintf("n%d executed %v in slot %d, which it has not decided", id, cmd, slot)}
		}
		if f := iv.checkDecided(id, r, slot); f != nil {
			return f
		}
	}
	if cmd != iv.decided[slot] {
		return &Failure{Check: CheckPrefix, Fact: fmt.Sprintf(
			"n%d executed %v in slot %d, but %v decided %v there", id, cmd, slot, iv.decider[slot], iv.decided[slot])}
	}
	return nil
}

// full re-checks every slot every running replica holds: a decided slot
// must still hold the command first decided there (stability), and the
// executed prefix must match.
func (iv *invariants) full() *Failure {
	if f := iv.check(); f != nil {
		return f
	}
	for id := 0; id < iv.replicas; id++ {
		r, _ := iv.s.Node(sim.NodeID(id)).(*multipaxos.Replica)
		if r == nil {
			continue
		}
		for slot := 0; slot < iv.per[id].commit; slot++ {
			cmd, ok := r.DecidedAt(slot)
			if !ok || cmd != iv.decided[slot] {
				return &Failure{Check: CheckStability, Fact: fmt.Sprintf(
					"slot %d: n%d first reported %v (as %v did) and now reports %v (known=%v)", slot, id, iv.decided[slot], iv.decider[slot], cmd, ok)}
			}
		}
		for slot := 0; slot < iv.per[id].executed; slot++ {
			if cmd, _ := r.ExecutedAt(slot); cmd != iv.decided[slot] {
				return &Failure{Check: CheckStability, Fact: fmt.Sprintf(
					"slot %d: n%d's executed command changed to %v, decided was %v", slot, id, cmd, iv.decided[slot])}
			}
		}
	}
	return nil
}

// coverage returns the counters of every incarnation seen, the running ones
// included.
func (iv *invariants) coverage() Coverage {
	c := iv.cov
	for i := range iv.per {
		if iv.per[i].inst != nil {
			c.addReplica(iv.per[i].inst.Coverage())
		}
	}
	return c
}
