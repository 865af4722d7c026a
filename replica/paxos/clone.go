package paxos

import (
	"slices"

	"github.com/paxossim/paxossim/sim"
)

// Clone implements sim.Cloner: a copy of the server in its present state,
// bound to env, for a snapshot of its world (an exhaustive search expands
// a state by copying its world instead of re-executing its path). The
// layers point at the node and at each other, so the copy's are re-wired
// to the copy; the waiting requests and the unread layer events are
// copied; the cluster (servers, config) is shared, since nothing changes
// it after New.
func (s *Server) Clone(env sim.Env) sim.Node {
	cp := *s
	cp.env = env
	cp.pending = slices.Clone(s.pending)
	cp.events.log = slices.Clone(s.events.log)
	cp.reg.n, cp.reg.upper = &cp.node, &cp.rc
	cp.rc.n, cp.rc.reg, cp.rc.upper = &cp.node, &cp.reg, &cp.px
	cp.px.n, cp.px.rc, cp.px.upper = &cp.node, &cp.rc, &cp
	return &cp
}
