package paxos

import (
	"github.com/paxossim/paxossim/sim"
)

// Clone implements sim.Cloner: a copy of the server in its present state,
// bound to env, for a snapshot of its world (an exhaustive search expands
// a state by copying its world instead of re-executing its path). The
// layers point at the node and at each other, so the copy's are re-wired
// to the copy; the waiting requests and the unread layer events are
// copied; the cluster (servers, config) is shared, since nothing changes
// it after New.
func (s *Server) Clone(env sim.Env) sim.Node { return s.CloneInto(env, nil) }

// CloneInto implements sim.RecyclingCloner: Clone into the memory of dst,
// a server that will never run again.
func (s *Server) CloneInto(env sim.Env, dst sim.Node) sim.Node {
	cp, _ := dst.(*Server)
	if cp == nil || cp == s {
		cp = &Server{}
	}
	pending, log := cp.pending[:0], cp.events.log[:0]
	*cp = *s
	cp.env = env
	cp.pending = append(pending, s.pending...)
	cp.events.log = append(log, s.events.log...)
	cp.reg.n, cp.reg.upper = &cp.node, &cp.rc
	cp.rc.n, cp.rc.reg, cp.rc.upper = &cp.node, &cp.reg, &cp.px
	cp.px.n, cp.px.rc, cp.px.upper = &cp.node, &cp.rc, cp
	return cp
}
