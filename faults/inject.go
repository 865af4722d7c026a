package faults

import (
	"errors"
	"fmt"
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
}

// Inject validates the plan for s and schedules every fault with s.At. Each
// fault writes one trace note ("fault ...") when it fires, naming the node a
// role resolved to. net may be nil only if the plan has no network fault
// (a heal-all then only restores nodes); roles may be nil, in which case a
// role target always falls back to a server drawn from s.FaultRand().
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

func (in *Injector) note(id sim.NodeID, text string) { in.s.Note(id, "fault "+text) }

func (in *Injector) netErr(f *Fault, err error) {
	if err == nil {
		return
	}
	in.errs = append(in.errs, fmt.Errorf("faults: t=%s %s: %w", formatSeconds(in.s.Now()), f.describe(), err))
	in.s.Note(-1, "fault "+f.describe()+" error: "+err.Error())
}

// resolve returns the node a fault targets now, and a note suffix saying
// how a role was resolved.
func (in *Injector) resolve(f *Fault) (sim.NodeID, string) {
	if f.Role == RoleNone {
		return f.Node, ""
	}
	if in.roles != nil {
		if id, ok := in.roles.Leader(); ok && id >= 0 && int(id) < in.servers {
			return id, fmt.Sprintf(" (%s=%v)", f.Role, id)
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
	id := cand[in.s.FaultRand().IntN(len(cand))]
	return id, fmt.Sprintf(" (no %s known: drew %v)", f.Role, id)
}

func (in *Injector) fire(i int) {
	f := &in.plan.Faults[i]
	in.fired++
	s := in.s
	switch f.Kind {
	case KindCrash:
		id, how := in.resolve(f)
		if !s.Up(id) {
			in.note(id, f.describe()+how+" no-op: down")
			return
		}
		in.note(id, f.describe()+how)
		s.CrashWith(id, f.Fate)
		in.crashGen[id]++
		if f.Duration > 0 {
			gen := in.crashGen[id]
			s.At(s.Now().Add(f.Duration), func() {
				if in.crashGen[id] == gen && !s.Up(id) {
					in.note(id, "restart "+id.String()+" (end of crash for="+formatDuration(f.Duration)+")")
					s.Restart(id)
				}
			})
		}
	case KindRestart:
		if s.Up(f.Node) {
			in.note(f.Node, f.describe()+" no-op: up")
			return
		}
		in.note(f.Node, f.describe())
		in.crashGen[f.Node]++ // a pending automatic restart is now stale
		if !s.Restart(f.Node) {
			in.note(f.Node, f.describe()+" no-op: never started")
		}
	case KindPause:
		in.pause(f)
	case KindClock:
		id, how := in.resolve(f)
		in.note(id, f.describe()+how)
		s.SetClock(id, f.Skew, f.Drift)
	case KindPartition:
		in.note(-1, f.describe())
		in.netErr(f, in.net.Partition(cloneFault(*f).Groups...))
	case KindIsolate:
		id, how := in.resolve(f)
		in.note(id, f.describe()+how)
		in.netErr(f, in.net.Isolate(id))
	case KindCut:
		in.note(-1, f.describe())
		in.netErr(f, in.net.CutOneWay(f.From, f.To))
	case KindBridge:
		in.note(-1, f.describe())
		g := cloneFault(*f).Groups
		in.netErr(f, in.net.Bridge(g[0], g[1], f.Node))
	case KindRing:
		in.note(-1, f.describe())
		in.netErr(f, in.net.MajoritiesRing())
	case KindClog:
		in.note(-1, f.describe())
		in.netErr(f, in.net.Clog(f.From, f.To, s.Now().Add(f.Duration)))
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
	id, how := in.resolve(f)
	if !s.Up(id) {
		in.note(id, f.describe()+how+" no-op: down")
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
	gen := in.pauseGen[id]
	s.At(end, func() {
		if in.pauseGen[id] == gen && s.Paused(id) {
			in.note(id, "resume "+id.String()+" (end of pause)")
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
