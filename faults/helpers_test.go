package faults

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// ticker is the trivial node of these tests: it ticks every 10ms of its
// local clock and counts the ticks in a table the test owns, so a test can
// see that a paused node stops ticking and a crashed one restarts.
type ticker struct {
	env   sim.Env
	ticks []int
}

const tickTimer sim.TimerTag = 0

func (n *ticker) Start(env sim.Env) {
	n.env = env
	env.SetTimer(tickTimer, 10*ms)
}
func (n *ticker) Receive(sim.NodeID, sim.Message) {}
func (n *ticker) Timer(sim.TimerTag) {
	n.ticks[n.env.ID()]++
	n.env.SetTimer(tickTimer, 10*ms)
}

// newSim returns a started Sim with nodes ticker nodes, its trace and the
// tick table.
func newSim(t require.TestingT, seed uint64, nodes int) (*sim.Sim, *bytes.Buffer, []int) {
	var trace bytes.Buffer
	s, err := sim.New(sim.Config{Seed: seed, Trace: &trace})
	require.NoError(t, err)
	ticks := make([]int, nodes)
	for range nodes {
		s.AddNode(func(sim.NodeID) sim.Node { return &ticker{ticks: ticks} })
	}
	for id := range nodes {
		s.Start(sim.NodeID(id))
	}
	return s, &trace, ticks
}

// fakeNet records the calls the injector makes.
type fakeNet struct {
	calls []string
	err   error
}

func (n *fakeNet) add(format string, args ...any) error {
	n.calls = append(n.calls, fmt.Sprintf(format, args...))
	return n.err
}

func (n *fakeNet) Partition(groups ...[]sim.NodeID) error { return n.add("partition %v", groups) }
func (n *fakeNet) Isolate(id sim.NodeID) error            { return n.add("isolate %v", id) }
func (n *fakeNet) CutOneWay(from, to sim.NodeID) error    { return n.add("cut %v->%v", from, to) }
func (n *fakeNet) Bridge(a, b []sim.NodeID, bridge sim.NodeID) error {
	return n.add("bridge %v %v via %v", a, b, bridge)
}
func (n *fakeNet) MajoritiesRing() error { return n.add("ring") }
func (n *fakeNet) Clog(from, to sim.NodeID, until sim.Time) error {
	return n.add("clog %v->%v until %v", from, to, until)
}
func (n *fakeNet) Heal() { _ = n.add("heal") }

// fakeRoles reports a fixed leader and last leader, or none.
type fakeRoles struct {
	leader    sim.NodeID
	known     bool
	asked     int
	last      sim.NodeID
	lastKnown bool
	lastAsked int
}

func (r *fakeRoles) Leader() (sim.NodeID, bool) { r.asked++; return r.leader, r.known }
func (r *fakeRoles) LastLeader() (sim.NodeID, bool) {
	r.lastAsked++
	return r.last, r.lastKnown
}

func stream(seed uint64) *rand.Rand { return sim.NewStream(seed, 99, 0, 0) }

// notes returns the trace lines that are fault notes.
func notes(trace *bytes.Buffer) []string {
	var out []string
	for _, line := range strings.Split(trace.String(), "\n") {
		if strings.Contains(line, " note fault ") {
			out = append(out, line)
		}
	}
	return out
}

// downCount is how many of the first servers nodes are down.
func downCount(s *sim.Sim, servers int) int {
	n := 0
	for id := range servers {
		if !s.Up(sim.NodeID(id)) {
			n++
		}
	}
	return n
}
