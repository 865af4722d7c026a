package sim

// PCT is probabilistic concurrency testing (Burckhardt et al., ASPLOS
// 2010) over the kernel's events, in the form Shuttle and Coyote use:
// every node gets a random priority, and among the events that may run next
// the one whose owner has the highest priority runs first; at d-1 random
// points of the run the owner of the event just chosen drops below every
// initial priority. A bug that needs d specific orderings is found with
// probability at least 1/(n k^(d-1)) per run, where uniform random sampling
// can be exponentially worse.
//
// The owner of a delivery is its sender (priorities per message source) and
// of a timer its node. Events are real-time: a candidate is any event due
// within Window of the earliest pending one, so a high-priority event
// overtakes lower ones by at most Window of simulated time, and the ones
// it overtook run late. Window 0 reorders only events due at the same
// instant.
//
// Every draw comes from the run's seed, on a stream of its own: the
// priorities and change points of a seed are fixed, and the other streams
// (nodes, network, faults) are untouched by them.
type PCT struct {
	window Duration
	prio   []int64
	// change holds the choice numbers at which a priority changes,
	// ascending; next indexes the next one.
	change []int64
	next   int
	count  int64
}

// NewPCT draws a PCT schedule for nodes nodes: depth d (d-1 change points
// spread over the first steps choices) and the given window.
func NewPCT(seed uint64, nodes, depth int, steps int64, window Duration) *PCT {
	r := NewStream(seed, domainSchedule, 0, 0)
	p := &PCT{window: window, prio: make([]int64, nodes)}
	// Initial priorities d..d+nodes-1, a random permutation; the change
	// points lower an owner to d-1, d-2, ..., 1, below all of them.
	for i, j := range r.Perm(nodes) {
		p.prio[i] = int64(depth + j)
	}
	for range depth - 1 {
		p.change = append(p.change, 1+r.Int64N(steps))
	}
	// Insertion sort: d is small.
	for i := 1; i < len(p.change); i++ {
		for j := i; j > 0 && p.change[j] < p.change[j-1]; j-- {
			p.change[j], p.change[j-1] = p.change[j-1], p.change[j]
		}
	}
	return p
}

// Window implements Chooser.
func (p *PCT) Window() Duration { return p.window }

// Choose implements Chooser: the candidate whose owner has the highest
// priority, the earliest of that owner's.
func (p *PCT) Choose(_ *Sim, cands []Candidate) Choice {
	best := 0
	for i := 1; i < len(cands); i++ {
		pi, pb := p.priority(&cands[i]), p.priority(&cands[best])
		if pi > pb || pi == pb && cands[i].At < cands[best].At {
			best = i
		}
	}
	p.count++
	for p.next < len(p.change) && p.change[p.next] <= p.count {
		p.next++
		if o := p.owner(&cands[best]); o >= 0 {
			p.prio[o] = int64(len(p.change) - p.next + 1)
		}
	}
	return Choice{Kind: ChooseRun, Index: best}
}

func (p *PCT) owner(c *Candidate) int {
	o := int(c.From)
	if c.Kind == EventTimer {
		o = int(c.To)
	}
	if o < 0 || o >= len(p.prio) {
		return -1
	}
	return o
}

func (p *PCT) priority(c *Candidate) int64 {
	if o := p.owner(c); o >= 0 {
		return p.prio[o]
	}
	return 0
}

// Coin implements Chooser: the default flip, from the network stream.
func (*PCT) Coin(s *Sim, _ CoinKind, p float64) bool { return s.netRand.Float64() < p }
