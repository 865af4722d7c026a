package sim_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

// chooserRun runs pingers through transport (nil: the kernel's default,
// whose fixed latency makes many events due at the same instant) with
// crashes and restarts, under chooser c (nil: none), and returns the hash.
func chooserRun(t *testing.T, seed uint64, c sim.Chooser, net bool) uint64 {
	t.Helper()
	s, err := sim.New(sim.Config{Seed: seed})
	require.NoError(t, err)
	s.SetChooser(c)
	const n = 4
	if net {
		cfg := network.Unordered()
		cfg.LossProb, cfg.DupProb = 0.1, 0.1
		_, err := network.New(s, n, cfg)
		require.NoError(t, err)
	}
	for range n {
		s.AddNode(func(sim.NodeID) sim.Node { return &pinger{peers: n, tick: 2 * sim.Millisecond, maxHops: 4} })
	}
	for i := range n {
		s.Start(sim.NodeID(i))
	}
	s.At(sim.Time(30*sim.Millisecond), func() { s.Crash(1) })
	s.At(sim.Time(45*sim.Millisecond), func() { s.Restart(1) })
	out := s.Run(sim.Time(100*sim.Millisecond), nil)
	require.False(t, out.Failed(), "%v", s.Err())
	return s.Hash()
}

// TestSeededChooserKeepsTrace: the default order made explicit through the
// seam runs the very trace of a Sim without a chooser, ties, coins and all.
func TestSeededChooserKeepsTrace(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		for _, net := range []bool{false, true} {
			assert.Equal(t, chooserRun(t, seed, nil, net), chooserRun(t, seed, sim.Seeded{}, net), "seed %d net=%v", seed, net)
		}
	}
}

// TestPCTIsSeededAndReorders: a PCT schedule is a function of the seed,
// and it does change the order of events (else it would test nothing new).
func TestPCTIsSeededAndReorders(t *testing.T) {
	differs := 0
	for seed := uint64(1); seed <= 10; seed++ {
		pct := func() sim.Chooser { return sim.NewPCT(seed, 4, 3, 500, sim.Millisecond) }
		a, b := chooserRun(t, seed, pct(), true), chooserRun(t, seed, pct(), true)
		assert.Equal(t, a, b, "seed %d: PCT is not deterministic", seed)
		if a != chooserRun(t, seed, nil, true) {
			differs++
		}
	}
	assert.Greater(t, differs, 5, "PCT should reorder most runs")
}

// script runs two pingers with no timers, one ping in flight each way,
// under a script, and returns the Sim.
func scriptSim(t *testing.T, choices ...sim.Choice) *sim.Sim {
	t.Helper()
	s, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	s.SetChooser(sim.NewScript(choices))
	for range 2 {
		s.AddNode(func(sim.NodeID) sim.Node { return &pinger{peers: 2, maxHops: 1} })
	}
	for i := range 2 {
		s.Start(sim.NodeID(i))
	}
	return s
}

// TestScriptChoices drives every kind of choice through a script and
// checks what each did.
func TestScriptChoices(t *testing.T) {
	assert.Empty(t, scriptSim(t).Candidates(), "nothing pending yet")

	s, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	sc := sim.NewScript([]sim.Choice{
		{Kind: sim.ChooseDuplicate, Index: 1}, // n1->n0 again
		{Kind: sim.ChooseDrop, Index: 0},      // n0->n1 lost
		{Kind: sim.ChooseRun, Index: 1},       // the duplicate arrives before the original
		{Kind: sim.ChooseCrash, Index: 0},
		{Kind: sim.ChooseRestart, Index: 0},
	})
	s.SetChooser(sc)
	var log []string
	for range 2 {
		s.AddNode(func(sim.NodeID) sim.Node { return &pinger{peers: 2, maxHops: 0, log: &log} })
	}
	s.Start(0)
	s.Start(1)
	boot := s.InputDigest(0)
	s.At(0, func() {})
	// One ping each way, scheduled as a transport would.
	s.Schedule(sim.Time(sim.Millisecond), 0, 1, ping{N: 9, Note: "a"}, 0)
	s.Schedule(sim.Time(2*sim.Millisecond), 1, 0, ping{N: 9, Note: "b"}, 0)
	c := s.Candidates()
	require.Len(t, c, 0, "the callback at 0 is due first")
	s.Run(0, nil)
	c = s.Candidates()
	require.Len(t, c, 2)
	assert.Equal(t, sim.NodeID(0), c[0].From)
	assert.Equal(t, sim.NodeID(1), c[1].From)
	out := s.Run(sim.Time(sim.Second), nil)
	require.Equal(t, sim.OutcomeIdle, out, "%v", s.Err())
	assert.Equal(t, 0, sc.Remaining())
	st := s.Stats()
	assert.Equal(t, int64(1), st.Dropped[sim.CauseLoss])
	assert.Equal(t, int64(1), st.Crashes)
	assert.Equal(t, int64(1), st.Restarts)
	assert.Equal(t, int64(2), st.Delivered, "the duplicate, then (after the script) the original")
	assert.NotEqual(t, boot, s.InputDigest(0), "n0 restarted and handled a message since")
	s.Crash(1)
	assert.Equal(t, uint64(0), s.InputDigest(1), "n1 is down")
	require.Len(t, log, 2)
	assert.True(t, strings.HasPrefix(log[0], "n0<-n1 9"), log[0])
	assert.True(t, strings.HasPrefix(log[1], "n0<-n1 9"), log[1])
}

func TestBadChoiceFailsTheRun(t *testing.T) {
	for _, c := range []sim.Choice{
		{Kind: sim.ChooseRun, Index: 5},
		{Kind: sim.ChooseDrop, Index: -1},
		{Kind: sim.ChooseRestart, Index: 0}, // up
		{Kind: sim.ChooseCrash, Index: 9},
		{Kind: 0, Index: 0},
	} {
		s := scriptSim(t, c)
		s.Schedule(sim.Time(sim.Millisecond), 0, 1, ping{N: 9}, 0)
		out := s.Run(sim.Time(sim.Second), nil)
		require.Equal(t, sim.OutcomePanic, out, "%v", c)
		assert.Contains(t, s.Err().Error(), "the chooser chose", "%v", c)
	}
}

func TestParseChoice(t *testing.T) {
	for _, c := range []sim.Choice{{Kind: sim.ChooseRun, Index: 0}, {Kind: sim.ChooseDuplicate, Index: 12}, {Kind: sim.ChooseRestart, Index: 3}} {
		got, err := sim.ParseChoice(c.String())
		require.NoError(t, err)
		assert.Equal(t, c, got)
	}
	for _, bad := range []string{"", "run", "run:", "run:-1", "fly:2", "run:x", "run:99999999999"} {
		_, err := sim.ParseChoice(bad)
		assert.Error(t, err, bad)
	}
}

func TestScheduleValidate(t *testing.T) {
	ok := []sim.Schedule{
		{Kind: "pct", Depth: 3, Steps: 1000, Window: sim.Millisecond},
		{Kind: "pct", Depth: 3, Steps: 1000, DefaultEvery: 2},
		{Kind: "script", Choices: []string{"run:0", "crash:1"}},
		{Kind: "script"},
	}
	for _, sc := range ok {
		assert.NoError(t, sc.Validate(), "%+v", sc)
		data, err := json.Marshal(sc)
		require.NoError(t, err)
		var back sim.Schedule
		require.NoError(t, json.Unmarshal(data, &back), string(data))
		assert.Equal(t, sc, back, string(data))
	}
	data, _ := json.Marshal(ok[0])
	assert.JSONEq(t, `{"kind":"pct","depth":3,"window":"1ms","steps":1000}`, string(data))
	bad := map[string]sim.Schedule{
		"kind":                 {Kind: "fifo"},
		"depth":                {Kind: "pct", Depth: 0, Steps: 10},
		"steps":                {Kind: "pct", Depth: 2},
		"window":               {Kind: "pct", Depth: 2, Steps: 10, Window: -1},
		"pct choices":          {Kind: "pct", Depth: 2, Steps: 10, Choices: []string{"run:0"}},
		"script depth":         {Kind: "script", Depth: 2},
		"default_every":        {Kind: "pct", Depth: 2, Steps: 10, DefaultEvery: 1},
		"script default_every": {Kind: "script", DefaultEvery: 2},
		"choice 1":             {Kind: "script", Choices: []string{"run:0", "walk:1"}},
	}
	for want, sc := range bad {
		err := sc.Validate()
		require.Error(t, err, want)
		assert.Contains(t, err.Error(), strings.Fields(want)[0], want)
	}
}

// TestPCTDefaultEvery: a mixed schedule leaves the seeds that are multiples
// of DefaultEvery in the default order (no chooser) and runs PCT on the
// others.
func TestPCTDefaultEvery(t *testing.T) {
	sc := sim.Schedule{Kind: "pct", Depth: 3, Steps: 1000, DefaultEvery: 3}
	for seed := uint64(0); seed < 9; seed++ {
		ch, err := sc.Chooser(seed, 4)
		require.NoError(t, err)
		if seed%3 == 0 {
			assert.Nil(t, ch, "seed %d", seed)
		} else {
			assert.IsType(t, &sim.PCT{}, ch, "seed %d", seed)
		}
	}
}
