package sim_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/sim"
)

// TestCandidatesCacheFollowsTheWorld: the candidates the kernel keeps
// between listings are those it would list afresh, after steps, drops,
// duplicates, crashes, restarts and copies of the world.
func TestCandidatesCacheFollowsTheWorld(t *testing.T) {
	s := newClonePingers(t, 11, 4)
	s.SetChooser(sim.NewScript(nil))
	r := rand.New(rand.NewPCG(3, 3))
	show := func(cs []sim.Candidate) string { return fmt.Sprint(cs) }
	for i := range 400 {
		cached := show(s.Candidates())
		sim.ForgetCandidates(s)
		fresh := s.Candidates()
		require.Equal(t, show(fresh), cached, "step %d", i)
		if len(fresh) == 0 {
			break
		}
		var c sim.Choice
		switch k := r.IntN(20); {
		case k == 0:
			c = sim.Choice{Kind: sim.ChooseCrash, Index: r.IntN(4)}
			if !s.Up(sim.NodeID(c.Index)) {
				c.Kind = sim.ChooseRestart
			}
		case k == 1 && fresh[0].Kind == sim.EventDeliver:
			c = sim.Choice{Kind: sim.ChooseDrop}
		case k == 2 && fresh[0].Kind == sim.EventDeliver:
			c = sim.Choice{Kind: sim.ChooseDuplicate}
		case k == 3:
			s = clonePingers(t, s)
			continue
		default:
			c = sim.Choice{Kind: sim.ChooseRun, Index: r.IntN(len(fresh))}
		}
		old := s.Chooser()
		s.SetChooser(sim.NewScript([]sim.Choice{c}))
		s.Candidates() // cached, as a search lists them before it chooses
		s.Run(sim.Time(3600*sim.Second), func() bool { return true })
		s.SetChooser(old)
	}
}
