package multipaxos

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// A small fault injector for this package's own tests, until network/ and
// faults/ exist: random latency (so reordering), loss, duplication, link
// cuts, crashes with torn disks, restarts, pauses and clock skew and drift.
// Checks: agreement and prefix-consistent execution after every step,
// promise monotonicity across restarts, then liveness after healing, and
// exactly-once application of every acknowledged append.

type chaosNet struct {
	latencyMax int64 // ms
	loss, dup  float64
	cut        map[[2]sim.NodeID]bool
	faultsOff  bool
}

func (n *chaosNet) Send(s *sim.Sim, from, to sim.NodeID, msg sim.Message) {
	r := s.NetworkRand()
	if n.cut[[2]sim.NodeID{from, to}] {
		s.Drop(from, to, msg, sim.CausePartition)
		return
	}
	if !n.faultsOff && r.Float64() < n.loss {
		s.Drop(from, to, msg, sim.CauseLoss)
		return
	}
	copies := 1
	if !n.faultsOff && r.Float64() < n.dup {
		copies = 2
	}
	for i := 0; i < copies; i++ {
		lat := sim.Duration(1+r.Int64N(n.latencyMax)) * sim.Millisecond
		s.Schedule(s.Now().Add(lat), from, to, msg, 0)
	}
}

func (n *chaosNet) Arrive(_ *sim.Sim, from, to sim.NodeID, _ uint32, _ bool) sim.DropCause {
	if n.cut[[2]sim.NodeID{from, to}] {
		return sim.CauseCut
	}
	return sim.CauseNone
}

type chaosOpts struct {
	replicas, clients, ops int
	mutant                 string
	faultTime              sim.Duration
}

// checker verifies safety invariants as the run goes.
type checker struct {
	c        *cluster
	decided  []Command // the one decided command per slot, as first seen
	execHash map[int]uint64
	promised []Ballot
	cursor   []int
	inc      []uint32
	err      error
}

func (k *checker) step() bool {
	for i := 0; i < k.c.n; i++ {
		r := k.c.replica(i)
		if r == nil {
			continue
		}
		if inc := k.c.s.Incarnation(sim.NodeID(i)); inc != k.inc[i] {
			k.inc[i], k.cursor[i] = inc, 0
		}
		if r.Promised().Less(k.promised[i]) {
			k.err = fmt.Errorf("n%d: promised went back from %v to %v", i, k.promised[i], r.Promised())
			return true
		}
		k.promised[i] = r.Promised()
		for ; k.cursor[i] < r.Committed(); k.cursor[i]++ {
			s := k.cursor[i]
			cmd, _ := r.DecidedAt(s)
			if s == len(k.decided) {
				k.decided = append(k.decided, cmd)
			} else if s < len(k.decided) && k.decided[s] != cmd {
				k.err = fmt.Errorf("agreement: slot %d decided %v at n%d but %v elsewhere", s, cmd, i, k.decided[s])
				return true
			} else if s > len(k.decided) {
				break // a gap in what we have seen; checked when filled
			}
		}
		if h, ok := k.execHash[r.Executed()]; !ok {
			k.execHash[r.Executed()] = r.StateHash()
		} else if h != r.StateHash() {
			k.err = fmt.Errorf("execution: n%d's state after %d slots differs from another replica's", i, r.Executed())
			return true
		}
	}
	return false
}

func runChaos(t testing.TB, seed uint64, o chaosOpts) (c *cluster, err error) {
	c = newCluster(t, clusterOpts{seed: seed, replicas: o.replicas, clients: o.clients, opsPerClient: o.ops,
		keys: 4, appendOnly: true, checked: false, cfg: Config{Mutant: o.mutant},
		ccfg: ClientConfig{ThinkTimeMin: 10 * sim.Millisecond, ThinkTimeMax: 60 * sim.Millisecond}})
	fr := c.s.FaultRand()
	net := &chaosNet{latencyMax: 1 + fr.Int64N(20), loss: fr.Float64() * 0.2, dup: fr.Float64() * 0.2, cut: map[[2]sim.NodeID]bool{}}
	c.s.SetTransport(net)
	scheduleFaults(c, net, fr, o.faultTime)
	k := &checker{c: c, execHash: map[int]uint64{}, promised: make([]Ballot, o.replicas),
		cursor: make([]int, o.replicas), inc: make([]uint32, o.replicas)}
	steps := 0
	stop := func() bool {
		steps++
		return k.step() || (c.s.Now() > sim.Time(o.faultTime) && c.allDone())
	}
	out := c.s.Run(sim.Time(o.faultTime+120*sim.Second), stop)
	switch {
	case c.s.Err() != nil:
		return c, c.s.Err()
	case k.err != nil:
		return c, k.err
	case out != sim.OutcomeStopped:
		return c, fmt.Errorf("liveness: %v at %v: %s", out, c.s.Now(), c.progress())
	}
	for i := 0; i < o.replicas; i++ {
		if err := ackedOnce(c, c.replica(i)); err != nil && c.replica(i).Executed() == len(k.decided) {
			return c, err
		}
	}
	return c, nil
}

// scheduleFaults plans random faults every ~100ms until faultTime, then
// heals the network, restarts every replica and resumes paused ones.
func scheduleFaults(c *cluster, net *chaosNet, fr *rand.Rand, faultTime sim.Duration) {
	n := c.n
	for t := sim.Duration(0); t < faultTime; t += sim.Duration(50+fr.Int64N(150)) * sim.Millisecond {
		id := sim.NodeID(fr.IntN(n))
		other := sim.NodeID(fr.IntN(n))
		kind, fate := fr.IntN(8), sim.DiskFate(fr.IntN(3))
		skew, drift := sim.Duration(fr.Int64N(800)-400)*sim.Millisecond, fr.Int64N(200_000)-100_000
		c.s.At(sim.Time(t), func() {
			switch kind {
			case 0:
				c.s.CrashWith(id, fate)
			case 1, 2:
				c.s.Restart(id)
			case 3:
				net.cut[[2]sim.NodeID{id, other}] = true
				net.cut[[2]sim.NodeID{other, id}] = true
			case 4:
				clear(net.cut)
			case 5:
				c.s.Pause(id)
			case 6:
				c.s.Resume(id)
			case 7:
				c.s.SetClock(id, skew, drift)
			}
		})
	}
	c.s.At(sim.Time(faultTime), func() {
		clear(net.cut)
		net.faultsOff = true
		for i := 0; i < n; i++ {
			c.s.Resume(sim.NodeID(i))
			c.s.Restart(sim.NodeID(i))
		}
	})
}

func ackedOnce(c *cluster, r *Replica) error {
	count := map[string]int{}
	for k := 0; k < 8; k++ {
		v, _ := r.Read(fmt.Sprintf("k%d", k))
		for _, part := range strings.SplitAfter(v, ";") {
			if part != "" {
				count[part]++
			}
		}
	}
	for _, cmd := range c.rec.acked {
		if count[cmd.Value] != 1 {
			return fmt.Errorf("acknowledged %v applied %d times at n%d", cmd, count[cmd.Value], r.ID())
		}
	}
	for v, k := range count {
		if k > 1 {
			return fmt.Errorf("%q applied %d times", v, k)
		}
	}
	return nil
}

func TestChaos(t *testing.T) {
	seeds := 40
	if testing.Short() {
		seeds = 10
	}
	var cov Coverage
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		n := 3 + 2*int(seed%2)
		c, err := runChaos(t, seed, chaosOpts{replicas: n, clients: 3, ops: 60, faultTime: 3 * sim.Second})
		require.NoError(t, err, "seed %d", seed)
		for i := 0; i < n; i++ {
			x := c.replica(i).Coverage()
			cov.Recovered += x.Recovered
			cov.GapsFilled += x.GapsFilled
			cov.CatchUpReceived += x.CatchUpReceived
			cov.DupAnswered += x.DupAnswered
			cov.DupSkipped += x.DupSkipped
		}
	}
	t.Logf("coverage over %d seeds: %+v", seeds, cov)
}

var mutantSeeds = uint64(200)

// Each mutant is caught by the checks above within a few seeds.
func TestMutantsCaught(t *testing.T) {
	for _, m := range Mutants() {
		t.Run(m.Name, func(t *testing.T) {
			for seed := uint64(1); seed <= mutantSeeds; seed++ {
				n := 3 + 2*int(seed%2)
				_, err := runChaos(t, seed, chaosOpts{replicas: n, clients: 3, ops: 60, faultTime: 3 * sim.Second, mutant: m.Name})
				if err != nil {
					var f *sim.Failure
					if errors.As(err, &f) {
						err = fmt.Errorf("panic: %v", f.Value)
					}
					t.Logf("seed %d: %v", seed, err)
					return
				}
			}
			t.Fatalf("mutant %s not caught in %d seeds", m.Name, mutantSeeds)
		})
	}
}
