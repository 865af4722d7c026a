package faults

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// The named nemeses are fixed patterns, after Jepsen's nemeses, that aim at
// one weakness each. They take the same GenConfig as Random (Servers, Start,
// Duration, Fates, SkewMax, DriftMax, PauseMax) and use its period, 1/Rate,
// as their basic time unit: with the default Rate of 2 a period is 500ms.
// Kinds and CrashedMax do not apply: the pattern is the point.

type nemesis struct {
	name string
	doc  string
	fn   func(*rand.Rand, GenConfig) Plan
}

// nemeses in a fixed order (a slice, not a map, so that listing is stable).
var nemeses = []nemesis{
	{"clock-chaos", "skew and drift clocks of servers and the leader, with short pauses", ClockChaos},
	{"flapping-partition", "split off a random minority and heal, quickly and repeatedly", FlappingPartition},
	{"leader-isolation", "isolate whoever leads, hold, heal, repeat", LeaderIsolation},
	{"majority-crash", "crash a random majority at once, restart them, repeat", MajorityCrash},
	{"rolling-restart", "crash and restart the servers one after another", RollingRestart},
}

// Nemeses lists the names of the named patterns, sorted.
func Nemeses() []string {
	out := make([]string, len(nemeses))
	for i, n := range nemeses {
		out[i] = n.name
	}
	return out
}

// NemesisDoc returns a one-line description of a named pattern.
func NemesisDoc(name string) string {
	for _, n := range nemeses {
		if n.name == name {
			return n.doc
		}
	}
	return ""
}

// Nemesis generates the named pattern.
func Nemesis(name string, r *rand.Rand, cfg GenConfig) (Plan, error) {
	for _, n := range nemeses {
		if n.name == name {
			return n.fn(r, cfg), nil
		}
	}
	return Plan{}, fmt.Errorf("faults: unknown nemesis %q (have %s)", name, strings.Join(Nemeses(), ", "))
}

// pattern helps the nemeses: a clock that advances by drawn amounts and a
// plan that ends with the heal phase.
type pattern struct {
	cfg    GenConfig
	r      *rand.Rand
	t, end sim.Time
	p      sim.Duration
	faults []Fault
}

func newPattern(r *rand.Rand, cfg GenConfig) *pattern {
	cfg = cfg.normalized(10_000)
	return &pattern{cfg: cfg, r: r, t: cfg.Start, end: cfg.Start.Add(cfg.Duration), p: cfg.period()}
}

// span draws a duration in [lo, hi] periods/4, whole milliseconds.
func (p *pattern) span(loQuarters, hiQuarters int64) sim.Duration {
	lo := max(int64(p.p)*loQuarters/4/int64(sim.Millisecond), 1)
	hi := max(int64(p.p)*hiQuarters/4/int64(sim.Millisecond), lo)
	return sim.Duration(lo+p.r.Int64N(hi-lo+1)) * sim.Millisecond
}

// wait advances the clock and reports whether it is still in the phase.
func (p *pattern) wait(d sim.Duration) bool {
	p.t = p.t.Add(d)
	return p.t < p.end && len(p.faults) < p.cfg.FaultsMax
}

func (p *pattern) add(f Fault) { f.At = p.t; p.faults = append(p.faults, f) }

func (p *pattern) fate() sim.DiskFate { return p.cfg.Fates[p.r.IntN(len(p.cfg.Fates))] }

func (p *pattern) plan(name string) Plan {
	p.faults = append(p.faults, Fault{At: p.end, Kind: KindHealAll})
	return Plan{Name: name, Faults: p.faults}
}

// perm is a permutation of the servers.
func (p *pattern) perm() []sim.NodeID {
	ids := allServers(p.cfg.Servers)
	p.r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// LeaderIsolation isolates the leader, holds for 2..8 quarter periods (long
// enough for an election at the default rate), heals, waits 2..4 quarters
// and repeats. It targets the role, so every round hits
// whichever node leads at that moment.
func LeaderIsolation(r *rand.Rand, cfg GenConfig) Plan {
	p := newPattern(r, cfg)
	for p.wait(p.span(2, 4)) {
		p.add(Fault{Kind: KindIsolate, Role: RoleLeader})
		if !p.wait(p.span(2, 8)) {
			break
		}
		p.add(Fault{Kind: KindHeal})
	}
	return p.plan("leader-isolation")
}

// RollingRestart crashes the servers one at a time in a rotating order
// from a random start, each down for 2..8 quarter periods, with 1..4
// quarters between one restart and the next crash. At most one server is
// down at once.
func RollingRestart(r *rand.Rand, cfg GenConfig) Plan {
	p := newPattern(r, cfg)
	n := p.cfg.Servers
	next := r.IntN(n)
	for p.wait(p.span(1, 4)) {
		id := sim.NodeID(next % n)
		next++
		p.add(Fault{Kind: KindCrash, Node: id, Fate: p.fate()})
		if !p.wait(p.span(2, 8)) {
			break
		}
		p.add(Fault{Kind: KindRestart, Node: id})
	}
	return p.plan("rolling-restart")
}

// MajorityCrash crashes a random majority of the servers at the same
// instant, keeps them down for 4..12 quarter periods, restarts them all and
// repeats after 2..6 quarters. It loses quorum on purpose: the cluster must
// stay safe and recover after the restarts (durable state must be right).
func MajorityCrash(r *rand.Rand, cfg GenConfig) Plan {
	p := newPattern(r, cfg)
	for p.wait(p.span(2, 6)) {
		victims := sorted(p.perm()[:p.cfg.Servers/2+1])
		for _, id := range victims {
			p.add(Fault{Kind: KindCrash, Node: id, Fate: p.fate()})
		}
		if !p.wait(p.span(4, 12)) {
			break
		}
		for _, id := range victims {
			p.add(Fault{Kind: KindRestart, Node: id})
		}
	}
	return p.plan("majority-crash")
}

// FlappingPartition splits a random minority (of 1 .. (Servers-1)/2
// servers, at least 1) from the rest, heals after 1..4 quarter periods and
// splits again after 1..2 quarters, so that leadership and quorums churn
// faster than elections settle. With a single server it only heals.
func FlappingPartition(r *rand.Rand, cfg GenConfig) Plan {
	p := newPattern(r, cfg)
	n := p.cfg.Servers
	for p.wait(p.span(1, 2)) {
		if n < 2 {
			continue
		}
		ids := p.perm()
		k := 1 + r.IntN(max((n-1)/2, 1))
		p.add(Fault{Kind: KindPartition, Groups: [][]sim.NodeID{sorted(ids[:k]), sorted(ids[k:])}})
		if !p.wait(p.span(1, 4)) {
			break
		}
		p.add(Fault{Kind: KindHeal})
	}
	return p.plan("flapping-partition")
}

// ClockChaos sets a server's clock (the leader's one time in three) to a
// skew within ±SkewMax and a drift within ±DriftMax every 0..4 quarter
// periods, and one time in five pauses a server for up to PauseMax instead:
// the faults that break leases and timeouts that trust local time. The heal
// phase puts every clock back.
func ClockChaos(r *rand.Rand, cfg GenConfig) Plan {
	p := newPattern(r, cfg)
	c := &p.cfg
	for p.wait(p.span(0, 4)) {
		f := Fault{Kind: KindClock}
		if r.IntN(5) == 0 {
			f.Kind = KindPause
			f.Duration = sim.Duration(1+r.Int64N(int64(c.PauseMax/sim.Millisecond))) * sim.Millisecond
		} else {
			sk := int64(c.SkewMax / sim.Millisecond)
			f.Skew = sim.Duration(r.Int64N(2*sk+1)-sk) * sim.Millisecond
			f.Drift = r.Int64N(2*c.DriftMax+1) - c.DriftMax
		}
		if r.IntN(3) == 0 {
			f.Role = RoleLeader
		} else {
			f.Node = sim.NodeID(r.IntN(c.Servers))
		}
		p.add(f)
	}
	return p.plan("clock-chaos")
}
