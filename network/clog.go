package network

import (
	"fmt"
	"strconv"

	"github.com/paxossim/paxossim/sim"
)

// Clogs. A clogged link holds every message sent on it, and at the end of
// the clog releases them all at once, spread over ClogSpread: late, bunched
// delivery, like a congested switch or a stalled TCP window, which plain
// loss never produces. Messages already in flight when the clog starts are
// not held. Held messages count towards CapacityPerLink, and a cut while
// they are held still drops them at arrival (sim.CauseCut).

// Clog holds the messages sent on the directed link from -> to until the
// true time until (which must be after now), then releases them. Clogging a
// clogged link replaces its release time, earlier or later.
func (n *Network) Clog(from, to sim.NodeID, until sim.Time) error {
	if err := n.checkID(from); err != nil {
		return fmt.Errorf("network: Clog: %w", err)
	}
	if err := n.checkID(to); err != nil {
		return fmt.Errorf("network: Clog: %w", err)
	}
	if from == to {
		return fmt.Errorf("network: Clog: %v -> %v: loopback cannot be clogged", from, to)
	}
	if until <= n.s.Now() {
		return fmt.Errorf("network: Clog: until = %v: must be after now (%v)", until, n.s.Now())
	}
	i := int(from)*n.n + int(to)
	l := &n.links[i]
	l.clogged = true
	l.clogGen++
	gen := l.clogGen
	n.s.Note(-1, "net clog "+from.String()+"->"+to.String()+" until="+until.String())
	n.s.At(until, func() { n.release(i, gen) })
	return nil
}

// Unclog releases the link's held messages now and ends its clog. It is a
// no-op, apart from its trace line, on a link that is not clogged.
func (n *Network) Unclog(from, to sim.NodeID) error {
	if err := n.checkID(from); err != nil {
		return fmt.Errorf("network: Unclog: %w", err)
	}
	if err := n.checkID(to); err != nil {
		return fmt.Errorf("network: Unclog: %w", err)
	}
	n.s.Note(-1, "net unclog "+from.String()+"->"+to.String())
	i := int(from)*n.n + int(to)
	n.release(i, n.links[i].clogGen)
	return nil
}

// Clogged reports whether the directed link from -> to is holding messages.
func (n *Network) Clogged(from, to sim.NodeID) bool {
	if n.checkID(from) != nil || n.checkID(to) != nil {
		return false
	}
	return n.links[int(from)*n.n+int(to)].clogged
}

// release ends clog gen of link i, if it is still the current one, and
// schedules its held messages now plus a spread drawn from the network
// stream, in the order they were sent (a FIFO link keeps that order).
func (n *Network) release(i int, gen uint32) {
	l := &n.links[i]
	if !l.clogged || l.clogGen != gen {
		return // unclogged, or clogged again with a new release time
	}
	l.clogged = false
	from, to := sim.NodeID(i/n.n), sim.NodeID(i%n.n)
	held := n.held[i]
	n.s.Note(-1, "net release "+from.String()+"->"+to.String()+" held="+strconv.Itoa(len(held)))
	now := n.s.Now()
	r := n.s.NetworkRand()
	for _, h := range held {
		at := now.Add(sim.Duration(r.Int64N(int64(ClogSpread))))
		if n.cfg.FIFO {
			at = max(at, l.lastAt)
			l.lastAt = at
		}
		n.s.Schedule(at, from, to, h.msg, h.token)
	}
	delete(n.held, i)
	if len(n.held) == 0 {
		n.held = nil
	}
}
