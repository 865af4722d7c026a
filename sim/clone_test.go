package sim_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// clonePinger is a pinger that can be copied into a snapshot.
type clonePinger struct{ pinger }

func (p *clonePinger) Clone(env sim.Env) sim.Node {
	cp := *p
	cp.env = env
	return &cp
}

func newClonePingers(t *testing.T, seed uint64, n int) *sim.Sim {
	t.Helper()
	s, err := sim.New(sim.Config{Seed: seed})
	require.NoError(t, err)
	s.SetTransport(jitter{})
	for range n {
		s.AddNode(func(sim.NodeID) sim.Node {
			return &clonePinger{pinger{peers: n, tick: 5 * sim.Millisecond, maxHops: 3}}
		})
	}
	for i := range n {
		s.Start(sim.NodeID(i))
	}
	return s
}

func clonePingers(t *testing.T, s *sim.Sim) *sim.Sim {
	t.Helper()
	c, err := s.Clone(sim.CloneOptions{})
	require.NoError(t, err)
	c.SetTransport(jitter{}) // a transport other than Direct is its owner's to copy
	return c
}

// runWithFaults runs s to t, crashing and restarting node 1 on the way
// (the kernel's own calls, not callbacks: those make a Sim uncloneable).
func runWithFaults(s *sim.Sim, t sim.Time) {
	s.Run(t/3, nil)
	s.CrashWith(1, sim.DiskLoseUnsynced)
	s.Run(t/2, nil)
	s.Restart(1)
	s.Run(t, nil)
}

// TestSimCloneContinuesTheRun: a snapshot run on gives the trace of the
// run it was taken from, and running either leaves the other alone: the
// original, run on after its snapshot ran, still ends where a run that was
// never copied ends.
func TestSimCloneContinuesTheRun(t *testing.T) {
	const end = sim.Time(300 * sim.Millisecond)
	whole := newClonePingers(t, 7, 4)
	whole.Run(50*sim.Time(sim.Millisecond), nil)
	runWithFaults(whole, end)

	s := newClonePingers(t, 7, 4)
	s.Run(50*sim.Time(sim.Millisecond), nil)
	c := clonePingers(t, s)
	require.Equal(t, s.Hash(), c.Hash())
	runWithFaults(c, end)
	require.Equal(t, whole.Hash(), c.Hash(), "the snapshot's run")
	require.Equal(t, whole.Stats(), c.Stats())
	runWithFaults(s, end)
	require.Equal(t, whole.Hash(), s.Hash(), "the original's run, after its snapshot ran")
	for id := range 4 {
		n := sim.NodeID(id)
		require.Equal(t, whole.Disk(n).Digest(), c.Disk(n).Digest())
		require.Equal(t, whole.Disk(n).Digest(), s.Disk(n).Digest())
	}
}

// TestSimCloneDivergesIndependently: a world and its snapshot stepped
// differently (one loses a node, the other does not) each end where an
// uncopied run of their own steps ends.
func TestSimCloneDivergesIndependently(t *testing.T) {
	const mid, end = sim.Time(40 * sim.Millisecond), sim.Time(200 * sim.Millisecond)
	plain := newClonePingers(t, 3, 3)
	plain.Run(end, nil)
	crashed := newClonePingers(t, 3, 3)
	crashed.Run(mid, nil)
	crashed.Crash(2)
	crashed.Run(end, nil)
	require.NotEqual(t, plain.Hash(), crashed.Hash())

	s := newClonePingers(t, 3, 3)
	s.Run(mid, nil)
	c := clonePingers(t, s)
	c.Crash(2)
	c.Run(end/2, nil)
	s.Run(end, nil)
	c.Run(end, nil)
	require.Equal(t, plain.Hash(), s.Hash())
	require.Equal(t, crashed.Hash(), c.Hash())
	require.True(t, s.Up(2))
	require.False(t, c.Up(2))
}

func TestSimCloneRefuses(t *testing.T) {
	s := newClonePingers(t, 1, 2)
	s.At(sim.Time(sim.Second), func() {})
	_, err := s.Clone(sim.CloneOptions{})
	require.True(t, errors.Is(err, sim.ErrNotCloneable), "%v", err)
	require.ErrorContains(t, err, "callback")

	plain := newPingCluster(1, 2, sim.Config{}) // pingers cannot be copied
	_, err = plain.Clone(sim.CloneOptions{})
	require.True(t, errors.Is(err, sim.ErrNotCloneable), "%v", err)
	require.ErrorContains(t, err, "sim.Cloner")
}

// TestSimCloneNeedsItsTransport: a snapshot whose owner forgot to copy a
// stateful transport fails its run with a message that says so, instead
// of sending through the original's.
func TestSimCloneNeedsItsTransport(t *testing.T) {
	s := newClonePingers(t, 1, 2)
	c, err := s.Clone(sim.CloneOptions{})
	require.NoError(t, err)
	require.Equal(t, sim.OutcomePanic, c.Run(sim.Time(sim.Second), nil))
	require.ErrorContains(t, c.Err(), "transport was not installed")
}

// TestSimCloneCopiesTheChooser: a PCT schedule's priorities change as it
// runs; the snapshot's run continues with its own copy.
func TestSimCloneCopiesTheChooser(t *testing.T) {
	run := func(s *sim.Sim) { s.Run(sim.Time(150*sim.Millisecond), nil) }
	build := func() *sim.Sim {
		s := newClonePingers(t, 9, 4)
		s.SetChooser(sim.NewPCT(9, 4, 3, 200, 0))
		return s
	}
	whole := build()
	whole.Run(sim.Time(20*sim.Millisecond), nil)
	run(whole)
	s := build()
	s.Run(sim.Time(20*sim.Millisecond), nil)
	c := clonePingers(t, s)
	run(s)
	run(c)
	require.Equal(t, whole.Hash(), s.Hash())
	require.Equal(t, whole.Hash(), c.Hash())
}

// TestPendingDigestIsCandidates: PendingDigest digests what a
// negative-window chooser's Candidates lists, as a multiset, before and
// after it caches the deliveries' digests.
func TestPendingDigestIsCandidates(t *testing.T) {
	s := newClonePingers(t, 4, 3)
	s.SetChooser(sim.NewScript(nil))
	for range 30 {
		var want uint64
		cands := s.Candidates()
		require.NotEmpty(t, cands)
		for i := range cands {
			want += sim.CandidateDigest(&cands[i])
		}
		require.Equal(t, want, s.PendingDigest())
		require.Equal(t, want, s.PendingDigest(), "cached")
		s.Run(s.Now().Add(3*sim.Millisecond), nil)
	}
}
