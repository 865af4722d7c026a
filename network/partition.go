package network

import (
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// Partitions. Every call cuts more links: cuts accumulate until Heal, so a
// fault plan can compose an isolation with a one-way cut. A cut link drops
// new messages at send (sim.CausePartition) and the messages in flight on it
// at their arrival (sim.CauseCut). Each call validates all its arguments
// before it changes anything, and writes one "net ..." line to the trace.

// checkID reports a node id the network does not have.
func (n *Network) checkID(id sim.NodeID) error {
	if id < 0 || int(id) >= n.n {
		return fmt.Errorf("network: node %v: out of range [0, %d)", id, n.n)
	}
	return nil
}

// cut cuts the directed link from -> to. Loopback is never cut.
func (n *Network) cut(from, to sim.NodeID) {
	if from == to {
		return
	}
	l := &n.links[int(from)*n.n+int(to)]
	if !l.cut {
		l.cut = true
		if !n.cfg.InFlightSurvivesCut {
			l.epoch++ // what was in flight is dropped at arrival
		}
	}
}

// cutBoth cuts a <-> b.
func (n *Network) cutBoth(a, b sim.NodeID) {
	n.cut(a, b)
	n.cut(b, a)
}

// Partition cuts, in both directions, every pair of nodes that lie in
// different groups. Nodes in no group keep their links. A node may appear in
// at most one group.
func (n *Network) Partition(groups ...[]sim.NodeID) error {
	group := make([]int, n.n) // group index + 1; 0 = in no group
	for gi, g := range groups {
		for _, id := range g {
			if err := n.checkID(id); err != nil {
				return fmt.Errorf("network: Partition: %w", err)
			}
			if group[id] != 0 {
				return fmt.Errorf("network: Partition: node %v is in two groups", id)
			}
			group[id] = gi + 1
		}
	}
	for i, gi := range groups {
		for _, gj := range groups[i+1:] {
			for _, a := range gi {
				for _, b := range gj {
					n.cutBoth(a, b)
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString("net partition")
	for _, g := range groups {
		b.WriteByte(' ')
		b.WriteString(formatGroup(g))
	}
	n.s.Note(-1, b.String())
	return nil
}

// Isolate cuts id from every other server, in both directions. Clients keep
// their links to it (and it to them): name them in Partition to cut those.
// Isolating a client cuts it from every server.
func (n *Network) Isolate(id sim.NodeID) error {
	if err := n.checkID(id); err != nil {
		return fmt.Errorf("network: Isolate: %w", err)
	}
	for j := range n.servers {
		n.cutBoth(id, sim.NodeID(j))
	}
	n.s.Note(-1, "net isolate "+id.String())
	return nil
}

// CutOneWay cuts the direction from -> to only: to can still send to from.
func (n *Network) CutOneWay(from, to sim.NodeID) error {
	if err := n.checkID(from); err != nil {
		return fmt.Errorf("network: CutOneWay: %w", err)
	}
	if err := n.checkID(to); err != nil {
		return fmt.Errorf("network: CutOneWay: %w", err)
	}
	if from == to {
		return fmt.Errorf("network: CutOneWay: %v -> %v: loopback cannot be cut", from, to)
	}
	n.cut(from, to)
	n.s.Note(-1, "net cut-one-way "+from.String()+"->"+to.String())
	return nil
}

// Bridge cuts every node of a from every node of b, in both directions, and
// leaves bridge connected to both sides: the two halves can talk only
// through it. bridge must be in neither side, and the sides must not
// overlap. Nodes named nowhere keep their links.
func (n *Network) Bridge(a, b []sim.NodeID, bridge sim.NodeID) error {
	if err := n.checkID(bridge); err != nil {
		return fmt.Errorf("network: Bridge: %w", err)
	}
	side := make([]int8, n.n)
	side[bridge] = 3
	for si, g := range [2][]sim.NodeID{a, b} {
		for _, id := range g {
			if err := n.checkID(id); err != nil {
				return fmt.Errorf("network: Bridge: %w", err)
			}
			switch side[id] {
			case 3:
				return fmt.Errorf("network: Bridge: bridge node %v is also on a side", id)
			case 0:
				side[id] = int8(si + 1)
			default:
				return fmt.Errorf("network: Bridge: node %v is named twice", id)
			}
		}
	}
	for _, x := range a {
		for _, y := range b {
			n.cutBoth(x, y)
		}
	}
	n.s.Note(-1, "net bridge "+formatGroup(a)+" "+formatGroup(b)+" via "+bridge.String())
	return nil
}

// MajoritiesRing cuts the servers so that every server sees (is connected
// both ways to, counting itself) a majority of the servers, and no two
// servers see the same majority: every server may lead a quorum of its own,
// none of them the same, which is the topology that makes leaders duel. The
// ring is in id order; see MajoritiesRingOf. Clients keep their links. It
// needs at least 3 servers.
func (n *Network) MajoritiesRing() error {
	ring := make([]sim.NodeID, n.servers)
	for i := range ring {
		ring[i] = sim.NodeID(i)
	}
	return n.MajoritiesRingOf(ring)
}

// MajoritiesRingOf is MajoritiesRing over the given nodes, in the given ring
// order (a fault generator shuffles it with its own stream). With L nodes
// and a majority m = L/2+1, each node stays connected to the nodes within
// ring distance k = m/2 of it, and is cut from the others: it sees 2k+1 >= m
// nodes, and since 2k+1 < L for L >= 4 the seen sets, each centred on a
// different node, are all different. For L = 3 a ring is a triangle, where
// everyone sees everyone, so the ring is opened into a path a-b-c: a sees
// {a,b}, b sees all three, c sees {b,c}. Nodes not in the ring are untouched.
func (n *Network) MajoritiesRingOf(ring []sim.NodeID) error {
	if len(ring) < 3 {
		return fmt.Errorf("network: MajoritiesRing: %d nodes: needs at least 3 (with 2, a majority is everyone)", len(ring))
	}
	seen := make([]bool, n.n)
	for _, id := range ring {
		if err := n.checkID(id); err != nil {
			return fmt.Errorf("network: MajoritiesRing: %w", err)
		}
		if seen[id] {
			return fmt.Errorf("network: MajoritiesRing: node %v is named twice", id)
		}
		seen[id] = true
	}
	size := len(ring)
	if size == 3 {
		n.cutBoth(ring[0], ring[2])
	} else {
		k := (size/2 + 1) / 2
		for i := range ring {
			for j := i + 1; j < size; j++ {
				if d := min(j-i, size-(j-i)); d > k {
					n.cutBoth(ring[i], ring[j])
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString("net majorities-ring")
	for _, id := range ring {
		b.WriteByte(' ')
		b.WriteString(id.String())
	}
	n.s.Note(-1, b.String())
	return nil
}

// Heal reconnects every link and releases every clog now. Messages that
// were in flight across a cut stay lost.
func (n *Network) Heal() {
	n.s.Note(-1, "net heal")
	for i := range n.links {
		n.links[i].cut = false
	}
	for i := range n.links {
		if n.links[i].clogged {
			n.release(i, n.links[i].clogGen)
		}
	}
}

// Connected reports whether a message sent now from from would not be
// dropped for a cut. A clogged link is connected (it is slow, not cut).
// Loopback is always connected; an id the network does not have is not.
func (n *Network) Connected(from, to sim.NodeID) bool {
	if n.checkID(from) != nil || n.checkID(to) != nil {
		return false
	}
	return from == to || !n.links[int(from)*n.n+int(to)].cut
}

// formatGroup prints a group as the trace shows it: {n0,n1}.
func formatGroup(g []sim.NodeID) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range g {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id.String())
	}
	b.WriteByte('}')
	return b.String()
}

// SetRates changes the loss and duplication probabilities from now on. The
// harness calls it at the heal phase: progress under permanent heavy loss
// is a performance question, and the liveness check asks only whether the
// cluster recovers once faults, loss among them, are gone.
func (n *Network) SetRates(loss, dup float64) error {
	c := n.cfg
	c.LossProb, c.DupProb = loss, dup
	if err := c.Validate(n.n); err != nil {
		return err
	}
	n.cfg = c
	n.s.Note(-1, fmt.Sprintf("net rates loss=%v dup=%v", loss, dup))
	return nil
}
