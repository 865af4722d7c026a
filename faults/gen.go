package faults

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// GenConfig tunes the generators. The zero value of every field documents
// its fallback; generators never fail, they clamp a field that cannot work
// (see Validate for a strict check).
type GenConfig struct {
	// Servers is the number of servers, ids 0 .. Servers-1; less than 1
	// means 1. Node faults, partitions and bridges involve servers only.
	Servers int
	// Nodes is the number of nodes, servers first, then clients; less than
	// Servers means Servers. One-way cuts and clogs may involve clients.
	Nodes int
	// Start is the earliest time a fault fires (a warm-up before it); 0
	// means faults may start at once.
	Start sim.Time
	// Duration is the length of the fault phase; the heal phase starts at
	// Start+Duration. 0 means 10s.
	Duration sim.Duration
	// Rate is the mean number of faults per second of the fault phase; 0
	// means 2; it is clamped to [RateMin, RateMax]. The named nemeses use
	// 1/Rate as their period.
	Rate float64
	// Kinds are the kinds Random may draw, in any order; nil means Kinds().
	// KindHealAll is ignored here: every generated plan ends with one.
	Kinds []Kind
	// CrashedMax bounds the servers down at once. 0 means a minority,
	// (Servers-1)/2, so that a majority stays up; a larger value is clamped
	// to a minority unless MajorityDown is set. A crash that would exceed
	// it is not drawn.
	CrashedMax int
	// MajorityDown allows CrashedMax up to Servers; with CrashedMax 0 it
	// means every server may be down at once.
	MajorityDown bool
	// Fates are the disk fates crashes draw from; nil means all three.
	Fates []sim.DiskFate
	// DownMax bounds how long a crashed server stays down before it
	// restarts by itself; 0 means 2s.
	DownMax sim.Duration
	// SkewMax bounds the magnitude of clock skew; 0 means 200ms.
	SkewMax sim.Duration
	// DriftMax bounds the magnitude of clock drift in ppm; 0 means 500.
	DriftMax int64
	// PauseMax bounds a pause; 0 means 1s.
	PauseMax sim.Duration
	// ClogMax bounds a clog; 0 means 1s.
	ClogMax sim.Duration
	// FaultsMax bounds the number of faults: for Random and Swarm 0 means
	// 10,000; for PlanGen, which draws the count, 0 means 16.
	FaultsMax int
	// FixedEnds makes both ends of every one-way cut and clog that Random,
	// Swarm and PlanGen draw a fixed node, as before role-targeted ends
	// existed (the draw of a role end is still made and ignored, so the
	// rest of the plan is the same), and aims each round of the
	// leader-one-way nemesis at a server drawn at random instead of the
	// leader. It exists to measure what aiming at the leader finds that
	// random ends do not.
	FixedEnds bool
}

// Validate reports a configuration the generators would have to clamp.
func (c GenConfig) Validate() error {
	switch {
	case c.Servers < 1:
		return fmt.Errorf("faults: GenConfig.Servers = %d: must be >= 1", c.Servers)
	case c.Nodes != 0 && c.Nodes < c.Servers:
		return fmt.Errorf("faults: GenConfig.Nodes = %d: must be 0 or >= Servers = %d", c.Nodes, c.Servers)
	case c.Start < 0:
		return fmt.Errorf("faults: GenConfig.Start = %s: must be >= 0", formatSeconds(c.Start))
	case c.Duration < 0:
		return fmt.Errorf("faults: GenConfig.Duration = %s: must be >= 0", formatDuration(c.Duration))
	case math.IsNaN(c.Rate) || c.Rate != 0 && (c.Rate < RateMin || c.Rate > RateMax):
		return fmt.Errorf("faults: GenConfig.Rate = %v: must be 0 or in [%v, %v] faults per second", c.Rate, RateMin, RateMax)
	case c.CrashedMax < 0:
		return fmt.Errorf("faults: GenConfig.CrashedMax = %d: must be >= 0", c.CrashedMax)
	case !c.MajorityDown && c.CrashedMax > (c.Servers-1)/2:
		return fmt.Errorf("faults: GenConfig.CrashedMax = %d: more than a minority of %d servers needs MajorityDown", c.CrashedMax, c.Servers)
	case c.DownMax < 0, c.SkewMax < 0, c.PauseMax < 0, c.ClogMax < 0:
		return fmt.Errorf("faults: GenConfig: DownMax, SkewMax, PauseMax and ClogMax must be >= 0")
	case sim.Duration(c.Start) > genSpanMax, c.Duration > genSpanMax, c.DownMax > genSpanMax, c.PauseMax > genSpanMax, c.ClogMax > genSpanMax:
		return fmt.Errorf("faults: GenConfig: Start, Duration, DownMax, PauseMax and ClogMax must be <= %s", formatDuration(genSpanMax))
	case c.SkewMax > SkewMax:
		return fmt.Errorf("faults: GenConfig.SkewMax = %s: must be <= %s", formatDuration(c.SkewMax), formatDuration(SkewMax))
	case c.DriftMax < 0 || c.DriftMax >= 1_000_000:
		return fmt.Errorf("faults: GenConfig.DriftMax = %d: must be in [0, 1000000)", c.DriftMax)
	case c.FaultsMax < 0:
		return fmt.Errorf("faults: GenConfig.FaultsMax = %d: must be >= 0", c.FaultsMax)
	}
	for i, k := range c.Kinds {
		if !k.Valid() {
			return fmt.Errorf("faults: GenConfig.Kinds[%d] = %v: unknown kind", i, k)
		}
	}
	for i, f := range c.Fates {
		if int(f) >= numFates {
			return fmt.Errorf("faults: GenConfig.Fates[%d] = %v: unknown disk fate", i, f)
		}
	}
	return nil
}

// Bounds of GenConfig. They keep every generated time far from overflow.
const (
	RateMin    = 0.001 // faults per second
	RateMax    = 1000
	genSpanMax = 1000 * 3600 * sim.Second
)

// normalized applies the fallbacks and clamps, so that generation cannot
// fail and its output always validates.
func (c GenConfig) normalized(faultsMax int) GenConfig {
	c.Servers = max(c.Servers, 1)
	c.Nodes = max(c.Nodes, c.Servers)
	c.Start = max(c.Start, 0)
	if c.Duration <= 0 {
		c.Duration = 10 * sim.Second
	}
	if !(c.Rate > 0) { // !(>) also catches NaN
		c.Rate = 2
	}
	c.Rate = min(max(c.Rate, RateMin), RateMax)
	c.Start = min(c.Start, sim.Time(genSpanMax))
	c.Duration = min(c.Duration, genSpanMax)
	minority := (c.Servers - 1) / 2
	switch {
	case c.CrashedMax <= 0 && c.MajorityDown:
		c.CrashedMax = c.Servers
	case c.CrashedMax <= 0:
		c.CrashedMax = minority
	case !c.MajorityDown:
		c.CrashedMax = min(c.CrashedMax, minority)
	default:
		c.CrashedMax = min(c.CrashedMax, c.Servers)
	}
	var kinds []Kind
	for _, k := range c.Kinds {
		if k.Valid() && k != KindHealAll && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	if c.Kinds == nil {
		kinds = Kinds()
	}
	slices.Sort(kinds) // draws depend on the set, not on the order given
	c.Kinds = kinds
	var fates []sim.DiskFate
	for _, f := range c.Fates {
		if int(f) < numFates && !slices.Contains(fates, f) {
			fates = append(fates, f)
		}
	}
	if len(fates) == 0 {
		fates = []sim.DiskFate{sim.DiskLoseUnsynced, sim.DiskKeepSome, sim.DiskTear}
	}
	slices.Sort(fates)
	c.Fates = fates
	c.DownMax = min(orMs(c.DownMax, 2*sim.Second), genSpanMax)
	c.SkewMax = min(orMs(c.SkewMax, 200*sim.Millisecond), SkewMax)
	if c.DriftMax <= 0 || c.DriftMax >= 1_000_000 {
		c.DriftMax = 500
	}
	c.PauseMax = min(orMs(c.PauseMax, sim.Second), genSpanMax)
	c.ClogMax = min(orMs(c.ClogMax, sim.Second), genSpanMax)
	if c.FaultsMax <= 0 {
		c.FaultsMax = faultsMax
	}
	return c
}

// orMs returns d, or def if d is not positive, rounded down to whole
// milliseconds (at least 1ms): generated times are whole milliseconds so
// that printed plans stay short.
func orMs(d, def sim.Duration) sim.Duration {
	if d <= 0 {
		d = def
	}
	return max(d/sim.Millisecond, 1) * sim.Millisecond
}

// period is 1/Rate in whole milliseconds, at least 1ms.
func (c GenConfig) period() sim.Duration {
	return max(sim.Duration(float64(sim.Second)/c.Rate)/sim.Millisecond, 1) * sim.Millisecond
}

// source is where a generator's choices come from: a math/rand/v2 stream
// for Random and the nemeses, rapid's draws for PlanGen. Choices are made
// so that the value 0 (or the low end of a range) is the simplest one, which
// is where rapid shrinks to.
type source interface {
	// intn returns a value in [0, n); n >= 1.
	intn(label string, n int) int
	// between returns a value in [lo, hi]; lo <= hi.
	between(label string, lo, hi int64) int64
}

type randSource struct{ r *rand.Rand }

func (s randSource) intn(_ string, n int) int { return s.r.IntN(n) }
func (s randSource) between(_ string, lo, hi int64) int64 {
	return lo + s.r.Int64N(hi-lo+1)
}

// builder generates a consistent plan fault by fault, tracking which
// servers are down so that it restarts only crashed servers, never crashes
// or pauses a server that is down, and keeps at most CrashedMax down.
type builder struct {
	cfg       GenConfig
	src       source
	downUntil []sim.Time // per server; -1: up (same rule as Validate)
	roleDown  []sim.Time // ends of crashes of a role
	faults    []Fault
}

func newBuilder(cfg GenConfig, src source) *builder {
	b := &builder{cfg: cfg, src: src, downUntil: make([]sim.Time, cfg.Servers)}
	for i := range b.downUntil {
		b.downUntil[i] = -1
	}
	return b
}

func (b *builder) servers(t sim.Time, down bool) []sim.NodeID {
	var out []sim.NodeID
	for id := range b.downUntil {
		if (t <= b.downUntil[id]) == down {
			out = append(out, sim.NodeID(id))
		}
	}
	return out
}

func (b *builder) crashed(t sim.Time) int {
	n := len(b.servers(t, true))
	for _, end := range b.roleDown {
		if t <= end {
			n++
		}
	}
	return n
}

// feasible reports whether a fault of kind k can be drawn at t.
func (b *builder) feasible(k Kind, t sim.Time) bool {
	c := &b.cfg
	switch k {
	case KindCrash:
		return b.crashed(t) < c.CrashedMax && len(b.servers(t, false)) > 0
	case KindRestart:
		return len(b.servers(t, true)) > 0
	case KindPartition, KindIsolate:
		return c.Servers >= 2
	case KindCut, KindClog:
		return c.Nodes >= 2
	case KindBridge, KindRing:
		return c.Servers >= 3
	case KindPause:
		return len(b.servers(t, false)) > 0
	}
	return true // heal, clock
}

// step draws one fault at t. The kind is drawn from all enabled kinds, not
// only the feasible ones, so that a fault keeps its kind when rapid removes
// an earlier fault; only if the kind drawn cannot happen now is a feasible
// one drawn instead (if there is none, no fault).
func (b *builder) step(t sim.Time) {
	if len(b.cfg.Kinds) == 0 {
		return
	}
	k := b.cfg.Kinds[b.src.intn("kind", len(b.cfg.Kinds))]
	if !b.feasible(k, t) {
		var cand []Kind
		for _, k := range b.cfg.Kinds {
			if b.feasible(k, t) {
				cand = append(cand, k)
			}
		}
		if len(cand) == 0 {
			return
		}
		k = cand[b.src.intn("kind-feasible", len(cand))]
	}
	b.emit(k, t)
}

func (b *builder) ms(label string, lo sim.Duration, hi sim.Duration) sim.Duration {
	return sim.Duration(b.src.between(label, int64(lo/sim.Millisecond), int64(hi/sim.Millisecond))) * sim.Millisecond
}

// pick draws a server id and, if it is not in ids, takes the next one in
// ids (cyclically): a draw names the same server whatever else is up, which
// keeps plans stable under shrinking. ids is sorted and not empty.
func (b *builder) pick(label string, ids []sim.NodeID) sim.NodeID {
	want := sim.NodeID(b.src.intn(label, b.cfg.Servers))
	for _, id := range ids {
		if id >= want {
			return id
		}
	}
	return ids[0]
}

// useRole draws whether a fault targets the leader rather than a fixed node
// (one time in four).
func (b *builder) useRole() bool { return b.src.intn("leader", 4) == 3 }

// emit appends a fault of kind k at t, drawing its fields.
func (b *builder) emit(k Kind, t sim.Time) {
	c := &b.cfg
	f := Fault{At: t, Kind: k}
	switch k {
	case KindCrash:
		f.Fate = c.Fates[b.src.intn("fate", len(c.Fates))]
		// A crash stays down until a restart fault only if restarts can be
		// drawn; otherwise it restarts by itself so that crashes keep coming.
		if !slices.Contains(c.Kinds, KindRestart) || b.src.intn("auto-restart", 2) == 1 {
			f.Duration = b.ms("down", sim.Millisecond, c.DownMax)
		}
		if b.useRole() {
			// The node it takes is unknown here, so a role crash always
			// restarts by itself and holds one slot of CrashedMax meanwhile.
			f.Role = RoleLeader
			if f.Duration == 0 {
				f.Duration = b.ms("down", sim.Millisecond, c.DownMax)
			}
			b.roleDown = append(b.roleDown, t.Add(f.Duration))
		} else {
			f.Node = b.pick("node", b.servers(t, false))
			b.downUntil[f.Node] = until(&f)
		}
	case KindRestart:
		f.Node = b.pick("node", b.servers(t, true))
		b.downUntil[f.Node] = -1
	case KindPartition:
		perm := b.perm(c.Servers)
		cut1 := 1 + b.src.intn("cut", c.Servers-1)
		if c.Servers >= 3 && cut1 < c.Servers-1 && b.src.intn("three-way", 4) == 3 {
			cut2 := cut1 + 1 + b.src.intn("cut", c.Servers-cut1-1)
			f.Groups = [][]sim.NodeID{sorted(perm[:cut1]), sorted(perm[cut1:cut2]), sorted(perm[cut2:])}
		} else {
			f.Groups = [][]sim.NodeID{sorted(perm[:cut1]), sorted(perm[cut1:])}
		}
	case KindIsolate:
		b.target(&f, allServers(c.Servers))
	case KindCut, KindClog:
		f.From = sim.NodeID(b.src.intn("from", c.Nodes))
		f.To = sim.NodeID(b.src.intn("to", c.Nodes-1))
		if f.To >= f.From {
			f.To++
		}
		if k == KindClog {
			f.Duration = b.ms("for", sim.Millisecond, c.ClogMax)
		}
		// Three draws in eight make one end a role, resolved when it fires:
		// the asymmetric faults aimed at whoever leads, or led last, that
		// fixed nodes hit only by chance (a leader that hears but is not
		// heard, acknowledgements held on their way to a deposed leader).
		switch end := b.src.intn("end-role", 8); {
		case c.FixedEnds:
		case end == 5:
			f.From, f.FromRole = 0, RoleLeader
		case end == 6:
			f.To, f.ToRole = 0, RoleLeader
		case end == 7:
			f.To, f.ToRole = 0, RoleLastLeader
		}
	case KindBridge:
		perm := b.perm(c.Servers)
		f.Node = perm[0]
		cut := 2 + b.src.intn("cut", c.Servers-2)
		f.Groups = [][]sim.NodeID{sorted(perm[1:cut]), sorted(perm[cut:])}
	case KindClock:
		b.target(&f, allServers(c.Servers))
		f.Skew = b.ms("skew", -c.SkewMax, c.SkewMax)
		f.Drift = b.src.between("drift", -c.DriftMax, c.DriftMax)
	case KindPause:
		b.target(&f, b.servers(t, false))
		f.Duration = b.ms("for", sim.Millisecond, c.PauseMax)
	}
	b.faults = append(b.faults, f)
}

// target sets the fault's node from ids, or its role.
func (b *builder) target(f *Fault, ids []sim.NodeID) {
	if b.useRole() {
		f.Role = RoleLeader
		return
	}
	f.Node = b.pick("node", ids)
}

// perm draws a permutation of the servers (Fisher-Yates).
func (b *builder) perm(n int) []sim.NodeID {
	p := allServers(n)
	for i := n - 1; i > 0; i-- {
		j := b.src.intn("perm", i+1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

func allServers(n int) []sim.NodeID {
	out := make([]sim.NodeID, n)
	for i := range out {
		out[i] = sim.NodeID(i)
	}
	return out
}

func sorted(ids []sim.NodeID) []sim.NodeID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// Random generates a plan: faults of the enabled kinds at cfg.Rate per
// second from cfg.Start for cfg.Duration, then the heal phase. Every draw
// comes from r, so the same stream and config give the same plan. The plan
// is valid for (cfg.Nodes, cfg.Servers) and consistent: it restarts only
// crashed servers and keeps at most CrashedMax of them down, counting a
// crash of the leader as one.
func Random(r *rand.Rand, cfg GenConfig) Plan {
	cfg = cfg.normalized(10_000)
	return generate(r, cfg, "random")
}

func generate(r *rand.Rand, cfg GenConfig, name string) Plan {
	b := newBuilder(cfg, randSource{r})
	end := cfg.Start.Add(cfg.Duration)
	gapMax := 2 * cfg.period()
	t := cfg.Start
	for n := 0; n < cfg.FaultsMax; n++ {
		t = t.Add(b.ms("gap", 0, gapMax))
		if t >= end {
			break
		}
		b.step(t)
	}
	b.faults = append(b.faults, Fault{At: end, Kind: KindHealAll})
	return Plan{Name: name, Faults: b.faults}
}

// Swarm generates a plan as swarm testing does: it first draws a random
// non-empty subset of the enabled kinds (each with probability 1/2), then
// spends the whole rate on those kinds alone. Across seeds, some runs hammer
// one or two kinds of fault and others mix many, which finds bugs a uniform
// mix dilutes. The plan's name lists the kinds drawn: "swarm:crash,clock".
func Swarm(r *rand.Rand, cfg GenConfig) Plan {
	cfg = cfg.normalized(10_000)
	var subset []Kind
	for _, k := range cfg.Kinds {
		if r.IntN(2) == 1 {
			subset = append(subset, k)
		}
	}
	if len(subset) == 0 && len(cfg.Kinds) > 0 {
		subset = append(subset, cfg.Kinds[r.IntN(len(cfg.Kinds))])
	}
	cfg.Kinds = subset
	names := make([]string, len(subset))
	for i, k := range subset {
		names[i] = k.String()
	}
	return generate(r, cfg, "swarm:"+strings.Join(names, ","))
}
