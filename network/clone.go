package network

import (
	"slices"

	"github.com/paxossim/paxossim/sim"
)

// Clone copies the network for s, a snapshot of its kernel (sim.Sim.Clone),
// and installs the copy as s's transport: the links, their cuts, clogs,
// epochs and held messages, and their statistics. Messages are values, so
// the copies of held messages share them. A clog's release is a kernel
// callback, which the kernel's snapshot refuses, so a network with a clog
// pending release is never copied mid-clog.
func (n *Network) Clone(s *sim.Sim) *Network { return n.CloneInto(nil, s) }

// CloneInto is Clone into dst, a network that will never be used again (a
// dropped snapshot's), whose memory it reuses; nil makes a new one.
func (n *Network) CloneInto(dst *Network, s *sim.Sim) *Network {
	var links []link
	if dst != nil {
		links = dst.links[:0]
	} else {
		dst = &Network{}
	}
	*dst = Network{s: s, cfg: n.cfg, n: n.n, servers: n.servers, links: append(links, n.links...)}
	if len(n.held) > 0 {
		dst.held = make(map[int][]heldMsg, len(n.held))
		//detlint:ordered a copy into a map: the order is not observed
		for i, h := range n.held {
			dst.held[i] = slices.Clone(h)
		}
	}
	s.SetTransport(dst)
	return dst
}
