package runner

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/kv"
)

// Handler tests of the generic client on sim.TestEnv: a fake codec, the kv
// spec's workload, scripted server messages in, asserted sends, timers and
// history out.

// The fake protocol's messages.
type (
	fakeRequest struct {
		client sim.NodeID
		seq    uint64
		input  kv.Input
	}
	fakeAnswer struct {
		seq uint64
		out kv.Output
	}
	fakeRedirect struct {
		seq  uint64
		hint sim.NodeID
	}
	fakeNotMine struct{ seq uint64 }
	fakeOther   struct{}
)

func (m fakeRequest) Digest() uint64 { return sim.Mix(1, uint64(m.client), m.seq) }
func (m fakeRequest) String() string {
	return fmt.Sprintf("req{%v#%d %s}", m.client, m.seq, kv.Describe(m.input, spec.Unknown{}))
}
func (m fakeAnswer) Digest() uint64   { return sim.Mix(2, m.seq, sim.HashString(m.out.Value)) }
func (m fakeAnswer) String() string   { return fmt.Sprintf("answer{#%d %q}", m.seq, m.out.Value) }
func (m fakeRedirect) Digest() uint64 { return sim.Mix(3, m.seq, uint64(m.hint)) }
func (m fakeRedirect) String() string { return fmt.Sprintf("redirect{#%d %v}", m.seq, m.hint) }
func (m fakeNotMine) Digest() uint64  { return sim.Mix(4, m.seq) }
func (m fakeNotMine) String() string  { return fmt.Sprintf("notmine{#%d}", m.seq) }
func (fakeOther) Digest() uint64      { return 5 }
func (fakeOther) String() string      { return "other{}" }

type fakeCodec struct{}

func (fakeCodec) Request(client sim.NodeID, seq uint64, input any) sim.Message {
	return fakeRequest{client: client, seq: seq, input: input.(kv.Input)}
}

func (fakeCodec) Reply(msg sim.Message) protocol.Reply {
	switch m := msg.(type) {
	case fakeAnswer:
		return protocol.Reply{Kind: protocol.Answered, Seq: m.seq, Output: m.out}
	case fakeRedirect:
		return protocol.Reply{Kind: protocol.Redirect, Seq: m.seq, Hint: m.hint}
	case fakeNotMine:
		return protocol.Reply{Kind: protocol.NotMine, Seq: m.seq}
	}
	return protocol.Reply{Kind: protocol.NotAReply}
}

var servers = []sim.NodeID{0, 1, 2}

const me = sim.NodeID(5) // the client under test

const (
	testTimeout = 200 * sim.Millisecond
	testBackoff = 10 * sim.Millisecond
)

// rig is one client under test, with what outlives its incarnations: the
// shared setup (history), the operation stream, the env (its disk and
// clock).
type rig struct {
	t     *testing.T
	setup *clientSetup
	src   *opSource
	env   *sim.TestEnv
	c     *client
}

type rigOpts struct {
	ops        int
	retriesMax int
	startAfter sim.Duration
	think      [2]sim.Duration
}

func newRig(t *testing.T, o rigOpts) *rig {
	t.Helper()
	s, err := sim.New(sim.Config{Seed: 1})
	require.NoError(t, err)
	wl, err := kv.Spec{}.Workload(nil)
	require.NoError(t, err)
	if o.ops == 0 {
		o.ops = 3
	}
	r := &rig{t: t,
		setup: &clientSetup{servers: servers, codec: fakeCodec{}, rec: newHistory(s, o.ops),
			cfg:   ClientConfig{RequestTimeout: testTimeout, RedirectBackoff: testBackoff, RetriesMax: o.retriesMax},
			think: o.think, startDly: o.startAfter},
		src: &opSource{w: wl, ops: o.ops},
		env: sim.NewTestEnv(me, 1),
	}
	r.start()
	return r
}

// start boots a new incarnation of the client (the first, or a restart).
func (r *rig) start() {
	r.c = &client{setup: r.setup, src: r.src}
	r.env.Reset()
	r.c.Start(r.env)
}

func (r *rig) restart() {
	r.env.Inc++
	clear(r.env.Timers) // a crash discards the pending timers
	r.start()
}

// sent returns the one send since the last reset, as a request.
func (r *rig) sent() (sim.NodeID, fakeRequest) {
	r.t.Helper()
	require.Len(r.t, r.env.Sent, 1, "one send: %v", r.env.Sent)
	req, ok := r.env.Sent[0].Msg.(fakeRequest)
	require.True(r.t, ok, "a request: %v", r.env.Sent[0].Msg)
	require.Equal(r.t, me, req.client)
	return r.env.Sent[0].To, req
}

func next(id sim.NodeID) sim.NodeID { return (id + 1) % 3 }

func TestClientRetriesAtTheNextServerWithTheSameSeq(t *testing.T) {
	r := newRig(t, rigOpts{})
	to, first := r.sent()
	require.Equal(t, uint64(1), first.seq)
	require.Equal(t, sim.Time(testTimeout), r.env.Timers[requestTimer])
	for i := 1; i <= 4; i++ {
		r.env.Reset()
		r.env.Clock = sim.Time(sim.Duration(i) * testTimeout)
		r.c.Timer(requestTimer)
		got, req := r.sent()
		require.Equal(t, next(to), got, "retry %d goes to the next server", i)
		require.Equal(t, first, req, "with the same seq and input")
		require.Equal(t, r.env.Clock.Add(testTimeout), r.env.Timers[requestTimer], "and a fresh timeout")
		to = got
	}
	require.Equal(t, ClientStats{Ops: 1, Retries: 4, Timeouts: 4}, r.c.stats)
	require.Len(t, r.setup.rec.ops, 1, "one operation, however many attempts")
	require.Equal(t, spec.Unknown{}, r.setup.rec.ops[0].Output)
}

func TestClientFollowsRedirects(t *testing.T) {
	tests := []struct {
		name          string
		from          sim.NodeID
		msg           func(seq uint64) sim.Message
		wantTo        sim.NodeID // -1: nothing sent
		wantRedirects uint64
	}{
		{"a hint goes to the hint", 0, func(s uint64) sim.Message { return fakeRedirect{s, 2} }, 2, 1},
		{"no hint goes to the next server", 1, func(s uint64) sim.Message { return fakeRedirect{s, -1} }, 2, 1},
		{"no hint wraps around", 2, func(s uint64) sim.Message { return fakeRedirect{s, -1} }, 0, 1},
		{"a hint naming the sender goes to the next server", 1, func(s uint64) sim.Message { return fakeRedirect{s, 1} }, 2, 1},
		{"a hint naming no server goes to the next server", 0, func(s uint64) sim.Message { return fakeRedirect{s, 42} }, 1, 1},
		{"not mine goes to the next server", 2, func(s uint64) sim.Message { return fakeNotMine{s} }, 0, 1},
		{"a stale redirect is ignored", 0, func(s uint64) sim.Message { return fakeRedirect{s + 1, 2} }, -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigOpts{})
			_, req := r.sent()
			r.env.Reset()
			r.c.Receive(tt.from, tt.msg(req.seq))
			require.Equal(t, tt.wantRedirects, r.c.stats.Redirects)
			if tt.wantTo < 0 {
				require.Empty(t, r.env.Sent)
				return
			}
			to, again := r.sent()
			require.Equal(t, tt.wantTo, to)
			require.Equal(t, req, again, "the same request")
			require.Contains(t, r.env.Timers, requestTimer)
		})
	}
}

// With no leader, redirects go round in circles: past one per server the
// client pauses RedirectBackoff before each resend, instead of spinning.
func TestClientBacksOffAfterMoreRedirectsThanServers(t *testing.T) {
	r := newRig(t, rigOpts{})
	_, req := r.sent()
	for i := 0; i < len(servers); i++ {
		r.env.Reset()
		r.c.Receive(0, fakeRedirect{req.seq, -1})
		r.sent()
	}
	r.env.Reset()
	r.env.Clock = sim.Time(sim.Second)
	r.c.Receive(0, fakeRedirect{req.seq, 2})
	require.Empty(t, r.env.Sent, "no resend yet")
	require.Equal(t, sim.Time(sim.Second+testBackoff), r.env.Timers[backoffTimer])
	require.NotContains(t, r.env.Timers, requestTimer, "the backoff replaces the timeout")
	r.c.Timer(backoffTimer)
	to, again := r.sent()
	require.Equal(t, sim.NodeID(2), to, "the backoff delays the redirect, it still follows the hint")
	require.Equal(t, req, again)
	require.NotContains(t, r.env.Timers, backoffTimer)
	require.Contains(t, r.env.Timers, requestTimer)

	// An answer ends the operation; the next one starts with a clean count.
	r.env.Reset()
	r.c.Receive(2, fakeAnswer{seq: req.seq})
	_, req2 := r.sent()
	r.env.Reset()
	r.c.Receive(2, fakeRedirect{req2.seq, -1})
	r.sent()
}

// Past RetriesMax timeouts an operation is abandoned: its outcome is
// unknown, so it never gets a return, and the client moves on.
func TestClientAbandonsAfterRetriesMax(t *testing.T) {
	r := newRig(t, rigOpts{retriesMax: 2})
	_, req := r.sent()
	for i := 0; i < 2; i++ {
		r.env.Reset()
		r.c.Timer(requestTimer)
		r.sent()
	}
	r.env.Reset()
	r.c.Timer(requestTimer)
	_, req2 := r.sent()
	require.Equal(t, req.seq+1, req2.seq, "the next operation")
	require.Equal(t, ClientStats{Ops: 2, Retries: 2, Timeouts: 3, Abandoned: 1}, r.c.stats)
	require.Contains(t, r.env.Logs[0], "abandoning")

	r.env.Reset()
	r.c.Receive(0, fakeAnswer{seq: req.seq, out: kv.Output{Value: "late"}})
	require.Empty(t, r.env.Sent, "a late answer to the abandoned operation is ignored")
	h := r.setup.rec
	require.Zero(t, h.completed)
	require.Len(t, h.ops, 2)
	require.Equal(t, spec.Unknown{}, h.ops[0].Output)
	require.EqualValues(t, -1, h.ops[0].Return, "never returned")
	ops := h.operations(sim.Time(sim.Second))
	require.Equal(t, int64(sim.Second)+1, ops[0].Return, "open to the end of the history")

	// RetriesMax 0 never gives up.
	r = newRig(t, rigOpts{})
	for i := 0; i < 100; i++ {
		r.c.Timer(requestTimer)
	}
	require.Zero(t, r.c.stats.Abandoned)
	require.Equal(t, uint64(1), r.c.stats.Ops)
}

// Sequence numbers keep growing across restarts (incarnation<<32 + n), so
// servers never take a new operation for a retry of an old one; the
// operation stream resumes where it was.
func TestClientSeqGrowsAcrossRestarts(t *testing.T) {
	r := newRig(t, rigOpts{ops: 10})
	_, req := r.sent()
	require.Equal(t, uint64(1), req.seq)
	r.env.Reset()
	r.c.Receive(1, fakeAnswer{seq: 1})
	_, req = r.sent()
	require.Equal(t, uint64(2), req.seq)

	for inc := uint64(1); inc <= 2; inc++ {
		r.restart()
		_, req = r.sent()
		require.Equal(t, inc<<32+1, req.seq, "incarnation %d", inc)
		require.Equal(t, ClientStats{Ops: 1}, r.c.stats, "stats are per incarnation")
	}
	require.Equal(t, 4, r.src.issued, "the stream resumed: operations 3 and 4 of 10")
	var seqs []uint64
	for _, o := range r.setup.rec.open {
		require.Equal(t, me, o.key.client)
		seqs = append(seqs, o.key.seq)
	}
	require.ElementsMatch(t, []uint64{2, 1<<32 + 1, 2<<32 + 1}, seqs, "the unanswered operations stay open")
	require.Equal(t, 1, r.setup.rec.completed)
}

// StartAfter delays the first operation of the first incarnation only: a
// restarted client resumes at once.
func TestClientStartAfter(t *testing.T) {
	r := newRig(t, rigOpts{startAfter: 300 * sim.Millisecond})
	require.Empty(t, r.env.Sent, "nothing before StartAfter")
	require.Empty(t, r.setup.rec.ops)
	require.Equal(t, sim.Time(300*sim.Millisecond), r.env.Timers[thinkTimer])
	r.env.Clock = sim.Time(300 * sim.Millisecond)
	r.c.Timer(thinkTimer)
	_, req := r.sent()
	require.Equal(t, uint64(1), req.seq)
	require.Len(t, r.setup.rec.ops, 1)
	require.Equal(t, int64(0), r.setup.rec.ops[0].Call, "the history stamps true simulated time, not the node's clock")

	r.restart()
	_, req = r.sent()
	require.Equal(t, uint64(1<<32+1), req.seq, "a restart does not wait again")
}

// Think time: a pause drawn from [ThinkMin, ThinkMax) before each
// operation.
func TestClientThinkTime(t *testing.T) {
	r := newRig(t, rigOpts{think: [2]sim.Duration{10 * sim.Millisecond, 20 * sim.Millisecond}})
	for i := 0; i < 3; i++ {
		require.Empty(t, r.env.Sent)
		at := r.env.Timers[thinkTimer]
		require.GreaterOrEqual(t, at, r.env.Clock.Add(10*sim.Millisecond))
		require.Less(t, at, r.env.Clock.Add(20*sim.Millisecond))
		r.env.Clock = at
		r.c.Timer(thinkTimer)
		_, req := r.sent()
		r.env.Reset()
		r.c.Receive(0, fakeAnswer{seq: req.seq})
	}
	require.False(t, r.c.finished(), "it learns the workload is done when it next thinks")
	r.c.Timer(thinkTimer)
	require.Empty(t, r.env.Sent)
	require.True(t, r.c.finished())
}

// An answer completes the operation with its output; the next operation
// goes to the server that answered. Answers to anything but the
// outstanding operation are ignored.
func TestClientRecordsAnswers(t *testing.T) {
	r := newRig(t, rigOpts{ops: 2})
	_, req := r.sent()
	r.env.Reset()
	r.c.Receive(1, fakeAnswer{seq: req.seq + 7})
	require.Empty(t, r.env.Sent, "a stale answer")
	r.c.Receive(1, fakeAnswer{seq: req.seq, out: kv.Output{Value: "v"}})
	to, req2 := r.sent()
	require.Equal(t, sim.NodeID(1), to, "stays with the server that answered")
	require.Equal(t, req.seq+1, req2.seq)
	h := r.setup.rec
	require.Equal(t, req.input, h.ops[0].Input)
	require.Equal(t, kv.Output{Value: "v"}, h.ops[0].Output)
	require.Equal(t, h.ops[0].Call+1, h.ops[0].Return, "a return in the instant of the call still has a positive interval")
	require.NoError(t, kv.Spec{}.Model().Valid(h.ops[0].Input, h.ops[0].Output))

	r.env.Reset()
	r.c.Receive(1, fakeAnswer{seq: req2.seq})
	require.Empty(t, r.env.Sent, "the workload is done")
	require.True(t, r.c.finished())
	require.NotContains(t, r.env.Timers, requestTimer)
	r.c.Receive(1, fakeAnswer{seq: req2.seq})
	r.c.Timer(requestTimer)
	require.Empty(t, r.env.Sent, "nothing outstanding: duplicates and stale timers do nothing")
	require.Equal(t, ClientStats{Ops: 2, Completed: 2}, r.c.stats)
	require.Equal(t, 2, h.completed)
}

// A message that is not a reply is counted, traced and ignored.
func TestClientRejectsWhatIsNotAReply(t *testing.T) {
	r := newRig(t, rigOpts{})
	_, req := r.sent()
	r.env.Reset()
	require.NotPanics(t, func() {
		r.c.Receive(1, fakeOther{})
		r.c.Receive(1, req) // a request is not a reply either
	})
	require.Empty(t, r.env.Sent)
	require.EqualValues(t, 2, r.c.stats.Rejected)
	require.Len(t, r.env.Logs, 2)
	require.Contains(t, r.env.Logs[0], "client ignores other{} from n1")
	require.True(t, r.c.outstanding, "the operation is still outstanding")
}

func TestClientTimerNames(t *testing.T) {
	c := &client{}
	require.Equal(t, "request", c.TimerName(requestTimer))
	require.Equal(t, "think", c.TimerName(thinkTimer))
	require.Equal(t, "backoff", c.TimerName(backoffTimer))
	require.Equal(t, "timer(9)", c.TimerName(9))
}
