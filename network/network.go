package network

import (
	"fmt"
	"math/bits"

	"github.com/paxossim/paxossim/sim"
)

// Network is the simulated network of one run. It implements sim.Transport.
// Like the Sim it belongs to, it is used by one goroutine.
type Network struct {
	s       *sim.Sim
	cfg     Config
	n       int // nodes
	servers int // nodes 0..servers-1 are servers
	links   []link
	// held holds the messages of clogged links, by link index (nil while
	// none holds any): apart from the links, which hold no pointer, so
	// that a snapshot copies them as plain memory (clone.go).
	held map[int][]heldMsg
}

var _ sim.Transport = (*Network)(nil)

// link is the state of one directed link from -> to, at links[from*n+to].
// Keeping it in one struct keeps Send and Arrive on one cache line or two.
type link struct {
	stats LinkStats
	// lastAt is the latest delivery time scheduled on the link; a FIFO link
	// never schedules a message before it.
	lastAt sim.Time
	// epoch counts the times the link was cut. A message carries the epoch
	// of its send as its token, so a message that was in flight across a
	// cut is dropped at arrival even if the link has healed since.
	epoch   uint32
	cut     bool
	clogged bool
	// clogGen identifies the current clog, so that the release scheduled by
	// an earlier Clog call does nothing.
	clogGen uint32
}

// heldMsg is a message held by a clogged link, with the epoch it was sent in.
type heldMsg struct {
	msg   sim.Message
	token uint32
}

// New returns a network of nodes nodes (servers and clients) with the given
// fault model and installs it as s's transport. It must be installed before
// any node sends a message. Every random choice it makes is drawn from
// s.NetworkRand().
func New(s *sim.Sim, nodes int, cfg Config) (*Network, error) {
	if err := cfg.Validate(nodes); err != nil {
		return nil, err
	}
	servers := cfg.Servers
	if servers == 0 {
		servers = nodes
	}
	n := &Network{s: s, cfg: cfg, n: nodes, servers: servers, links: make([]link, nodes*nodes)}
	s.SetTransport(n)
	return n, nil
}

// Config returns the network's configuration.
func (n *Network) Config() Config { return n.cfg }

// Nodes is the number of nodes (servers and clients) the network connects.
func (n *Network) Nodes() int { return n.n }

// Servers is the number of server nodes; ids 0..Servers()-1 are servers.
func (n *Network) Servers() int { return n.servers }

func (n *Network) link(from, to sim.NodeID) *link {
	if from < 0 || int(from) >= n.n || to < 0 || int(to) >= n.n {
		panic(fmt.Sprintf("network: link %v->%v outside the network's %d nodes", from, to, n.n))
	}
	return &n.links[int(from)*n.n+int(to)]
}

// Send implements sim.Transport. The decisions are made in a fixed order,
// each drawing from the network stream only when its probability is > 0:
// loopback, cut (CausePartition), loss (CauseLoss), duplication, then per
// copy capacity (CauseOverflow) and latency or clog.
func (n *Network) Send(s *sim.Sim, from, to sim.NodeID, msg sim.Message) {
	l := n.link(from, to)
	l.stats.Sent++
	if from == to {
		l.stats.InFlight++
		s.Schedule(s.Now().Add(LoopbackLatency), from, to, msg, l.epoch)
		return
	}
	if l.cut {
		l.stats.Dropped[sim.CausePartition]++
		s.Drop(from, to, msg, sim.CausePartition)
		return
	}
	// Loss and duplication are choices of the run: they go through the
	// kernel's chooser, which by default flips them from the network stream.
	if n.cfg.LossProb > 0 && s.Coin(sim.CoinLoss, n.cfg.LossProb) {
		l.stats.Dropped[sim.CauseLoss]++
		s.Drop(from, to, msg, sim.CauseLoss)
		return
	}
	copies := 1
	if n.cfg.DupProb > 0 && s.Coin(sim.CoinDup, n.cfg.DupProb) {
		copies = 2
		l.stats.Duplicated++
	}
	for range copies {
		if n.cfg.CapacityPerLink > 0 && l.stats.InFlight >= int64(n.cfg.CapacityPerLink) {
			l.stats.Dropped[sim.CauseOverflow]++
			s.Drop(from, to, msg, sim.CauseOverflow)
			continue
		}
		l.stats.InFlight++
		if l.clogged {
			if n.held == nil {
				n.held = map[int][]heldMsg{}
			}
			i := int(from)*n.n + int(to)
			n.held[i] = append(n.held[i], heldMsg{msg: msg, token: l.epoch})
			continue
		}
		at := s.Now().Add(n.latency())
		if n.cfg.FIFO {
			at = max(at, l.lastAt)
			l.lastAt = at
		}
		s.Schedule(at, from, to, msg, l.epoch)
	}
}

// latency draws one message's latency from the network stream.
//
// It uses integer arithmetic only. A float formula such as
// min + jitter*u + tail*f(u) would be evaluated with fused multiply-adds on
// some architectures (arm64, ppc64, s390x) and not on others (amd64), which
// can round differently and so give a seed different runs on different
// machines. Comparing r.Float64() with a probability is exact everywhere
// (Float64 is an integer scaled by a power of two), so only that is allowed.
func (n *Network) latency() sim.Duration {
	r := n.s.NetworkRand()
	d := n.cfg.LatencyMin
	if n.cfg.LatencyJitter > 0 {
		d += sim.Duration(r.Int64N(int64(n.cfg.LatencyJitter)))
	}
	if n.cfg.TailProb > 0 && r.Float64() < n.cfg.TailProb {
		d += paretoTail(n.cfg.TailMax, uint64(r.Int64N(tailSteps*(tailRange-1)+1)))
	}
	return d
}

// tailSteps is the resolution of the tail draw: the divisor v runs over
// [tailSteps, tailSteps*tailRange] so that the largest delays, near TailMax,
// are spaced about TailMax/tailSteps apart instead of TailMax/2.
const tailSteps = 1 << 10

// paretoTail maps a uniform integer u in [0, tailSteps*(tailRange-1)] to a
// delay max*tailSteps/(tailSteps+u) in [max/tailRange, max]: the inverse CDF
// of a Pareto distribution with alpha = 1 truncated at max. The product is
// computed in 128 bits, so no max within LatencyLimit can overflow.
func paretoTail(max sim.Duration, u uint64) sim.Duration {
	if max <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(max), tailSteps)
	q, _ := bits.Div64(hi, lo, tailSteps+u)
	return sim.Duration(q)
}

// Arrive implements sim.Transport. A message is dropped with CauseCut if its
// link was cut at any time since it was sent, else with CauseDown if the
// receiver is down, else delivered. Loopback is never cut.
//
// Comparing the epoch alone covers a link that is cut now: no message is
// scheduled on a cut link, so every message in flight on it was sent before
// the cut that bumped the epoch.
func (n *Network) Arrive(_ *sim.Sim, from, to sim.NodeID, token uint32, receiverUp bool) sim.DropCause {
	l := n.link(from, to)
	if l.stats.InFlight <= 0 {
		panic(fmt.Sprintf("network: arrival on %v->%v with nothing in flight: was the network installed after messages were sent?", from, to))
	}
	l.stats.InFlight--
	if from != to && l.epoch != token {
		l.stats.Dropped[sim.CauseCut]++
		return sim.CauseCut
	}
	if !receiverUp {
		l.stats.Dropped[sim.CauseDown]++
		return sim.CauseDown
	}
	l.stats.Delivered++
	return sim.CauseNone
}
