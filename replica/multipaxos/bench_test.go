package multipaxos

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// BenchmarkCluster3x5x10k: 3 replicas, 5 closed-loop clients, 10,000
// operations, no faults, the kernel's default transport, checked mode off.
// Target: well under one second of wall time per run.
func BenchmarkCluster3x5x10k(b *testing.B) {
	b.ReportAllocs()
	var simulated sim.Time
	var events uint64
	for i := 0; i < b.N; i++ {
		c := newCluster(b, clusterOpts{seed: uint64(i + 1), replicas: 3, clients: 5, opsPerClient: 2000, keys: 10})
		c.runUntilDone(sim.Time(120 * sim.Second))
		require.Equal(b, 10000, c.rec.returned)
		simulated += c.s.Now()
		events += c.s.Events()
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(10000*b.N)/secs, "ops/s-wall")
	b.ReportMetric(float64(simulated)/float64(b.N)/1e9, "sim-s/run")
	b.ReportMetric(float64(events)/secs, "events/s")
	b.ReportMetric(secs/float64(b.N)*1e3, "ms-wall/run")
}
