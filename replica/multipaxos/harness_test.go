package multipaxos

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// mixWorkload issues n operations on a few keys: gets, puts and appends.
// Every written value is unique (client and op number), so a test can tell
// exactly which writes survived and how often each was applied.
type mixWorkload struct {
	client, n, keys, i int
	appendOnly         bool
}

func (w *mixWorkload) Next(r *rand.Rand) (Command, bool) {
	if w.i >= w.n {
		return Command{}, false
	}
	w.i++
	k := fmt.Sprintf("k%d", r.IntN(w.keys))
	v := fmt.Sprintf("c%d.%d;", w.client, w.i)
	if w.appendOnly {
		return Append(k, v), true
	}
	switch r.IntN(4) {
	case 0:
		return Get(k), true
	case 1:
		return Put(k, v), true
	default:
		return Append(k, v), true
	}
}

// ackRecorder keeps the operations that got a response.
type ackRecorder struct {
	invoked, returned int
	acked             []Command
}

func (a *ackRecorder) Invoke(sim.NodeID, uint64, Command) { a.invoked++ }
func (a *ackRecorder) Return(_ sim.NodeID, _ uint64, cmd Command, _ Result) {
	a.returned++
	a.acked = append(a.acked, cmd)
}

// cluster is a kernel run with N replicas (ids 0..N-1) and some clients.
type cluster struct {
	t        testing.TB
	s        *sim.Sim
	n        int
	clients  []sim.NodeID
	rec      *ackRecorder
	workload []*mixWorkload
}

type clusterOpts struct {
	seed                uint64
	replicas, clients   int
	opsPerClient, keys  int
	appendOnly, checked bool
	cfg                 Config
	ccfg                ClientConfig
}

func newCluster(t testing.TB, o clusterOpts) *cluster {
	t.Helper()
	s, err := sim.New(sim.Config{Seed: o.seed, Checked: o.checked})
	require.NoError(t, err)
	o.cfg.N = o.replicas
	f, err := New(o.cfg)
	require.NoError(t, err)
	c := &cluster{t: t, s: s, n: o.replicas, rec: &ackRecorder{}}
	for i := 0; i < o.replicas; i++ {
		s.AddNode(f)
	}
	for i := 0; i < o.clients; i++ {
		w := &mixWorkload{client: o.replicas + i, n: o.opsPerClient, keys: max(o.keys, 1), appendOnly: o.appendOnly}
		cc := o.ccfg
		cc.N, cc.Workload, cc.Recorder = o.replicas, w, c.rec
		cf, err := NewClient(cc)
		require.NoError(t, err)
		c.clients = append(c.clients, s.AddNode(cf))
		c.workload = append(c.workload, w)
	}
	for id := 0; id < s.NumNodes(); id++ {
		s.Start(sim.NodeID(id))
	}
	return c
}

func (c *cluster) replica(i int) *Replica {
	n, _ := c.s.Node(sim.NodeID(i)).(*Replica)
	return n
}

func (c *cluster) client(i int) *Client {
	n, _ := c.s.Node(c.clients[i]).(*Client)
	return n
}

func (c *cluster) leader() int {
	for i := 0; i < c.n; i++ {
		if r := c.replica(i); r != nil && r.IsLeader() {
			return i
		}
	}
	return -1
}

func (c *cluster) allDone() bool {
	for i := range c.clients {
		if cl := c.client(i); cl == nil || !cl.Done() {
			return false
		}
	}
	return true
}

// runUntilDone runs until every client is done, failing at deadline.
func (c *cluster) runUntilDone(deadline sim.Time) {
	c.t.Helper()
	out := c.s.Run(deadline, c.allDone)
	require.NoError(c.t, c.s.Err(), "outcome %v", out)
	require.Equal(c.t, sim.OutcomeStopped, out, "clients not done by %v: %s", deadline, c.progress())
}

// settle runs d more simulated time (heartbeats spread the commit point).
func (c *cluster) settle(d sim.Duration) {
	c.t.Helper()
	out := c.s.Run(c.s.Now().Add(d), nil)
	require.NoError(c.t, c.s.Err(), "outcome %v", out)
}

func (c *cluster) progress() string {
	var b strings.Builder
	for i := 0; i < c.n; i++ {
		if r := c.replica(i); r != nil {
			fmt.Fprintf(&b, "n%d{%v commit=%d exec=%d promised=%v} ", i, r.role, r.Committed(), r.Executed(), r.Promised())
		} else {
			fmt.Fprintf(&b, "n%d{down} ", i)
		}
	}
	for i := range c.clients {
		if cl := c.client(i); cl != nil {
			fmt.Fprintf(&b, "c%d%+v ", c.clients[i], cl.Stats())
		}
	}
	return b.String()
}

// checkConverged asserts that every replica decided and executed the same
// log and holds the same state.
func (c *cluster) checkConverged() {
	c.t.Helper()
	r0 := c.replica(0)
	require.NotNil(c.t, r0)
	for i := 1; i < c.n; i++ {
		ri := c.replica(i)
		require.NotNil(c.t, ri)
		require.Equal(c.t, r0.Committed(), ri.Committed(), "commit points: %s", c.progress())
		require.Equal(c.t, r0.Executed(), ri.Executed(), "executed: %s", c.progress())
		for s := 0; s < r0.Committed(); s++ {
			a, _ := r0.DecidedAt(s)
			b, ok := ri.DecidedAt(s)
			require.True(c.t, ok)
			require.Equal(c.t, a, b, "slot %d", s)
		}
		require.Equal(c.t, r0.StateHash(), ri.StateHash(), "state hash of n%d", i)
	}
}

// checkAcked asserts that every acknowledged append is in the state exactly
// once and that no append was applied twice (appended values are unique).
func (c *cluster) checkAcked(r *Replica) {
	c.t.Helper()
	count := map[string]int{}
	for k := 0; k < 64; k++ {
		v, _ := r.Read(fmt.Sprintf("k%d", k))
		for _, part := range strings.SplitAfter(v, ";") {
			if part != "" {
				count[part]++
			}
		}
	}
	for v, n := range count {
		require.Equal(c.t, 1, n, "value %q applied %d times", v, n)
	}
	for _, cmd := range c.rec.acked {
		if cmd.Op == OpAppend {
			require.Equal(c.t, 1, count[cmd.Value], "acknowledged %v lost", cmd)
		}
	}
}
