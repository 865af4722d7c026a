package network_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

func ms(x float64) sim.Time { return sim.Time(x * float64(sim.Millisecond)) }

// clogWorld: n0 sends one ping to n1 and one to n2 every 1ms from t=0, for
// rounds rounds, over a 1ms network.
func clogWorld(t *testing.T, fifo bool, rounds int) *world {
	cfg := network.Config{LatencyMin: sim.Millisecond, FIFO: fifo}
	plans := []plan{{targets: ids(1, 2), rounds: rounds, every: sim.Millisecond}, {}, {}}
	return newWorld(t, 21, cfg, plans)
}

func TestClogReleasesLateAndBunched(t *testing.T) {
	w := clogWorld(t, false, 10)
	require.NoError(t, w.net.Clog(0, 1, ms(50)))
	assert.True(t, w.net.Clogged(0, 1))
	assert.True(t, w.net.Connected(0, 1), "a clogged link is slow, not cut")
	w.run()
	assert.False(t, w.net.Clogged(0, 1))
	held := w.on(0, 1)
	require.Len(t, held, 10)
	for _, d := range held {
		assert.GreaterOrEqual(t, d.At, ms(50), "released before the clog ended")
		assert.Less(t, d.At, ms(50).Add(network.ClogSpread), "not bunched")
	}
	// The other link is untouched: each ping takes its 1ms.
	free := w.on(0, 2)
	require.Len(t, free, 10)
	for _, d := range free {
		assert.Equal(t, sim.Millisecond, d.Latency())
	}
	assert.Contains(t, w.trace.String(), "t=50.000ms note net release n0->n1 held=10")
	requireBalanced(t, w)
}

func TestClogReleaseKeepsFIFOOrder(t *testing.T) {
	w := clogWorld(t, true, 30)
	require.NoError(t, w.net.Clog(0, 1, ms(10.5)))
	w.run()
	got := w.on(0, 1)
	require.Len(t, got, 30)
	assert.Zero(t, inversions(got))
	for _, d := range got[:11] { // sent at 0..10ms, held
		assert.GreaterOrEqual(t, d.At, ms(10.5))
	}
}

func TestUnclogReleasesEarly(t *testing.T) {
	w := clogWorld(t, false, 30)
	require.NoError(t, w.net.Clog(0, 1, ms(50)))
	w.s.At(ms(20.5), func() { require.NoError(t, w.net.Unclog(0, 1)) })
	w.run()
	got := w.on(0, 1)
	require.Len(t, got, 30)
	for _, d := range got {
		if d.Sent < ms(20.5) { // held, released at the unclog
			assert.GreaterOrEqual(t, d.At, ms(20.5))
			assert.Less(t, d.At, ms(20.5).Add(network.ClogSpread))
		} else { // sent after: normal latency, and the stale 50ms release does nothing
			assert.Equal(t, sim.Millisecond, d.Latency())
		}
	}
	assert.Contains(t, w.trace.String(), "t=20.500ms note net release n0->n1 held=21")
	assert.NotContains(t, w.trace.String(), "t=50.000ms note net release")
}

func TestReclogMovesTheRelease(t *testing.T) {
	w := clogWorld(t, false, 5)
	// n0->n1: clogged until 50ms, then re-clogged to end earlier, at 30ms.
	// n0->n2: clogged until 10ms, then re-clogged to end later, at 40ms; the
	// first clog's release at 10ms must not let anything through.
	require.NoError(t, w.net.Clog(0, 1, ms(50)))
	require.NoError(t, w.net.Clog(0, 2, ms(10)))
	w.s.At(ms(2.5), func() {
		require.NoError(t, w.net.Clog(0, 1, ms(30)))
		require.NoError(t, w.net.Clog(0, 2, ms(40)))
	})
	w.run()
	for link, end := range map[sim.NodeID]sim.Time{1: ms(30), 2: ms(40)} {
		got := w.on(0, link)
		require.Len(t, got, 5)
		for _, d := range got {
			assert.GreaterOrEqual(t, d.At, end, "n0->%v", link)
			assert.Less(t, d.At, end.Add(network.ClogSpread), "n0->%v", link)
		}
	}
	assert.NotContains(t, w.trace.String(), "t=10.000ms note net release")
	assert.NotContains(t, w.trace.String(), "t=50.000ms note net release")
}

func TestHealReleasesClogsAndCutDropsHeldMessages(t *testing.T) {
	w := clogWorld(t, false, 10)
	require.NoError(t, w.net.Clog(0, 1, ms(50)))
	require.NoError(t, w.net.Clog(0, 2, ms(50)))
	// n0->n2 is cut while its messages are held: they are lost even though
	// the heal releases them.
	w.s.At(ms(4.5), func() { require.NoError(t, w.net.CutOneWay(0, 2)) })
	w.s.At(ms(9.5), w.net.Heal)
	w.run()
	a := w.net.Stats().Link(0, 1)
	assert.Equal(t, int64(10), a.Delivered)
	for _, d := range w.on(0, 1) {
		assert.Less(t, d.At, ms(9.5).Add(network.ClogSpread))
	}
	b := w.net.Stats().Link(0, 2)
	assert.Equal(t, int64(5), b.Dropped[sim.CauseCut])       // sent at 0..4ms, held across the cut
	assert.Equal(t, int64(5), b.Dropped[sim.CausePartition]) // sent at 5..9ms
	requireBalanced(t, w)
}

func TestClogHeldMessagesCountTowardsCapacity(t *testing.T) {
	cfg := network.Config{LatencyMin: sim.Millisecond, CapacityPerLink: 3}
	plans := []plan{{targets: ids(1), rounds: 10, every: sim.Millisecond}, {}}
	w := newWorld(t, 22, cfg, plans)
	require.NoError(t, w.net.Clog(0, 1, ms(20)))
	w.run()
	ls := w.net.Stats().Link(0, 1)
	assert.Equal(t, int64(3), ls.Delivered)
	assert.Equal(t, int64(7), ls.Dropped[sim.CauseOverflow])
	requireBalanced(t, w)
}
