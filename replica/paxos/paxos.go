package paxos

// paxos is the entry module, which encapsulates rounds. In the paper's
// pseudo-code:
//
//	proposeP(val v0) {
//	  pick a round k;
//	  do { (res, v) := proposeRC(k, v0); increase round k; } while (!res);
//	  return v; }
//
// "Pick a round" and "increase round k" take a round above every one this
// server has proposed at or seen (node.nextRound). The leader-election
// oracle that makes the loop end is a randomized wait on the server's
// local clock between a failed proposeRC and the next (Config.BackoffMin
// to BackoffMax, doubling with each failure): proposers that collide draw
// different waits, so one of them eventually runs alone long enough to
// succeed. The loop also ends when another server tells the decision
// (learn).
type paxos struct {
	n       *node
	rc      *consensus
	upper   *Server
	active  bool
	waiting bool   // for the oracle, between two proposeRC
	id      uint64 // the layer call id
	v0      Value
	k       Round
	learned Value // the decision, if another server told it while proposing
}

// proposeP(v0): pick a round k; (res, v) := proposeRC(k, v0).
func (p *paxos) proposeP(v0 Value) {
	p.id = p.n.events.call(LayerPaxos, ProposePCall{Proposal: v0})
	p.active, p.waiting, p.v0, p.learned = true, false, v0, undef
	p.n.failures = 0
	p.k = p.n.nextRound()
	p.rc.proposeRC(p.k, v0)
}

// proposeRCDone continues the loop after proposeRC(k, v0) returned.
func (p *paxos) proposeRCDone(res bool, v Value) {
	switch {
	case res:
		p.finish(v) // while (!res); return v
	case p.learned != undef:
		p.finish(p.learned)
	default:
		// increase round k, once the oracle lets this server try again
		p.waiting = true
		p.n.cov.retries++
		p.n.env.SetTimer(oracleTimer, p.n.backoff())
		p.n.failures++ // the next attempt waits longer for answers, and after
	}
}

// retry is the oracle's go-ahead: (res, v) := proposeRC(k, v0) at a
// higher round.
func (p *paxos) retry() {
	if !p.active || !p.waiting {
		return
	}
	p.waiting = false
	p.k = p.n.nextRound()
	p.rc.proposeRC(p.k, p.v0)
}

// learn ends the loop with the decision another server told: at once if
// waiting for the oracle, else by failing the outstanding register call,
// which fails proposeRC, which ends up in proposeRCDone.
func (p *paxos) learn(v Value) {
	if !p.active {
		return
	}
	p.learned = v
	if p.waiting {
		p.n.env.CancelTimer(oracleTimer)
		p.finish(v)
		return
	}
	p.rc.reg.abandon()
}

func (p *paxos) finish(v Value) {
	p.active, p.waiting = false, false
	p.n.events.ret(LayerPaxos, p.id, ProposePReturn{Value: v})
	p.upper.proposePDone(v)
}
