package runner

import (
	"fmt"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
)

// invariants checks the servers' own state as the run goes, through the
// protocol's views, so that each check is written once for every protocol:
//
//   - agreement: no two servers decide different commands for a slot;
//   - stability: a decided slot never changes (full, at the end);
//   - prefix execution: every server executes the decided command of each
//     slot, in slot order;
//   - divergence: servers that executed the same prefix hold the same
//     state digest;
//   - chosen: a server treats a value as decided only if a majority cast a
//     durable vote for it at one ballot (chosen.go; for protocols that
//     decode their votes);
//   - promise monotonicity: a server's promised ballot never goes back,
//     across restarts too, both as the node claims it (after every step)
//     and as its synced durable state reads through the protocol's own
//     decoder (Protocol.Durable), at every restart and at the end.
//
// The log checks apply to servers whose view is a protocol.LogView.
// Checking is incremental: each call looks only at what changed since the
// last, so it can run after every step.
type invariants struct {
	s         *sim.Sim
	proto     *protocol.Protocol
	servers   int
	decided   []uint64           // the first decision seen for each slot (digest)
	decider   []protocol.LogView // who reported it first (a frozen incarnation stays readable)
	deciderID []sim.NodeID
	have      []bool
	// stateAt is the state digest first seen after executing i slots.
	stateAt   []uint64
	stateBy   []sim.NodeID
	haveState []bool
	per       []serverWatch
	cov       Coverage
	chosen    *chosen // nil if the protocol does not decode its votes
	// scanned is set once every server was looked at: from then on, if
	// the check runs after every step (everyStep), a node's step needs a
	// look at that node only.
	scanned, everyStep bool
	// noDivergence leaves the divergence check out (for measuring its
	// cost only; see Options).
	noDivergence bool
}

// serverWatch is what the checker remembers of one server id.
type serverWatch struct {
	seen        bool   // an incarnation was seen
	inc         uint32 // the incarnation last seen (comparing numbers, not node values, is cheaper after every step)
	view        protocol.View
	log         protocol.LogView // nil if the protocol is not a log
	commit      int              // slots [0, commit) checked for agreement
	executed    int              // slots [0, executed) checked for execution
	maxPromised protocol.Ballot  // highest promise ever claimed, any incarnation
	promisedBy  uint32
	syncs       uint64 // the disk's sync count when its durable state was last read
	maxDurable  protocol.Ballot
	durableBy   uint32
}

func newInvariants(s *sim.Sim, proto *protocol.Protocol, servers, slots int, everyStep bool) *invariants {
	return &invariants{s: s, proto: proto, servers: servers, per: make([]serverWatch, servers), everyStep: everyStep,
		decided: make([]uint64, 0, slots), decider: make([]protocol.LogView, 0, slots),
		deciderID: make([]sim.NodeID, 0, slots), have: make([]bool, 0, slots),
		cov: newCoverage(proto.ProbeNames()), chosen: newChosen(s, proto, servers, slots)}
}

func fail(check Check, format string, args ...any) *Failure {
	return &Failure{Check: check, Fact: fmt.Sprintf(format, args...)}
}

// check looks at what changed since the last call and returns the first
// violation, or nil.
func (iv *invariants) check() *Failure {
	if id, ok := iv.s.LastStepNode(); ok && iv.scanned && iv.everyStep {
		// Only the node whose handler ran can have changed.
		if int(id) >= iv.servers {
			return nil
		}
		if f := iv.ingestVotes(int(id)); f != nil {
			return f
		}
		return iv.checkServer(int(id))
	}
	return iv.checkAll()
}

// checkAll looks at every server.
func (iv *invariants) checkAll() *Failure {
	iv.scanned = true
	// Every server's new votes first: a decision at one server rests on
	// votes that others made durable.
	for id := 0; id < iv.servers; id++ {
		if f := iv.ingestVotes(id); f != nil {
			return f
		}
	}
	for id := 0; id < iv.servers; id++ {
		if f := iv.checkServer(id); f != nil {
			return f
		}
	}
	return nil
}

// ingestVotes reads the votes a server made durable since the last look.
func (iv *invariants) ingestVotes(id int) *Failure {
	if iv.chosen == nil {
		return nil
	}
	return iv.chosen.ingest(id)
}

// checkServer looks at what changed at one server since the last call.
func (iv *invariants) checkServer(id int) *Failure {
	n := iv.s.Node(sim.NodeID(id))
	w := &iv.per[id]
	if n == nil {
		return nil
	}
	if inc := iv.s.Incarnation(sim.NodeID(id)); !w.seen || inc != w.inc {
		// What a crash left on the disk is what the new incarnation
		// starts from: judge it before the node's own claims.
		if f := iv.checkDurable(id, w); f != nil {
			return f
		}
		// A new incarnation rebuilds its state from disk: check it
		// anew, and bank the probe counts of the one before (frozen
		// since its crash, and still readable through its view).
		if w.view != nil {
			w.view.Probes(iv.cov.Counts)
		}
		v := iv.proto.View(n)
		log, _ := v.(protocol.LogView)
		*w = serverWatch{seen: true, inc: inc, view: v, log: log, maxPromised: w.maxPromised, promisedBy: w.promisedBy,
			syncs: w.syncs, maxDurable: w.maxDurable, durableBy: w.durableBy}
	}
	if w.log == nil {
		return nil
	}
	if f := iv.checkPromise(id, w); f != nil {
		return f
	}
	r := w.log
	for committed := r.Committed(); w.commit < committed; w.commit++ {
		if f := iv.checkDecided(id, r, w.commit); f != nil {
			return f
		}
	}
	if executed := r.Executed(); w.executed < executed {
		for ; w.executed < executed; w.executed++ {
			if f := iv.checkExecuted(id, r, w.executed); f != nil {
				return f
			}
		}
		if f := iv.checkState(id, r); f != nil {
			return f
		}
	}
	return nil
}

func (iv *invariants) checkPromise(id int, w *serverWatch) *Failure {
	p := w.log.Promised()
	if p == w.maxPromised {
		return nil // the common case, after every step
	}
	inc := iv.s.Incarnation(sim.NodeID(id))
	if p.Less(w.maxPromised) {
		return fail(CheckPromise, "n%d's promised ballot went back from %v (incarnation %d) to %v (incarnation %d)",
			id, w.maxPromised, w.promisedBy, p, inc)
	}
	w.maxPromised, w.promisedBy = p, inc
	return nil
}

// checkDurable reads a server's durable promise through the protocol's
// decoder, if its disk synced since the last look: at every incarnation
// (what a crash leaves is exactly the synced state) and at the end of the
// run. The durable promise must never go back.
func (iv *invariants) checkDurable(id int, w *serverWatch) *Failure {
	if iv.proto.Durable == nil {
		return nil
	}
	d := iv.s.Disk(sim.NodeID(id))
	if d == nil || d.Syncs == w.syncs {
		return nil
	}
	w.syncs = d.Syncs
	st, err := iv.proto.Durable(d.Durable())
	if err != nil {
		return fail(CheckPromise, "n%d's synced durable state does not decode: %v", id, err)
	}
	inc := iv.s.Incarnation(sim.NodeID(id))
	if st.Promised.Less(w.maxDurable) {
		return fail(CheckPromise, "n%d's durable promised ballot went back from %v (incarnation %d) to %v (incarnation %d)",
			id, w.maxDurable, w.durableBy, st.Promised, inc)
	}
	if w.maxDurable.Less(st.Promised) {
		w.maxDurable, w.durableBy = st.Promised, inc
	}
	return nil
}

func (iv *invariants) checkDecided(id int, r protocol.LogView, slot int) *Failure {
	d, ok := r.Decided(slot)
	if !ok {
		return fail(CheckAgreement, "n%d reports slot %d committed (Committed()=%d) but knows no decision there", id, slot, r.Committed())
	}
	for len(iv.have) <= slot {
		iv.have = append(iv.have, false)
		iv.decided = append(iv.decided, 0)
		iv.decider = append(iv.decider, nil)
		iv.deciderID = append(iv.deciderID, -1)
	}
	if iv.chosen != nil {
		if f := iv.chosen.check(id, r, slot, d); f != nil {
			return f
		}
	}
	if !iv.have[slot] {
		iv.have[slot], iv.decided[slot], iv.decider[slot], iv.deciderID[slot] = true, d, r, sim.NodeID(id)
		return nil
	}
	if d != iv.decided[slot] {
		return fail(CheckAgreement, "slot %d: %v decided %s but n%d decided %s",
			slot, iv.deciderID[slot], iv.decider[slot].Command(slot), id, r.Command(slot))
	}
	return nil
}

func (iv *invariants) checkExecuted(id int, r protocol.LogView, slot int) *Failure {
	d, ok := r.ExecutedAt(slot)
	if !ok {
		return fail(CheckPrefix, "n%d reports %d executed slots but not slot %d", id, r.Executed(), slot)
	}
	if slot >= len(iv.have) || !iv.have[slot] {
		// Executed before anyone was seen to decide it: it must at least
		// be decided here, which registers the decision.
		if dec, ok := r.Decided(slot); !ok || dec != d {
			return fail(CheckPrefix, "n%d executed %s in slot %d, which it has not decided", id, r.Command(slot), slot)
		}
		if f := iv.checkDecided(id, r, slot); f != nil {
			return f
		}
	}
	if d != iv.decided[slot] {
		return fail(CheckPrefix, "n%d executed %s in slot %d, but %v decided %s there",
			id, r.Command(slot), slot, iv.deciderID[slot], iv.decider[slot].Command(slot))
	}
	return nil
}

// checkState compares the server's state digest after its executed prefix
// with the first digest seen at that length.
func (iv *invariants) checkState(id int, r protocol.LogView) *Failure {
	if iv.noDivergence {
		return nil
	}
	k := r.Executed()
	for len(iv.haveState) <= k {
		iv.haveState = append(iv.haveState, false)
		iv.stateAt = append(iv.stateAt, 0)
		iv.stateBy = append(iv.stateBy, -1)
	}
	d := r.StateDigest()
	if !iv.haveState[k] {
		iv.haveState[k], iv.stateAt[k], iv.stateBy[k] = true, d, sim.NodeID(id)
		return nil
	}
	if d != iv.stateAt[k] {
		return fail(CheckDivergence, "n%d and %v both executed slots 0..%d, which agree, but their state digests differ (%016x and %016x)",
			id, iv.stateBy[k], k-1, d, iv.stateAt[k])
	}
	return nil
}

// full re-checks every slot every running server holds: a decided slot
// must still hold the command first decided there (stability), and the
// executed prefix must match.
func (iv *invariants) full() *Failure {
	if f := iv.checkAll(); f != nil {
		return f
	}
	for id := 0; id < iv.servers; id++ {
		w := &iv.per[id]
		if f := iv.checkDurable(id, w); f != nil {
			return f
		}
		if w.log == nil || iv.s.Node(sim.NodeID(id)) == nil {
			continue
		}
		r := w.log
		for slot := 0; slot < w.commit; slot++ {
			d, ok := r.Decided(slot)
			if !ok || d != iv.decided[slot] {
				return fail(CheckStability, "slot %d: n%d first reported %s (as %v did) and now reports %s (known=%v)",
					slot, id, iv.decider[slot].Command(slot), iv.deciderID[slot], r.Command(slot), ok)
			}
		}
		for slot := 0; slot < w.executed; slot++ {
			if d, _ := r.ExecutedAt(slot); d != iv.decided[slot] {
				return fail(CheckStability, "slot %d: n%d's executed command changed to %s, decided was %s",
					slot, id, r.Command(slot), iv.decider[slot].Command(slot))
			}
		}
	}
	return nil
}

// coverage returns the probe counts of every incarnation seen, the running
// ones included.
func (iv *invariants) coverage() Coverage {
	c := Coverage{Names: iv.cov.Names, Counts: append([]uint64(nil), iv.cov.Counts...)}
	for i := range iv.per {
		if iv.per[i].view != nil {
			iv.per[i].view.Probes(c.Counts)
		}
	}
	return c
}
