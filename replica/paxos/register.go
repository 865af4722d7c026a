package paxos

import "math/bits"

// register is the proposer's side of the round-based register, the layer
// that encapsulates the acceptors (acceptor.go). In the paper's
// pseudo-code:
//
//	read(int k) { query acceptors and switch them to round k;
//	  if (majority of acceptors acknowledge) {
//	    if (no acceptor has accepted a value) return (true, undef);
//	    else { v ::= value at acceptor with highest round; return (true, v); } }
//	  else return (false, undef); }
//
//	write(int k, val v) { update acceptors at round k with value v;
//	  if (majority of acceptors acknowledges) return true; else return false; }
//
// A read that finds no value accepted succeeds with undef: proposeRC, the
// layer above, tests for exactly that ("if (v = undef) v := v0") after a
// successful read. On a network, "a majority acknowledges" is decided as
// answers arrive: a call succeeds at the majority-th acknowledgement and
// fails as soon as a majority can no longer acknowledge (too many
// acceptors refused: they switched to a higher round), or when the call
// timeout (Config.CallTimeout, doubled after each failed attempt of the
// running proposeP) passes on the local clock without a majority. One
// call is outstanding at a time; its result goes up to the consensus
// layer (readDone, writeDone).
type register struct {
	n     *node
	upper *consensus
	call  registerCall
}

type callKind uint8

const (
	idle callKind = iota
	reading
	writing
)

// registerCall is the outstanding read or write.
type registerCall struct {
	kind  callKind
	id    uint64 // the layer call id
	round Round
	// acks and refusals are the acceptors that answered, one bit per
	// index in Config.Servers: an acceptor counts once however many
	// copies of its answer arrive.
	acks, refusals uint64
	// written is the value a write writes.
	written Value
	// accepted and value are, for a read, the highest accepted round
	// among the acknowledgements and its value.
	accepted Round
	value    Value
}

// read(k): query the acceptors and switch them to round k.
func (r *register) read(k Round) {
	r.start(reading, k, r.n.events.call(LayerRegister, ReadCall{Round: k}))
	r.n.broadcast(Read{Round: k})
}

// write(k, v): update the acceptors at round k with value v.
func (r *register) write(k Round, v Value) {
	r.start(writing, k, r.n.events.call(LayerRegister, WriteCall{Round: k, Value: v}))
	r.call.written = v
	r.n.broadcast(Write{Round: k, Value: v})
}

func (r *register) start(kind callKind, k Round, id uint64) {
	r.call = registerCall{kind: kind, id: id, round: k}
	r.n.env.SetTimer(callTimer, r.n.scaled(r.n.cfg.CallTimeout))
}

// busy reports whether a call is outstanding.
func (r *register) busy() bool { return r.call.kind != idle }

// onReadReply counts acceptor i's answer to the outstanding read.
func (r *register) onReadReply(i int, m ReadReply) {
	c := &r.call
	if c.kind != reading || m.Round != c.round || c.answered(i) {
		return // an answer to an earlier call, or a duplicate
	}
	if !m.OK {
		r.refused(i, m.Current)
		return
	}
	c.acks |= 1 << i
	// v ::= value at acceptor with highest round
	if m.Value != undef {
		better := c.accepted.Less(m.Accepted)
		if r.n.mutant == mutantReadLowestRound {
			better = c.accepted.IsZero() || m.Accepted.Less(c.accepted)
		}
		if better {
			c.accepted, c.value = m.Accepted, m.Value
		}
	}
	if bits.OnesCount64(c.acks) >= r.quorum() {
		r.finish(true, c.value)
	}
}

// onWriteReply counts acceptor i's answer to the outstanding write.
func (r *register) onWriteReply(i int, m WriteReply) {
	c := &r.call
	if c.kind != writing || m.Round != c.round || c.answered(i) {
		return
	}
	if !m.OK {
		r.refused(i, m.Current)
		return
	}
	c.acks |= 1 << i
	if bits.OnesCount64(c.acks) >= r.quorum() {
		r.finish(true, undef)
	}
}

// refused counts a refusal: acceptor i is at round current, above the
// call's. The proposer remembers the round to climb above it next time.
func (r *register) refused(i int, current Round) {
	r.call.refusals |= 1 << i
	r.n.cov.contention++
	r.n.saw(current)
	if bits.OnesCount64(r.call.refusals) > len(r.n.servers)-r.n.majority {
		r.finish(false, undef) // a majority can no longer acknowledge
	}
}

// timeout fails the outstanding call: no majority answered in time.
func (r *register) timeout() {
	if r.busy() {
		r.finish(false, undef)
	}
}

// abandon fails the outstanding call, if any: the server learned the
// decision elsewhere and stops proposing. Failing is always a correct
// answer for a call: the specification lets any read or write fail.
func (r *register) abandon() { r.timeout() }

// quorum is how many acknowledgements make a majority.
func (r *register) quorum() int {
	if r.n.mutant == mutantWriteMinority && r.call.kind == writing {
		return max(1, r.n.majority-1)
	}
	return r.n.majority
}

// finish returns the outstanding call's result to the consensus layer.
func (r *register) finish(ok bool, v Value) {
	c := r.call
	r.call = registerCall{}
	r.n.env.CancelTimer(callTimer)
	if c.kind == reading {
		r.n.events.ret(LayerRegister, c.id, ReadReturn{OK: ok, Value: v})
		r.upper.readDone(ok, v)
		return
	}
	r.n.events.ret(LayerRegister, c.id, WriteReturn{OK: ok})
	r.upper.writeDone(ok)
}

func (c *registerCall) answered(i int) bool { return (c.acks|c.refusals)&(1<<i) != 0 }
