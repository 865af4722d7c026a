package sim_test

import (
	"testing"

	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

// relay forwards every message it receives to the next node, reusing the
// message value, so the benchmark measures the kernel and not the protocol's
// allocations. A slow timer keeps the timer path warm too.
type relay struct {
	env sim.Env
	n   int
	msg sim.Message
}

func (r *relay) Start(env sim.Env) {
	r.env = env
	env.Send(sim.NodeID((int(env.ID())+1)%r.n), r.msg)
	env.SetTimer(0, sim.Millisecond)
}

func (r *relay) Receive(from sim.NodeID, msg sim.Message) {
	r.env.Send(sim.NodeID((int(r.env.ID())+1+int(from))%r.n), msg)
}

func (r *relay) Timer(sim.TimerTag) { r.env.SetTimer(0, sim.Millisecond) }

// BenchmarkKernel: 5 nodes exchange messages (one in flight per node) through
// the default transport. It reports kernel events per second and
// allocations per event (b.N events).
func BenchmarkKernel(b *testing.B) { benchKernel(b, nil) }

// BenchmarkKernelNetwork is BenchmarkKernel through the simulated network
// (random 1-5ms latency with a 1% tail up to 100ms, reordering), the
// configuration the target of 3M events/s/core and 0 allocs/event refers to.
// Loss and duplication are off so the number of messages in flight stays
// constant and the figure measures steady state.
func BenchmarkKernelNetwork(b *testing.B) {
	benchKernel(b, func(s *sim.Sim, n int) {
		if _, err := network.New(s, n, network.Unordered()); err != nil {
			b.Fatal(err)
		}
	})
}

func benchKernel(b *testing.B, install func(s *sim.Sim, n int)) {
	s, _ := sim.New(sim.Config{Seed: 1, StepsMax: 1 << 62, TimeMax: 1 << 62})
	const n = 5
	if install != nil {
		install(s, n)
	}
	var msg sim.Message = ping{N: 1, Note: "bench"}
	for i := 0; i < n; i++ {
		s.AddNode(func(sim.NodeID) sim.Node { return &relay{n: n, msg: msg} })
	}
	for i := 0; i < n; i++ {
		s.Start(sim.NodeID(i))
	}
	// Warm up so the queue and outboxes have their steady-state capacity.
	s.Run(s.Now().Add(100*sim.Millisecond), nil)
	b.ReportAllocs()
	b.ResetTimer()
	start := s.Stats().Steps
	stop := start + int64(b.N)
	s.Run(1<<62, func() bool { return s.Stats().Steps >= stop })
	b.StopTimer()
	b.ReportMetric(float64(s.Stats().Steps-start)/b.Elapsed().Seconds(), "events/s")
}
