package network_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

// sink is a node that drops what it receives, so that a benchmark measures
// the network and the kernel only.
type sink struct{}

func (sink) Start(sim.Env)                   {}
func (sink) Receive(sim.NodeID, sim.Message) {}
func (sink) Timer(sim.TimerTag)              {}

// sendBench sets up nodes sinks on a flaky, FIFO, capacity-limited network
// and returns a function that sends one message per call, draining the
// queue every 64 sends.
func sendBench(tb testing.TB, nodes int) func(i int) {
	s, err := sim.New(sim.Config{Seed: 1, TimeMax: 1 << 62, StepsMax: 1 << 62})
	require.NoError(tb, err)
	for range nodes {
		s.AddNode(func(sim.NodeID) sim.Node { return sink{} })
	}
	cfg := network.Flaky()
	cfg.FIFO = true
	cfg.CapacityPerLink = 1 << 20
	net, err := network.New(s, nodes, cfg)
	require.NoError(tb, err)
	for i := range nodes {
		s.Start(sim.NodeID(i))
	}
	var msg sim.Message = ping{Seq: 1} // boxed once: the protocol's cost, not ours
	return func(i int) {
		from := sim.NodeID(i % nodes)
		to := sim.NodeID((i / nodes) % nodes)
		net.Send(s, from, to, msg)
		if i%64 == 63 {
			s.Run(s.Now().Add(sim.Second), nil)
		}
	}
}

func BenchmarkNetworkSend(b *testing.B) {
	step := sendBench(b, 5)
	for i := range 4096 { // warm the queue and trace buffers up
		step(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		step(i)
	}
}

func TestSendAndArriveAllocateNothing(t *testing.T) {
	step := sendBench(t, 5)
	i := 0
	for ; i < 4096; i++ {
		step(i)
	}
	allocs := testing.AllocsPerRun(200, func() {
		for range 64 {
			step(i)
			i++
		}
	})
	require.Zero(t, allocs, "allocations per 64 sends and their arrivals")
}
