package network

import (
	"fmt"
	"strconv"

	"github.com/paxossim/paxossim/sim"
)

// Config is the network's fault model. Every field's zero value is spelled
// out; the zero Config is a perfect network with zero latency, which is legal
// but rarely what a scenario wants: start from one of the named constructors
// (Reliable, Unordered, Lossy, Flaky) and set Servers.
type Config struct {
	// LatencyMin is the smallest one-way latency of a message between two
	// distinct nodes. 0 means messages may arrive at the instant they are
	// sent (still after the sending handler returns).
	LatencyMin sim.Duration `json:"latency_min"`
	// LatencyJitter spreads latency uniformly over
	// [LatencyMin, LatencyMin+LatencyJitter). It is what reorders messages
	// on a link that is not FIFO. 0 means every message takes LatencyMin
	// (plus any tail).
	LatencyJitter sim.Duration `json:"latency_jitter"`
	// TailProb is the probability that a message gets an extra tail delay
	// drawn from a truncated Pareto distribution (alpha = 1) on
	// [TailMax/100, TailMax]: P(extra > x) ~ (TailMax/x - 1)/99. 0 means
	// no tail.
	TailProb float64 `json:"tail_prob"`
	// TailMax is the largest tail delay. It must be > 0 when TailProb > 0
	// and is ignored otherwise.
	TailMax sim.Duration `json:"tail_max"`
	// LossProb is the probability that a message between two distinct
	// nodes is lost at send (sim.CauseLoss). 0 means no random loss.
	LossProb float64 `json:"loss_prob"`
	// DupProb is the probability that a message that was not lost is
	// delivered twice; each copy draws its own latency. 0 means never.
	DupProb float64 `json:"dup_prob"`
	// FIFO makes every directed link first-in first-out: a message never
	// overtakes one sent earlier on the same link (its delivery time is the
	// later of its drawn time and the link's last scheduled time). false
	// lets latency variance reorder messages.
	FIFO bool `json:"fifo"`
	// CapacityPerLink bounds the messages in flight (scheduled or held by a
	// clog, not yet arrived) on one directed link; a message sent on a full
	// link is dropped (sim.CauseOverflow). 0 means unlimited.
	CapacityPerLink int `json:"capacity_per_link"`
	// Servers is the number of server nodes, which have ids
	// 0..Servers-1; the other nodes are clients. Isolate and MajoritiesRing
	// cut links among servers only. 0 means every node is a server.
	Servers int `json:"servers"`
	// InFlightSurvivesCut lets a message already in flight on a link when
	// the link is cut arrive anyway, as a packet already on the wire or in
	// a socket buffer does; false drops it at arrival (sim.CauseCut). New
	// messages on a cut link are dropped at send either way. Delivering
	// them is what lets a stale acknowledgement cross a partition.
	InFlightSurvivesCut bool `json:"in_flight_survives_cut"`
}

// Fixed parameters of the model that are not worth a knob.
const (
	// LoopbackLatency is the latency of a self-send (from == to). Loopback
	// is never lost, duplicated, partitioned, clogged or capacity-limited.
	LoopbackLatency = 10 * sim.Microsecond
	// ClogSpread is the window after a clog's release over which its held
	// messages are delivered: late and bunched together.
	ClogSpread = 100 * sim.Microsecond
	// LatencyLimit bounds each latency field (LatencyMin, LatencyJitter,
	// TailMax), so that no sum of them can overflow simulated time.
	LatencyLimit = 100 * 24 * 3600 * sim.Second
	// tailRange is the ratio TailMax / (smallest tail delay).
	tailRange = 100
)

// Reliable is a network that never loses, duplicates or reorders: 1 to 2 ms
// latency on FIFO links, like TCP connections that never break.
func Reliable() Config {
	return Config{LatencyMin: sim.Millisecond, LatencyJitter: sim.Millisecond, FIFO: true}
}

// Unordered is a network that never loses or duplicates but reorders: 1 to
// 5 ms latency, not FIFO, with a 1% tail up to 100 ms.
func Unordered() Config {
	return Config{
		LatencyMin:    sim.Millisecond,
		LatencyJitter: 4 * sim.Millisecond,
		TailProb:      0.01,
		TailMax:       100 * sim.Millisecond,
	}
}

// Lossy is Unordered with every message lost with probability p. Validate
// rejects a p outside [0, 1].
func Lossy(p float64) Config {
	c := Unordered()
	c.LossProb = p
	return c
}

// Flaky is a hostile datagram network: 5% loss, 2% duplication, reordering,
// and a 5% tail up to 500 ms.
func Flaky() Config {
	return Config{
		LatencyMin:    sim.Millisecond,
		LatencyJitter: 9 * sim.Millisecond,
		TailProb:      0.05,
		TailMax:       500 * sim.Millisecond,
		LossProb:      0.05,
		DupProb:       0.02,
	}
}

// Validate reports a configuration that cannot describe a network of the
// given number of nodes. Each error names the field and its bad value.
func (c Config) Validate(nodes int) error {
	if nodes < 1 {
		return fmt.Errorf("network: nodes = %d: must be >= 1", nodes)
	}
	for _, f := range [...]struct {
		name string
		d    sim.Duration
	}{{"LatencyMin", c.LatencyMin}, {"LatencyJitter", c.LatencyJitter}, {"TailMax", c.TailMax}} {
		if f.d < 0 {
			return fmt.Errorf("network: %s = %v: must be >= 0", f.name, f.d)
		}
		if f.d > LatencyLimit {
			return fmt.Errorf("network: %s = %v: must be <= %v", f.name, f.d, LatencyLimit)
		}
	}
	for _, f := range [...]struct {
		name string
		p    float64
	}{{"TailProb", c.TailProb}, {"LossProb", c.LossProb}, {"DupProb", c.DupProb}} {
		// Written so that NaN fails too.
		if !(f.p >= 0 && f.p <= 1) {
			return fmt.Errorf("network: %s = %v: must be in [0, 1]", f.name, f.p)
		}
	}
	if c.TailProb > 0 && c.TailMax == 0 {
		return fmt.Errorf("network: TailMax = 0 with TailProb = %v: must be > 0 when TailProb > 0", c.TailProb)
	}
	if c.CapacityPerLink < 0 {
		return fmt.Errorf("network: CapacityPerLink = %d: must be >= 0 (0 means unlimited)", c.CapacityPerLink)
	}
	if c.Servers < 0 || c.Servers > nodes {
		return fmt.Errorf("network: Servers = %d: must be in [0, %d] (the number of nodes; 0 means all)", c.Servers, nodes)
	}
	return nil
}

// String prints every parameter on one line, for a run's seed= block:
//
//	latency=1.000ms+[0,4.000ms) tail=0.01*100.000ms loss=0 dup=0 fifo=false cap=0 servers=3
//
// Probabilities print in Go's shortest exact form, so the line is the same
// on every machine.
func (c Config) String() string {
	b := make([]byte, 0, 128)
	b = append(b, "latency="...)
	b = append(b, c.LatencyMin.String()...)
	b = append(b, "+[0,"...)
	b = append(b, c.LatencyJitter.String()...)
	b = append(b, ") tail="...)
	b = strconv.AppendFloat(b, c.TailProb, 'g', -1, 64)
	b = append(b, '*')
	b = append(b, c.TailMax.String()...)
	b = append(b, " loss="...)
	b = strconv.AppendFloat(b, c.LossProb, 'g', -1, 64)
	b = append(b, " dup="...)
	b = strconv.AppendFloat(b, c.DupProb, 'g', -1, 64)
	b = append(b, " fifo="...)
	b = strconv.AppendBool(b, c.FIFO)
	b = append(b, " cap="...)
	b = strconv.AppendInt(b, int64(c.CapacityPerLink), 10)
	b = append(b, " servers="...)
	b = strconv.AppendInt(b, int64(c.Servers), 10)
	if c.InFlightSurvivesCut {
		b = append(b, " in-flight-survives-cut"...)
	}
	return string(b)
}
