package multipaxos

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// benchClient is the smallest closed-loop client that drives a cluster for
// the benchmark: one Append outstanding at a time, sent to the replica it
// last heard from; a Redirect names the next target (or, without a hint,
// the next replica) and is followed after a short pause, so that a cluster
// without a leader is not flooded; a timeout resends to the next replica
// with the same seq. It is no model of a client for testing: the harness's
// generic client (runner) is.
type benchClient struct {
	env      sim.Env
	replicas int
	ops      int
	done     *int // completed operations, over every client
	seq      uint64
	target   sim.NodeID
}

const (
	benchRequestTimer sim.TimerTag = iota
	benchPauseTimer
)

func (c *benchClient) Start(env sim.Env) {
	c.env = env
	c.next()
}

func (c *benchClient) next() {
	if int(c.seq) == c.ops {
		return
	}
	c.seq++
	c.send()
}

func (c *benchClient) send() {
	key := "k" + strconv.Itoa(int(c.seq)%10)
	cmd := cmdFrom(c.env.ID(), c.seq, Append(key, strconv.Itoa(int(c.env.ID()))+"."+strconv.FormatUint(c.seq, 10)+";"))
	c.env.Send(c.target, Request{Cmd: cmd})
	c.env.SetTimer(benchRequestTimer, 200*sim.Millisecond)
}

func (c *benchClient) Receive(from sim.NodeID, msg sim.Message) {
	switch m := msg.(type) {
	case Reply:
		if m.Seq != c.seq {
			return
		}
		*c.done++
		c.target = from
		c.env.CancelTimer(benchRequestTimer)
		c.env.CancelTimer(benchPauseTimer)
		c.next()
	case Redirect:
		if m.Seq != c.seq {
			return
		}
		if m.Leader >= 0 && m.Leader != from {
			c.target = m.Leader
		} else {
			c.target = (from + 1) % sim.NodeID(c.replicas)
		}
		c.env.CancelTimer(benchRequestTimer)
		c.env.SetTimer(benchPauseTimer, 5*sim.Millisecond)
	}
}

func (c *benchClient) Timer(tag sim.TimerTag) {
	if tag == benchRequestTimer {
		c.target = (c.target + 1) % sim.NodeID(c.replicas)
	}
	c.send()
}

// BenchmarkCluster3x5x10k: 3 replicas, 5 closed-loop clients, 10,000
// appends, no faults, the kernel's default transport, checked mode off.
// Target: well under one second of wall time per run. The harness's own
// run path (clients, network, fault injector, invariants after every step)
// is benchmarked by the scenarios package.
func BenchmarkCluster3x5x10k(b *testing.B) {
	const replicas, clients, ops = 3, 5, 2000
	b.ReportAllocs()
	var simulated sim.Time
	var events uint64
	for i := 0; i < b.N; i++ {
		s, err := sim.New(sim.Config{Seed: uint64(i + 1)})
		require.NoError(b, err)
		f, err := New(Config{N: replicas})
		require.NoError(b, err)
		for r := 0; r < replicas; r++ {
			s.AddNode(f)
		}
		done := 0
		for c := 0; c < clients; c++ {
			s.AddNode(func(sim.NodeID) sim.Node { return &benchClient{replicas: replicas, ops: ops, done: &done} })
		}
		for id := 0; id < s.NumNodes(); id++ {
			s.Start(sim.NodeID(id))
		}
		out := s.Run(sim.Time(120*sim.Second), func() bool { return done == clients*ops })
		require.NoError(b, s.Err())
		require.Equal(b, sim.OutcomeStopped, out)
		require.Equal(b, clients*ops, done)
		simulated += s.Now()
		events += s.Events()
	}
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(clients*ops*b.N)/secs, "ops/s-wall")
	b.ReportMetric(float64(simulated)/float64(b.N)/1e9, "sim-s/run")
	b.ReportMetric(float64(events)/secs, "events/s")
	b.ReportMetric(secs/float64(b.N)*1e3, "ms-wall/run")
}
