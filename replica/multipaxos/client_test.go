package multipaxos

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// listWorkload issues a fixed list of commands.
type listWorkload struct{ cmds []Command }

func (w *listWorkload) Next(*rand.Rand) (Command, bool) {
	if len(w.cmds) == 0 {
		return Command{}, false
	}
	c := w.cmds[0]
	w.cmds = w.cmds[1:]
	return c, true
}

type logRecorder struct{ events []string }

func (l *logRecorder) Invoke(c sim.NodeID, seq uint64, cmd Command) {
	l.events = append(l.events, "invoke "+cmd.String())
}
func (l *logRecorder) Return(c sim.NodeID, seq uint64, cmd Command, res Result) {
	l.events = append(l.events, "return "+cmd.String()+" "+res.Value)
}

func testClient(t *testing.T, cfg ClientConfig) (*Client, *sim.TestEnv) {
	t.Helper()
	f, err := NewClient(cfg)
	require.NoError(t, err)
	c := f(client).(*Client)
	env := sim.NewTestEnv(client, 1)
	c.Start(env)
	return c, env
}

func TestClientRetriesRedirectsAndRecords(t *testing.T) {
	rec := &logRecorder{}
	w := &listWorkload{cmds: []Command{Append("x", "1"), Get("x")}}
	c, env := testClient(t, ClientConfig{N: 3, Workload: w, Recorder: rec})
	req := env.Sent[0]
	first := req.To
	require.Equal(t, Request{Cmd: cmdFrom(client, 1, Append("x", "1"))}, req.Msg)
	require.Contains(t, env.Timers, requestTimer)
	env.Reset()

	// A redirect with a hint goes straight to the hint, same seq.
	hint := (first + 1) % 3
	c.Receive(first, Redirect{Seq: 1, Leader: hint})
	require.Equal(t, []sim.Envelope{{To: hint, Msg: req.Msg}}, env.Sent)
	env.Reset()
	// A timeout retries the same request at the next replica.
	c.Timer(requestTimer)
	require.Equal(t, []sim.Envelope{{To: (hint + 1) % 3, Msg: req.Msg}}, env.Sent)
	require.Equal(t, ClientStats{Ops: 1, Retries: 1, Timeouts: 1, Redirects: 1}, c.Stats())
	env.Reset()
	// A stale reply is ignored; the right one completes the op and the next starts.
	c.Receive(2, Reply{Seq: 9})
	require.Empty(t, env.Sent)
	c.Receive(2, Reply{Seq: 1})
	require.Equal(t, []sim.Envelope{{To: 2, Msg: Request{Cmd: cmdFrom(client, 2, Get("x"))}}}, env.Sent)
	c.Receive(2, Reply{Seq: 2, Res: Result{Value: "1"}})
	require.True(t, c.Done())
	require.Equal(t, []string{
		`invoke append("x","1")@n7#1`, `return append("x","1")@n7#1 `,
		`invoke get("x")@n7#2`, `return get("x")@n7#2 1`,
	}, rec.events)
	require.NotPanics(t, func() { c.Receive(1, foreign{}) })
	require.EqualValues(t, 1, c.Stats().Rejected)
}

// With no leader, redirects go round in circles: past one per replica the
// client backs off instead of spinning.
func TestClientRedirectBackoff(t *testing.T) {
	c, env := testClient(t, ClientConfig{N: 3, Workload: &listWorkload{cmds: []Command{Put("x", "1")}}})
	for i := 0; i < 3; i++ {
		env.Reset()
		c.Receive(0, Redirect{Seq: 1, Leader: -1})
		require.Len(t, env.Sent, 1)
	}
	env.Reset()
	c.Receive(0, Redirect{Seq: 1, Leader: -1})
	require.Empty(t, env.Sent)
	require.Contains(t, env.Timers, backoffTimer)
	require.NotContains(t, env.Timers, requestTimer)
	c.Timer(backoffTimer)
	require.Len(t, env.Sent, 1)
}

// Past RetriesMax an operation is abandoned: it never gets Return (its
// outcome is unknown) and the client moves on.
func TestClientAbandons(t *testing.T) {
	rec := &logRecorder{}
	w := &listWorkload{cmds: []Command{Put("x", "1"), Put("y", "2")}}
	c, env := testClient(t, ClientConfig{N: 3, Workload: w, Recorder: rec, RetriesMax: 1})
	c.Timer(requestTimer)
	env.Reset()
	c.Timer(requestTimer)
	require.Equal(t, Request{Cmd: cmdFrom(client, 2, Put("y", "2"))}, env.Sent[0].Msg)
	require.EqualValues(t, 1, c.Stats().Abandoned)
	require.Equal(t, []string{`invoke put("x","1")@n7#1`, `invoke put("y","2")@n7#2`}, rec.events)
}

func TestClientSeqSurvivesRestart(t *testing.T) {
	f, err := NewClient(ClientConfig{N: 3, Workload: &listWorkload{cmds: []Command{Put("x", "1")}}})
	require.NoError(t, err)
	env := sim.NewTestEnv(client, 1)
	env.Inc = 2
	f(client).Start(env)
	require.Equal(t, uint64(2<<32+1), env.Sent[0].Msg.(Request).Cmd.Seq)
}

func TestClientConfigValidate(t *testing.T) {
	_, err := NewClient(ClientConfig{N: 3})
	require.ErrorContains(t, err, "Workload")
	_, err = NewClient(ClientConfig{Workload: &listWorkload{}})
	require.ErrorContains(t, err, "N = 0")
	_, err = NewClient(ClientConfig{N: 3, Workload: &listWorkload{}, ThinkTimeMin: 5, ThinkTimeMax: 1})
	require.ErrorContains(t, err, "ThinkTimeMin")
}

func TestClientStartDelay(t *testing.T) {
	rec := &logRecorder{}
	w := &listWorkload{cmds: []Command{Put("x", "1")}}
	c, env := testClient(t, ClientConfig{N: 3, Workload: w, Recorder: rec, StartDelay: 300 * sim.Millisecond})
	require.Empty(t, env.Sent, "nothing is sent before the start delay")
	require.Equal(t, sim.Time(300*sim.Millisecond), env.Timers[thinkTimer])
	c.Timer(thinkTimer)
	require.Len(t, env.Sent, 1)
	require.Equal(t, []string{`invoke put("x","1")@n7#1`}, rec.events[:1])

	_, err := NewClient(ClientConfig{N: 3, Workload: w, StartDelay: -1})
	require.ErrorContains(t, err, "StartDelay")
}
