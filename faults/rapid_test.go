package faults

import (
	"encoding/json"
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/paxossim/paxossim/sim"
)

// TestPlanGenValid: every plan PlanGen draws validates for its cluster,
// ends with the heal phase and round-trips through JSON exactly.
func TestPlanGenValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		servers := rapid.IntRange(1, 7).Draw(t, "servers")
		nodes := servers + rapid.IntRange(0, 3).Draw(t, "clients")
		cfg := GenConfig{
			MajorityDown: rapid.Bool().Draw(t, "majority-down"),
			Rate:         float64(rapid.IntRange(1, 50).Draw(t, "rate")),
			FaultsMax:    rapid.IntRange(0, 40).Draw(t, "faults-max"),
		}
		p := PlanGen(nodes, servers, cfg).Draw(t, "plan")
		if err := p.Validate(nodes, servers); err != nil {
			t.Fatalf("invalid plan: %v\n%s", err, p)
		}
		if _, ok := p.HealAt(); !ok {
			t.Fatalf("plan does not end healed:\n%s", p)
		}
		if len(p.Faults) > cfg.normalized(16).FaultsMax+1 {
			t.Fatalf("%d faults, more than FaultsMax", len(p.Faults))
		}
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q Plan
		if err := json.Unmarshal(data, &q); err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		if !assert.ObjectsAreEqual(p, q) {
			t.Fatalf("JSON round trip changed the plan:\n%s\n%s", p, q)
		}
	})
}

// TestPlanGenRuns injects drawn plans into a real Sim: nothing panics, no
// more than a minority is ever down, and the heal phase leaves every server
// up, running and on true time.
func TestPlanGenRuns(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		servers := rapid.IntRange(1, 5).Draw(t, "servers")
		p := PlanGen(servers+1, servers, GenConfig{Rate: 20}).Draw(t, "plan")
		s, _, _ := newSim(t, 1, servers+1)
		in := Injector{Servers: servers}
		if err := in.Inject(s, &fakeNet{}, p, &fakeRoles{leader: 0, known: true}); err != nil {
			t.Fatal(err)
		}
		end, _ := p.HealAt()
		s.Run(end, func() bool {
			if d := downCount(s, servers); d > (servers-1)/2 {
				t.Fatalf("%d of %d servers down at %v:\n%s", d, servers, s.Now(), p)
			}
			return false
		})
		if s.Err() != nil {
			t.Fatal(s.Err())
		}
		if !in.Healed() {
			t.Fatalf("not healed at %v", s.Now())
		}
		for id := range sim.NodeID(servers) {
			if !s.Up(id) || s.Paused(id) || s.Skew(id) != 0 || s.Drift(id) != 0 {
				t.Fatalf("%v not restored by the heal phase", id)
			}
		}
	})
}

// recorder is a rapid.TB that records a failure instead of failing the
// test, so a test can look at what rapid shrank to.
type recorder struct {
	testing.TB
	failed bool
	msgs   []string
}

func (r *recorder) Helper() {}
func (r *recorder) Logf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Log(args ...any) { r.msgs = append(r.msgs, fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.Logf(format, args...)
}
func (r *recorder) Error(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...) }
func (r *recorder) FailNow()                          { r.failed = true }
func (r *recorder) Fail()                             { r.failed = true }
func (r *recorder) Failed() bool                      { return r.failed }

// TestPlanGenShrinks: a property that fails on any plan with a crash
// shrinks to the smallest such plan: one crash of n0 at the start, with
// the plainest disk fate, then the heal phase. rapid's seed is pinned: from
// a random one its shrinker stops at a local minimum about once in 500
// runs (a pause of n2 behind crashes of n0 and n1, whose deletion would
// make the pause the first fault but moves every later draw), which made
// the test flaky; pinned, it checks one shrink, the same on every run.
func TestPlanGenShrinks(t *testing.T) {
	for name, value := range map[string]string{"rapid.nofailfile": "true", "rapid.seed": "1"} {
		if f := flag.Lookup(name); f != nil {
			old := f.Value.String()
			require.NoError(t, flag.Set(name, value))
			defer func() { _ = flag.Set(name, old) }()
		}
	}
	cases := []struct {
		kind Kind
		want string
	}{
		{KindCrash, "t=0.000s crash n0 disk=lose-unsynced\nt=0.000s heal-all"},
		{KindPause, "t=0.000s pause n0 for=1ms\nt=0.000s heal-all"},
		{KindClog, "t=0.000s clog n0->n1 for=1ms\nt=0.000s heal-all"},
	}
	for _, c := range cases {
		var last Plan
		rec := &recorder{TB: t}
		rapid.Check(rec, func(rt *rapid.T) {
			p := PlanGen(5, 5, GenConfig{FaultsMax: 30}).Draw(rt, "plan")
			last = p
			for _, f := range p.Faults {
				if f.Kind == c.kind {
					rt.Fatalf("has a %v", c.kind)
				}
			}
		})
		require.True(t, rec.failed, "rapid found no plan with a %v", c.kind)
		last.Name = ""
		assert.Equal(t, c.want, last.String())
	}
}
