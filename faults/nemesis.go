package faults

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/paxossim/paxossim/sim"
)

// The named nemeses are fixed patterns, after Jepsen's nemeses, that aim at
// one weakness each. They take the same GenConfig as Random (Servers, Start,
// Duration, Fates, SkewMax, DriftMax, PauseMax) and use its period, 1/Rate,
// as their basic time unit: with the default Rate of 2 a period is 500ms.
// Kinds and CrashedMax do not apply: the pattern is the point.
//
// Users add their own with RegisterNemesis (a generator in Go) or
// NemesisFromPlan and RegisterNemesisFile (a fixed list of faults). A
// registered nemesis is listed, documented and drawn exactly like a
// built-in one, and package scenarios runs it as the scenario
// nemesis-NAME.

// NemesisGen generates a nemesis's plan for a configuration. It must draw
// every choice from r, so that the same stream and configuration give the
// same plan, and must not keep state between calls: scenarios call it from
// many goroutines at once, one simulation each.
type NemesisGen func(r *rand.Rand, cfg GenConfig) (Plan, error)

type nemesis struct {
	name string
	doc  string
	// builtin is set for the patterns of this file: they normalize cfg
	// themselves and always return a valid plan that ends healed, so
	// Nemesis passes their plans on untouched.
	builtin func(*rand.Rand, GenConfig) Plan
	gen     NemesisGen
}

// nemeses in name order (a slice, not a map, so that listing is stable),
// guarded by nemesesMu: registration may happen while sweeps draw plans.
var (
	nemesesMu sync.RWMutex
	nemeses   = []nemesis{
		{name: "clock-chaos", doc: "skew and drift clocks of servers and the leader, with short pauses", builtin: ClockChaos},
		{name: "cut-off-candidate", doc: "clog every link into one server until it campaigns, then isolate it while its candidacy's answers are held; the clog ends inside the partition", builtin: CutOffCandidate},
		{name: "deaf-server", doc: "clog every link into one server for long: it campaigns and is heard, hears nothing until everything held for it arrives at once, across elections", builtin: DeafServer},
		{name: "flapping-partition", doc: "split off a random minority and heal, quickly and repeatedly", builtin: FlappingPartition},
		{name: "leader-isolation", doc: "isolate whoever leads, hold, heal, repeat", builtin: LeaderIsolation},
		{name: "leader-one-way", doc: "cut the leader's links to every other server one way (it hears but is not heard, or is heard but does not hear), hold, heal, repeat", builtin: LeaderOneWay},
		{name: "majority-crash", doc: "crash a random majority at once, restart them, repeat", builtin: MajorityCrash},
		{name: "rolling-restart", doc: "crash and restart the servers one after another", builtin: RollingRestart},
		{name: "stale-leader-clog", doc: "pause the leader until another is elected, then clog the links from that last leader for long, across a further election", builtin: StaleLeaderClog},
	}
)

// Nemeses lists the names of the named patterns, built-in and registered,
// sorted.
func Nemeses() []string {
	nemesesMu.RLock()
	defer nemesesMu.RUnlock()
	out := make([]string, len(nemeses))
	for i, n := range nemeses {
		out[i] = n.name
	}
	return out
}

// lookupNemesis returns a copy of the named entry.
func lookupNemesis(name string) (nemesis, bool) {
	nemesesMu.RLock()
	defer nemesesMu.RUnlock()
	i, ok := slices.BinarySearchFunc(nemeses, name, func(n nemesis, name string) int { return strings.Compare(n.name, name) })
	if !ok {
		return nemesis{}, false
	}
	return nemeses[i], true
}

// NemesisDoc returns a one-line description of a named pattern ("" if
// there is none).
func NemesisDoc(name string) string {
	n, _ := lookupNemesis(name)
	return n.doc
}

// Nemesis generates the named pattern. A registered generator gets cfg
// with its fallbacks applied (as the built-in patterns see it); its plan
// is checked before it is returned: see RegisterNemesis.
func Nemesis(name string, r *rand.Rand, cfg GenConfig) (Plan, error) {
	n, ok := lookupNemesis(name)
	if !ok {
		return Plan{}, fmt.Errorf("faults: unknown nemesis %q (have %s)", name, strings.Join(Nemeses(), ", "))
	}
	if n.builtin != nil {
		return n.builtin(r, cfg), nil
	}
	cfg = cfg.normalized(10_000)
	p, err := callGen(n, r, cfg)
	if err != nil {
		return Plan{}, fmt.Errorf("faults: nemesis %q: %w", name, err)
	}
	if p.Name == "" {
		p.Name = name
	}
	end := cfg.Start.Add(cfg.Duration)
	if _, healed := p.HealAt(); !healed {
		// The heal phase is the harness's, so a generator may leave it
		// out; a fault after the phase it was given is a mistake, not
		// something to cut silently.
		for i, f := range p.Faults {
			if f.At >= end {
				return Plan{}, fmt.Errorf("faults: nemesis %q: Faults[%d] (%s): At = %s: at or after the end of the fault phase (%s)",
					name, i, f.Kind, formatSeconds(f.At), formatSeconds(end))
			}
		}
		p.Faults = append(slices.Clip(p.Faults), Fault{At: end, Kind: KindHealAll})
	}
	if err := p.Validate(cfg.Nodes, cfg.Servers); err != nil {
		return Plan{}, fmt.Errorf("faults: nemesis %q (servers=%d, nodes=%d): %w", name, cfg.Servers, cfg.Nodes, err)
	}
	return p, nil
}

// callGen runs a registered generator, turning a panic into an error: a
// bug in a user's pattern fails the runs that draw it, with its message,
// rather than the process.
func callGen(n nemesis, r *rand.Rand, cfg GenConfig) (p Plan, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("generator panicked: %v", v)
		}
	}()
	return n.gen(r, cfg)
}

// RegisterNemesis adds a named pattern that gen generates. The name must
// be new (built-in names are taken) and read as a scenario name does:
// lowercase letters, digits and '-', starting with a letter, and not
// ending in '-' followed by digits only (package scenarios spells a
// scenario with a fixed cluster size NAME-3 or NAME-5). doc is the
// pattern's one-line description, which listings show.
//
// gen gets cfg with every fallback applied. Its plan must be valid for
// cfg.Nodes and cfg.Servers (Plan.Validate) and may leave out the heal
// phase, which Nemesis then appends at cfg.Start+cfg.Duration (a fault at
// or after that time is then an error). An empty plan name becomes the
// nemesis's name. A generator that returns an error or panics fails the
// draw with that error.
func RegisterNemesis(name, doc string, gen NemesisGen) error {
	if err := checkNemesisName(name); err != nil {
		return err
	}
	if doc == "" || strings.ContainsAny(doc, "\n\r") {
		return fmt.Errorf("faults: RegisterNemesis %q: doc = %q: want one non-empty line saying what the pattern aims at", name, doc)
	}
	if gen == nil {
		return fmt.Errorf("faults: RegisterNemesis %q: gen is nil", name)
	}
	nemesesMu.Lock()
	defer nemesesMu.Unlock()
	i, dup := slices.BinarySearchFunc(nemeses, name, func(n nemesis, name string) int { return strings.Compare(n.name, name) })
	if dup {
		return fmt.Errorf("faults: RegisterNemesis: nemesis %q is registered already", name)
	}
	nemeses = slices.Insert(nemeses, i, nemesis{name: name, doc: doc, gen: gen})
	return nil
}

// MustRegisterNemesis is RegisterNemesis for package init; it panics on
// an error, which there is a programming mistake.
func MustRegisterNemesis(name, doc string, gen NemesisGen) {
	if err := RegisterNemesis(name, doc, gen); err != nil {
		panic(err)
	}
}

func checkNemesisName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("faults: RegisterNemesis: name = %q: %s", name, why)
	}
	if name == "" {
		return bad("empty")
	}
	if name[0] < 'a' || name[0] > 'z' {
		return bad("must start with a lowercase letter")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return bad(fmt.Sprintf("%q at %d: use lowercase letters, digits and '-'", c, i))
		}
	}
	if strings.HasSuffix(name, "-") {
		return bad("must not end in '-'")
	}
	if k := strings.LastIndexByte(name, '-'); k >= 0 && allDigits(name[k+1:]) {
		return bad("must not end in '-' and digits, which read as a cluster size (NAME-3)")
	}
	return nil
}

// NemesisFromPlan registers a fixed pattern: plan's faults, whose times are
// offsets from the start of the fault phase. Drawing it ignores the random
// stream: it shifts the faults by cfg.Start, drops those at or after the
// end of the phase (as Plan.WithHeal does, so a pattern longer than a
// scenario's phase is cut, never stretched), appends the heal phase, and
// validates the result against the cluster drawn (a pattern that names n4
// fails to draw for 3 servers, with an error naming the fault). The plan
// is checked here as far as it can be without a cluster size, and must
// not hold a heal-all: the harness supplies the heal phase. The name and
// doc follow RegisterNemesis's rules; the plan's own name is not used.
func NemesisFromPlan(name, doc string, plan Plan) error {
	if err := checkNemesisName(name); err != nil {
		return err
	}
	pattern := Plan{Name: name, Faults: make([]Fault, len(plan.Faults))}
	size := 1 // the smallest cluster that has every node the pattern names
	for i, f := range plan.Faults {
		if f.Kind == KindHealAll {
			return fmt.Errorf("faults: nemesis %q: Faults[%d] (heal-all): a pattern must not hold the heal phase; it is appended at the end of the fault phase when drawn", name, i)
		}
		if f.At > sim.Time(genSpanMax) {
			// Start is at most genSpanMax too, so shifting cannot overflow.
			return fmt.Errorf("faults: nemesis %q: Faults[%d] (%s): At = %s: a pattern's offsets must be <= %s", name, i, f.Kind, formatSeconds(f.At), formatDuration(genSpanMax))
		}
		pattern.Faults[i] = cloneFault(f)
		for _, id := range append([]sim.NodeID{f.Node, f.From, f.To}, slices.Concat(f.Groups...)...) {
			if id >= 0 && id < 1<<16 {
				size = max(size, int(id)+1)
			}
		}
	}
	if err := pattern.Validate(size, size); err != nil {
		return fmt.Errorf("faults: nemesis %q: %w", name, err)
	}
	return RegisterNemesis(name, doc, func(_ *rand.Rand, cfg GenConfig) (Plan, error) {
		out := Plan{Name: name, Faults: make([]Fault, 0, len(pattern.Faults)+1)}
		for _, f := range pattern.Faults {
			f = cloneFault(f)
			f.At = cfg.Start.Add(sim.Duration(f.At))
			out.Faults = append(out.Faults, f)
		}
		return out.WithHeal(cfg.Start.Add(cfg.Duration)), nil
	})
}

// nemesisFile is the JSON form RegisterNemesisFile reads: a plan with a
// doc line.
type nemesisFile struct {
	Name   string  `json:"name"`
	Doc    string  `json:"doc"`
	Faults []Fault `json:"faults"`
}

// RegisterNemesisFile reads a fixed pattern from a JSON file and registers
// it with NemesisFromPlan. The file is a plan, as -plan and the artifacts
// write it, with a "doc" line, and times are offsets from the start of the
// fault phase:
//
//	{"name":"deaf-leader","doc":"the servers stop hearing the leader for 1s",
//	 "faults":[{"at":"500ms","kind":"cut","from":"leader","to":"n1"},
//	           {"at":"500ms","kind":"cut","from":"leader","to":"n2"},
//	           {"at":"1500ms","kind":"heal"}]}
//
// Unknown fields are errors, as everywhere in plan JSON.
func RegisterNemesisFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("faults: RegisterNemesisFile: %w", err)
	}
	var nf nemesisFile
	if err := decodeStrict(data, &nf); err != nil {
		return fmt.Errorf("faults: RegisterNemesisFile %s: %w", path, err)
	}
	if nf.Faults == nil {
		return fmt.Errorf("faults: RegisterNemesisFile %s: \"faults\" is missing", path)
	}
	if err := NemesisFromPlan(nf.Name, nf.Doc, Plan{Name: nf.Name, Faults: nf.Faults}); err != nil {
		return fmt.Errorf("%w (in %s)", err, path)
	}
	return nil
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

// LeaderOneWay cuts the leader off one way from every other server, holds
// for 2..8 quarter periods, heals, waits 2..4 quarters and repeats. With
// GenConfig.FixedEnds each round aims at a server drawn at random instead
// of the leader, to measure what aiming at the leader adds. Each
// round draws the direction: "mute" (leader->nX: the leader hears
// everything but nobody hears it, so the others elect a new leader while
// the old one keeps believing it leads and still learns of higher
// ballots) or "deaf" (nX->leader: the others keep hearing the leader, so
// they need not elect, but it never hears a reply). Each cut names the
// leader by role and the other end by id, so the one cut that would run
// from the leader to itself is skipped when it fires. With a single
// server it only heals.
func LeaderOneWay(r *rand.Rand, cfg GenConfig) Plan {
	p := newPattern(r, cfg)
	n := p.cfg.Servers
	for p.wait(p.span(2, 4)) {
		if n < 2 {
			continue
		}
		deaf := r.IntN(2) == 1
		target := sim.NodeID(-1) // the leader
		if p.cfg.FixedEnds {
			target = sim.NodeID(r.IntN(n))
		}
		for id := range sim.NodeID(n) {
			f := Fault{Kind: KindCut, FromRole: RoleLeader, To: id}
			if deaf {
				f = Fault{Kind: KindCut, From: id, ToRole: RoleLeader}
			}
			if target >= 0 {
				if id == target {
					continue
				}
				f.FromRole, f.ToRole = RoleNone, RoleNone
				if deaf {
					f.To = target
				} else {
					f.From = target
				}
			}
			p.add(f)
		}
		if !p.wait(p.span(2, 8)) {
			break
		}
		p.add(Fault{Kind: KindHeal})
	}
	return p.plan("leader-one-way")
}

// StaleLeaderClog makes a deposed leader's messages arrive late, after
// the cluster has moved on twice. A round: pause the leader for 2..6
// quarter periods, long enough for the others to elect a new one (which
// makes the paused node the last leader); when it resumes, clog every
// link from the last leader to the other servers for 6..12 quarters, so
// what it sends as a stale leader is held back; 1..3 quarters into the
// clog, pause the new leader for 2..6 quarters, forcing another election;
// the held messages are released into the cluster that follows. Then a
// heal, 2..4 quarters, and the next round. If no new leader was elected
// during the pause, "last-leader" names the leader before, or nobody
// (then the clogs are skipped, with a trace note).
func StaleLeaderClog(r *rand.Rand, cfg GenConfig) Plan {
	p := newPattern(r, cfg)
	n := p.cfg.Servers
	for p.wait(p.span(2, 4)) {
		if n < 2 {
			continue
		}
		pause := p.span(2, 6)
		p.add(Fault{Kind: KindPause, Role: RoleLeader, Duration: pause})
		if !p.wait(pause + p.span(0, 1)) {
			break
		}
		clog := p.span(6, 12)
		for id := range sim.NodeID(n) {
			p.add(Fault{Kind: KindClog, FromRole: RoleLastLeader, To: id, Duration: clog})
		}
		into := p.span(1, 3)
		if !p.wait(into) {
			break
		}
		p.add(Fault{Kind: KindPause, Role: RoleLeader, Duration: p.span(2, 6)})
		if !p.wait(clog - into) {
			break
		}
		p.add(Fault{Kind: KindHeal})
	}
	return p.plan("stale-leader-clog")
}

// DeafServer makes one random server deaf, then stalls it: every link into
// it is clogged for 12..16 quarter periods, so it stops hearing the leader
// and campaigns, and what the others answer is held; 6..8 quarters in
// (after its election timeout has fired), it is paused for 6..10 quarters,
// long enough for the others to elect a leader among themselves and decide
// values. When it resumes, it receives
// the answers to its old candidacy together with everything else held for
// it. Then a heal, 2..4 quarters, and the next round.
func DeafServer(r *rand.Rand, cfg GenConfig) Plan {
	p := newPattern(r, cfg)
	n := p.cfg.Servers
	for p.wait(p.span(2, 4)) {
		if n < 2 {
			continue
		}
		deaf := sim.NodeID(p.r.IntN(n))
		clog := p.span(12, 16)
		for id := range sim.NodeID(n) {
			if id != deaf {
				p.add(Fault{Kind: KindClog, From: id, To: deaf, Duration: clog})
			}
		}
		into := p.span(6, 8)
		if !p.wait(into) {
			break
		}
		p.add(Fault{Kind: KindPause, Node: deaf, Duration: p.span(6, 10)})
		if !p.wait(clog - into) {
			break
		}
		p.add(Fault{Kind: KindHeal})
	}
	return p.plan("deaf-server")
}

// CutOffCandidate makes the answers to a candidacy cross a partition
// after the cluster has moved on, which only a network whose in-flight
// messages survive a cut (network.Config.InFlightSurvivesCut) delivers:
// dropping every message in flight at a cut is what kept stale answers
// from ever crossing one. A round: every link into one random server is
// clogged, so it stops hearing the leader and campaigns, and the answers
// to its Prepares are held; 5..7 quarter periods in (after its election
// timeout has fired) it is isolated for 8..10 quarters, so the others
// elect a leader among themselves and decide values while it campaigns
// alone; the clog ends 2..4 quarters before the isolation does, releasing
// the held answers into the partition. Then a heal, 2..4 quarters, and
// the next round.
func CutOffCandidate(r *rand.Rand, cfg GenConfig) Plan {
	p := newPattern(r, cfg)
	n := p.cfg.Servers
	for p.wait(p.span(2, 4)) {
		if n < 2 {
			continue
		}
		cand := sim.NodeID(p.r.IntN(n))
		into, isolated := p.span(5, 7), p.span(8, 10)
		clog := into + isolated - p.span(2, 4)
		for id := range sim.NodeID(n) {
			if id != cand {
				p.add(Fault{Kind: KindClog, From: id, To: cand, Duration: clog})
			}
		}
		if !p.wait(into) {
			break
		}
		p.add(Fault{Kind: KindIsolate, Node: cand})
		if !p.wait(isolated) {
			break
		}
		p.add(Fault{Kind: KindHeal})
	}
	return p.plan("cut-off-candidate")
}
