package faults

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/paxossim/paxossim/sim"
)

// ClockBound is what a protocol assumes of its servers' clocks, as a value
// a scenario can hold plans to: over any interval of true time of length T
// during a run, a server's local clock advances by T ± (DriftPPM·T/1e6 +
// Step). DriftPPM bounds how fast or slow a clock runs; Step bounds how far
// it may jump (a clock fault that moves its reading, or the heal phase that
// puts it back), summed over the interval. A protocol whose safety rests on
// timing (leases) declares its bound; Within keeps a generator's clock
// faults inside it, and Check says whether, and by how much, a plan's clock
// faults leave it.
//
// A clock fault at time 0 sets a server's clock before it has measured
// anything: it is the clock's initial state (clocks need not agree), not a
// step.
type ClockBound struct {
	// DriftPPM bounds |rate - 1| of every server clock, in parts per
	// million; 0 <= DriftPPM < 1e6.
	DriftPPM int64
	// Step bounds the net jump of a server clock's reading over any
	// interval; >= 0.
	Step sim.Duration
}

// String prints the bound as "±500ppm, steps ±40ms".
func (b ClockBound) String() string {
	return "±" + strconv.FormatInt(b.DriftPPM, 10) + "ppm, steps ±" + formatDuration(b.Step)
}

// Validate reports a bound no clock can be held to.
func (b ClockBound) Validate() error {
	var errs []error
	if b.DriftPPM < 0 || b.DriftPPM >= 1_000_000 {
		errs = append(errs, fmt.Errorf("faults: ClockBound.DriftPPM = %d: must be in [0, 1000000)", b.DriftPPM))
	}
	if b.Step < 0 || b.Step > SkewMax {
		errs = append(errs, fmt.Errorf("faults: ClockBound.Step = %s: must be in [0, %s]", formatDuration(b.Step), formatDuration(SkewMax)))
	}
	return errors.Join(errs...)
}

// allowed is the most a clock may gain or lose against true time over an
// interval of length d: DriftPPM·d + Step.
func (b ClockBound) allowed(d sim.Duration) sim.Duration {
	return sim.Duration(int64(d)/1_000_000*b.DriftPPM+int64(d)%1_000_000*b.DriftPPM/1_000_000) + b.Step
}

// Within returns cfg with SkewMax and DriftMax set so that every clock
// fault a generator (Random, Swarm, the nemeses) draws from it keeps every
// server clock within b, whichever server a role resolves to: drifts within
// ±DriftPPM, and skews small enough that no clock strays more than Step/2
// from true time before the heal phase puts it back (at Start+Duration),
// so that no interval sees a net jump beyond Step. It fails if b leaves no
// room: a skew bound below 1ms (generators draw whole milliseconds, and 0
// means their default) or no drift at all (a DriftMax of 0 means the
// default too).
func (b ClockBound) Within(cfg GenConfig) (GenConfig, error) {
	if err := b.Validate(); err != nil {
		return cfg, err
	}
	if b.DriftPPM < 1 {
		return cfg, errors.New("faults: ClockBound.Within: DriftPPM = 0 cannot be expressed as a GenConfig (DriftMax 0 means the generators' default)")
	}
	phase := cfg.Duration
	if phase <= 0 {
		phase = 10 * sim.Second // GenConfig's fallback
	}
	// A clock set drifting at time 0 (a nemesis's initial clocks) drifts
	// until the heal phase, Start+Duration.
	phase += sim.Duration(max(cfg.Start, 0))
	skew := b.Step/2 - ClockBound{DriftPPM: b.DriftPPM}.allowed(phase)
	skew = skew / sim.Millisecond * sim.Millisecond
	if skew < sim.Millisecond {
		return cfg, fmt.Errorf("faults: ClockBound.Within: bound %s leaves no skew over a %s fault phase (drift alone moves a clock %s; need Step/2 above that by 1ms)",
			b, formatDuration(phase), formatDuration(ClockBound{DriftPPM: b.DriftPPM}.allowed(phase)))
	}
	cfg.SkewMax, cfg.DriftMax = skew, b.DriftPPM
	return cfg, nil
}

// ClockExcess is one way a server clock leaves a ClockBound: it ran at a
// drift beyond DriftPPM over [From, To], or its reading jumped beyond Step
// at From (== To), or, with neither alone, drift and jumps together moved
// it too far over [From, To]. Gain is how far its reading moved beyond
// true time's over the interval (negative: it fell behind), Allowed the
// most the bound allows there, and Excess = |Gain| - Allowed > 0.
type ClockExcess struct {
	// Node is the server; with Role set, it is unknown until the fault
	// fires and Node is -1.
	Node sim.NodeID
	Role Role
	From sim.Time
	To   sim.Time
	// Drift is the clock's drift over the interval, for a drift excess
	// (0 otherwise).
	Drift int64
	// Heal marks a jump made by the heal phase, which resets the clock.
	Heal                  bool
	Gain, Allowed, Excess sim.Duration
	// Fault is the clock fault that started the interval, as the plan
	// prints it ("" for a clock as it started, or for the heal phase).
	Fault string
	// Bound is the bound left.
	Bound ClockBound
}

// String explains the excess in one line: which clock, how far, against
// what bound.
func (e ClockExcess) String() string {
	who := e.Node.String() + "'s clock"
	if e.Role != RoleNone {
		who = "the " + e.Role.String() + "'s clock (whichever server it was when the fault fired)"
	}
	var s string
	switch {
	case e.Drift != 0:
		s = fmt.Sprintf("%s ran %+dppm from t=%s to t=%s, beyond the drift bound of ±%dppm: it %s over those %s, %s more than the %s the bound allows",
			who, e.Drift, formatSeconds(e.From), formatSeconds(e.To), e.Bound.DriftPPM, gained(e.Gain),
			e.To.Sub(e.From), e.Excess, e.Allowed)
	case e.From == e.To:
		s = fmt.Sprintf("%s jumped %s at t=%s, beyond the step bound of ±%s by %s", who, signed(e.Gain), formatSeconds(e.From), e.Allowed, e.Excess)
	default:
		s = fmt.Sprintf("%s %s over the %s from t=%s to t=%s, %s more than the %s the bound allows there", who, gained(e.Gain),
			e.To.Sub(e.From), formatSeconds(e.From), formatSeconds(e.To), e.Excess, e.Allowed)
	}
	switch {
	case e.Heal:
		s += " (the heal phase putting it back to true time)"
	case e.Fault != "":
		s += " (" + e.Fault + ")"
	}
	return s
}

func gained(d sim.Duration) string {
	if d < 0 {
		return "lost " + (-d).String()
	}
	return "gained " + d.String()
}

func signed(d sim.Duration) string {
	if d >= 0 {
		return "+" + d.String()
	}
	return d.String()
}

// knot is one change of a clock: at it the clock's offset from true time
// (local - true) jumps from before to after, then runs at drift ppm until
// the next knot.
type knot struct {
	at            sim.Time
	before, after sim.Duration
	drift         int64
	heal          bool
	fault         string
}

func offsetAt(k knot, t sim.Time) sim.Duration {
	el := int64(t - k.at)
	return k.after + sim.Duration(el*k.drift/1_000_000) // as sim's clock computes it
}

// Check reports how the clocks of p leave b before end (the end of the
// run), server by server, then the clock faults aimed at a role; nil
// means every clock stays within b. A clock fault aimed at a server is
// followed exactly (the heal phase resets every clock that is off, as the
// injector does), and so is one aimed at a role if resolved says which
// server it hit (resolved[i] for p.Faults[i], -1 or absent if unknown: a
// run's trace says, see Firing). Any other is judged on its own, as if it
// hit a server whose clock was true, and stays within b only if it keeps
// that clock within Step/2 of true time until the heal phase and every
// clock aimed at a server does too, so that whichever server it hits, no
// interval sees a net jump beyond Step.
func (b ClockBound) Check(p Plan, servers int, end sim.Time, resolved []sim.NodeID) []ClockExcess {
	heal, healed := p.HealAt()
	if !healed || heal > end {
		heal, healed = end, false
	}
	var out []ClockExcess
	halfOK := true // every server clock stays within Step/2 of true time
	for id := sim.NodeID(0); int(id) < servers; id++ {
		knots := b.knots(p, resolved, id, heal, healed)
		for _, e := range b.excesses(knots, end) {
			e.Node = id
			out = append(out, e)
		}
		for i, k := range knots {
			stop := end
			if i+1 < len(knots) {
				stop = knots[i+1].at
			}
			if abs(int64(k.after)) > int64(b.Step/2) || abs(int64(offsetAt(k, stop))) > int64(b.Step/2) {
				halfOK = false
			}
		}
	}
	for i, f := range p.Faults {
		if f.Kind != KindClock || f.Role == RoleNone || f.At >= heal || hitOf(resolved, i) >= 0 {
			continue
		}
		k := []knot{{at: 0}, {at: f.At, after: f.Skew, drift: f.Drift, fault: f.String()}}
		if healed {
			k = append(k, knot{at: heal, before: offsetAt(k[1], heal), heal: true})
		}
		ex := b.excesses(k, end)
		drifted := abs(int64(f.Skew))+abs(f.Drift)*int64(heal-f.At)/1_000_000 > int64(b.Step/2)
		if len(ex) == 0 && (!halfOK || drifted) {
			// Within b on a true clock, but not whichever clock it hits.
			ex = []ClockExcess{{From: f.At, To: f.At, Gain: f.Skew, Allowed: b.Step / 2,
				Excess: max(abs64(f.Skew)-b.Step/2, 1), Fault: f.String(), Bound: b}}
		}
		for _, e := range ex {
			e.Node, e.Role = -1, f.Role
			out = append(out, e)
		}
	}
	return out
}

func abs64(d sim.Duration) sim.Duration { return max(d, -d) }

// hitOf returns the server fault i's role resolved to, or -1.
func hitOf(resolved []sim.NodeID, i int) sim.NodeID {
	if i < len(resolved) {
		return resolved[i]
	}
	return -1
}

// knots builds server id's clock from the plan: its clock faults (one at
// time 0 sets the initial clock) and the reset at heal.
func (b ClockBound) knots(p Plan, resolved []sim.NodeID, id sim.NodeID, heal sim.Time, healed bool) []knot {
	knots := []knot{{at: 0}}
	for i, f := range p.Faults {
		if f.Kind != KindClock || f.At >= heal {
			continue
		}
		text := f.String()
		switch {
		case f.Role == RoleNone && f.Node == id:
		case f.Role != RoleNone && hitOf(resolved, i) == id:
			text += ": " + f.Role.String() + "=" + id.String()
		default:
			continue
		}
		last := knots[len(knots)-1]
		if f.At == 0 {
			knots[len(knots)-1] = knot{at: 0, before: f.Skew, after: f.Skew, drift: f.Drift, fault: text}
			continue
		}
		knots = append(knots, knot{at: f.At, before: offsetAt(last, f.At), after: f.Skew, drift: f.Drift, fault: text})
	}
	// The heal phase resets a clock that is off at all (the injector's
	// HealSkewMax and HealDriftMax are 0 in a harness run).
	if last := knots[len(knots)-1]; healed && (offsetAt(last, heal) != 0 || last.drift != 0) {
		knots = append(knots, knot{at: heal, before: offsetAt(last, heal), heal: true})
	}
	return knots
}

// excesses lists how one clock leaves b: each stretch at a drift beyond
// DriftPPM, each jump beyond Step, and, if there is neither, the interval
// where drift and jumps together leave b furthest. The offset is piecewise
// linear, so |off(t2) - off(t1)| - allowed(t2 - t1) is largest with both
// ends at knots (on either side of a jump) or at the end of the run.
func (b ClockBound) excesses(knots []knot, end sim.Time) []ClockExcess {
	var out []ClockExcess
	type point struct {
		at  sim.Time
		off sim.Duration
	}
	var pts []point
	for i, k := range knots {
		if k.at > end {
			break
		}
		stop := end
		if i+1 < len(knots) && knots[i+1].at < end {
			stop = knots[i+1].at
		}
		if i > 0 {
			pts = append(pts, point{k.at, k.before})
			// A heal that undoes a drift already reported adds nothing.
			if jump := k.after - k.before; abs64(jump) > b.Step && !(k.heal && len(out) > 0) {
				out = append(out, ClockExcess{From: k.at, To: k.at, Gain: jump, Allowed: b.Step, Excess: abs64(jump) - b.Step,
					Heal: k.heal, Fault: k.fault, Bound: b})
			}
		}
		pts = append(pts, point{k.at, k.after})
		if abs(k.drift) > b.DriftPPM && stop > k.at {
			gain := offsetAt(k, stop) - k.after
			allowed := ClockBound{DriftPPM: b.DriftPPM}.allowed(stop.Sub(k.at))
			out = append(out, ClockExcess{From: k.at, To: stop, Drift: k.drift, Gain: gain, Allowed: allowed,
				Excess: max(abs64(gain)-allowed, 1), Fault: k.fault, Bound: b})
		}
		if i+1 == len(knots) || knots[i+1].at > end {
			pts = append(pts, point{end, offsetAt(k, end)})
		}
	}
	if len(out) > 0 {
		return out
	}
	var best ClockExcess
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			gain := pts[j].off - pts[i].off
			allowed := b.allowed(pts[j].at.Sub(pts[i].at))
			if ex := abs64(gain) - allowed; ex > 0 && ex > best.Excess {
				best = ClockExcess{From: pts[i].at, To: pts[j].at, Gain: gain, Allowed: allowed, Excess: ex, Bound: b}
			}
		}
	}
	if best.Excess > 0 {
		out = append(out, best)
	}
	return out
}

// DriftingLeaderIsolation is the pattern of the drifting-leader-isolation
// nemesis: as LeaderIsolation does, it isolates whoever leads from the
// other servers (clients still reach it) for 2..8 quarter periods, heals,
// waits 2..4 quarters and repeats; with each isolation it sets a random
// server's clock SkewMax ahead of true time, running DriftMax fast, and the
// isolated leader's SkewMax behind, running DriftMax slow. A deposed
// leader that trusts its clock keeps answering clients while the others
// elect a new one: the fault that breaks leases counted on clocks that run
// at different rates or jump.
func DriftingLeaderIsolation(r *rand.Rand, cfg GenConfig) (Plan, error) {
	p := newPattern(r, cfg)
	c := &p.cfg
	for p.wait(p.span(0, 2)) {
		p.add(Fault{Kind: KindClock, Node: sim.NodeID(r.IntN(c.Servers)), Skew: c.SkewMax, Drift: c.DriftMax})
		p.add(Fault{Kind: KindClock, Role: RoleLeader, Skew: -c.SkewMax, Drift: -c.DriftMax})
		p.add(Fault{Kind: KindIsolate, Role: RoleLeader})
		if !p.wait(p.span(2, 8)) {
			break
		}
		p.add(Fault{Kind: KindHeal})
		if !p.wait(p.span(2, 4)) {
			break
		}
	}
	return p.plan("drifting-leader-isolation"), nil
}

// UnsyncedLeaderIsolation is the pattern of the unsynced-leader-isolation
// nemesis: at time 0 each server's clock is set within ±SkewMax of true
// time, drifting within ±DriftMax, and no clock is set again (the heal
// phase resets them, a step of up to SkewMax); then it isolates the leader
// as DriftingLeaderIsolation does. Durations measured on one clock are
// unaffected; a protocol that compares one server's clock reading with
// another's is not. (The clocks set at time 0 pick the first leader: the
// clock furthest ahead fires its boot election timer first. Later leaders,
// elected on timers armed since, do not depend on them.)
func UnsyncedLeaderIsolation(r *rand.Rand, cfg GenConfig) (Plan, error) {
	p := newPattern(r, cfg)
	c := &p.cfg
	start := p.t
	p.t = 0
	sk := int64(c.SkewMax / sim.Millisecond)
	for id := range c.Servers {
		p.add(Fault{Kind: KindClock, Node: sim.NodeID(id), Skew: sim.Duration(r.Int64N(2*sk+1)-sk) * sim.Millisecond,
			Drift: r.Int64N(2*c.DriftMax+1) - c.DriftMax})
	}
	p.t = start
	for p.wait(p.span(0, 2)) {
		p.add(Fault{Kind: KindIsolate, Role: RoleLeader})
		if !p.wait(p.span(2, 8)) {
			break
		}
		p.add(Fault{Kind: KindHeal})
		if !p.wait(p.span(2, 4)) {
			break
		}
	}
	p.faults = slices.Clip(p.faults)
	return p.plan("unsynced-leader-isolation"), nil
}

// LeaderIsolationRestarts is the pattern of the leader-isolation-restarts
// nemesis: it isolates whoever leads from the other servers (clients still
// reach it), then crashes a random majority of the servers at once, each
// restarting after 1..100ms (Fates as drawn), holds for 2..8 quarter
// periods, heals, waits 2..4 quarters and repeats. When the majority it
// crashes is the other servers, they elect a new leader among replicas that
// have just restarted, while the isolated one still trusts what they told
// it before the crash: the fault that shows a promise forgotten in a
// crash.
func LeaderIsolationRestarts(r *rand.Rand, cfg GenConfig) (Plan, error) {
	p := newPattern(r, cfg)
	c := &p.cfg
	for p.wait(p.span(0, 2)) {
		p.add(Fault{Kind: KindIsolate, Role: RoleLeader})
		if !p.wait(p.span(0, 1)) {
			break
		}
		for _, id := range p.perm()[:c.Servers/2+1] {
			p.add(Fault{Kind: KindCrash, Node: id, Fate: p.fate(), Duration: sim.Duration(1+r.Int64N(100)) * sim.Millisecond})
		}
		if !p.wait(p.span(2, 8)) {
			break
		}
		p.add(Fault{Kind: KindHeal})
		if !p.wait(p.span(2, 4)) {
			break
		}
	}
	return p.plan("leader-isolation-restarts"), nil
}

func init() {
	for _, n := range []struct {
		name, doc string
		gen       NemesisGen
	}{
		{"drifting-leader-isolation", "the leader isolated from the other servers (not from clients) with its clock set back and slowed, another server's set ahead and sped up, repeatedly", DriftingLeaderIsolation},
		{"unsynced-leader-isolation", "clocks that start apart and run at different rates, and the leader isolated from the other servers (not from clients), repeatedly", UnsyncedLeaderIsolation},
		{"leader-isolation-restarts", "the leader isolated from the other servers (not from clients), then a random majority crashed and restarted at once, repeatedly", LeaderIsolationRestarts},
	} {
		if err := RegisterNemesis(n.name, n.doc, n.gen); err != nil {
			panic(err)
		}
	}
}
