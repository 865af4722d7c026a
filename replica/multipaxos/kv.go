package multipaxos

import "github.com/paxossim/paxossim/sim"

// session is a client's row in the dedup table: the last sequence number
// executed for it and that command's result.
type session struct {
	seq uint64
	res Result
}

// value is a key's value with the running FNV-1a state of its bytes, so
// that an Append rehashes only the appended suffix.
type value struct {
	v string
	h uint64
}

// kvState is the replicated state machine: the KV map and the dedup table.
// Both are part of the replicated state (every replica executes the same
// log into the same table), which is what makes a retried Append apply once
// across leader changes and restarts. hash is an order-independent digest of
// the whole state (XOR of one digest per key and per client), kept up to
// date in O(1) per command so that checkers may read it after every step.
type kvState struct {
	data     map[string]value
	sessions map[sim.NodeID]session
	hash     uint64
}

func newKVState() kvState {
	return kvState{data: map[string]value{}, sessions: map[sim.NodeID]session{}}
}

const fnvOffset, fnvPrime = 0xcbf29ce484222325, 0x100000001b3

func fnvMore(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func keyDigest(k string, v value) uint64 { return sim.Mix(1, sim.HashString(k), v.h, uint64(len(v.v))) }

func sessionDigest(c sim.NodeID, s session) uint64 {
	if s.res.OK {
		return sim.Mix(2, uint64(uint32(c)), s.seq, sim.HashString(s.res.Value), 1)
	}
	return sim.Mix(2, uint64(uint32(c)), s.seq, sim.HashString(s.res.Value))
}

// apply executes cmd exactly once per (client, seq). It returns the
// command's result, whether it changed the state now (false for a
// duplicate), and whether the result is current (false for a command older
// than the client's last, whose result is no longer kept).
func (kv *kvState) apply(cmd Command) (res Result, applied, current bool) {
	last, seen := kv.sessions[cmd.Client]
	if seen && cmd.Seq <= last.seq {
		return last.res, false, cmd.Seq == last.seq
	}
	old, had := kv.data[cmd.Key]
	switch cmd.Op {
	case OpGet:
		res.Value = old.v
	case OpPut:
		kv.set(cmd.Key, old, had, value{v: cmd.Value, h: fnvMore(fnvOffset, cmd.Value)})
	case OpAppend:
		if !had {
			old.h = fnvOffset
		}
		kv.set(cmd.Key, old, had, value{v: old.v + cmd.Value, h: fnvMore(old.h, cmd.Value)})
	case OpCAS:
		res.Value = old.v
		if res.OK = old.v == cmd.Expect; res.OK {
			kv.set(cmd.Key, old, had, value{v: cmd.Value, h: fnvMore(fnvOffset, cmd.Value)})
		}
	}
	s := session{seq: cmd.Seq, res: res}
	if seen {
		kv.hash ^= sessionDigest(cmd.Client, last)
	}
	kv.hash ^= sessionDigest(cmd.Client, s)
	kv.sessions[cmd.Client] = s
	return res, true, true
}

// reapply executes cmd's effect on the data again, ignoring the dedup
// table: only the follower-reapplies-duplicates mutant does this.
func (kv *kvState) reapply(cmd Command) {
	old, had := kv.data[cmd.Key]
	switch cmd.Op {
	case OpPut:
		kv.set(cmd.Key, old, had, value{v: cmd.Value, h: fnvMore(fnvOffset, cmd.Value)})
	case OpAppend:
		if !had {
			old.h = fnvOffset
		}
		kv.set(cmd.Key, old, had, value{v: old.v + cmd.Value, h: fnvMore(old.h, cmd.Value)})
	case OpCAS:
		if old.v == cmd.Expect {
			kv.set(cmd.Key, old, had, value{v: cmd.Value, h: fnvMore(fnvOffset, cmd.Value)})
		}
	}
}

func (kv *kvState) set(k string, old value, had bool, v value) {
	if had {
		kv.hash ^= keyDigest(k, old)
	}
	kv.hash ^= keyDigest(k, v)
	kv.data[k] = v
}
