package sim_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// clockNode arms timers and records the true time at which they fire.
type clockNode struct {
	s     *sim.Sim
	env   sim.Env
	fired *[]sim.Time
	after sim.Duration
}

func (c *clockNode) Start(env sim.Env) {
	c.env = env
	env.SetTimer(0, c.after)
}
func (c *clockNode) Receive(sim.NodeID, sim.Message) {}
func (c *clockNode) Timer(sim.TimerTag)              { *c.fired = append(*c.fired, c.s.Now()) }

func TestTimerOnDriftingClock(t *testing.T) {
	for _, c := range []struct {
		name  string
		drift int64
		want  sim.Time // true time of a 100ms local timer
	}{
		{"exact", 0, sim.Time(100 * sim.Millisecond)},
		{"fast 25%", 250_000, sim.Time(80 * sim.Millisecond)},
		{"slow 50%", -500_000, sim.Time(200 * sim.Millisecond)},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSim(t, sim.Config{})
			var fired []sim.Time
			s.AddNode(func(sim.NodeID) sim.Node { return &clockNode{s: s, fired: &fired, after: 100 * sim.Millisecond} })
			s.SetClock(0, 0, c.drift)
			s.Start(0)
			s.Run(sim.Time(sim.Second), nil)
			require.Len(t, fired, 1)
			assert.Equal(t, c.want, fired[0])
		})
	}
}

func TestClockChangeReschedulesPendingTimers(t *testing.T) {
	s := newSim(t, sim.Config{})
	var fired []sim.Time
	s.AddNode(func(sim.NodeID) sim.Node { return &clockNode{s: s, fired: &fired, after: 100 * sim.Millisecond} })
	s.Start(0)
	// At 40ms the clock jumps forward 50ms: the timer's local deadline
	// (100ms) is now 10ms away.
	s.At(sim.Time(40*sim.Millisecond), func() { s.SetClock(0, 50*sim.Millisecond, 0) })
	s.Run(sim.Time(sim.Second), nil)
	require.Len(t, fired, 1)
	assert.Equal(t, sim.Time(50*sim.Millisecond), fired[0])
	assert.Equal(t, 50*sim.Millisecond, s.Skew(0))

	// A clock stepped backwards delays the timer.
	s = newSim(t, sim.Config{})
	fired = nil
	s.AddNode(func(sim.NodeID) sim.Node { return &clockNode{s: s, fired: &fired, after: 100 * sim.Millisecond} })
	s.Start(0)
	s.At(sim.Time(40*sim.Millisecond), func() { s.SetClock(0, -30*sim.Millisecond, 0) })
	s.Run(sim.Time(sim.Second), nil)
	require.Len(t, fired, 1)
	assert.Equal(t, sim.Time(130*sim.Millisecond), fired[0])
}

func TestLocalClockSkewAndDrift(t *testing.T) {
	s := newSim(t, sim.Config{})
	s.AddNode(func(sim.NodeID) sim.Node { return &sender{} })
	s.Start(0)
	s.SetClock(0, 5*sim.Millisecond, 1000) // +5ms, 0.1% fast
	s.At(sim.Time(sim.Second), func() {})
	s.Run(sim.Time(sim.Second), nil)
	assert.Equal(t, sim.Time(sim.Second+5*sim.Millisecond+sim.Millisecond), s.LocalTime(0))
	assert.Equal(t, int64(1000), s.Drift(0))
	assert.Panics(t, func() { s.SetClock(0, 0, 1_000_000) })
}

// diskNode writes a key on each message; it syncs only if told to.
type diskNode struct {
	env   sim.Env
	state *map[string]string // what it read from disk at start, for the test
}

func (d *diskNode) Start(env sim.Env) {
	d.env = env
	m := map[string]string{}
	for _, k := range env.Disk().Scan("") {
		v, ok, err := env.Disk().Read(k)
		switch {
		case err != nil:
			m[k] = "TORN"
		case ok:
			m[k] = string(v)
		}
	}
	*d.state = m
}
func (d *diskNode) Receive(_ sim.NodeID, msg sim.Message) {
	p := msg.(ping)
	d.env.Disk().Write(p.Note, []byte{byte('0' + p.N)})
	if p.N%2 == 0 {
		d.env.Disk().Sync()
	}
}
func (d *diskNode) Timer(sim.TimerTag) {}

func TestCrashLosesUnsyncedWritesAndRestartRebuildsFromDisk(t *testing.T) {
	s := newSim(t, sim.Config{})
	var state map[string]string
	s.AddNode(func(sim.NodeID) sim.Node {
		return &sender{msgs: []ping{{N: 2, Note: "a"}, {N: 4, Note: "b"}, {N: 5, Note: "c"}, {N: 7, Note: "a"}}}
	})
	s.AddNode(func(sim.NodeID) sim.Node { return &diskNode{state: &state} })
	s.Start(1)
	s.Start(0)
	s.Run(sim.Time(10*sim.Millisecond), nil)
	assert.Equal(t, 2, s.Disk(1).Unsynced())
	require.True(t, s.Crash(1))
	assert.False(t, s.Up(1))
	assert.Nil(t, s.Node(1))
	assert.False(t, s.Crash(1), "crashing a crashed node is refused")
	require.True(t, s.Restart(1))
	assert.False(t, s.Restart(1), "restarting a running node is refused")
	assert.Equal(t, uint32(1), s.Incarnation(1))
	// "c" (unsynced) is gone and "a" is back to its synced value.
	assert.Equal(t, map[string]string{"a": "2", "b": "4"}, state)
}

func TestCrashWithDiskFaults(t *testing.T) {
	keptSome, tore := false, false
	for seed := uint64(0); seed < 200; seed++ {
		s := newSim(t, sim.Config{Seed: seed})
		var state map[string]string
		s.AddNode(func(sim.NodeID) sim.Node {
			return &sender{msgs: []ping{{N: 2, Note: "a"}, {N: 3, Note: "b"}, {N: 5, Note: "c"}, {N: 7, Note: "a"}}}
		})
		s.AddNode(func(sim.NodeID) sim.Node { return &diskNode{state: &state} })
		s.Start(1)
		s.Start(0)
		s.Run(sim.Time(10*sim.Millisecond), nil)
		fate := sim.DiskKeepSome
		if seed%2 == 1 {
			fate = sim.DiskTear
		}
		s.CrashWith(1, fate)
		s.Restart(1)
		// Synced data always survives; unsynced writes survive as a prefix.
		require.Contains(t, []string{"2", "7"}, state["a"], "seed %d: %v", seed, state)
		switch {
		case state["a"] == "7":
			require.Equal(t, "3", state["b"])
			require.Equal(t, "5", state["c"])
		case state["c"] == "5":
			require.Equal(t, "3", state["b"])
		}
		if state["b"] == "TORN" || state["c"] == "TORN" {
			require.Equal(t, sim.DiskTear, fate)
			tore = true
		}
		if state["b"] == "3" {
			keptSome = true
		}
		require.NotEqual(t, "TORN", state["a"], "a key with a synced value is never torn")
	}
	assert.True(t, keptSome)
	assert.True(t, tore)
}

// timerNode sets a long timer at start.
type timerNode struct{ fired *int }

func (n *timerNode) Start(env sim.Env)               { env.SetTimer(1, 10*sim.Millisecond) }
func (n *timerNode) Receive(sim.NodeID, sim.Message) {}
func (n *timerNode) Timer(sim.TimerTag)              { *n.fired++ }

func TestCrashCancelsTimersAndDropsMessages(t *testing.T) {
	s := newSim(t, sim.Config{})
	fired := 0
	s.AddNode(func(sim.NodeID) sim.Node { return &sender{msgs: []ping{{N: 1}}} })
	s.AddNode(func(sim.NodeID) sim.Node { return &timerNode{fired: &fired} })
	s.Start(1)
	s.Start(0)
	s.Crash(1)
	s.At(sim.Time(5*sim.Millisecond), func() { s.Restart(1) })
	s.Run(sim.Time(sim.Second), nil)
	// The first incarnation's timer (due at 10ms) never fires; the second
	// incarnation's (due at 15ms) does. The message at 1ms met a crashed node.
	assert.Equal(t, 1, fired)
	assert.Equal(t, int64(1), s.Stats().Dropped[sim.CauseDown])
	assert.Equal(t, int64(0), s.Stats().Delivered)
}

func TestPauseHoldsTimersAndMessagesUntilResume(t *testing.T) {
	s := newSim(t, sim.Config{})
	var fired []sim.Time
	var got []string
	s.AddNode(func(sim.NodeID) sim.Node { return &sender{msgs: []ping{{N: 1}, {N: 2}}} })
	s.AddNode(func(sim.NodeID) sim.Node { return &recorder{s: s, got: &got} })
	s.AddNode(func(sim.NodeID) sim.Node { return &clockNode{s: s, fired: &fired, after: 3 * sim.Millisecond} })
	s.Start(1)
	s.Start(2)
	s.Pause(1)
	s.Pause(2)
	assert.False(t, s.Pause(1))
	s.Start(0)
	s.At(sim.Time(20*sim.Millisecond), func() { s.Resume(1); s.Resume(2) })
	s.Run(sim.Time(sim.Second), nil)
	assert.Equal(t, []string{`Ping{n=1 note=""}@20.000ms`, `Ping{n=2 note=""}@20.000ms`}, got)
	assert.Equal(t, []sim.Time{sim.Time(20 * sim.Millisecond)}, fired)
	assert.False(t, s.Resume(1))
}

func TestCrashWhilePausedDropsHeldMessages(t *testing.T) {
	s := newSim(t, sim.Config{})
	var got []string
	s.AddNode(func(sim.NodeID) sim.Node { return &sender{msgs: []ping{{N: 1}}} })
	s.AddNode(func(sim.NodeID) sim.Node { return &recorder{s: s, got: &got} })
	s.Start(1)
	s.Pause(1)
	s.Start(0)
	s.At(sim.Time(5*sim.Millisecond), func() { s.Crash(1) })
	s.At(sim.Time(6*sim.Millisecond), func() { s.Restart(1) })
	s.Run(sim.Time(sim.Second), nil)
	assert.Empty(t, got)
	assert.Equal(t, int64(1), s.Stats().Dropped[sim.CauseDown])
}

// staleEnv keeps its Env past a crash and uses it.
func TestStaleEnvPanics(t *testing.T) {
	s := newSim(t, sim.Config{})
	var kept sim.Env
	s.AddNode(func(sim.NodeID) sim.Node { return &envKeeper{kept: &kept} })
	s.Start(0)
	s.Crash(0)
	s.Restart(0)
	assert.Panics(t, func() { kept.Send(0, ping{}) })
}

type envKeeper struct{ kept *sim.Env }

func (e *envKeeper) Start(env sim.Env) {
	if *e.kept == nil {
		*e.kept = env
	}
}
func (e *envKeeper) Receive(sim.NodeID, sim.Message) {}
func (e *envKeeper) Timer(sim.TimerTag)              {}

func TestUnknownNodePanicsInsideRunAsFailure(t *testing.T) {
	s := newSim(t, sim.Config{})
	s.AddNode(func(sim.NodeID) sim.Node { return &badSender{} })
	s.At(0, func() { s.Start(0) })
	assert.Equal(t, sim.OutcomePanic, s.Run(sim.Time(sim.Second), nil))
	assert.Contains(t, s.Failure().Error(), "unknown node")
	assert.Equal(t, sim.NodeID(0), s.Failure().Node)
}

type badSender struct{}

func (badSender) Start(env sim.Env)               { env.Send(7, ping{}) }
func (badSender) Receive(sim.NodeID, sim.Message) {}
func (badSender) Timer(sim.TimerTag)              {}
