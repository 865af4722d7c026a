package scenarios

import (
	"testing"
	"time"
)

// benchSeeds runs b.N seeds of a scenario, one after another, and reports
// seeds/s, simulated seconds per wall second and porcupine's share.
func benchSeeds(b *testing.B, name string, edit func(*Scenario)) {
	benchProtocolSeeds(b, DefaultProtocol, name, edit)
}

func benchProtocolSeeds(b *testing.B, protocolName, name string, edit func(*Scenario)) {
	sc, err := LookupFor(protocolName, name)
	if err != nil {
		b.Fatal(err)
	}
	if edit != nil {
		edit(sc)
	}
	var simWall, checkWall time.Duration
	var simTime, events float64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := Run(sc, uint64(i), "", RunOptions{})
		if res.Failure != nil {
			b.Fatalf("seed %d: %v", i, res.Failure)
		}
		simWall += res.SimWall
		checkWall += res.CheckWall
		simTime += float64(res.SimTime)
		events += float64(res.Events)
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/secs, "seeds/s")
	b.ReportMetric(simTime/1e9/secs, "sim-s/wall-s")
	b.ReportMetric(events/secs, "events/s")
	b.ReportMetric(100*float64(checkWall)/float64(simWall+checkWall), "porcupine-%")
}

// BenchmarkProtocols3x2 compares the protocols on the same small world:
// 3 servers and 2 clients of 40 operations each, calm and chaos, one core,
// every check included (the README's side-by-side figure).
func BenchmarkProtocols3x2(b *testing.B) {
	for _, proto := range []string{"multipaxos", "paxos"} {
		for _, name := range []string{"calm-3", "chaos-3"} {
			b.Run(proto+"/"+name, func(b *testing.B) {
				benchProtocolSeeds(b, proto, name, func(sc *Scenario) { sc.Workload.Clients = 2 })
			})
		}
	}
}

// BenchmarkChaos3 is the figure: chaos with 3 replicas, 5 clients,
// 200 operations, every check included, one core.
func BenchmarkChaos3(b *testing.B) { benchSeeds(b, "chaos-3", nil) }

// BenchmarkChaos3InvariantsEvery64 measures what checking the invariants
// after every step costs, against every 64th step.
func BenchmarkChaos3InvariantsEvery64(b *testing.B) {
	benchSeeds(b, "chaos-3", func(sc *Scenario) { sc.Checks.InvariantEvery = 64 })
}

// BenchmarkChaos3Parallel runs seeds on every core, as sweeps do.
func BenchmarkChaos3Parallel(b *testing.B) {
	sc, _ := Lookup("chaos-3")
	b.ResetTimer()
	var next uint64
	var mu = make(chan struct{}, 1)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu <- struct{}{}
			seed := next
			next++
			<-mu
			if res := Run(sc, seed, "", RunOptions{}); res.Failure != nil {
				b.Errorf("seed %d: %v", seed, res.Failure)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "seeds/s")
}
