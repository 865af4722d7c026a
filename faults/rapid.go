package faults

import "pgregory.net/rapid"

// tapeSource feeds a generator's choices from numbers rapid drew: one tape
// per fault, read in order, with zeros once it runs out. Every choice maps
// the number 0 to the simplest option (index 0, the low end of a range, or
// 0 itself in a range around 0), which is where rapid shrinks numbers to.
type tapeSource struct {
	tape []int
	pos  int
}

func (s *tapeSource) next() int {
	if s.pos >= len(s.tape) {
		return 0
	}
	v := s.tape[s.pos]
	s.pos++
	return v
}

func (s *tapeSource) intn(_ string, n int) int { return s.next() % n }

func (s *tapeSource) between(_ string, lo, hi int64) int64 {
	v := int64(s.next()) % (hi - lo + 1)
	if lo < 0 && hi == -lo {
		// Zig-zag around 0: 0, -1, 1, -2, 2, ... so that 0 is simplest.
		if v%2 == 1 {
			return -(v + 1) / 2
		}
		return v / 2
	}
	return lo + v
}

// tapeLen is how many numbers one fault may consume: the gap, the kind
// (twice if the first is infeasible) and at most servers+2 for its fields
// (a three-way partition: a permutation, two cuts and a coin).
func tapeLen(servers int) int { return 3 + max(6, servers+2) }

// PlanGen is a rapid generator of plans for a cluster of nodes nodes whose
// first servers are servers (cfg.Nodes and cfg.Servers are overridden).
//
// It draws the faults as a rapid slice of 0 to cfg.FaultsMax (0 means 16)
// elements, each a fixed-length tape of numbers that the same builder as
// Random turns into a fault: its gap after the previous fault in whole
// milliseconds up to 2/cfg.Rate, its kind, target and fields. The plan ends
// with a heal-all after one more gap. A slice rather than a bare count
// followed by draws, because rapid's shrinker can delete any element of a
// slice, while with a bare count it can only drop faults from the end. A
// tape rather than direct draws, because a fault's draws depend on the state
// (which servers are down), and a fixed shape keeps each fault's numbers
// its own when an earlier fault is deleted.
//
// Shrinking therefore removes faults, pulls them earlier, shortens pauses,
// clogs and downtimes, moves clocks towards true time, and prefers n0, the
// first kind enabled and fixed nodes over the leader. Generated plans are
// valid and consistent exactly as Random's are.
func PlanGen(nodes, servers int, cfg GenConfig) *rapid.Generator[Plan] {
	cfg.Nodes, cfg.Servers = nodes, servers
	cfg = cfg.normalized(16)
	n := tapeLen(cfg.Servers)
	tape := rapid.SliceOfN(rapid.IntRange(0, 1<<30), n, n)
	tapes := rapid.SliceOfN(tape, 0, cfg.FaultsMax)
	return rapid.Custom(func(t *rapid.T) Plan {
		ts := tapes.Draw(t, "faults")
		b := newBuilder(cfg, nil)
		gapMax := 2 * cfg.period()
		at := cfg.Start
		for _, tp := range ts {
			b.src = &tapeSource{tape: tp}
			at = at.Add(b.ms("gap", 0, gapMax))
			b.step(at)
		}
		b.src = &tapeSource{tape: []int{rapid.IntRange(0, 1<<30).Draw(t, "heal-gap")}}
		at = at.Add(b.ms("heal-gap", 0, gapMax))
		b.faults = append(b.faults, Fault{At: at, Kind: KindHealAll})
		return Plan{Name: "rapid", Faults: b.faults}
	})
}
