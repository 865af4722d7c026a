package kv

import (
	"maps"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// CloneWorkload copies the workload with what its clients saw, for a
// snapshot of a run's world (runner.WorkloadCloner): without it a
// snapshot rebuilds the workload from its config and shows it every
// completed operation again.
func (w *workload) CloneWorkload() spec.Workload {
	cp := &workload{w: w.w, seen: make(map[sim.NodeID]map[string]string, len(w.seen))}
	//detlint:ordered each entry is copied into a map: the order does not matter
	for c, m := range w.seen {
		cp.seen[c] = maps.Clone(m)
	}
	return cp
}
