package network_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

func TestValidateNamesTheBadField(t *testing.T) {
	ok := network.Reliable()
	cases := []struct {
		name  string
		nodes int
		edit  func(*network.Config)
		want  string // the field and its bad value
	}{
		{"no nodes", 0, func(*network.Config) {}, "nodes = 0"},
		{"negative nodes", -3, func(*network.Config) {}, "nodes = -3"},
		{"negative LatencyMin", 3, func(c *network.Config) { c.LatencyMin = -1 }, "LatencyMin = -0.000ms"},
		{"negative LatencyJitter", 3, func(c *network.Config) { c.LatencyJitter = -sim.Millisecond }, "LatencyJitter = -1.000ms"},
		{"negative TailMax", 3, func(c *network.Config) { c.TailMax = -sim.Millisecond }, "TailMax = -1.000ms"},
		{"huge LatencyMin", 3, func(c *network.Config) { c.LatencyMin = math.MaxInt64 }, "LatencyMin = "},
		{"TailProb above 1", 3, func(c *network.Config) { c.TailProb = 1.5; c.TailMax = sim.Second }, "TailProb = 1.5"},
		{"LossProb below 0", 3, func(c *network.Config) { c.LossProb = -0.1 }, "LossProb = -0.1"},
		{"LossProb NaN", 3, func(c *network.Config) { c.LossProb = math.NaN() }, "LossProb = NaN"},
		{"DupProb above 1", 3, func(c *network.Config) { c.DupProb = 2 }, "DupProb = 2"},
		{"tail without TailMax", 3, func(c *network.Config) { c.TailProb = 0.1 }, "TailMax = 0"},
		{"negative CapacityPerLink", 3, func(c *network.Config) { c.CapacityPerLink = -1 }, "CapacityPerLink = -1"},
		{"negative Servers", 3, func(c *network.Config) { c.Servers = -1 }, "Servers = -1"},
		{"more Servers than nodes", 3, func(c *network.Config) { c.Servers = 4 }, "Servers = 4"},
	}
	for _, c := range cases {
		cfg := ok
		c.edit(&cfg)
		err := cfg.Validate(c.nodes)
		require.Error(t, err, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)

		s, serr := sim.New(sim.Config{})
		require.NoError(t, serr)
		net, nerr := network.New(s, c.nodes, cfg)
		assert.Nil(t, net, c.name)
		assert.Equal(t, err, nerr, "New validates: %s", c.name)
	}
}

func TestNamedConfigsAreValid(t *testing.T) {
	for name, cfg := range map[string]network.Config{
		"Reliable": network.Reliable(), "Unordered": network.Unordered(),
		"Lossy": network.Lossy(0.3), "Flaky": network.Flaky(), "zero": {},
	} {
		assert.NoError(t, cfg.Validate(1), name)
	}
	assert.True(t, network.Reliable().FIFO)
	assert.Zero(t, network.Reliable().LossProb)
	assert.Equal(t, 0.3, network.Lossy(0.3).LossProb)
	assert.Error(t, network.Lossy(1.1).Validate(3))
}

func TestConfigString(t *testing.T) {
	cfg := network.Lossy(0.05)
	cfg.Servers = 3
	cfg.CapacityPerLink = 64
	assert.Equal(t, "latency=1.000ms+[0,4.000ms) tail=0.01*100.000ms loss=0.05 dup=0 fifo=false cap=64 servers=3", cfg.String())
	assert.Equal(t, "latency=1.000ms+[0,1.000ms) tail=0*0.000ms loss=0 dup=0 fifo=true cap=0 servers=0", network.Reliable().String())
}

func TestNewInstallsTheTransport(t *testing.T) {
	w := newWorld(t, 41, network.Config{LatencyMin: 7 * sim.Millisecond}, burst(2, 1))
	w.run()
	require.Len(t, w.on(0, 1), 1)
	assert.Equal(t, 7*sim.Millisecond, w.on(0, 1)[0].Latency(), "the kernel's default transport would take 1ms")
	assert.Equal(t, 2, w.net.Nodes())
	assert.Equal(t, 2, w.net.Servers(), "Servers = 0 means all")
}

// faultsNet mirrors faults.Net, the interface the fault injector drives, so
// that a change to this package's control API that would break faults/
// fails here first (network must not import faults).
type faultsNet interface {
	Partition(groups ...[]sim.NodeID) error
	Isolate(id sim.NodeID) error
	CutOneWay(from, to sim.NodeID) error
	Bridge(a, b []sim.NodeID, bridge sim.NodeID) error
	MajoritiesRing() error
	Clog(from, to sim.NodeID, until sim.Time) error
	Heal()
}

var _ faultsNet = (*network.Network)(nil)
