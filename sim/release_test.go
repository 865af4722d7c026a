package sim_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// copyCounter counts the slots a Sim copies (or adopts) through its copy
// hook.
type copyCounter struct{ copies, adoptions int }

func (c *copyCounter) hook(_ sim.NodeID, old, new sim.Node) {
	if old == new {
		c.adoptions++
	} else {
		c.copies++
	}
}

// TestReleaseLetsTheLastHolderRunInPlace: while a snapshot holds a
// world's slots, running the world copies them; once the snapshot is
// released, the world runs them in place, and its run is the run of a
// world never copied.
func TestReleaseLetsTheLastHolderRunInPlace(t *testing.T) {
	const mid, end = sim.Time(40 * sim.Millisecond), sim.Time(200 * sim.Millisecond)
	whole := newClonePingers(t, 5, 3)
	whole.Run(end, nil)

	for _, release := range []bool{false, true} {
		s := newClonePingers(t, 5, 3)
		s.Run(mid, nil)
		c := clonePingers(t, s)
		var n copyCounter
		s.SetCopyHook(n.hook)
		if release {
			c.Release()
		}
		s.Run(end, nil)
		require.Equal(t, whole.Hash(), s.Hash())
		if release {
			require.Zero(t, n.copies+n.adoptions, "the world holds its slots alone again")
		} else {
			require.Equal(t, 3, n.copies, "each node copied once, when it first ran")
		}
	}
}

// TestReleasedWorldsSlotsAreAdoptedAndRecycled: a snapshot whose world
// was released takes the slots it shared over in place (adopt), and a
// copy into the released world's memory, which reuses its spare slots and
// node values, runs on as an uncopied world does.
func TestReleasedWorldsSlotsAreAdoptedAndRecycled(t *testing.T) {
	const mid, end = sim.Time(40 * sim.Millisecond), sim.Time(200 * sim.Millisecond)
	whole := newClonePingers(t, 9, 3)
	whole.Run(end, nil)

	s := newClonePingers(t, 9, 3)
	s.Run(mid, nil)
	c := clonePingers(t, s)
	var n copyCounter
	c.SetCopyHook(n.hook)
	s.Release()
	c.Run(mid+10*sim.Time(sim.Millisecond), nil)
	require.Zero(t, n.copies)
	require.NotZero(t, n.adoptions, "c took over the slots s made")

	// s's memory, released, holds no slot now: c's copy into it shares
	// c's slots, and running the copy copies them into spare memory.
	r, err := c.CloneInto(s, sim.CloneOptions{})
	require.NoError(t, err)
	r.SetTransport(jitter{})
	c.Release()
	r.Run(end, nil)
	require.Equal(t, whole.Hash(), r.Hash())
	for id := range 3 {
		require.Equal(t, whole.Disk(sim.NodeID(id)).Digest(), r.Disk(sim.NodeID(id)).Digest())
	}
}

func TestReleasedSimRefuses(t *testing.T) {
	s := newClonePingers(t, 1, 2)
	s.Release()
	s.Release() // twice is once
	_, err := s.Clone(sim.CloneOptions{})
	require.True(t, errors.Is(err, sim.ErrNotCloneable), "%v", err)
	require.ErrorContains(t, err, "released")
	require.Panics(t, func() { s.Run(sim.Time(sim.Second), nil) })
}

// fpPinger is a clonePinger that fingerprints itself and counts how often.
type fpPinger struct {
	clonePinger
	calls *int
}

func (p *fpPinger) Clone(env sim.Env) sim.Node {
	cp := *p
	cp.env = env
	return &cp
}

func (p *fpPinger) Fingerprint() uint64 {
	*p.calls++
	return sim.Mix(uint64(p.got), 7)
}

// TestNodeFingerprintIsCachedUntilTheNodeRuns: NodeFingerprint is the
// node's Fingerprint, asked again only after a handler of the node ran,
// and never cached in a slot that a snapshot shares.
func TestNodeFingerprintIsCachedUntilTheNodeRuns(t *testing.T) {
	calls := 0
	s, err := sim.New(sim.Config{Seed: 4})
	require.NoError(t, err)
	s.SetTransport(jitter{})
	for range 2 {
		s.AddNode(func(sim.NodeID) sim.Node {
			return &fpPinger{clonePinger{pinger{peers: 2, tick: 5 * sim.Millisecond, maxHops: 3}}, &calls}
		})
	}
	s.Start(0)
	s.Start(1)
	fresh := func(id sim.NodeID) uint64 { return s.Node(id).(*fpPinger).Fingerprint() }
	for range 20 {
		s.Run(s.Now().Add(sim.Millisecond), nil)
		for id := range sim.NodeID(2) {
			want := fresh(id)
			before := calls
			require.Equal(t, want, s.NodeFingerprint(id))
			require.Equal(t, want, s.NodeFingerprint(id))
			require.LessOrEqual(t, calls-before, 1, "asked at most once until the node runs")
		}
	}
	c := clonePingers(t, s)
	before := calls
	s.NodeFingerprint(0)
	require.Equal(t, before, calls, "the cache is shared with the snapshot")
	c.Crash(0)
	require.Zero(t, c.NodeFingerprint(0), "down")
	require.NotZero(t, s.NodeFingerprint(0))
}
