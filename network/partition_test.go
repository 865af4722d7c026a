package network_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

// topologyWorld is a world of n nodes (the first servers of them servers)
// where every node sends one ping to every other node at Start.
func topologyWorld(t *testing.T, n, servers int) *world {
	cfg := network.Reliable()
	cfg.Servers = servers
	return newWorld(t, 11, cfg, allTo(n, 1, 0))
}

// requireTopology checks that Connected matches want on every directed link
// and, after a run, that exactly the connected links delivered their ping
// and the others dropped it at send with CausePartition.
func requireTopology(t *testing.T, w *world, want func(from, to int) bool) {
	t.Helper()
	n := w.net.Nodes()
	for i := range n {
		for j := range n {
			require.Equal(t, i == j || want(i, j), w.net.Connected(sim.NodeID(i), sim.NodeID(j)), "Connected(n%d, n%d)", i, j)
		}
	}
	w.run()
	st := w.net.Stats()
	for i := range n {
		for j := range n {
			if i == j {
				continue
			}
			ls := st.Link(sim.NodeID(i), sim.NodeID(j))
			if want(i, j) {
				require.Equal(t, int64(1), ls.Delivered, "n%d->n%d should deliver", i, j)
			} else {
				require.Equal(t, int64(1), ls.Dropped[sim.CausePartition], "n%d->n%d should be cut", i, j)
				require.Zero(t, ls.Delivered, "n%d->n%d delivered across a cut", i, j)
			}
		}
	}
	requireBalanced(t, w)
}

func TestPartitionCutsAcrossGroupsOnly(t *testing.T) {
	w := topologyWorld(t, 6, 0)
	require.NoError(t, w.net.Partition(ids(0, 1), ids(2, 3), ids(4)))
	group := []int{1, 1, 2, 2, 3, 0} // n5 is in no group
	requireTopology(t, w, func(i, j int) bool {
		return group[i] == 0 || group[j] == 0 || group[i] == group[j]
	})
}

func TestIsolateCutsServersOnly(t *testing.T) {
	w := topologyWorld(t, 5, 3) // n0..n2 servers, n3 and n4 clients
	require.NoError(t, w.net.Isolate(0))
	requireTopology(t, w, func(i, j int) bool {
		return !(i == 0 && j < 3 || j == 0 && i < 3)
	})
}

func TestIsolateClientCutsItFromServers(t *testing.T) {
	w := topologyWorld(t, 5, 3)
	require.NoError(t, w.net.Isolate(4))
	requireTopology(t, w, func(i, j int) bool {
		return !(i == 4 && j < 3 || j == 4 && i < 3)
	})
}

func TestCutOneWay(t *testing.T) {
	// a = n0 can send to b = n1; b cannot reach a.
	w := topologyWorld(t, 3, 0)
	require.NoError(t, w.net.CutOneWay(1, 0))
	requireTopology(t, w, func(i, j int) bool { return !(i == 1 && j == 0) })
	assert.Len(t, w.on(0, 1), 1)
	assert.Empty(t, w.on(1, 0))
}

func TestBridge(t *testing.T) {
	w := topologyWorld(t, 6, 0)
	require.NoError(t, w.net.Bridge(ids(0, 1), ids(3, 4), 2))
	side := []int{1, 1, 0, 2, 2, 0} // n2 bridges, n5 is named nowhere
	requireTopology(t, w, func(i, j int) bool {
		return side[i] == 0 || side[j] == 0 || side[i] == side[j]
	})
}

func TestCutsAccumulateUntilHeal(t *testing.T) {
	plans := allTo(3, 20, sim.Millisecond)
	w := newWorld(t, 12, network.Reliable(), plans)
	require.NoError(t, w.net.Isolate(0))
	require.NoError(t, w.net.CutOneWay(1, 2))
	assert.False(t, w.net.Connected(0, 1))
	assert.False(t, w.net.Connected(1, 2))
	assert.True(t, w.net.Connected(2, 1))
	w.s.At(sim.Time(10*sim.Millisecond+sim.Millisecond/2), w.net.Heal)
	w.run()
	for i := range 3 {
		for j := range 3 {
			assert.True(t, w.net.Connected(sim.NodeID(i), sim.NodeID(j)))
		}
	}
	// Rounds 0..10 were sent before the heal, 11..19 after.
	for _, l := range [][2]sim.NodeID{{0, 1}, {1, 0}, {0, 2}, {2, 0}, {1, 2}} {
		ls := w.net.Stats().Link(l[0], l[1])
		assert.Equal(t, int64(11), ls.Dropped[sim.CausePartition], "%v->%v", l[0], l[1])
		assert.Equal(t, int64(9), ls.Delivered, "%v->%v", l[0], l[1])
	}
	assert.Equal(t, int64(20), w.net.Stats().Link(2, 1).Delivered)
	requireBalanced(t, w)
}

func TestInFlightMessagesAreDroppedAtArrivalByANewCut(t *testing.T) {
	// 10ms latency, one message every 1ms from t=0.
	cfg := network.Config{LatencyMin: 10 * sim.Millisecond}
	plans := []plan{{targets: ids(1), rounds: 20, every: sim.Millisecond}, {}}
	w := newWorld(t, 13, cfg, plans)
	w.s.At(ms(5.5), func() { require.NoError(t, w.net.Partition(ids(0), ids(1))) })
	w.s.At(ms(12.5), w.net.Heal)
	w.run()
	st := w.net.Stats().Link(0, 1)
	// Sent at 0..5ms: in flight at the cut, dropped at arrival.
	assert.Equal(t, int64(6), st.Dropped[sim.CauseCut])
	// Sent at 6..12ms: dropped at send.
	assert.Equal(t, int64(7), st.Dropped[sim.CausePartition])
	// Sent at 13..19ms: delivered.
	assert.Equal(t, int64(7), st.Delivered)
	for _, d := range w.on(0, 1) {
		assert.GreaterOrEqual(t, d.Sent, ms(13))
	}
	requireBalanced(t, w)
}

// With InFlightSurvivesCut, what was on the wire when the link was cut
// arrives (a stale message crossing a partition); what is sent while it is
// cut is still dropped at send.
func TestInFlightMessagesSurviveACutWhenConfigured(t *testing.T) {
	cfg := network.Config{LatencyMin: 10 * sim.Millisecond, InFlightSurvivesCut: true}
	plans := []plan{{targets: ids(1), rounds: 20, every: sim.Millisecond}, {}}
	w := newWorld(t, 13, cfg, plans)
	w.s.At(ms(5.5), func() { require.NoError(t, w.net.Partition(ids(0), ids(1))) })
	w.s.At(ms(12.5), w.net.Heal)
	w.run()
	st := w.net.Stats().Link(0, 1)
	assert.Zero(t, st.Dropped[sim.CauseCut])
	assert.Equal(t, int64(7), st.Dropped[sim.CausePartition], "sent at 6..12ms: dropped at send")
	assert.Equal(t, int64(13), st.Delivered, "sent at 0..5ms (in flight at the cut) and at 13..19ms")
	arrivedDuringCut := 0
	for _, d := range w.on(0, 1) {
		if d.Sent <= ms(5) {
			arrivedDuringCut++
		}
	}
	assert.Equal(t, 6, arrivedDuringCut)
	requireBalanced(t, w)
}

func TestCutThenHealWhileInFlightStillDrops(t *testing.T) {
	// The cut lasts 1ms, far less than the 10ms latency; the messages that
	// were on the wire during it are lost anyway.
	cfg := network.Config{LatencyMin: 10 * sim.Millisecond}
	plans := []plan{{targets: ids(1), rounds: 10, every: sim.Millisecond}, {}}
	w := newWorld(t, 14, cfg, plans)
	w.s.At(ms(2.5), func() { require.NoError(t, w.net.CutOneWay(0, 1)) })
	w.s.At(ms(3.5), w.net.Heal)
	w.run()
	st := w.net.Stats().Link(0, 1)
	assert.Equal(t, int64(3), st.Dropped[sim.CauseCut])       // sent at 0, 1, 2
	assert.Equal(t, int64(1), st.Dropped[sim.CausePartition]) // sent at 3
	assert.Equal(t, int64(6), st.Delivered)                   // sent at 4..9
	assert.Contains(t, w.trace.String(), "drop Ping{seq=0 sent=0.000ms} from n0 cause=cut-in-flight")
	requireBalanced(t, w)
}

// sees returns, for each ring member, the set of ring members it is
// connected to in both directions, itself included, in id order.
func sees(net *network.Network, ring []sim.NodeID) [][]sim.NodeID {
	out := make([][]sim.NodeID, len(ring))
	for i, a := range ring {
		for _, b := range ring {
			if net.Connected(a, b) && net.Connected(b, a) {
				out[i] = append(out[i], b)
			}
		}
		slices.Sort(out[i])
	}
	return out
}

// checkMajoritiesRing reports how the ring members' views break the
// majorities-ring property: each sees a majority, no two see the same set.
func checkMajoritiesRing(net *network.Network, ring []sim.NodeID) error {
	views := sees(net, ring)
	m := len(ring)/2 + 1
	for i, v := range views {
		if len(v) < m {
			return fmt.Errorf("%v sees %v: fewer than a majority (%d)", ring[i], v, m)
		}
		for j := range i {
			if slices.Equal(v, views[j]) {
				return fmt.Errorf("%v and %v both see %v", ring[i], ring[j], v)
			}
		}
	}
	return nil
}

func TestMajoritiesRingCheckerCanFail(t *testing.T) {
	// Connecting i to i±1 and i±2 for five nodes connects everyone: every
	// node sees the same majority. The checker must reject that.
	w := topologyWorld(t, 5, 0)
	require.Error(t, checkMajoritiesRing(w.net, ids(0, 1, 2, 3, 4)))
	require.NoError(t, w.net.Isolate(0))
	require.ErrorContains(t, checkMajoritiesRing(w.net, ids(0, 1, 2, 3, 4)), "fewer than a majority")
}

func TestMajoritiesRingProperty(t *testing.T) {
	for servers := 3; servers <= 9; servers++ {
		t.Run(fmt.Sprint(servers), func(t *testing.T) {
			const clients = 2
			w := topologyWorld(t, servers+clients, servers)
			require.NoError(t, w.net.MajoritiesRing())
			ring := make([]sim.NodeID, servers)
			for i := range ring {
				ring[i] = sim.NodeID(i)
			}
			require.NoError(t, checkMajoritiesRing(w.net, ring))
			// Clients keep every link.
			for c := servers; c < servers+clients; c++ {
				for j := range servers + clients {
					require.True(t, w.net.Connected(sim.NodeID(c), sim.NodeID(j)))
					require.True(t, w.net.Connected(sim.NodeID(j), sim.NodeID(c)))
				}
			}
			requireTopology(t, w, func(i, j int) bool {
				return w.net.Connected(sim.NodeID(i), sim.NodeID(j))
			})
		})
	}
}

func TestMajoritiesRingOfFollowsTheGivenOrder(t *testing.T) {
	ring := ids(3, 0, 4, 1, 2)
	w := topologyWorld(t, 6, 0)
	require.NoError(t, w.net.MajoritiesRingOf(ring))
	require.NoError(t, checkMajoritiesRing(w.net, ring))
	// In a 5-ring each node sees exactly its two ring neighbours.
	assert.Equal(t, [][]sim.NodeID{ids(0, 2, 3), ids(0, 3, 4), ids(0, 1, 4), ids(1, 2, 4), ids(1, 2, 3)}, sees(w.net, ring))
	for i := range 6 {
		assert.True(t, w.net.Connected(5, sim.NodeID(i)), "n5 is not in the ring")
	}
	assert.Contains(t, w.trace.String(), "net majorities-ring n3 n0 n4 n1 n2")
}

func TestControlRejectsBadArguments(t *testing.T) {
	cfg := network.Reliable()
	cfg.Servers = 2
	w := newWorld(t, 15, cfg, make([]plan, 4))
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"partition unknown node", w.net.Partition(ids(0), ids(7)), "n7"},
		{"partition negative node", w.net.Partition(ids(-1)), "n-1"},
		{"partition node in two groups", w.net.Partition(ids(0, 1), ids(1, 2)), "n1 is in two groups"},
		{"isolate unknown node", w.net.Isolate(4), "n4"},
		{"cut one way loopback", w.net.CutOneWay(1, 1), "loopback"},
		{"cut one way unknown", w.net.CutOneWay(0, 9), "n9"},
		{"bridge on a side", w.net.Bridge(ids(0, 1), ids(3), 1), "bridge node n1"},
		{"bridge sides overlap", w.net.Bridge(ids(0, 1), ids(1, 3), 2), "n1 is named twice"},
		{"bridge unknown", w.net.Bridge(ids(0), ids(3), 5), "n5"},
		{"majorities ring of 2 servers", w.net.MajoritiesRing(), "at least 3"},
		{"majorities ring repeats", w.net.MajoritiesRingOf(ids(0, 1, 1)), "n1 is named twice"},
		{"clog loopback", w.net.Clog(0, 0, sim.Time(sim.Second)), "loopback"},
		{"clog in the past", w.net.Clog(0, 1, 0), "until"},
		{"clog unknown", w.net.Clog(0, 4, sim.Time(sim.Second)), "n4"},
		{"unclog unknown", w.net.Unclog(-2, 0), "n-2"},
	}
	for _, c := range cases {
		require.Error(t, c.err, c.name)
		assert.Contains(t, c.err.Error(), c.want, c.name)
		assert.True(t, strings.HasPrefix(c.err.Error(), "network: "), c.name)
	}
	// A rejected call changes nothing.
	for i := range 4 {
		for j := range 4 {
			assert.True(t, w.net.Connected(sim.NodeID(i), sim.NodeID(j)))
			assert.False(t, w.net.Clogged(sim.NodeID(i), sim.NodeID(j)))
		}
	}
	assert.False(t, w.net.Connected(0, 4), "an unknown node is not connected")
	assert.NotContains(t, w.trace.String(), "net ")
}

func TestControlWritesTraceNotes(t *testing.T) {
	w := newWorld(t, 16, network.Reliable(), make([]plan, 5))
	require.NoError(t, w.net.Partition(ids(0, 1), ids(2)))
	require.NoError(t, w.net.Isolate(3))
	require.NoError(t, w.net.CutOneWay(4, 0))
	require.NoError(t, w.net.Bridge(ids(0), ids(1), 4))
	require.NoError(t, w.net.MajoritiesRing())
	require.NoError(t, w.net.Clog(1, 2, sim.Time(sim.Second)))
	require.NoError(t, w.net.Unclog(1, 2))
	w.net.Heal()
	want := []string{
		"t=0.000ms note net partition {n0,n1} {n2}",
		"t=0.000ms note net isolate n3",
		"t=0.000ms note net cut-one-way n4->n0",
		"t=0.000ms note net bridge {n0} {n1} via n4",
		"t=0.000ms note net majorities-ring n0 n1 n2 n3 n4",
		"t=0.000ms note net clog n1->n2 until=1000.000ms",
		"t=0.000ms note net unclog n1->n2",
		"t=0.000ms note net release n1->n2 held=0",
		"t=0.000ms note net heal",
	}
	assert.Equal(t, strings.Join(want, "\n")+"\n", w.trace.String())
}
