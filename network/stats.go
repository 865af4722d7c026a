package network

import (
	"fmt"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// LinkStats counts what happened to the messages of one directed link, or of
// all links together. Every copy of a message ends in exactly one of
// Delivered or Dropped, or is still InFlight:
//
//	Sent + Duplicated == Delivered + DroppedTotal() + InFlight
type LinkStats struct {
	// Sent counts the messages handed to the network (one per Env.Send).
	Sent int64
	// Duplicated counts the extra copies made by duplication.
	Duplicated int64
	// Delivered counts the copies handed to a running receiver.
	Delivered int64
	// Dropped counts the copies dropped, indexed by cause: at send
	// (CausePartition, CauseLoss, CauseOverflow) or at arrival (CauseCut,
	// CauseDown). Dropped[sim.CauseNone] is always 0.
	Dropped [sim.NumDropCauses]int64
	// InFlight counts the copies scheduled or held by a clog that have not
	// arrived yet.
	InFlight int64
}

// DroppedTotal is the number of copies dropped for any cause.
func (ls LinkStats) DroppedTotal() int64 {
	var t int64
	for _, d := range ls.Dropped {
		t += d
	}
	return t
}

// add adds o into ls.
func (ls *LinkStats) add(o *LinkStats) {
	ls.Sent += o.Sent
	ls.Duplicated += o.Duplicated
	ls.Delivered += o.Delivered
	for c := range ls.Dropped {
		ls.Dropped[c] += o.Dropped[c]
	}
	ls.InFlight += o.InFlight
}

// Stats is a snapshot of the network's counters, per directed link and in
// total.
type Stats struct {
	// Total sums every link, loopback included.
	Total LinkStats
	nodes int
	links []LinkStats // [from*nodes+to]
}

// Stats returns a snapshot of the counters. It copies them, so it is for
// reports and tests, not for a hot path.
func (n *Network) Stats() Stats {
	st := Stats{nodes: n.n, links: make([]LinkStats, len(n.links))}
	for i := range n.links {
		st.links[i] = n.links[i].stats
		st.Total.add(&st.links[i])
	}
	return st
}

// Nodes is the number of nodes the snapshot covers.
func (st Stats) Nodes() int { return st.nodes }

// Link returns the counters of the directed link from -> to; the zero
// LinkStats for an id outside the network.
func (st Stats) Link(from, to sim.NodeID) LinkStats {
	if from < 0 || int(from) >= st.nodes || to < 0 || int(to) >= st.nodes {
		return LinkStats{}
	}
	return st.links[int(from)*st.nodes+int(to)]
}

// String prints the snapshot as a table: one row per link that carried a
// message, in (from, to) order, then the total. Drop columns are the
// causes, in sim.DropCause order.
//
//	link       sent   dup  deliv   down   loss  partition  cut-in-flight  overflow  inflight
//	n0->n1       10     0      9      0      1          0              0         0         0
func (st Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %8s %6s %8s", "link", "sent", "dup", "deliv")
	for c := 1; c < sim.NumDropCauses; c++ {
		fmt.Fprintf(&b, " %*s", max(8, len(sim.DropCause(c).String())), sim.DropCause(c).String())
	}
	fmt.Fprintf(&b, " %8s\n", "inflight")
	row := func(name string, ls *LinkStats) {
		fmt.Fprintf(&b, "%-10s %8d %6d %8d", name, ls.Sent, ls.Duplicated, ls.Delivered)
		for c := 1; c < sim.NumDropCauses; c++ {
			fmt.Fprintf(&b, " %*d", max(8, len(sim.DropCause(c).String())), ls.Dropped[c])
		}
		fmt.Fprintf(&b, " %8d\n", ls.InFlight)
	}
	for i := range st.links {
		ls := &st.links[i]
		if ls.Sent == 0 && ls.InFlight == 0 {
			continue
		}
		from, to := sim.NodeID(i/st.nodes), sim.NodeID(i%st.nodes)
		row(from.String()+"->"+to.String(), ls)
	}
	row("total", &st.Total)
	return b.String()
}
