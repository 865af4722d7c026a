package network_test

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/sim"
)

// The test protocol: a probe node sends Pings on a schedule and, when asked
// to, answers each Ping with a Pong. Every delivery is recorded in the world,
// on true time, so tests can check latency, order, loss and duplication.

type ping struct {
	Seq  int
	Sent sim.Time // the sender's clock at send; clocks are not skewed here
}

func (m ping) Digest() uint64 { return sim.Mix(1, uint64(m.Seq), uint64(m.Sent)) }
func (m ping) String() string {
	return "Ping{seq=" + strconv.Itoa(m.Seq) + " sent=" + m.Sent.String() + "}"
}

type pong struct{ Seq int }

func (m pong) Digest() uint64 { return sim.Mix(2, uint64(m.Seq)) }
func (m pong) String() string { return "Pong{seq=" + strconv.Itoa(m.Seq) + "}" }

// plan is what one probe sends: rounds rounds, one every every (the first
// at Start; every = 0 sends all rounds at Start), each round burst messages
// to every target.
type plan struct {
	targets []sim.NodeID
	rounds  int
	every   sim.Duration
	burst   int // 0 means 1
	echo    bool
}

type delivery struct {
	At       sim.Time
	From, To sim.NodeID
	Seq      int
	Sent     sim.Time
	Pong     bool
}

// Latency is the delivery's one-way latency.
func (d delivery) Latency() sim.Duration { return d.At.Sub(d.Sent) }

type world struct {
	t     testing.TB
	s     *sim.Sim
	net   *network.Network
	trace *bytes.Buffer
	got   []delivery
}

const tickTimer sim.TimerTag = 0

type probe struct {
	w    *world
	env  sim.Env
	p    plan
	sent int // rounds sent
	seq  int
}

func (p *probe) Start(env sim.Env) {
	p.env = env
	if p.p.rounds == 0 {
		return
	}
	if p.p.every == 0 {
		for p.sent < p.p.rounds {
			p.round()
		}
		return
	}
	p.round()
	if p.sent < p.p.rounds {
		env.SetTimer(tickTimer, p.p.every)
	}
}

func (p *probe) Timer(sim.TimerTag) {
	p.round()
	if p.sent < p.p.rounds {
		p.env.SetTimer(tickTimer, p.p.every)
	}
}

func (p *probe) round() {
	burst := max(p.p.burst, 1)
	for range burst {
		for _, to := range p.p.targets {
			p.env.Send(to, ping{Seq: p.seq, Sent: p.env.Now()})
		}
		p.seq++
	}
	p.sent++
}

func (p *probe) Receive(from sim.NodeID, msg sim.Message) {
	d := delivery{At: p.w.s.Now(), From: from, To: p.env.ID()}
	switch m := msg.(type) {
	case ping:
		d.Seq, d.Sent = m.Seq, m.Sent
		if p.p.echo {
			p.env.Send(from, pong{Seq: m.Seq})
		}
	case pong:
		d.Seq, d.Pong = m.Seq, true
	}
	p.w.got = append(p.w.got, d)
}

// newWorld builds a simulation with one probe per plan and the network
// installed, but not started, so a test can set up faults first.
func newWorld(t testing.TB, seed uint64, cfg network.Config, plans []plan) *world {
	t.Helper()
	w := &world{t: t, trace: &bytes.Buffer{}}
	// Checked mode proves the network hands every message over unchanged.
	s, err := sim.New(sim.Config{Seed: seed, Trace: w.trace, Checked: true})
	require.NoError(t, err)
	w.s = s
	for i := range plans {
		p := plans[i]
		s.AddNode(func(sim.NodeID) sim.Node { return &probe{w: w, p: p} })
	}
	w.net, err = network.New(s, len(plans), cfg)
	require.NoError(t, err)
	return w
}

// start boots every node at the current time.
func (w *world) start() {
	for i := range w.s.NumNodes() {
		w.s.Start(sim.NodeID(i))
	}
}

// run starts the nodes and runs to idle, requiring a normal end.
func (w *world) run() {
	w.t.Helper()
	w.start()
	w.runIdle()
}

func (w *world) runIdle() {
	w.t.Helper()
	out := w.s.Run(sim.Time(30*sim.Second), nil)
	require.NoError(w.t, w.s.Err())
	require.Equal(w.t, sim.OutcomeIdle, out, "the run should drain its queue")
}

// on returns the deliveries of pings on the link from -> to, in delivery
// order.
func (w *world) on(from, to sim.NodeID) []delivery {
	var out []delivery
	for _, d := range w.got {
		if d.From == from && d.To == to && !d.Pong {
			out = append(out, d)
		}
	}
	return out
}

// allTo returns plans for n nodes where every node sends rounds pings to
// every other node.
func allTo(n, rounds int, every sim.Duration) []plan {
	plans := make([]plan, n)
	for i := range plans {
		for j := range n {
			if j != i {
				plans[i].targets = append(plans[i].targets, sim.NodeID(j))
			}
		}
		plans[i].rounds = rounds
		plans[i].every = every
	}
	return plans
}

// ids is shorthand for a group of node ids.
func ids(xs ...int) []sim.NodeID {
	out := make([]sim.NodeID, len(xs))
	for i, x := range xs {
		out[i] = sim.NodeID(x)
	}
	return out
}

// requireBalanced checks the accounting identity on every link and in
// total, and that the network's totals agree with the kernel's counters.
func requireBalanced(t testing.TB, w *world) {
	t.Helper()
	st := w.net.Stats()
	n := st.Nodes()
	for from := range n {
		for to := range n {
			ls := st.Link(sim.NodeID(from), sim.NodeID(to))
			require.Equal(t, ls.Sent+ls.Duplicated, ls.Delivered+ls.DroppedTotal()+ls.InFlight,
				"link n%d->n%d: %+v", from, to, ls)
			require.Zero(t, ls.Dropped[sim.CauseNone])
		}
	}
	tot := st.Total
	require.Equal(t, tot.Sent+tot.Duplicated, tot.Delivered+tot.DroppedTotal()+tot.InFlight, "total: %+v", tot)
	ks := w.s.Stats()
	require.Equal(t, ks.Delivered, tot.Delivered, "kernel and network disagree on deliveries")
	require.Equal(t, ks.Dropped, tot.Dropped, "kernel and network disagree on drops")
	require.Equal(t, int64(len(w.got)), tot.Delivered, "the probes saw every delivery")
}
