package multipaxos

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

func TestClusterNoFaults(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			c := newCluster(t, clusterOpts{seed: 1, replicas: n, clients: 5, opsPerClient: 2000, keys: 10, checked: true})
			c.runUntilDone(sim.Time(120 * sim.Second))
			require.Equal(t, 10000, c.rec.returned)
			c.settle(sim.Second)
			c.checkConverged()
			t.Logf("n=%d: simulated %v, %d events, %s", n, c.s.Now(), c.s.Events(), c.progress())
		})
	}
}
