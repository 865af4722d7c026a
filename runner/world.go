package runner

import (
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// World is one run's world for a driver that steers it step by step (the
// exhaustive explorer, package explore): the run of Simulate without its
// run loop, its periodic tick or its liveness check. The driver installs
// its chooser before the nodes start, steps the Sim itself, and calls Check
// after every step.
type World struct {
	c *cluster
}

// NewWorld builds the world of p with chooser ch installed (so that it sees
// the nodes boot). p's own Schedule is ignored: the driver steers. p must
// have passed Params.Validate: a driver that builds the same world many
// times validates it once.
func NewWorld(p Params, ch sim.Chooser, opts Options) (*World, error) {
	s, err := sim.New(sim.Config{Seed: p.Seed, StepsMax: opts.StepsMax, TimeMax: MaxSimulated,
		Trace: opts.Trace, TraceTail: opts.TraceTail, Checked: opts.Checked})
	if err != nil {
		return nil, err
	}
	s.SetChooser(ch)
	pc := p
	c, err := newCluster(s, &pc)
	if err != nil {
		return nil, err
	}
	if opts.DiscardLayers {
		c.layers.discardHistories()
	}
	c.hist.valueDigest = opts.ValueDigest
	if c.layers != nil {
		c.layers.valueDigest = opts.ValueDigest
	}
	return &World{c: c}, nil
}

// Sim is the world's kernel.
func (w *World) Sim() *sim.Sim { return w.c.s }

// Servers is the number of servers; the clients are the nodes after them.
func (w *World) Servers() int { return w.c.p.Servers }

// Check runs what Simulate runs after every step: the layer recorder and
// the safety invariants. It returns the first failure, and keeps returning
// it.
func (w *World) Check() *Failure {
	c := w.c
	if c.failure != nil {
		return c.failure
	}
	if f := c.layers.observe(); f != nil {
		c.failure = f
	} else if f := c.inv.check(); f != nil {
		c.failure = f
	} else if out := c.s.Err(); out != nil {
		c.fail(CheckPanic, out.Error())
	}
	return c.failure
}

// History is the client history so far, open operations closed as Unknown
// after now.
func (w *World) History() []spec.Operation { return w.c.hist.operations(w.c.s.Now()) }

// HistoryInto is History into buf's memory: a driver that looks at the
// history after every step need not allocate it each time.
func (w *World) HistoryInto(buf []spec.Operation) []spec.Operation {
	return w.c.hist.operationsInto(buf, w.c.s.Now())
}

// HistoryDigest digests the client history up to the order of its events
// (the operations in call order, each with its client, input, output and
// the ranks of its call and return among the history's calls and
// returns): all that its linearizability check looks at. A driver that
// checks many worlds judges a history once per digest. It is kept until
// the next call or return, and copied with the world.
func (w *World) HistoryDigest() uint64 { return w.c.hist.digest() }

// LayerDigestsInto appends to dst the digest of each layer's history so
// far, in the protocol's order, as HistoryDigest digests the client
// history (none for a protocol without layers, or with DiscardLayers):
// a driver that checks many worlds reads a layer's history only for a
// digest it has not judged.
func (w *World) LayerDigestsInto(dst []uint64) []uint64 { return w.c.layers.digestsInto(dst) }

// Layers is the layer histories so far (nil for a protocol without layers).
func (w *World) Layers() []LayerHistory { return w.c.layers.histories(w.c.s.Now()) }

// CheckerDigest digests what the invariant checkers remember beyond the
// nodes' present state: the first decision and state seen per slot, the
// highest promises ever claimed and made durable, and every durable vote
// ever cast. Two states whose nodes are alike can still differ in a later
// verdict through this memory, so a search that merges states must tell
// them apart by it too.
func (w *World) CheckerDigest() uint64 {
	iv := w.c.inv
	h := sim.Mix(uint64(len(iv.decided)), uint64(len(iv.stateAt)))
	for i, d := range iv.decided {
		if iv.have[i] {
			h = sim.Mix(h, uint64(i), d)
		}
	}
	for i, d := range iv.stateAt {
		if iv.haveState[i] {
			h = sim.Mix(h, uint64(i), d)
		}
	}
	for i := range iv.per {
		p := &iv.per[i]
		h = sim.Mix(h, p.maxPromised.Round, uint64(uint32(p.maxPromised.Node)), p.maxDurable.Round, uint64(uint32(p.maxDurable.Node)))
	}
	if ch := iv.chosen; ch != nil {
		// Entries are appended in the order votes were read, which differs
		// between paths to the same votes: a sum does not depend on it.
		var votes uint64
		for slot := range ch.slots {
			ch.each(slot, func(e *ballotVotes) bool {
				v := sim.Mix(uint64(slot), e.ballot.Round, uint64(uint32(e.ballot.Node)), e.value, e.voters.low)
				for _, word := range e.voters.high {
					v = sim.Mix(v, word)
				}
				votes += v
				return true
			})
		}
		h = sim.Mix(h, votes)
	}
	return h
}

// ClientsDone reports whether every client finished its workload.
func (w *World) ClientsDone() bool { return w.c.allClientsDone() }
