package paxos

// consensus is round-based consensus, the routine that leads Phase 1 and
// Phase 2 of Paxos on the round-based register. In the paper's
// pseudo-code:
//
//	proposeRC(int k, val v0) {
//	  (res, v) := read(k);
//	  if (res) {
//	    if (v = undef) { v := v0; }
//	    res := write(k, v);
//	    if (res) { return (true, v); } }
//	  return (false, undef); }
//
// Each line is one step below, because read and write answer later, in
// readDone and writeDone. A server that only wants to learn the decision
// (a client's Get) proposes undef: if the read finds no value accepted
// either, there is nothing to write, nothing was decided, and proposeRC
// succeeds with undef.
type consensus struct {
	n     *node
	reg   *register
	upper *paxos
	busy  bool
	id    uint64 // the layer call id
	k     Round
	v0    Value
	v     Value
}

// proposeRC(k, v0): (res, v) := read(k).
func (c *consensus) proposeRC(k Round, v0 Value) {
	c.id = c.n.events.call(LayerConsensus, ProposeRCCall{Round: k, Proposal: v0})
	c.busy, c.k, c.v0, c.v = true, k, v0, undef
	c.n.rcCalls++
	c.reg.read(k)
}

// readDone continues proposeRC after read(k) returned (res, v).
func (c *consensus) readDone(res bool, v Value) {
	if !res {
		c.done(false, undef)
		return
	}
	if v != undef && v != c.v0 {
		c.n.cov.adopted++ // a value accepted in an earlier round wins over v0
	}
	// if (v = undef) { v := v0; }
	if v == undef || c.n.mutant == mutantProposeOwnValue {
		v = c.v0
	}
	if v == undef {
		c.done(true, undef) // learning only, and nothing is accepted: nothing decided
		return
	}
	c.v = v
	// res := write(k, v)
	c.reg.write(c.k, v)
}

// writeDone continues proposeRC after write(k, v) returned res.
func (c *consensus) writeDone(res bool) {
	if res {
		c.done(true, c.v)
		return
	}
	c.done(false, undef)
}

func (c *consensus) done(res bool, v Value) {
	c.busy = false
	c.n.events.ret(LayerConsensus, c.id, ProposeRCReturn{OK: res, Value: v})
	c.upper.proposeRCDone(res, v)
}
