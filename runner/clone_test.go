package runner_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/explore"
	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// cloneWorlds are the explored configurations: single-decree Paxos (with
// layers) and MultiPaxos (a KV workload that observes what its clients
// saw, with compare-and-swap).
func cloneWorlds(t testing.TB) map[string]runner.Params {
	t.Helper()
	out := map[string]runner.Params{}
	for name, su := range map[string]explore.Setup{
		"paxos": {Protocol: "paxos", Servers: 3, Clients: 2, Ops: 2, Seed: 2},
		"multipaxos": {Protocol: "multipaxos", Servers: 3, Clients: 2, Ops: 3, Seed: 5,
			Workload: json.RawMessage(`{"keys":1,"get":1,"put":1,"append":1,"cas":1}`)},
	} {
		p, err := su.Params()
		require.NoError(t, err)
		require.NoError(t, p.Validate())
		out[name] = p
	}
	return out
}

// digest is what a world's state and past look like to the checks: the
// trace hash (every event so far), the checkers' memory, the histories,
// and per node its state, disk and random stream's next draw... of a
// copy: drawing would change it.
func digest(t *testing.T, w *runner.World) string {
	t.Helper()
	s := w.Sim()
	out := fmt.Sprintf("hash=%016x events=%d now=%v steps=%d checker=%016x done=%v failure=%v\n",
		s.Hash(), s.Events(), s.Now(), s.Stats().Steps, w.CheckerDigest(), w.ClientsDone(), w.Check())
	for id := range s.NumNodes() {
		n := sim.NodeID(id)
		fp := uint64(0)
		if f, ok := s.Node(n).(interface{ Fingerprint() uint64 }); ok {
			fp = f.Fingerprint()
		}
		out += fmt.Sprintf("%v up=%v inc=%d fp=%016x disk=%016x inputs=%016x\n", n, s.Up(n), s.Incarnation(n), fp, s.Disk(n).Digest(), s.InputDigest(n))
	}
	for _, c := range s.Candidates() {
		out += fmt.Sprintf("cand %v %v->%v %v %d\n", c.Kind, c.From, c.To, c.Msg, c.Tag)
	}
	out += fmt.Sprintf("history %v\n", w.History())
	for _, l := range w.Layers() {
		out += fmt.Sprintf("layer %s %v\n", l.Name, l.Ops)
	}
	return out
}

// randomPath draws a path of n choices through w, taking them as it goes:
// mostly deliveries and timers, sometimes a drop, a duplicate, a crash or
// a restart.
func randomPath(t testing.TB, r *rand.Rand, w *runner.World, n int) []sim.Choice {
	t.Helper()
	var path []sim.Choice
	for range n {
		s := w.Sim()
		cands := s.Candidates()
		if len(cands) == 0 || w.Check() != nil {
			break
		}
		i := r.IntN(len(cands))
		c := sim.Choice{Kind: sim.ChooseRun, Index: i}
		switch k := r.IntN(40); {
		case k == 0 && cands[i].Kind == sim.EventDeliver:
			c.Kind = sim.ChooseDrop
		case k == 1 && cands[i].Kind == sim.EventDeliver:
			c.Kind = sim.ChooseDuplicate
		case k == 2:
			id := r.IntN(w.Servers())
			c = sim.Choice{Kind: sim.ChooseCrash, Index: id}
			if !s.Up(sim.NodeID(id)) {
				c.Kind = sim.ChooseRestart
			}
		}
		take(t, w, c)
		path = append(path, c)
	}
	return path
}

// take makes one choice in w.
func take(t testing.TB, w *runner.World, c sim.Choice) {
	t.Helper()
	s := w.Sim()
	old := s.Chooser()
	s.SetChooser(sim.NewScript([]sim.Choice{c}))
	out := s.Run(sim.Time(runner.MaxSimulated), func() bool { return true })
	s.SetChooser(old)
	w.Check()
	require.Contains(t, []sim.Outcome{sim.OutcomeStopped, sim.OutcomePanic}, out, "choice %v", c)
}

// replay builds p's world afresh and takes path in it.
func replay(t testing.TB, p runner.Params, path []sim.Choice) *runner.World {
	t.Helper()
	w, err := runner.NewWorld(p, sim.NewScript(nil), runner.Options{})
	require.NoError(t, err)
	w.Check()
	for _, c := range path {
		take(t, w, c)
	}
	return w
}

// TestCloneIsReexecution: for many random paths, a snapshot taken part
// way and stepped on gives exactly the world that re-executing the whole
// path gives, and the original world is left as it was.
func TestCloneIsReexecution(t *testing.T) {
	for name, p := range cloneWorlds(t) {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			for i := range 150 {
				w := replay(t, p, nil)
				prefix := randomPath(t, r, w, r.IntN(60))
				before := digest(t, w)
				c, err := w.Clone()
				require.NoError(t, err)
				require.Equal(t, before, digest(t, c), "path %d: the snapshot differs from its world", i)
				suffix := randomPath(t, r, c, 1+r.IntN(60))
				require.Equal(t, before, digest(t, w), "path %d: stepping the snapshot changed its world", i)
				whole := append(append([]sim.Choice(nil), prefix...), suffix...)
				require.Equal(t, digest(t, replay(t, p, whole)), digest(t, c), "path %d: %v then %v", i, prefix, suffix)
			}
		})
	}
}

// TestCloneAndWorldStepApart: a world and its snapshot stepped along
// different paths each end where re-execution of their own path ends:
// neither disturbs the other, whichever steps first, and a snapshot of a
// snapshot is as good.
func TestCloneAndWorldStepApart(t *testing.T) {
	for name, p := range cloneWorlds(t) {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			for i := range 100 {
				w := replay(t, p, nil)
				prefix := randomPath(t, r, w, r.IntN(50))
				c, err := w.Clone()
				require.NoError(t, err)
				cc, err := c.Clone()
				require.NoError(t, err)
				a := randomPath(t, r, w, 1+r.IntN(50))
				b := randomPath(t, r, c, 1+r.IntN(50))
				a2 := randomPath(t, r, w, r.IntN(20))
				d := randomPath(t, r, cc, 1+r.IntN(50))
				join := func(parts ...[]sim.Choice) []sim.Choice {
					var out []sim.Choice
					for _, p := range parts {
						out = append(out, p...)
					}
					return out
				}
				require.Equal(t, digest(t, replay(t, p, join(prefix, a, a2))), digest(t, w), "path %d: the world", i)
				require.Equal(t, digest(t, replay(t, p, join(prefix, b))), digest(t, c), "path %d: the snapshot", i)
				require.Equal(t, digest(t, replay(t, p, join(prefix, d))), digest(t, cc), "path %d: the snapshot's snapshot", i)
			}
		})
	}
}

// TestCloneRefuses: a world whose future runs closures over it cannot be
// copied, and says why.
func TestCloneRefuses(t *testing.T) {
	p := cloneWorlds(t)["paxos"]
	q := p
	q.Plan.Faults = []faults.Fault{{Kind: faults.KindCrash, At: sim.Time(sim.Second), Node: 1}}
	r := p
	r.Checks.CorrectnessOnly = false
	for name, p := range map[string]runner.Params{"faults": q, "heal": r} {
		w, err := runner.NewWorld(p, sim.NewScript(nil), runner.Options{})
		require.NoError(t, err, name)
		_, err = w.Clone()
		require.Error(t, err, name)
		require.True(t, errors.Is(err, sim.ErrNotCloneable), "%s: %v", name, err)
		require.Error(t, w.CloneCheck(), name)
	}
}

// TestCloneIntoReusesADroppedWorld: a snapshot made into the memory of a
// world that was stepped elsewhere and dropped is as good as a new one,
// and the world it was made from stays as it was.
func TestCloneIntoReusesADroppedWorld(t *testing.T) {
	for name, p := range cloneWorlds(t) {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 6))
			var dead []*runner.World
			for i := range 60 {
				w := replay(t, p, nil)
				prefix := randomPath(t, r, w, r.IntN(40))
				before := digest(t, w)
				var dst *runner.World
				if len(dead) > 0 {
					dst, dead = dead[len(dead)-1], dead[:len(dead)-1]
				}
				c, err := w.CloneInto(dst)
				require.NoError(t, err)
				if dst != nil {
					require.Same(t, dst, c)
				}
				require.Equal(t, before, digest(t, c), "path %d", i)
				suffix := randomPath(t, r, c, 1+r.IntN(40))
				require.Equal(t, before, digest(t, w), "path %d: stepping the snapshot changed its world", i)
				require.Equal(t, digest(t, replay(t, p, append(append([]sim.Choice(nil), prefix...), suffix...))), digest(t, c), "path %d", i)
				more := randomPath(t, r, w, r.IntN(20))
				require.Equal(t, digest(t, replay(t, p, append(append([]sim.Choice(nil), prefix...), more...))), digest(t, w), "path %d: the world after its snapshot's memory was reused", i)
				dead = append(dead, c, w)
			}
			_, err := dead[0].CloneInto(dead[0])
			require.Error(t, err)
		})
	}
}

// TestCloneLeases: MultiPaxos with leader leases, whose replicas read
// their clocks in their fingerprints (sim.ClockReader), snapshots as
// re-execution does.
func TestCloneLeases(t *testing.T) {
	p, err := explore.Setup{Protocol: "multipaxos-lease", Servers: 3, Clients: 2, Ops: 2, Seed: 3}.Params()
	require.NoError(t, err)
	require.NoError(t, p.Validate())
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 40 {
		w := replay(t, p, nil)
		prefix := randomPath(t, r, w, r.IntN(40))
		c, err := w.Clone()
		require.NoError(t, err)
		suffix := randomPath(t, r, c, 1+r.IntN(40))
		require.Equal(t, digest(t, replay(t, p, append(append([]sim.Choice(nil), prefix...), suffix...))), digest(t, c), "path %d", i)
	}
}

// TestCloneBeforeCheck: a world copied right after a step, before the
// step is checked, still gives each world every layer event once.
func TestCloneBeforeCheck(t *testing.T) {
	p := cloneWorlds(t)["paxos"]
	r := rand.New(rand.NewPCG(9, 10))
	for i := range 30 {
		w := replay(t, p, nil)
		prefix := randomPath(t, r, w, r.IntN(30))
		cands := w.Sim().Candidates()
		if len(cands) == 0 {
			continue
		}
		c := sim.Choice{Kind: sim.ChooseRun, Index: r.IntN(len(cands))}
		s := w.Sim()
		old := s.Chooser()
		s.SetChooser(sim.NewScript([]sim.Choice{c}))
		s.Run(sim.Time(runner.MaxSimulated), func() bool { return true })
		s.SetChooser(old)
		cl, err := w.Clone() // before w.Check
		require.NoError(t, err)
		w.Check()
		cl.Check()
		want := digest(t, replay(t, p, append(append([]sim.Choice(nil), prefix...), c)))
		require.Equal(t, want, digest(t, w), "path %d: the world", i)
		require.Equal(t, want, digest(t, cl), "path %d: the snapshot", i)
	}
}

// TestReleasedWorldsHolderRunsOn: once a world or its snapshot is
// released, the other takes their shared nodes over in place, and runs on
// exactly as re-executing its path does.
func TestReleasedWorldsHolderRunsOn(t *testing.T) {
	for name, p := range cloneWorlds(t) {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 8))
			for i := range 40 {
				w := replay(t, p, nil)
				prefix := randomPath(t, r, w, r.IntN(40))
				c, err := w.Clone()
				require.NoError(t, err)
				keep := c
				if i%2 == 0 {
					c.Release()
					keep = w
				} else {
					w.Release()
				}
				suffix := randomPath(t, r, keep, 1+r.IntN(40))
				require.Equal(t, digest(t, replay(t, p, append(append([]sim.Choice(nil), prefix...), suffix...))), digest(t, keep), "path %d", i)
			}
		})
	}
}

// TestHistoryDigestFollowsTheHistory: a world's history digest stays
// while no call or return is recorded, changes when one is, is the same in
// a snapshot, and stays the original's while the snapshot runs on; it and
// each layer history's digest are the digests of the histories computed
// from scratch.
func TestHistoryDigestFollowsTheHistory(t *testing.T) {
	p := cloneWorlds(t)["paxos"]
	r := rand.New(rand.NewPCG(3, 4))
	w := replay(t, p, nil)
	last, lastDigest := "", uint64(0)
	changed := 0
	for i := range 400 {
		if len(w.Sim().Candidates()) == 0 || w.Check() != nil {
			break
		}
		now, d := recorded(w), w.HistoryDigest()
		require.Equal(t, runner.ReferenceHistoryDigest(w.History()), d, "step %d: the digest kept is the digest from scratch", i)
		layers := w.Layers()
		digests := w.LayerDigestsInto(nil)
		require.Len(t, digests, len(layers))
		for li, l := range layers {
			require.Equal(t, runner.ReferenceHistoryDigest(l.Ops), digests[li], "step %d: layer %s", i, l.Name)
		}
		if i > 0 {
			require.Equal(t, now == last, d == lastDigest, "step %d: the digest changes exactly when the history does", i)
		}
		if now != last {
			changed++
		}
		if i%5 == 0 {
			c, err := w.Clone()
			require.NoError(t, err)
			require.Equal(t, d, c.HistoryDigest())
			randomPath(t, r, c, 10)
			require.Equal(t, d, w.HistoryDigest(), "the snapshot's steps left the original's digest")
		}
		last, lastDigest = now, d
		// Mostly the default order, which completes operations; now and
		// then any other event.
		cands := w.Sim().Candidates()
		c := sim.Choice{Kind: sim.ChooseRun, Index: sim.Earliest(cands)}
		if r.IntN(4) == 0 {
			c.Index = r.IntN(len(cands))
		}
		take(t, w, c)
	}
	require.Greater(t, changed, 3, "the history changed along the path")
}

// recorded prints the calls and returns recorded so far: an open
// operation's return, which History puts just after now, is left out.
func recorded(w *runner.World) string {
	ops := w.History()
	for i := range ops {
		if _, open := ops[i].Output.(spec.Unknown); open {
			ops[i].Return = -1
		}
	}
	return fmt.Sprint(ops)
}

// TestDiscardLayersOnlyStopsTheRecording: a world that discards its layer
// histories runs exactly as one that keeps them, and keeps none.
func TestDiscardLayersOnlyStopsTheRecording(t *testing.T) {
	p := cloneWorlds(t)["paxos"]
	r := rand.New(rand.NewPCG(1, 2))
	keep := replay(t, p, nil)
	path := randomPath(t, r, keep, 60)
	w, err := runner.NewWorld(p, sim.NewScript(nil), runner.Options{DiscardLayers: true})
	require.NoError(t, err)
	w.Check()
	for _, c := range path {
		take(t, w, c)
	}
	require.Equal(t, keep.Sim().Hash(), w.Sim().Hash())
	require.Equal(t, fmt.Sprint(keep.History()), fmt.Sprint(w.History()))
	kept, none := 0, 0
	for _, l := range keep.Layers() {
		kept += len(l.Ops)
	}
	for _, l := range w.Layers() {
		none += len(l.Ops)
	}
	require.NotZero(t, kept)
	require.Zero(t, none)

	// A world that records, copied into the memory of a dropped copy of
	// one that discards, leaves the discarding world's histories alone.
	dropped, err := w.Clone()
	require.NoError(t, err)
	c, err := keep.CloneInto(dropped)
	require.NoError(t, err)
	more := randomPath(t, r, c, 20)
	require.Equal(t, digest(t, replay(t, p, append(append([]sim.Choice(nil), path...), more...))), digest(t, c))
	for _, l := range w.Layers() {
		require.Empty(t, l.Ops, "the discarding world")
	}
}
