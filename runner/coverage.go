package runner

import (
	"fmt"
	"strings"
)

// Coverage counts how often a run reached the paths the protocol declares
// as probes (protocol.Protocol.Probes), summed over every server
// incarnation, plus the harness's own client-retry probe. A sweep adds runs
// up; a scenario that exists to exercise a probe and never reaches it
// fails, like Stateright's "sometimes" properties and FoundationDB's code
// probes.
type Coverage struct {
	Names  []string
	Counts []uint64
}

func newCoverage(names []string) Coverage {
	return Coverage{Names: names, Counts: make([]uint64, len(names))}
}

// Get returns the count of a probe, and whether the run declares it.
func (c Coverage) Get(name string) (uint64, bool) {
	for i, n := range c.Names {
		if n == name {
			return c.Counts[i], true
		}
	}
	return 0, false
}

// Add sums o into c. Runs of different protocols do not add up: the first
// run's probes are kept, and a probe o lacks counts as zero.
func (c *Coverage) Add(o Coverage) {
	if c.Names == nil {
		c.Names = o.Names
		c.Counts = make([]uint64, len(o.Names))
	}
	for i, n := range o.Names {
		if i < len(c.Names) && c.Names[i] == n {
			c.Counts[i] += o.Counts[i]
			continue
		}
		for j, m := range c.Names {
			if m == n {
				c.Counts[j] += o.Counts[i]
			}
		}
	}
}

// String prints "probe=count" pairs in report order.
func (c Coverage) String() string {
	parts := make([]string, 0, len(c.Names))
	for i, n := range c.Names {
		parts = append(parts, fmt.Sprintf("%s=%d", n, c.Counts[i]))
	}
	return strings.Join(parts, " ")
}
