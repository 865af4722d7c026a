package faults

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// Kind is the kind of a fault.
type Kind uint8

// Fault kinds. The names (Kind.String) are the JSON and text spelling; the
// numbering is not persisted anywhere, but append rather than reorder so that
// generators keep drawing the same kinds for the same seeds.
const (
	KindCrash     Kind = iota + 1 // crash a server; Fate says what its disk keeps
	KindRestart                   // restart a crashed server from its disk
	KindPartition                 // split the network into Groups
	KindIsolate                   // cut one node off from every other node
	KindCut                       // drop messages From -> To (one way)
	KindBridge                    // two halves that only Node (the bridge) can talk across
	KindRing                      // majorities ring: every node sees a different majority
	KindClog                      // delay messages From -> To for Duration
	KindHeal                      // heal the network (partitions, cuts, clogs)
	KindClock                     // set a server's clock to true time + Skew, drifting Drift ppm
	KindPause                     // stall a server for Duration (timers and messages wait)
	KindHealAll                   // the heal phase: heal, resume, reset clocks, restart
	numKinds
)

var kindNames = [...]string{"?", "crash", "restart", "partition", "isolate", "cut", "bridge", "ring", "clog", "heal", "clock", "pause", "heal-all"}

// String is the kind's name as printed and as spelled in JSON.
func (k Kind) String() string {
	if k > 0 && k < numKinds {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return k > 0 && k < numKinds }

// ParseKind parses a kind's name.
func ParseKind(s string) (Kind, error) {
	for k := Kind(1); k < numKinds; k++ {
		if kindNames[k] == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("faults: unknown kind %q", s)
}

// Kinds returns every kind a generator may enable, in a fixed order: all
// kinds but KindHealAll, which generators always append at the end.
func Kinds() []Kind {
	out := make([]Kind, 0, numKinds-2)
	for k := Kind(1); k < KindHealAll; k++ {
		out = append(out, k)
	}
	return out
}

// Role names a node by the part it plays rather than by id. faults does not
// know protocols: the harness resolves roles through a Roles value when the
// fault fires.
type Role uint8

// Roles a fault may target. RoleNone means the fault names Node directly.
// The numbering is not persisted (JSON and text use the names); append
// rather than reorder.
const (
	RoleNone       Role = iota
	RoleLeader          // the node Roles.Leader reports when the fault fires
	RoleLastLeader      // the node Roles.LastLeader reports: the leader before the current one
	numRoles
)

var roleNames = [...]string{"", "leader", "last-leader"}

// String is the role's name ("" for RoleNone).
func (r Role) String() string {
	if r < numRoles {
		return roleNames[r]
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}

// ParseRole parses a role's name.
func ParseRole(s string) (Role, error) {
	for r := RoleLeader; r < numRoles; r++ {
		if roleNames[r] == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("faults: unknown role %q (have %s)", s, strings.Join(roleNames[1:], ", "))
}

// Fault is one timed fault. Which fields a kind uses:
//
//	crash      Node or Role, Fate; Duration > 0 restarts the same node after Duration
//	restart    Node
//	partition  Groups (two or more, disjoint, non-empty), GroupRoles
//	isolate    Node or Role
//	cut        From or FromRole, To or ToRole
//	bridge     Groups (exactly two), GroupRoles, Node or Role (the bridge, in neither group)
//	ring       -
//	clog       From or FromRole, To or ToRole, Duration
//	heal       -
//	clock      Node or Role, Skew, Drift
//	pause      Node or Role, Duration
//	heal-all   -
//
// A field a kind does not use must be zero (Validate checks it).
//
// Every role is resolved when the fault fires, and a role's placement wins
// over a node named explicitly: "partition {leader} {n0,n1,n2}" with n1
// leading cuts n1 off from n0 and n2, whatever the groups name. A fault
// that would mean nothing once resolved (a cut from a node to itself, a
// partition left with one group, a bridge that is also on a side) is
// skipped, and its trace note says why.
type Fault struct {
	// At is the true simulated time the fault fires at, from the start of
	// the run.
	At sim.Time
	// Kind says what the fault does.
	Kind Kind
	// Node is the target of a node fault, or the bridge node. It is ignored
	// (and must be 0) when Role is set.
	Node sim.NodeID
	// Role, when set, targets the node playing that role at fire time.
	Role Role
	// Groups are the sides of a partition or a bridge.
	Groups [][]sim.NodeID
	// GroupRoles places roles in the groups: GroupRoles[i] are the roles
	// in Groups[i] (so a group may name only roles, "{leader}"). It may be
	// shorter than Groups; nil means no group names a role. Each role
	// appears at most once in a fault.
	GroupRoles [][]Role
	// From and To are the ends of a one-way link (cut, clog).
	From, To sim.NodeID
	// FromRole and ToRole, when set, make that end of a cut or clog the
	// node playing the role at fire time; From (or To) must then be 0.
	FromRole, ToRole Role
	// Duration is how long a clog or pause lasts, or how long a crashed
	// node stays down (0: until a restart or the heal phase).
	Duration sim.Duration
	// Skew is the clock offset from true time a clock fault sets.
	Skew sim.Duration
	// Drift is the clock drift a clock fault sets, in parts per million;
	// it must be within (-1e6, 1e6).
	Drift int64
	// Fate says what a crash does to the node's unsynced writes.
	Fate sim.DiskFate
}

// field usage per kind, used by Validate, JSON and String.
type uses struct {
	node, role, groups, fromTo, duration, clock, fate bool
}

var kindUses = [numKinds]uses{
	KindCrash:     {node: true, role: true, fate: true, duration: true},
	KindRestart:   {node: true},
	KindPartition: {groups: true},
	KindIsolate:   {node: true, role: true},
	KindCut:       {fromTo: true},
	KindBridge:    {node: true, role: true, groups: true},
	KindRing:      {},
	KindClog:      {fromTo: true, duration: true},
	KindHeal:      {},
	KindClock:     {node: true, role: true, clock: true},
	KindPause:     {node: true, role: true, duration: true},
	KindHealAll:   {},
}

func (k Kind) uses() uses {
	if k.Valid() {
		return kindUses[k]
	}
	return uses{}
}

// String prints the fault as one line, for example
//
//	t=1.200s crash n2 disk=tear
//	t=3.000s isolate leader
//	t=4.500s clog n0->n1 for=250ms
//	t=5.000s cut leader->n2
//	t=5.500s partition {leader} {n0,n1,n2}
func (f Fault) String() string {
	return "t=" + formatSeconds(f.At) + " " + f.describe()
}

// describe is the fault without its time: "crash n2 disk=tear".
func (f Fault) describe() string {
	var b strings.Builder
	b.WriteString(f.Kind.String())
	switch f.Kind {
	case KindCrash:
		b.WriteString(" " + f.target() + " disk=" + f.Fate.String())
		if f.Duration != 0 {
			b.WriteString(" for=" + formatDuration(f.Duration))
		}
	case KindRestart, KindIsolate:
		b.WriteString(" " + f.target())
	case KindPartition:
		for i, g := range f.Groups {
			b.WriteString(" " + formatMembers(f.groupRoles(i), g))
		}
	case KindCut:
		b.WriteString(" " + f.link())
	case KindBridge:
		for i, g := range f.Groups {
			b.WriteString(" " + formatMembers(f.groupRoles(i), g))
		}
		b.WriteString(" via " + f.target())
	case KindClog:
		b.WriteString(" " + f.link() + " for=" + formatDuration(f.Duration))
	case KindClock:
		b.WriteString(" " + f.target() + " skew=" + formatDuration(f.Skew) + " drift=" + strconv.FormatInt(f.Drift, 10) + "ppm")
	case KindPause:
		b.WriteString(" " + f.target() + " for=" + formatDuration(f.Duration))
	}
	return b.String()
}

func (f Fault) target() string { return endName(f.Node, f.Role) }

// link is a cut's or clog's "from->to", each end a node or a role.
func (f Fault) link() string { return endName(f.From, f.FromRole) + "->" + endName(f.To, f.ToRole) }

// endName is a role's name if one is set, else the node's: what a target
// field reads as in text and JSON.
func endName(id sim.NodeID, r Role) string {
	if r != RoleNone {
		return r.String()
	}
	return id.String()
}

// groupRoles returns the roles placed in group i (nil if none).
func (f Fault) groupRoles(i int) []Role {
	if i < len(f.GroupRoles) {
		return f.GroupRoles[i]
	}
	return nil
}

func formatGroup(g []sim.NodeID) string { return formatMembers(nil, g) }

// formatMembers prints a group: its roles first, then its nodes,
// "{leader,n3}".
func formatMembers(roles []Role, g []sim.NodeID) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, r := range roles {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(roleText(r))
	}
	for i, id := range g {
		if i > 0 || len(roles) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(id.String())
	}
	b.WriteByte('}')
	return b.String()
}

// formatSeconds prints a time in seconds with millisecond precision,
// "1.200s", adding digits only when the time is not a whole millisecond, so
// that the text never hides a difference between two plans.
func formatSeconds(t sim.Time) string {
	v := int64(t)
	sign := ""
	if v < 0 {
		sign = "-"
		v = -v // a plan time is never near math.MinInt64; Validate rejects negatives anyway
	}
	sec, ns := v/int64(sim.Second), v%int64(sim.Second)
	var frac string
	switch {
	case ns%int64(sim.Millisecond) == 0:
		frac = fmt.Sprintf("%03d", ns/int64(sim.Millisecond))
	case ns%int64(sim.Microsecond) == 0:
		frac = fmt.Sprintf("%06d", ns/int64(sim.Microsecond))
	default:
		frac = fmt.Sprintf("%09d", ns)
	}
	return sign + strconv.FormatInt(sec, 10) + "." + frac + "s"
}
