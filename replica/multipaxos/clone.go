package multipaxos

import (
	"maps"
	"slices"

	"github.com/paxossim/paxossim/sim"
)

// Clone implements sim.Cloner: a copy of the replica in its present state,
// bound to env, for a snapshot of its world (an exhaustive search expands
// a state by copying its world instead of re-executing its path). The log,
// the state machine, the leader's tables, the candidate's promises and the
// effects held for a deferred sync are copied; messages (a held send, a
// promise's entries) are values and are shared, as is the config, which
// nothing changes after New. The
// encoding scratch buffer and the spare vote list are reused buffers
// whose contents do not outlive an event: the copy starts without them.
func (r *Replica) Clone(env sim.Env) sim.Node {
	cp := *r
	cp.env = env
	cp.log = slices.Clone(r.log)
	cp.sm = kvState{data: maps.Clone(r.sm.data), sessions: maps.Clone(r.sm.sessions), hash: r.sm.hash}
	cp.promises = slices.Clone(r.promises)
	cp.waiting = maps.Clone(r.waiting)
	cp.proposedSeq = maps.Clone(r.proposedSeq)
	cp.afterSync = slices.Clone(r.afterSync)
	cp.selfVotes = slices.Clone(r.selfVotes)
	cp.spareVotes = nil
	cp.scratch = nil
	cp.lease.grantSent = slices.Clone(r.lease.grantSent)
	return &cp
}

// ReadsClock implements sim.ClockReader: with leases, Fingerprint reads
// the replica's clock, so a snapshot copies the replica at once instead of
// sharing it until it runs (sharing would read the other world's clock).
func (r *Replica) ReadsClock() bool { return r.leasing() }
