package faults

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// Net is the part of the network the injector drives. *network.Network
// implements it; faults does not import network so that either can change
// without the other, and so that tests can record calls.
type Net interface {
	Partition(groups ...[]sim.NodeID) error
	Isolate(id sim.NodeID) error
	CutOneWay(from, to sim.NodeID) error
	Bridge(a, b []sim.NodeID, bridge sim.NodeID) error
	MajoritiesRing() error
	Clog(from, to sim.NodeID, until sim.Time) error
	Heal()
}

// Roles tells the injector which node plays a role right now. The harness
// implements it from its view of the protocol (for example the replica with
// the highest ballot that believes it leads); faults knows no protocol.
type Roles interface {
	// Leader returns the current leader, or false if none is known.
	Leader() (sim.NodeID, bool)
	// LastLeader returns the leader before the current one: the most
	// recent node, other than the current leader, that the harness saw
	// leading (with no current leader, the most recent leader). It
	// returns false if there was none, for example before the first
	// change of leader. Only the harness can see leadership change, so
	// it keeps this history; it may be a node that is now down.
	LastLeader() (sim.NodeID, bool)
}

// Injector fires a plan's faults inside a Sim. The zero value is ready to
// use; set the optional fields before Inject. An Injector injects one plan.
type Injector struct {
	// Servers is the number of servers, ids 0 .. Servers-1: node faults must
	// name one, a role falls back to one, and the heal phase restores them.
	// 0 means every node of the Sim is a server.
	Servers int
	// HealSkewMax and HealDriftMax bound the clocks the heal phase leaves
	// alone: a server whose |skew| or |drift| exceeds them is reset to true
	// time with no drift. Zero resets every clock that is off at all.
	HealSkewMax  sim.Duration
	HealDriftMax int64

	s        *sim.Sim
	net      Net
	roles    Roles
	plan     Plan
	servers  int
	fired    int
	healed   bool
	errs     []error
	crashGen []uint64   // per server: bumped at every crash the injector makes
	pauseGen []uint64   // per server: bumped at every pause (or extension)
	pauseEnd []sim.Time // per server: when the current pause ends
	cur      int        // the plan index of the fault firing now, for note
	firings  []Firing
}

// Firing is one thing the injector did, as its trace note says: a plan
// fault firing with its roles resolved (the HTML page labels each fault
// with the nodes it hit), or the end the injector scheduled for one (a
// crashed node's restart, a paused node's resume).
type Firing struct {
	Fault int      `json:"fault"` // index in the plan
	At    sim.Time `json:"at_ns"`
	// End marks the end of fault Fault that the injector scheduled: the
	// restart after a crash's Duration, the resume after a pause's.
	End bool `json:"end,omitempty"`
	// Nodes are the nodes it acted on, roles resolved (none for a fault
	// on the whole network, such as ring or heal).
	Nodes []sim.NodeID `json:"nodes,omitempty"`
	// Note is its trace note, without the "fault " prefix.
	Note string `json:"note"`
	// NoEffect is set when it did nothing: skipped (a role nobody plays),
	// or a no-op (crashing a node that is down).
	NoEffect bool `json:"no_effect,omitempty"`
}

// Firings returns what the injector did so far, in order.
func (in *Injector) Firings() []Firing { return in.firings }

// Inject validates the plan for s and schedules every fault with s.At. Each
// fault writes one trace note ("fault ...") when it fires, naming the node a
// role resolved to. net may be nil only if the plan has no network fault
// (a heal-all then only restores nodes); roles may be nil, in which case
// "leader" always falls back to a server drawn from s.FaultRand() and a
// fault aimed at "last-leader" is skipped.
//
// Plan times are true simulated times; Inject fails if a fault is earlier
// than s.Now().
func (in *Injector) Inject(s *sim.Sim, net Net, plan Plan, roles Roles) error {
	if in.s != nil {
		return errors.New("faults: Injector.Inject called twice")
	}
	servers := in.Servers
	if servers == 0 {
		servers = s.NumNodes()
	}
	if err := plan.Validate(s.NumNodes(), servers); err != nil {
		return err
	}
	for i, f := range plan.Faults {
		if f.At < s.Now() {
			return fmt.Errorf("faults: Faults[%d] (%s): At = %s: before now (%s)", i, f.Kind, formatSeconds(f.At), formatSeconds(s.Now()))
		}
		if net == nil && isNetwork(f.Kind) {
			return fmt.Errorf("faults: Faults[%d] (%s): a network fault needs a Net, got nil", i, f.Kind)
		}
	}
	in.s, in.net, in.roles, in.servers = s, net, roles, servers
	in.plan = Plan{Name: plan.Name, Faults: make([]Fault, len(plan.Faults))}
	for i, f := range plan.Faults {
		in.plan.Faults[i] = cloneFault(f)
	}
	in.crashGen = make([]uint64, servers)
	in.pauseGen = make([]uint64, servers)
	in.pauseEnd = make([]sim.Time, servers)
	for i := range in.plan.Faults {
		s.At(in.plan.Faults[i].At, func() { in.fire(i) })
	}
	return nil
}

func isNetwork(k Kind) bool {
	switch k {
	case KindPartition, KindIsolate, KindCut, KindBridge, KindRing, KindClog, KindHeal:
		return true
	}
	return false
}

// Fired is the number of plan faults that have fired.
func (in *Injector) Fired() int { return in.fired }

// Healed reports whether the plan's final heal-all has fired: the network
// is healed, every server is up and running and every clock is within
// bounds (until the harness or a protocol changes them again).
func (in *Injector) Healed() bool { return in.healed }

// Err returns the errors the network returned for faults as they fired, or
// nil. Each is also in the trace.
func (in *Injector) Err() error { return errors.Join(in.errs...) }

func (in *Injector) note(id sim.NodeID, text string) {
	in.s.Note(id, "fault "+text)
	f := Firing{Fault: in.cur, At: in.s.Now(), Note: text}
	if id >= 0 {
		f.Nodes = []sim.NodeID{id}
	}
	in.firings = append(in.firings, f)
}

// hit sets the nodes the last note's fault acted on.
func (in *Injector) hit(nodes ...sim.NodeID) { in.firings[len(in.firings)-1].Nodes = nodes }

// noop notes a fault that did nothing.
func (in *Injector) noop(id sim.NodeID, text string) {
	in.note(id, text)
	in.firings[len(in.firings)-1].NoEffect = true
}

// ended notes the end the injector scheduled for fault i.
func (in *Injector) ended(i int, id sim.NodeID, text string) {
	in.cur = i
	in.note(id, text)
	in.firings[len(in.firings)-1].End = true
}

func (in *Injector) netErr(f *Fault, err error) {
	if err == nil {
		return
	}
	in.errs = append(in.errs, fmt.Errorf("faults: t=%s %s: %w", formatSeconds(in.s.Now()), f.describe(), err))
	in.s.Note(-1, "fault "+f.describe()+" error: "+err.Error())
}

// skip notes a fault that does not fire: how says how its roles resolved
// so far, why what is missing or meaningless.
func (in *Injector) skip(f *Fault, how, why string) {
	in.noop(-1, f.describe()+how+" skipped: "+why)
}

// resolve returns the node a node fault (or isolate) targets now, and a
// note suffix saying how a role was resolved; a non-empty why means the
// fault must be skipped (see resolveRole).
func (in *Injector) resolve(f *Fault) (id sim.NodeID, how, why string) {
	if f.Role == RoleNone {
		return f.Node, "", ""
	}
	return in.resolveRole(f.Role)
}

// resolveRole returns the server playing role r now, and a note suffix
// saying how it was found.
//
// "leader" always names a server: with none known (or none the harness
// reports among the servers) it falls back to a running server drawn from
// the fault stream, so a plan's faults keep their count and the choice
// replays with the seed. "last-leader" has no such stand-in: an arbitrary
// node is not a deposed leader, and drawing one would hide that the run
// never changed leader. With none known, why says so and the fault is
// skipped.
func (in *Injector) resolveRole(r Role) (id sim.NodeID, how, why string) {
	if r == RoleLastLeader {
		if in.roles != nil {
			if id, ok := in.roles.LastLeader(); ok && id >= 0 && int(id) < in.servers {
				return id, fmt.Sprintf(" (%s=%v)", r, id), ""
			}
		}
		return -1, "", fmt.Sprintf("no %s known", r)
	}
	if in.roles != nil {
		if id, ok := in.roles.Leader(); ok && id >= 0 && int(id) < in.servers {
			return id, fmt.Sprintf(" (%s=%v)", r, id), ""
		}
	}
	// No leader known: draw a running server, or any server if none runs,
	// from the fault stream so that the choice replays with the seed.
	cand := make([]sim.NodeID, 0, in.servers)
	for id := sim.NodeID(0); int(id) < in.servers; id++ {
		if in.s.Up(id) {
			cand = append(cand, id)
		}
	}
	if len(cand) == 0 {
		for id := sim.NodeID(0); int(id) < in.servers; id++ {
			cand = append(cand, id)
		}
	}
	id = cand[in.s.FaultRand().IntN(len(cand))]
	return id, fmt.Sprintf(" (no %s known: drew %v)", r, id), ""
}

// link resolves a cut's or clog's ends. A link from a node to itself means
// nothing (the network refuses it), so why is set when both ends resolve
// to one node.
func (in *Injector) link(f *Fault) (from, to sim.NodeID, how, why string) {
	from, to = f.From, f.To
	for _, e := range []struct {
		role Role
		dst  *sim.NodeID
	}{{f.FromRole, &from}, {f.ToRole, &to}} {
		if e.role == RoleNone {
			continue
		}
		id, h, w := in.resolveRole(e.role)
		if w != "" {
			return 0, 0, how, w
		}
		how += h
		*e.dst = id
	}
	if from == to {
		return 0, 0, how, fmt.Sprintf("both ends are %v", from)
	}
	return from, to, how, ""
}

// groups resolves a partition's or bridge's groups, and the bridge node.
// Without roles they are the fault's own (copies). With roles, a role's
// placement wins over a node named explicitly: the node a role resolves to
// is taken out of every other group (and, for a bridge whose bridge is a
// role, out of the sides), so "{leader} {n0,n1,n2}" always splits the
// leader from the rest. Each resolved group is sorted, and a partition's
// groups left empty are dropped. why is set when what is left means
// nothing: two roles on one node in different places, a partition of
// fewer than two groups, a bridge with an empty side, or a bridge named
// explicitly that a role placed on a side.
func (in *Injector) groups(f *Fault) (groups [][]sim.NodeID, bridge sim.NodeID, how, why string) {
	bridge = f.Node
	if f.GroupRoles == nil && f.Role == RoleNone {
		return cloneFault(*f).Groups, bridge, "", ""
	}
	// Where each role put its node: group index, or -1 for the bridge.
	type placement struct {
		id    sim.NodeID
		role  Role
		group int
	}
	var placed []placement
	place := func(r Role, group int) string {
		id, h, w := in.resolveRole(r)
		if w != "" {
			return w
		}
		how += h
		for _, p := range placed {
			if p.id == id && p.group != group {
				return fmt.Sprintf("%v and %v are both %v", p.role, r, id)
			}
		}
		placed = append(placed, placement{id, r, group})
		return ""
	}
	for gi, rs := range f.GroupRoles {
		for _, r := range rs {
			if w := place(r, gi); w != "" {
				return nil, 0, how, w
			}
		}
	}
	if f.Kind == KindBridge && f.Role != RoleNone {
		if w := place(f.Role, -1); w != "" {
			return nil, 0, how, w
		}
		bridge = placed[len(placed)-1].id
	}
	where := func(id sim.NodeID) (int, bool) {
		for _, p := range placed {
			if p.id == id {
				return p.group, true
			}
		}
		return 0, false
	}
	for gi, g := range f.Groups {
		var out []sim.NodeID
		for _, id := range g {
			if _, moved := where(id); !moved {
				out = append(out, id)
			}
		}
		for _, p := range placed {
			if p.group == gi && !slices.Contains(out, p.id) {
				out = append(out, p.id)
			}
		}
		slices.Sort(out)
		groups = append(groups, out)
	}
	if f.Kind == KindBridge {
		if gi, moved := where(bridge); moved && f.Role == RoleNone {
			return nil, 0, how, fmt.Sprintf("the bridge %v is in Groups[%d]", bridge, gi)
		}
		for gi, g := range groups {
			if len(g) == 0 {
				return nil, 0, how, fmt.Sprintf("Groups[%d] is left empty", gi)
			}
		}
		return groups, bridge, how, ""
	}
	groups = slices.DeleteFunc(groups, func(g []sim.NodeID) bool { return len(g) == 0 })
	if len(groups) < 2 {
		return nil, 0, how, fmt.Sprintf("%d group(s) left", len(groups))
	}
	return groups, bridge, how, ""
}

func (in *Injector) fire(i int) {
	f := &in.plan.Faults[i]
	in.fired++
	in.cur = i
	s := in.s
	switch f.Kind {
	case KindCrash:
		id, how, why := in.resolve(f)
		if why != "" {
			in.skip(f, how, why)
			return
		}
		if !s.Up(id) {
			in.noop(id, f.describe()+how+" no-op: down")
			return
		}
		in.note(id, f.describe()+how)
		s.CrashWith(id, f.Fate)
		in.crashGen[id]++
		if f.Duration > 0 {
			gen := in.crashGen[id]
			s.At(s.Now().Add(f.Duration), func() {
				if in.crashGen[id] == gen && !s.Up(id) {
					in.ended(i, id, "restart "+id.String()+" (end of crash for="+formatDuration(f.Duration)+")")
					s.Restart(id)
				}
			})
		}
	case KindRestart:
		if s.Up(f.Node) {
			in.noop(f.Node, f.describe()+" no-op: up")
			return
		}
		in.note(f.Node, f.describe())
		in.crashGen[f.Node]++ // a pending automatic restart is now stale
		if !s.Restart(f.Node) {
			in.firings[len(in.firings)-1].NoEffect = true
			in.noop(f.Node, f.describe()+" no-op: never started")
		}
	case KindPause:
		in.pause(f)
	case KindClock:
		id, how, why := in.resolve(f)
		if why != "" {
			in.skip(f, how, why)
			return
		}
		in.note(id, f.describe()+how)
		s.SetClock(id, f.Skew, f.Drift)
	case KindPartition:
		g, _, how, why := in.groups(f)
		if why != "" {
			in.skip(f, how, why)
			return
		}
		in.note(-1, f.describe()+how)
		in.hit(slices.Concat(g...)...)
		in.netErr(f, in.net.Partition(g...))
	case KindIsolate:
		id, how, why := in.resolve(f)
		if why != "" {
			in.skip(f, how, why)
			return
		}
		in.note(id, f.describe()+how)
		in.netErr(f, in.net.Isolate(id))
	case KindCut, KindClog:
		from, to, how, why := in.link(f)
		if why != "" {
			in.skip(f, how, why)
			return
		}
		in.note(-1, f.describe()+how)
		in.hit(from, to)
		if f.Kind == KindCut {
			in.netErr(f, in.net.CutOneWay(from, to))
		} else {
			in.netErr(f, in.net.Clog(from, to, s.Now().Add(f.Duration)))
		}
	case KindBridge:
		g, bridge, how, why := in.groups(f)
		if why != "" {
			in.skip(f, how, why)
			return
		}
		in.note(-1, f.describe()+how)
		in.hit(append(slices.Concat(g...), bridge)...)
		in.netErr(f, in.net.Bridge(g[0], g[1], bridge))
	case KindRing:
		in.note(-1, f.describe())
		in.netErr(f, in.net.MajoritiesRing())
	case KindHeal:
		in.note(-1, f.describe())
		in.net.Heal()
	case KindHealAll:
		in.healAll(i == len(in.plan.Faults)-1)
	}
}

// pause stalls the target for f.Duration. Pausing a paused node extends the
// pause to whichever end is later.
func (in *Injector) pause(f *Fault) {
	s := in.s
	id, how, why := in.resolve(f)
	if why != "" {
		in.skip(f, how, why)
		return
	}
	if !s.Up(id) {
		in.noop(id, f.describe()+how+" no-op: down")
		return
	}
	end := s.Now().Add(f.Duration)
	if s.Paused(id) {
		if in.pauseEnd[id] > end {
			end = in.pauseEnd[id]
		}
		in.note(id, f.describe()+how+" extends pause to t="+formatSeconds(end))
	} else {
		in.note(id, f.describe()+how)
		s.Pause(id)
	}
	in.pauseGen[id]++
	in.pauseEnd[id] = end
	gen, i := in.pauseGen[id], in.cur
	s.At(end, func() {
		if in.pauseGen[id] == gen && s.Paused(id) {
			in.ended(i, id, "resume "+id.String()+" (end of pause)")
			s.Resume(id)
		}
	})
}

// healAll is the heal phase: heal the network, reset clocks that are out of
// bounds, resume paused servers and restart crashed ones, in that order, so
// that a restarted node boots with a sane clock.
func (in *Injector) healAll(last bool) {
	s := in.s
	var clocks, resumed, restarted []sim.NodeID
	for id := sim.NodeID(0); int(id) < in.servers; id++ {
		if abs(int64(s.Skew(id))) > int64(in.HealSkewMax) || abs(s.Drift(id)) > in.HealDriftMax {
			clocks = append(clocks, id)
		}
		if s.Paused(id) {
			resumed = append(resumed, id)
		}
		if !s.Up(id) {
			restarted = append(restarted, id)
		}
	}
	in.note(-1, "heal-all clock-reset="+formatGroup(clocks)+" resume="+formatGroup(resumed)+" restart="+formatGroup(restarted))
	in.hit(slices.Compact(slices.Sorted(slices.Values(slices.Concat(clocks, resumed, restarted))))...)
	if in.net != nil {
		in.net.Heal()
	}
	for _, id := range clocks {
		s.SetClock(id, 0, 0)
	}
	for _, id := range resumed {
		in.pauseGen[id]++
		s.Resume(id)
	}
	for _, id := range restarted {
		in.crashGen[id]++
		s.Restart(id) // false only for a server the harness never started
	}
	if last {
		in.healed = true
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// String describes the injector's progress, for reports.
func (in *Injector) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "faults: %d/%d fired", in.fired, len(in.plan.Faults))
	if in.healed {
		b.WriteString(", healed")
	}
	return b.String()
}
