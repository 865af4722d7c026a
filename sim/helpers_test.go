package sim_test

import (
	"fmt"

	"github.com/paxossim/paxossim/sim"
)

// ping is the test message: a counter and the hop it travelled.
type ping struct {
	N    uint64
	Note string
}

func (p ping) Digest() uint64 { return sim.Mix(p.N, sim.HashString(p.Note)) }
func (p ping) String() string { return fmt.Sprintf("Ping{n=%d note=%q}", p.N, p.Note) }

const (
	tickTimer sim.TimerTag = iota
	slowTimer
)

// pinger is a small protocol for kernel tests: on every tick it sends a ping
// to a random peer, and every received ping is echoed back once (N+1) until
// N reaches a bound. It logs what it sees into log (shared by the test, not
// by the nodes, so it survives crashes) and keeps a counter on disk.
type pinger struct {
	env     sim.Env
	peers   int
	tick    sim.Duration
	maxHops uint64
	log     *[]string
	got     int
}

func (p *pinger) Start(env sim.Env) {
	p.env = env
	if v, ok, _ := env.Disk().Read("boots"); ok {
		env.Disk().Write("boots", append([]byte(nil), append(v, 'x')...))
	} else {
		env.Disk().Write("boots", []byte("x"))
	}
	env.Disk().Sync()
	if p.tick > 0 {
		env.SetTimer(tickTimer, p.tick+sim.Duration(env.Rand().Int64N(int64(p.tick))))
	}
}

func (p *pinger) Receive(from sim.NodeID, msg sim.Message) {
	m := msg.(ping)
	p.got++
	if p.log != nil {
		*p.log = append(*p.log, fmt.Sprintf("%v<-%v %d @%v", p.env.ID(), from, m.N, p.env.Now()))
	}
	if m.N < p.maxHops {
		p.env.Send(from, ping{N: m.N + 1, Note: m.Note})
	}
}

func (p *pinger) Timer(tag sim.TimerTag) {
	switch tag {
	case tickTimer:
		to := sim.NodeID(p.env.Rand().IntN(p.peers))
		p.env.Send(to, ping{N: 0, Note: "tick"})
		p.env.SetTimer(tickTimer, p.tick+sim.Duration(p.env.Rand().Int64N(int64(p.tick))))
	case slowTimer:
		if p.log != nil {
			*p.log = append(*p.log, fmt.Sprintf("%v slow @%v", p.env.ID(), p.env.Now()))
		}
	}
}

func (p *pinger) TimerName(t sim.TimerTag) string {
	return [...]string{"tick", "slow"}[t]
}

// jitter is a test transport with random latency from the network stream,
// so that determinism tests exercise reordering.
type jitter struct{}

func (jitter) Send(s *sim.Sim, from, to sim.NodeID, msg sim.Message) {
	r := s.NetworkRand()
	if r.IntN(20) == 0 {
		s.Drop(from, to, msg, sim.CauseLoss)
		return
	}
	s.Schedule(s.Now().Add(sim.Duration(100_000+r.Int64N(2_000_000))), from, to, msg, 0)
}

func (jitter) Arrive(_ *sim.Sim, _, _ sim.NodeID, _ uint32, _ bool) sim.DropCause {
	return sim.CauseNone
}

// newPingCluster builds n pingers on a jittery network and starts them.
func newPingCluster(seed uint64, n int, cfg sim.Config) *sim.Sim {
	cfg.Seed = seed
	s, err := sim.New(cfg)
	if err != nil {
		panic(err)
	}
	s.SetTransport(jitter{})
	for i := 0; i < n; i++ {
		s.AddNode(func(sim.NodeID) sim.Node {
			return &pinger{peers: n, tick: 5 * sim.Millisecond, maxHops: 3}
		})
	}
	for i := 0; i < n; i++ {
		s.Start(sim.NodeID(i))
	}
	return s
}
