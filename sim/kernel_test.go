package sim_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// recorder is a node that records what it receives and when, on true time.
type recorder struct {
	s   *sim.Sim
	env sim.Env
	got *[]string
}

func (r *recorder) Start(env sim.Env) { r.env = env }
func (r *recorder) Receive(from sim.NodeID, msg sim.Message) {
	*r.got = append(*r.got, msg.String()+"@"+r.s.Now().String())
}
func (r *recorder) Timer(tag sim.TimerTag) {
	*r.got = append(*r.got, "timer"+string(rune('0'+tag))+"@"+r.s.Now().String())
}

func newSim(t *testing.T, cfg sim.Config) *sim.Sim {
	t.Helper()
	s, err := sim.New(cfg)
	require.NoError(t, err)
	return s
}

// fixedAt is a transport that delivers each message at a time the test names.
type fixedAt struct{ at []sim.Time }

func (f *fixedAt) Send(s *sim.Sim, from, to sim.NodeID, msg sim.Message) {
	at := f.at[0]
	f.at = f.at[1:]
	s.Schedule(at, from, to, msg, 0)
}
func (*fixedAt) Arrive(*sim.Sim, sim.NodeID, sim.NodeID, uint32, bool) sim.DropCause {
	return sim.CauseNone
}

// sender sends the given messages from Start.
type sender struct{ msgs []ping }

func (s *sender) Start(env sim.Env) {
	for _, m := range s.msgs {
		env.Send(1, m)
	}
}
func (*sender) Receive(sim.NodeID, sim.Message) {}
func (*sender) Timer(sim.TimerTag)              {}

func TestKernelOrdersByTimeThenSequence(t *testing.T) {
	s := newSim(t, sim.Config{Seed: 1})
	var got []string
	// Three messages: the second is due first; the first and third are due
	// at the same time and must keep their send order.
	s.SetTransport(&fixedAt{at: []sim.Time{sim.Time(5 * sim.Millisecond), sim.Time(2 * sim.Millisecond), sim.Time(5 * sim.Millisecond)}})
	s.AddNode(func(sim.NodeID) sim.Node { return &sender{msgs: []ping{{N: 1}, {N: 2}, {N: 3}}} })
	s.AddNode(func(sim.NodeID) sim.Node { return &recorder{s: s, got: &got} })
	s.Start(1)
	s.Start(0)
	assert.Equal(t, sim.OutcomeIdle, s.Run(sim.Time(sim.Second), nil))
	assert.Equal(t, []string{
		`Ping{n=2 note=""}@2.000ms`,
		`Ping{n=1 note=""}@5.000ms`,
		`Ping{n=3 note=""}@5.000ms`,
	}, got)
}

func TestRunStopsAtDeadlineAndResumes(t *testing.T) {
	s := newPingCluster(7, 3, sim.Config{})
	assert.Equal(t, sim.OutcomeDeadline, s.Run(sim.Time(50*sim.Millisecond), nil))
	assert.Equal(t, sim.Time(50*sim.Millisecond), s.Now())
	steps := s.Stats().Steps
	assert.Positive(t, steps)
	assert.Equal(t, sim.OutcomeDeadline, s.Run(sim.Time(100*sim.Millisecond), nil))
	assert.Greater(t, s.Stats().Steps, steps)
}

func TestRunStopFunction(t *testing.T) {
	s := newPingCluster(7, 3, sim.Config{})
	n := 0
	assert.Equal(t, sim.OutcomeStopped, s.Run(sim.Time(sim.Second), func() bool { n++; return n == 10 }))
	assert.Equal(t, int64(10), s.Stats().Steps)
}

func TestStepBudget(t *testing.T) {
	s := newPingCluster(3, 3, sim.Config{StepsMax: 100})
	assert.Equal(t, sim.OutcomeBudgetSteps, s.Run(sim.Time(10*sim.Second), nil))
	require.Error(t, s.Err())
	assert.Contains(t, s.Err().Error(), "seed=3")
	assert.Contains(t, s.Err().Error(), "budget-steps")
	// A run that ended stays ended.
	assert.Equal(t, sim.OutcomeBudgetSteps, s.Run(sim.Time(20*sim.Second), nil))
	assert.True(t, sim.OutcomeBudgetSteps.Failed())
}

func TestTimeBudget(t *testing.T) {
	s := newPingCluster(3, 3, sim.Config{TimeMax: 20 * sim.Millisecond})
	assert.Equal(t, sim.OutcomeBudgetTime, s.Run(sim.Time(10*sim.Second), nil))
	assert.LessOrEqual(t, s.Now(), sim.Time(20*sim.Millisecond))
	assert.Contains(t, s.Err().Error(), "budget-time")
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  sim.Config
		want string
	}{
		{sim.Config{StepsMax: -1}, "StepsMax = -1"},
		{sim.Config{TimeMax: -5}, "TimeMax"},
		{sim.Config{TraceTail: -2}, "TraceTail = -2"},
	} {
		_, err := sim.New(c.cfg)
		require.Error(t, err)
		assert.Contains(t, err.Error(), c.want)
	}
}

// panicker panics on its first message.
type panicker struct{}

func (panicker) Start(sim.Env)                   {}
func (panicker) Receive(sim.NodeID, sim.Message) { panic("boom") }
func (panicker) Timer(sim.TimerTag)              {}

func TestPanicInNodeIsTheRunsFailure(t *testing.T) {
	s := newSim(t, sim.Config{Seed: 42})
	s.AddNode(func(sim.NodeID) sim.Node { return &sender{msgs: []ping{{N: 9, Note: "x"}}} })
	s.AddNode(func(sim.NodeID) sim.Node { return panicker{} })
	s.Start(1)
	s.Start(0)
	assert.Equal(t, sim.OutcomePanic, s.Run(sim.Time(sim.Second), nil))
	f := s.Failure()
	require.NotNil(t, f)
	assert.Equal(t, uint64(42), f.Seed)
	assert.Equal(t, sim.NodeID(1), f.Node)
	assert.Equal(t, "boom", f.Value)
	assert.Contains(t, f.Event, `n1 recv Ping{n=9 note="x"} from n0`)
	assert.Contains(t, f.Stack, "panicker")
	assert.Contains(t, f.Error(), "seed=42")
}

func TestPanicInCallbackIsTheRunsFailure(t *testing.T) {
	s := newSim(t, sim.Config{Seed: 5})
	s.At(sim.Time(sim.Millisecond), func() { panic("fault injector bug") })
	assert.Equal(t, sim.OutcomePanic, s.Run(sim.Time(sim.Second), nil))
	assert.Equal(t, sim.NodeID(-1), s.Failure().Node)
	assert.Contains(t, s.Failure().Event, "kernel callback")
}

func TestPanicInStopFunctionIsTheRunsFailure(t *testing.T) {
	s := newPingCluster(1, 2, sim.Config{})
	out := s.Run(sim.Time(sim.Second), func() bool { panic("checker bug") })
	assert.Equal(t, sim.OutcomePanic, out)
	assert.Equal(t, "checker bug", s.Failure().Value)
}

// mutator mutates a slice after sending it, which checked mode must catch.
type sliceMsg struct{ B []byte }

func (m sliceMsg) Digest() uint64 { return sim.HashString(string(m.B)) }
func (m sliceMsg) String() string { return "Slice{" + string(m.B) + "}" }

func TestCheckedModeCatchesMutationAfterSend(t *testing.T) {
	s2 := newSim(t, sim.Config{Checked: true})
	s2.AddNode(func(sim.NodeID) sim.Node { return &lateMutator{} })
	s2.AddNode(func(sim.NodeID) sim.Node { return &sender{} })
	s2.Start(1)
	s2.Start(0)
	assert.Equal(t, sim.OutcomePanic, s2.Run(sim.Time(sim.Second), nil))
	assert.Contains(t, s2.Failure().Value, "changed after send")
}

// lateMutator keeps a slice it sent and changes it on a timer.
type lateMutator struct {
	env sim.Env
	b   []byte
}

func (m *lateMutator) Start(env sim.Env) {
	m.env = env
	m.b = []byte("abc")
	env.Send(1, sliceMsg{B: m.b})
	env.SetTimer(0, sim.Microsecond)
}
func (m *lateMutator) Receive(sim.NodeID, sim.Message) {}
func (m *lateMutator) Timer(sim.TimerTag)              { m.b[0] = 'X' }

func TestTraceFormat(t *testing.T) {
	var buf bytes.Buffer
	s := newSim(t, sim.Config{Seed: 9, Trace: &buf, TraceTail: 3})
	s.AddNode(func(sim.NodeID) sim.Node { return &sender{msgs: []ping{{N: 1, Note: "hi"}}} })
	var got []string
	s.AddNode(func(sim.NodeID) sim.Node { return &recorder{s: s, got: &got} })
	s.Start(0)
	s.Start(1)
	s.Note(-1, "partition {n0} {n1}")
	s.Run(sim.Time(sim.Second), nil)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	assert.Equal(t, []string{
		"t=0.000ms n0 start",
		"t=0.000ms n1 start",
		"t=0.000ms note partition {n0} {n1}",
		`t=1.000ms n1 recv Ping{n=1 note="hi"} from n0`,
	}, lines)
	assert.Equal(t, lines[1:], s.TraceLast())
	assert.Equal(t, uint64(4), s.Events())
}

func TestDurationFormatAndParse(t *testing.T) {
	assert.Equal(t, "12.345ms", (12*sim.Millisecond + 345*sim.Microsecond).String())
	assert.Equal(t, "0.007ms", (7 * sim.Microsecond).String())
	assert.Equal(t, "-1.500ms", (-1500 * sim.Microsecond).String())
	for in, want := range map[string]sim.Duration{
		"250ms": 250 * sim.Millisecond, "1.5s": 1500 * sim.Millisecond, "10us": 10 * sim.Microsecond, "3ns": 3,
		"-2.5ms": -2500 * sim.Microsecond, "9007199254740993ns": 9007199254740993, ".5s": 500 * sim.Millisecond, "0.000000001s": 1,
	} {
		d, err := sim.ParseDuration(in)
		require.NoError(t, err)
		assert.Equal(t, want, d, in)
	}
	for _, bad := range []string{"", "5", "ms", "1.2.3s", "5m", "0.5ns", "1.0001us", "+-3ms", "99999999999s", "--1s", "1e3ms"} {
		_, err := sim.ParseDuration(bad)
		assert.Error(t, err, bad)
	}
}

// asserter fails an assertion on its first message.
type asserter struct{}

func (asserter) Start(sim.Env) {}
func (asserter) Receive(_ sim.NodeID, msg sim.Message) {
	sim.Assert(msg.(ping).N == 0, "ping %d is not zero", msg.(ping).N)
}
func (asserter) Timer(sim.TimerTag) {}

func TestAssertionIsTheRunsFailure(t *testing.T) {
	s := newSim(t, sim.Config{Seed: 3})
	s.AddNode(func(sim.NodeID) sim.Node { return &sender{msgs: []ping{{N: 0}, {N: 4}}} })
	s.AddNode(func(sim.NodeID) sim.Node { return asserter{} })
	s.Start(1)
	s.Start(0)
	assert.Equal(t, sim.OutcomePanic, s.Run(sim.Time(sim.Second), nil))
	ae, ok := s.Failure().Value.(*sim.AssertionError)
	require.True(t, ok, "the failure carries the *AssertionError")
	assert.Equal(t, "ping 4 is not zero", ae.Message)
	assert.Contains(t, s.Failure().Event, "Ping{n=4")
}

func TestCheckedModeFollowsMessagesHeldByAPause(t *testing.T) {
	s2 := newSim(t, sim.Config{Checked: true})
	s2.AddNode(func(sim.NodeID) sim.Node { return &lateMutator{} })
	s2.AddNode(func(sim.NodeID) sim.Node { return &sender{} })
	s2.Start(1)
	s2.Pause(1)
	s2.Start(0)
	s2.At(sim.Time(5*sim.Millisecond), func() { s2.Resume(1) })
	// The mutation happens at 1µs, while the message waits for the pause to
	// end; the check at the delayed delivery still sees it.
	assert.Equal(t, sim.OutcomePanic, s2.Run(sim.Time(sim.Second), nil))
	assert.Contains(t, s2.Failure().Value, "changed after send")
}
