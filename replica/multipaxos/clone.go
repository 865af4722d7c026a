package multipaxos

import (
	"maps"

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
func (r *Replica) Clone(env sim.Env) sim.Node { return r.CloneInto(env, nil) }

// CloneInto implements sim.RecyclingCloner: Clone into the memory of dst,
// a replica that will never run again, whose slices and maps are refilled
// instead of allocated. What is nil in the original is nil in the copy.
func (r *Replica) CloneInto(env sim.Env, dst sim.Node) sim.Node {
	cp, _ := dst.(*Replica)
	if cp == nil || cp == r {
		cp = &Replica{}
	}
	old := *cp
	*cp = *r
	cp.env = env
	cp.log = refillSlice(old.log, r.log)
	cp.sm = kvState{data: refillMap(old.sm.data, r.sm.data), sessions: refillMap(old.sm.sessions, r.sm.sessions), hash: r.sm.hash}
	cp.promises = refillSlice(old.promises, r.promises)
	cp.waiting = refillMap(old.waiting, r.waiting)
	cp.proposedSeq = refillMap(old.proposedSeq, r.proposedSeq)
	cp.afterSync = refillSlice(old.afterSync, r.afterSync)
	cp.selfVotes = refillSlice(old.selfVotes, r.selfVotes)
	cp.spareVotes = nil
	cp.scratch = old.scratch[:0] // its contents do not outlive an event
	cp.lease.grantSent = refillSlice(old.lease.grantSent, r.lease.grantSent)
	return cp
}

// refillSlice returns a copy of src in dst's memory; nil for nil.
func refillSlice[T any](dst, src []T) []T {
	if src == nil {
		return nil
	}
	return append(dst[:0], src...)
}

// refillMap returns a copy of src in dst's memory; nil for nil.
func refillMap[K comparable, V any](dst, src map[K]V) map[K]V {
	if src == nil {
		return nil
	}
	if dst == nil {
		return maps.Clone(src)
	}
	clear(dst)
	maps.Copy(dst, src)
	return dst
}

// ReadsClock implements sim.ClockReader: with leases, Fingerprint reads
// the replica's clock, so a snapshot copies the replica at once instead of
// sharing it until it runs (sharing would read the other world's clock).
func (r *Replica) ReadsClock() bool { return r.leasing() }
