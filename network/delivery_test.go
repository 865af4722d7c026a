package network_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

// burst returns plans for n nodes where node 0 sends count pings to node 1
// at Start, and the others send nothing.
func burst(n, count int) []plan {
	plans := make([]plan, n)
	plans[0] = plan{targets: ids(1), rounds: count}
	return plans
}

func TestLatencyWithinBounds(t *testing.T) {
	cfg := network.Config{LatencyMin: 2 * sim.Millisecond, LatencyJitter: 3 * sim.Millisecond}
	w := newWorld(t, 1, cfg, burst(2, 2000))
	w.run()
	got := w.on(0, 1)
	require.Len(t, got, 2000)
	lo, hi := got[0].Latency(), got[0].Latency()
	for _, d := range got {
		require.GreaterOrEqual(t, d.Latency(), cfg.LatencyMin)
		require.Less(t, d.Latency(), cfg.LatencyMin+cfg.LatencyJitter)
		lo, hi = min(lo, d.Latency()), max(hi, d.Latency())
	}
	// The draw covers the whole interval, not a corner of it.
	assert.Less(t, lo, cfg.LatencyMin+50*sim.Microsecond)
	assert.Greater(t, hi, cfg.LatencyMin+cfg.LatencyJitter-50*sim.Microsecond)
}

func TestLatencyTailIsLongAndBounded(t *testing.T) {
	cfg := network.Config{
		LatencyMin:    2 * sim.Millisecond,
		LatencyJitter: 3 * sim.Millisecond,
		TailProb:      0.1,
		TailMax:       200 * sim.Millisecond,
	}
	const count = 5000
	w := newWorld(t, 2, cfg, burst(2, count))
	w.run()
	got := w.on(0, 1)
	require.Len(t, got, count)
	base := cfg.LatencyMin + cfg.LatencyJitter
	late, veryLate := 0, 0
	for _, d := range got {
		require.GreaterOrEqual(t, d.Latency(), cfg.LatencyMin)
		require.Less(t, d.Latency(), base+cfg.TailMax)
		if d.Latency() >= base {
			late++
		}
		if d.Latency() > 50*sim.Millisecond {
			veryLate++
		}
	}
	// A tail delay is at least TailMax/100 = 2ms and exceeds 3ms with
	// probability (200/3-1)/99 = 0.66, so between 6.6% and 10% of the
	// messages land beyond the base interval.
	frac := float64(late) / count
	assert.InDelta(t, 0.083, frac, 0.025, "fraction beyond the base latency")
	// P(extra > 50ms) = (4-1)/99 = 3% of tail messages: about 15 here.
	assert.Greater(t, veryLate, 3, "the tail should be heavy")
	assert.Less(t, veryLate, 40)
}

func TestLossRate(t *testing.T) {
	for _, p := range []float64{0, 0.2, 1} {
		const count = 5000
		w := newWorld(t, 3, network.Lossy(p), burst(2, count))
		w.run()
		st := w.net.Stats().Link(0, 1)
		delivered := len(w.on(0, 1))
		assert.Equal(t, int64(delivered), st.Delivered)
		assert.Equal(t, int64(count-delivered), st.Dropped[sim.CauseLoss], "p=%v", p)
		assert.InDelta(t, p, float64(st.Dropped[sim.CauseLoss])/count, 0.03, "p=%v", p)
		requireBalanced(t, w)
	}
}

func TestDuplication(t *testing.T) {
	cfg := network.Unordered()
	cfg.DupProb = 0.25
	const count = 4000
	w := newWorld(t, 4, cfg, burst(2, count))
	w.run()
	copies := make([]int, count)
	for _, d := range w.on(0, 1) {
		copies[d.Seq]++
	}
	twice := 0
	for seq, c := range copies {
		require.True(t, c == 1 || c == 2, "seq %d delivered %d times", seq, c)
		if c == 2 {
			twice++
		}
	}
	st := w.net.Stats().Link(0, 1)
	assert.Equal(t, int64(twice), st.Duplicated)
	assert.Equal(t, int64(count+twice), st.Delivered)
	assert.InDelta(t, 0.25, float64(twice)/count, 0.03)
	requireBalanced(t, w)
}

// inversions counts the deliveries on a link that arrive after a message
// sent later (a higher sequence number) has already arrived.
func inversions(ds []delivery) int {
	n, highest := 0, -1
	for _, d := range ds {
		if d.Seq < highest {
			n++
		}
		highest = max(highest, d.Seq)
	}
	return n
}

func TestFIFONeverReordersWhileUnorderedDoes(t *testing.T) {
	cfg := network.Config{
		LatencyMin:    sim.Millisecond,
		LatencyJitter: 10 * sim.Millisecond,
		TailProb:      0.1,
		TailMax:       50 * sim.Millisecond,
		DupProb:       0.1,
	}
	plans := []plan{
		{targets: ids(1, 2), rounds: 500, every: 100 * sim.Microsecond},
		{targets: ids(0), rounds: 500, every: 100 * sim.Microsecond, burst: 2},
		{},
	}
	for _, fifo := range []bool{true, false} {
		cfg.FIFO = fifo
		w := newWorld(t, 5, cfg, plans)
		w.run()
		total := 0
		for _, link := range [][2]sim.NodeID{{0, 1}, {0, 2}, {1, 0}} {
			ds := w.on(link[0], link[1])
			require.NotEmpty(t, ds)
			total += inversions(ds)
			if fifo {
				require.Zero(t, inversions(ds), "FIFO link %v->%v reordered", link[0], link[1])
			}
		}
		if !fifo {
			assert.Greater(t, total, 100, "jitter should reorder a non-FIFO link")
		}
	}
}

func TestLoopbackIsNeverLostDuplicatedOrCut(t *testing.T) {
	cfg := network.Config{LatencyMin: sim.Millisecond, LossProb: 1, DupProb: 1, CapacityPerLink: 1}
	// Bursts of two keep two self-sends in flight, over the capacity of 1.
	plans := []plan{{targets: ids(0, 1), rounds: 10, every: sim.Millisecond, burst: 2}, {}}
	w := newWorld(t, 6, cfg, plans)
	require.NoError(t, w.net.Isolate(0))
	w.run()
	self := w.on(0, 0)
	require.Len(t, self, 20)
	for i, d := range self {
		assert.Equal(t, i, d.Seq)
		assert.Equal(t, network.LoopbackLatency, d.Latency())
	}
	st := w.net.Stats()
	assert.Zero(t, st.Link(0, 0).Duplicated)
	assert.Zero(t, st.Link(0, 0).DroppedTotal())
	assert.Equal(t, int64(20), st.Link(0, 1).Dropped[sim.CausePartition])
	assert.True(t, w.net.Connected(0, 0))
	requireBalanced(t, w)
}

func TestDownReceiverCountsCauseDown(t *testing.T) {
	plans := []plan{{targets: ids(1), rounds: 20, every: sim.Millisecond}, {}}
	w := newWorld(t, 7, network.Reliable(), plans)
	w.start()
	w.s.At(sim.Time(5*sim.Millisecond+sim.Millisecond/2), func() { w.s.Crash(1) })
	w.s.At(sim.Time(12*sim.Millisecond+sim.Millisecond/2), func() { w.s.Restart(1) })
	w.runIdle()
	st := w.net.Stats().Link(0, 1)
	assert.Positive(t, st.Dropped[sim.CauseDown])
	assert.Equal(t, int64(20), st.Delivered+st.Dropped[sim.CauseDown])
	for _, d := range w.on(0, 1) {
		down := d.At > sim.Time(5*sim.Millisecond+sim.Millisecond/2) && d.At < sim.Time(12*sim.Millisecond+sim.Millisecond/2)
		assert.False(t, down, "delivered to a crashed node at %v", d.At)
	}
	requireBalanced(t, w)
}

func TestCapacityOverflowIsCounted(t *testing.T) {
	cfg := network.Config{LatencyMin: 10 * sim.Millisecond, CapacityPerLink: 5}
	// Two bursts of 20, 30ms apart: each fills the link, and the first
	// burst's arrivals free it for the second.
	plans := []plan{{targets: ids(1), rounds: 2, every: 30 * sim.Millisecond, burst: 20}, {}}
	w := newWorld(t, 8, cfg, plans)
	w.run()
	st := w.net.Stats().Link(0, 1)
	assert.Equal(t, int64(40), st.Sent)
	assert.Equal(t, int64(10), st.Delivered)
	assert.Equal(t, int64(30), st.Dropped[sim.CauseOverflow])
	seqs := []int{}
	for _, d := range w.on(0, 1) {
		seqs = append(seqs, d.Seq)
	}
	assert.Equal(t, []int{0, 1, 2, 3, 4, 20, 21, 22, 23, 24}, seqs, "the first messages of each burst fit")
	requireBalanced(t, w)
}

func TestSetRatesChangesLossFromNowOn(t *testing.T) {
	w := newWorld(t, 3, network.Lossy(1), burst(2, 100))
	w.run()
	require.Equal(t, int64(100), w.net.Stats().Link(0, 1).Dropped[sim.CauseLoss])
	require.NoError(t, w.net.SetRates(0, 0))
	assert.Equal(t, 0.0, w.net.Config().LossProb)
	err := w.net.SetRates(1.5, 0)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "LossProb = 1.5")
	assert.Equal(t, 0.0, w.net.Config().LossProb, "a rejected change changes nothing")
}
