package scenarios

import (
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/replica/multipaxos"
)

// Coverage counts how often a run reached the protocol paths that matter,
// summed over every replica incarnation (and the clients, for retries). A
// sweep adds runs up; a scenario that exists to exercise a path and never
// reaches it across its sweep fails, like Stateright's "sometimes"
// properties and FoundationDB's code probes.
type Coverage struct {
	Counts [numPaths]uint64
}

const numPaths = 7

func pathIndex(p Path) int {
	for i, q := range Paths() {
		if q == p {
			return i
		}
	}
	return -1
}

// Get returns the count for a path.
func (c Coverage) Get(p Path) uint64 {
	if i := pathIndex(p); i >= 0 {
		return c.Counts[i]
	}
	return 0
}

// Add sums two coverages.
func (c *Coverage) Add(o Coverage) {
	for i := range c.Counts {
		c.Counts[i] += o.Counts[i]
	}
}

func (c *Coverage) addReplica(rc multipaxos.Coverage) {
	c.Counts[pathIndex(PathLeaderChange)] += rc.LeaderChanges
	c.Counts[pathIndex(PathRecovery)] += rc.Recovered
	c.Counts[pathIndex(PathGapFill)] += rc.GapsFilled
	c.Counts[pathIndex(PathCatchUp)] += rc.CatchUpReceived
	c.Counts[pathIndex(PathDiskRecovery)] += rc.DiskRecoveries
	c.Counts[pathIndex(PathDedup)] += rc.DupAnswered + rc.DupSkipped
}

// Missing returns the expected paths a sweep of runs seeds should have
// reached and did not.
func (c Coverage) Missing(expect []Expectation, runs int) []Path {
	var out []Path
	for _, e := range expect {
		if runs >= e.Within && c.Get(e.Path) == 0 {
			out = append(out, e.Path)
		}
	}
	return out
}

// String prints "path=count" pairs in report order.
func (c Coverage) String() string {
	parts := make([]string, 0, numPaths)
	for i, p := range Paths() {
		parts = append(parts, fmt.Sprintf("%s=%d", p, c.Counts[i]))
	}
	return strings.Join(parts, " ")
}
