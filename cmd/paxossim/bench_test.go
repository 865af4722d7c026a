package main

import (
	"testing"

	"github.com/paxossim/paxossim/scenarios"
)

// BenchmarkChaosSeed runs one seed of the chaos scenario per iteration,
// linearizability check included: the unit of work of every sweep. Run it
// with -cpu 1 for the per-core figure; "paxossim bench" measures whole
// sweeps at one and at every core.
func BenchmarkChaosSeed(b *testing.B) {
	sc, err := scenarios.Lookup("chaos")
	if err != nil {
		b.Fatal(err)
	}
	defer tuneGC()() // as "paxossim run" runs seeds
	b.ReportAllocs()
	var events uint64
	var seed uint64
	for b.Loop() {
		seed++
		res := scenarios.Run(sc, seed, "", scenarios.RunOptions{})
		if !res.Passed() {
			b.Fatalf("seed %d: %v", seed, res.Failure)
		}
		events += res.Events
	}
	b.ReportMetric(float64(seed)/b.Elapsed().Seconds(), "seeds/s")
	b.ReportMetric(float64(events)/float64(seed), "events/seed")
}
