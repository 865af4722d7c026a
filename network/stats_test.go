package network_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

// chaos runs three servers and two clients pinging each other every 1ms
// with echoes, over a flaky, capacity-limited network, through partitions,
// clogs, a crash and heals.
func chaos(t *testing.T, seed uint64) *world {
	cfg := network.Flaky()
	cfg.CapacityPerLink = 4
	cfg.Servers = 3
	plans := allTo(5, 100, sim.Millisecond)
	for i := range plans {
		plans[i].echo = true
	}
	w := newWorld(t, seed, cfg, plans)
	net := w.net
	w.start()
	steps := []struct {
		at sim.Time
		do func() error
	}{
		{ms(10.5), func() error { return net.Partition(ids(0), ids(1, 2)) }},
		{ms(20.5), func() error { return net.Clog(3, 0, ms(40)) }},
		{ms(25.5), func() error { w.s.Crash(2); return nil }},
		{ms(30.5), net.MajoritiesRing},
		{ms(35.5), func() error { w.s.Restart(2); return nil }},
		{ms(45.5), func() error { net.Heal(); return nil }},
		{ms(60.5), func() error { return net.CutOneWay(4, 1) }},
		{ms(70.5), func() error { return net.Isolate(1) }},
		{ms(80.5), func() error { net.Heal(); return nil }},
	}
	for _, st := range steps {
		w.s.At(st.at, func() { require.NoError(t, st.do()) })
	}
	w.runIdle()
	return w
}

func TestStatsAddUp(t *testing.T) {
	w := chaos(t, 31)
	requireBalanced(t, w)
	tot := w.net.Stats().Total
	assert.Zero(t, tot.InFlight, "an idle run has nothing in flight")
	assert.Positive(t, tot.Duplicated)
	// The run exercises every drop cause, so the identity is tested with
	// each of them.
	for c := sim.CauseDown; int(c) < sim.NumDropCauses; c++ {
		assert.Positive(t, tot.Dropped[c], "cause %v", c)
	}
	// Total is the sum of the links.
	st := w.net.Stats()
	var sum network.LinkStats
	for i := range 5 {
		for j := range 5 {
			ls := st.Link(sim.NodeID(i), sim.NodeID(j))
			sum.Sent += ls.Sent
			sum.Delivered += ls.Delivered
			sum.Duplicated += ls.Duplicated
			for c := range ls.Dropped {
				sum.Dropped[c] += ls.Dropped[c]
			}
		}
	}
	assert.Equal(t, sum, tot)
	assert.Equal(t, network.LinkStats{}, st.Link(0, 5), "outside the network")
}

func TestStatsTable(t *testing.T) {
	w := newWorld(t, 32, network.Lossy(0.5), burst(2, 100))
	w.run()
	table := w.net.Stats().String()
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	require.Len(t, lines, 3, table) // header, n0->n1, total
	assert.Regexp(t, `^link\s+sent\s+dup\s+deliv\s+down\s+loss\s+partition\s+cut-in-flight\s+overflow\s+inflight$`, lines[0])
	ls := w.net.Stats().Link(0, 1)
	assert.Regexp(t, `^n0->n1\s+100\s+0\s+`+itoa(ls.Delivered)+`\s+0\s+`+itoa(ls.Dropped[sim.CauseLoss])+`\s+0\s+0\s+0\s+0$`, lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "total "))
}

func itoa(x int64) string { return strconv.FormatInt(x, 10) }

func TestSameSeedSameRun(t *testing.T) {
	a, b, c := chaos(t, 33), chaos(t, 33), chaos(t, 34)
	assert.Equal(t, a.s.Hash(), b.s.Hash())
	assert.Equal(t, a.trace.String(), b.trace.String())
	assert.Equal(t, a.net.Stats().String(), b.net.Stats().String())
	assert.NotEqual(t, a.s.Hash(), c.s.Hash())
}
