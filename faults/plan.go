package faults

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// Plan is a fault schedule: faults sorted by time. A plan meant for a run
// ends with a KindHealAll fault, the start of the heal phase (see WithHeal).
// The zero Plan injects nothing.
type Plan struct {
	// Name says where the plan came from ("random", "swarm:crash,clock",
	// "leader-isolation"); it is printed, never interpreted.
	Name string
	// Faults in non-decreasing order of At. Faults at equal times fire in
	// slice order.
	Faults []Fault
}

// SkewMax bounds the magnitude of a clock fault's skew, so that local clock
// arithmetic stays far from overflow.
const SkewMax = 24 * 3600 * sim.Second

// String prints the plan one fault per line, after a "# name" line when the
// plan has a name:
//
//	# leader-isolation
//	t=1.000s isolate leader
//	t=2.500s heal
//	t=10.000s heal-all
func (p Plan) String() string {
	var b strings.Builder
	if p.Name != "" {
		b.WriteString("# " + p.Name)
	}
	for _, f := range p.Faults {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.String())
	}
	return b.String()
}

// HealAt returns the time the heal phase starts: the time of the last fault
// if it is a KindHealAll. ok is false for a plan that does not end healed.
func (p Plan) HealAt() (at sim.Time, ok bool) {
	if n := len(p.Faults); n > 0 && p.Faults[n-1].Kind == KindHealAll {
		return p.Faults[n-1].At, true
	}
	return 0, false
}

// Count is the number of faults, not counting the closing heal-all that
// every healed plan ends with: the size of a plan, for shrinking.
func (p Plan) Count() int {
	n := 0
	for _, f := range p.Faults {
		if f.Kind != KindHealAll {
			n++
		}
	}
	return n
}

// Uses reports whether any fault of the plan targets role r, in any place
// a role may stand (a node fault's or bridge's target, an end of a link, a
// member of a group); never for RoleNone. A harness uses it to keep what only that role needs,
// such as a history of leaders, off runs that do not.
func (p Plan) Uses(r Role) bool {
	if r == RoleNone {
		return false
	}
	for _, f := range p.Faults {
		if f.Role == r || f.FromRole == r || f.ToRole == r {
			return true
		}
		for _, rs := range f.GroupRoles {
			if slices.Contains(rs, r) {
				return true
			}
		}
	}
	return false
}

// WithHeal returns a copy of the plan that ends the fault phase at at: faults
// at or after at are dropped and a KindHealAll fault is appended at at. The
// receiver is not changed.
func (p Plan) WithHeal(at sim.Time) Plan {
	out := Plan{Name: p.Name, Faults: make([]Fault, 0, len(p.Faults)+1)}
	for _, f := range p.Faults {
		if f.At < at {
			out.Faults = append(out.Faults, cloneFault(f))
		}
	}
	out.Faults = append(out.Faults, Fault{At: at, Kind: KindHealAll})
	return out
}

func cloneFault(f Fault) Fault {
	if f.Groups != nil {
		gs := make([][]sim.NodeID, len(f.Groups))
		for i, g := range f.Groups {
			if g != nil {
				gs[i] = append([]sim.NodeID{}, g...)
			}
		}
		f.Groups = gs
	}
	if f.GroupRoles != nil {
		rs := make([][]Role, len(f.GroupRoles))
		for i, g := range f.GroupRoles {
			if g != nil {
				rs[i] = append([]Role{}, g...)
			}
		}
		f.GroupRoles = rs
	}
	return f
}

// Validate reports the first thing wrong with the plan for a cluster of nodes
// nodes whose first servers ids (0 .. servers-1) are servers; the rest are
// clients. The error names the fault, the field and the bad value.
//
// Network faults (partition, isolate, cut, bridge, clog) may name any node.
// Node faults (crash, restart, clock, pause) must name a server: faults model
// server failures, and clients keep their own history of open operations.
// A role always resolves to a server, when the fault fires; a role may
// resolve to a node the fault also names, which is not an error here (see
// Fault for what the injector does then).
//
// Beyond the shape of each fault, Validate checks that the plan is
// consistent where it can tell statically: a restart names a crashed node, a
// crash or pause does not name a node that is already down. A crash of a
// role may take down any server, so while one is in effect a restart of any
// server is accepted.
func (p Plan) Validate(nodes, servers int) error {
	if nodes < 1 {
		return fmt.Errorf("faults: nodes = %d: must be >= 1", nodes)
	}
	if servers < 1 || servers > nodes {
		return fmt.Errorf("faults: servers = %d: must be in [1, nodes=%d]", servers, nodes)
	}
	st := newValidState(servers)
	for i := range p.Faults {
		f := &p.Faults[i]
		if err := f.validate(nodes, servers); err != nil {
			return fmt.Errorf("faults: Faults[%d] (%s): %w", i, f.Kind, err)
		}
		if i > 0 && f.At < p.Faults[i-1].At {
			return fmt.Errorf("faults: Faults[%d] (%s): At = %s: before Faults[%d].At = %s: plan out of time order",
				i, f.Kind, formatSeconds(f.At), i-1, formatSeconds(p.Faults[i-1].At))
		}
		if err := st.apply(i, f); err != nil {
			return fmt.Errorf("faults: Faults[%d] (%s): %w", i, f.Kind, err)
		}
	}
	return nil
}

// validate checks one fault's fields.
func (f *Fault) validate(nodes, servers int) error {
	if !f.Kind.Valid() {
		return fmt.Errorf("Kind = %v: unknown kind", f.Kind)
	}
	u := f.Kind.uses()
	if f.At < 0 {
		return fmt.Errorf("At = %s: must be >= 0", formatSeconds(f.At))
	}
	if f.Role >= numRoles {
		return fmt.Errorf("Role = %v: unknown role", f.Role)
	}
	if f.Role != RoleNone && !u.role {
		return fmt.Errorf("Role = %v: %s cannot target a role", f.Role, f.Kind)
	}
	switch {
	case u.node && f.Role != RoleNone:
		if f.Node != 0 {
			return fmt.Errorf("Node = %v: must be unset (n0) when Role = %v", f.Node, f.Role)
		}
	case u.node:
		serverOnly := f.Kind != KindIsolate && f.Kind != KindBridge
		if serverOnly && (f.Node < 0 || int(f.Node) >= servers) {
			return fmt.Errorf("Node = %v: no such server (servers are n0..n%d)", f.Node, servers-1)
		}
		if f.Node < 0 || int(f.Node) >= nodes {
			return fmt.Errorf("Node = %v: no such node (nodes are n0..n%d)", f.Node, nodes-1)
		}
	case f.Node != 0:
		return fmt.Errorf("Node = %v: not used by %s", f.Node, f.Kind)
	}
	if err := f.validateGroups(nodes); err != nil {
		return err
	}
	if u.fromTo {
		for _, e := range []struct {
			name string
			id   sim.NodeID
			role Role
		}{{"From", f.From, f.FromRole}, {"To", f.To, f.ToRole}} {
			switch {
			case e.role >= numRoles:
				return fmt.Errorf("%sRole = %v: unknown role", e.name, e.role)
			case e.role != RoleNone && e.id != 0:
				return fmt.Errorf("%s = %v: must be unset (n0) when %sRole = %v", e.name, e.id, e.name, e.role)
			case e.role == RoleNone && (e.id < 0 || int(e.id) >= nodes):
				return fmt.Errorf("%s = %v: no such node (nodes are n0..n%d)", e.name, e.id, nodes-1)
			}
		}
		// Two equal roles always resolve to one node; a role and a node
		// may or may not, which only the fire time tells.
		if f.FromRole == f.ToRole && f.From == f.To {
			return fmt.Errorf("To = %v: same as From", endName(f.To, f.ToRole))
		}
	} else if f.From != 0 || f.To != 0 || f.FromRole != RoleNone || f.ToRole != RoleNone {
		return fmt.Errorf("From->To = %s: not used by %s", f.link(), f.Kind)
	}
	switch {
	case !u.duration && f.Duration != 0:
		return fmt.Errorf("Duration = %s: not used by %s", formatDuration(f.Duration), f.Kind)
	case f.Kind == KindCrash && f.Duration < 0:
		return fmt.Errorf("Duration = %s: must be >= 0 (0: down until restarted)", formatDuration(f.Duration))
	case u.duration && f.Kind != KindCrash && f.Duration <= 0:
		return fmt.Errorf("Duration = %s: must be > 0", formatDuration(f.Duration))
	case f.Duration > math.MaxInt64-sim.Duration(f.At):
		return fmt.Errorf("Duration = %s: At+Duration overflows", formatDuration(f.Duration))
	}
	if u.clock {
		if f.Drift <= -1_000_000 || f.Drift >= 1_000_000 {
			return fmt.Errorf("Drift = %dppm: must be within (-1000000, 1000000)", f.Drift)
		}
		if f.Skew < -SkewMax || f.Skew > SkewMax {
			return fmt.Errorf("Skew = %s: magnitude must be <= %s", formatDuration(f.Skew), formatDuration(SkewMax))
		}
	} else if f.Skew != 0 || f.Drift != 0 {
		return fmt.Errorf("Skew/Drift = %s/%dppm: not used by %s", formatDuration(f.Skew), f.Drift, f.Kind)
	}
	if int(f.Fate) >= numFates {
		return fmt.Errorf("Fate = %v: unknown disk fate", f.Fate)
	}
	if !u.fate && f.Fate != 0 {
		return fmt.Errorf("Fate = %v: not used by %s", f.Fate, f.Kind)
	}
	return nil
}

func (f *Fault) validateGroups(nodes int) error {
	switch f.Kind {
	case KindPartition:
		if len(f.Groups) < 2 {
			return fmt.Errorf("Groups = %s: a partition needs at least 2 groups", formatGroups(f.Groups))
		}
	case KindBridge:
		if len(f.Groups) != 2 {
			return fmt.Errorf("Groups = %s: a bridge needs exactly 2 groups", formatGroups(f.Groups))
		}
	default:
		if f.Groups != nil {
			return fmt.Errorf("Groups = %s: not used by %s", formatGroups(f.Groups), f.Kind)
		}
		if f.GroupRoles != nil {
			return fmt.Errorf("GroupRoles = %s: not used by %s", formatGroupRoles(f.GroupRoles), f.Kind)
		}
		return nil
	}
	if len(f.GroupRoles) > len(f.Groups) {
		return fmt.Errorf("GroupRoles = %s: %d entries for %d groups", formatGroupRoles(f.GroupRoles), len(f.GroupRoles), len(f.Groups))
	}
	seen := make(map[sim.NodeID]int, nodes) // lookups only; never iterated
	var roleIn [numRoles]int                // group index + 1 of each role placed
	for gi, g := range f.Groups {
		rs := f.groupRoles(gi)
		text := formatMembers(rs, g)
		if len(g) == 0 && len(rs) == 0 {
			return fmt.Errorf("Groups[%d] = {}: empty group", gi)
		}
		for _, r := range rs {
			switch {
			case r == RoleNone || r >= numRoles:
				return fmt.Errorf("Groups[%d] = %s: GroupRoles[%d] holds %s: not a role", gi, text, gi, roleText(r))
			case roleIn[r] != 0:
				return fmt.Errorf("Groups[%d] = %s: %v is already in Groups[%d]", gi, text, r, roleIn[r]-1)
			case f.Kind == KindBridge && r == f.Role:
				return fmt.Errorf("Groups[%d] = %s: %v is the bridge (Role), which must be in neither group", gi, text, r)
			}
			roleIn[r] = gi + 1
		}
		for _, id := range g {
			if id < 0 || int(id) >= nodes {
				return fmt.Errorf("Groups[%d] = %s: no such node %v (nodes are n0..n%d)", gi, text, id, nodes-1)
			}
			if prev, dup := seen[id]; dup {
				return fmt.Errorf("Groups[%d] = %s: %v is already in Groups[%d]", gi, text, id, prev)
			}
			seen[id] = gi
		}
	}
	if f.Kind == KindBridge && f.Role == RoleNone {
		if gi, in := seen[f.Node]; in {
			return fmt.Errorf("Node = %v: the bridge must be in neither group, but is in Groups[%d]", f.Node, gi)
		}
	}
	return nil
}

func formatGroups(gs [][]sim.NodeID) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = formatGroup(g)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func formatGroupRoles(rs [][]Role) string {
	parts := make([]string, len(rs))
	for i, g := range rs {
		names := make([]string, len(g))
		for k, r := range g {
			names[k] = roleText(r)
		}
		parts[i] = "{" + strings.Join(names, ",") + "}"
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// roleText names a role for an error, RoleNone included.
func roleText(r Role) string {
	if r == RoleNone {
		return "RoleNone"
	}
	return r.String()
}

// forever is "down until restarted".
const forever = sim.Time(math.MaxInt64)

// validState follows which servers are down, as far as the plan alone tells.
// A node crashed at t with Duration d is down at every fault time in
// [t, t+d]: a fault at exactly t+d fires before the automatic restart,
// because the injector queues plan faults first.
type validState struct {
	downUntil []sim.Time // per server; -1: up
	downBy    []int      // the fault that took it down
	roleDown  []sim.Time // end of each crash of a role still in effect
}

func newValidState(servers int) *validState {
	st := &validState{downUntil: make([]sim.Time, servers), downBy: make([]int, servers)}
	for i := range st.downUntil {
		st.downUntil[i] = -1
	}
	return st
}

func (st *validState) down(id sim.NodeID, t sim.Time) bool { return t <= st.downUntil[id] }

func (st *validState) roleCrashActive(t sim.Time) bool {
	for _, end := range st.roleDown {
		if t <= end {
			return true
		}
	}
	return false
}

func until(f *Fault) sim.Time {
	if f.Duration > 0 {
		return f.At.Add(f.Duration)
	}
	return forever
}

func (st *validState) apply(i int, f *Fault) error {
	switch f.Kind {
	case KindCrash:
		if f.Role != RoleNone {
			st.roleDown = append(st.roleDown, until(f))
			return nil
		}
		if st.down(f.Node, f.At) {
			return fmt.Errorf("Node = %v: already down at %s (crashed by Faults[%d])", f.Node, formatSeconds(f.At), st.downBy[f.Node])
		}
		st.downUntil[f.Node] = until(f)
		st.downBy[f.Node] = i
	case KindRestart:
		if !st.down(f.Node, f.At) && !st.roleCrashActive(f.At) {
			return fmt.Errorf("Node = %v: not crashed at %s", f.Node, formatSeconds(f.At))
		}
		st.downUntil[f.Node] = -1
	case KindPause:
		if f.Role == RoleNone && st.down(f.Node, f.At) {
			return fmt.Errorf("Node = %v: crashed at %s (by Faults[%d]), cannot pause", f.Node, formatSeconds(f.At), st.downBy[f.Node])
		}
	case KindHealAll:
		for id := range st.downUntil {
			st.downUntil[id] = -1
		}
		st.roleDown = st.roleDown[:0]
	}
	return nil
}
