package scenarios

import (
	"cmp"
	"slices"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/sim"
)

// Overlay lays a nemesis pattern over a share of a scenario's seeds: on
// one seed in Every, one of Nemeses (drawn) runs through the fault phase
// together with the scenario's own faults. Swarm testing draws fault kinds
// independently, which almost never composes the few faults a pattern
// aims together (a server made deaf for seconds and then stalled, the
// leader cut one way); the overlay lets a broad scenario such as chaos
// reach the bugs only a pattern finds. It draws from a stream of its own,
// so the seeds it leaves alone are the runs they were without it.
type Overlay struct {
	Every   int
	Nemeses []string
}

// overlayStream is the overlay's own stream of a seed ("ovly").
const overlayStream = 0x6f766c79

// apply merges the drawn pattern, if this seed gets one, into plan: faults
// in time order (the scenario's first at equal times), one heal-all at the
// end, and the pattern's name in the plan's.
func (o *Overlay) apply(seed uint64, plan faults.Plan, gen faults.GenConfig) (faults.Plan, error) {
	if o == nil || o.Every < 1 || len(o.Nemeses) == 0 {
		return plan, nil
	}
	r := sim.NewStream(seed, overlayStream, 0, 0)
	if r.IntN(o.Every) != 0 {
		return plan, nil
	}
	name := o.Nemeses[r.IntN(len(o.Nemeses))]
	extra, err := faults.Nemesis(name, r, gen)
	if err != nil {
		return faults.Plan{}, err
	}
	healAt, healed := plan.HealAt()
	out := faults.Plan{Name: plan.Name + "+" + name, Faults: withoutHeal(plan).Faults}
	// A pattern's fault that the scenario's faults make impossible (a
	// pause of a server the swarm crashed) is left out: each is kept only
	// if the plan with it is still valid.
	for _, f := range withoutHeal(extra).Faults {
		try := faults.Plan{Name: out.Name, Faults: insertByTime(out.Faults, f)}
		if try.Validate(gen.Nodes, gen.Servers) == nil {
			out = try
		}
	}
	if healed {
		out = out.WithHeal(healAt)
	}
	return out, nil
}

// insertByTime returns fs with f inserted after every fault at or before
// f's time (fs is in time order).
func insertByTime(fs []faults.Fault, f faults.Fault) []faults.Fault {
	i, _ := slices.BinarySearchFunc(fs, f.At+1, func(g faults.Fault, t sim.Time) int { return cmp.Compare(g.At, t) })
	out := make([]faults.Fault, 0, len(fs)+1)
	out = append(append(append(out, fs[:i]...), f), fs[i:]...)
	return out
}
