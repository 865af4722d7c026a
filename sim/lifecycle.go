package sim

import (
	"fmt"
	"math/rand/v2"
)

// DiskFate says what a crash does to a node's unsynced writes.
type DiskFate uint8

// Disk fates at a crash. Synced data always survives.
const (
	DiskLoseUnsynced DiskFate = iota // every unsynced write is lost (a plain crash)
	DiskKeepSome                     // a random prefix of the unsynced writes survives
	DiskTear                         // a random prefix survives and the next write is torn
)

// NumDiskFates is the number of defined fates, for validation and tables.
const NumDiskFates = 3

var fateNames = [NumDiskFates]string{"lose-unsynced", "keep-some", "tear"}

// ParseDiskFate parses a fate's name as String prints it.
func ParseDiskFate(s string) (DiskFate, error) {
	for i, n := range fateNames {
		if n == s {
			return DiskFate(i), nil
		}
	}
	return 0, fmt.Errorf("sim: unknown disk fate %q (want lose-unsynced, keep-some or tear)", s)
}

func (f DiskFate) String() string {
	if int(f) < len(fateNames) {
		return fateNames[f]
	}
	return fmt.Sprintf("fate(%d)", int(f))
}

// slot is the kernel's record of one node across its incarnations. A
// snapshot shares the slots of its world (clone.go) and refs counts the
// Sims that hold a slot: a Sim changes a slot only while it holds it
// alone, and copies it first otherwise. A world and its snapshots share
// slots and disks this way, so they run on one goroutine (Sim.Clone).
type slot struct {
	slotState
	refs int32
}

// slotState is what a copy of a slot copies: the head whole, and the
// timers up to the last tag the incarnation used (the rest are zero).
type slotState struct {
	slotHead
	timers [MaxTimerTags]timerState
}

type slotHead struct {
	sim         *Sim
	id          NodeID
	factory     func(NodeID) Node
	node        Node
	env         *nodeEnv
	namer       TimerNamer
	up          bool
	paused      bool
	started     bool
	incarnation uint32
	disk        *Disk
	clk         clock
	// usedTimers is one more than the highest timer tag the incarnation
	// set or cancelled: the timers from it on are zero.
	usedTimers uint8
	outbox     []outMsg
	deferred   []event
	// inputs digests what this incarnation handled, under a chooser only
	// (Sim.InputDigest).
	inputs uint64
	// fp caches the node's Fingerprint while fpOK (NodeFingerprint):
	// cleared whenever a handler of the node runs.
	fp   uint64
	fpOK bool
}

type timerState struct {
	gen      uint32
	armed    bool
	deadline Time // on the local clock
}

type outMsg struct {
	to  NodeID
	msg Message
}

// AddNode adds a node that is not yet started; factory builds its Node value
// at start and at every restart. Nodes get ids 0, 1, 2, ... in the order added.
func (s *Sim) AddNode(factory func(NodeID) Node) NodeID {
	id := NodeID(len(s.nodes))
	n := &slot{slotState: slotState{slotHead: slotHead{sim: s, id: id, factory: factory, disk: NewDisk()}}}
	n.refs = 1
	s.nodes = append(s.nodes, n)
	return id
}

// NumNodes is the number of nodes added.
func (s *Sim) NumNodes() int { return len(s.nodes) }

func (s *Sim) slot(id NodeID) *slot {
	if id < 0 || int(id) >= len(s.nodes) {
		panic(fmt.Sprintf("sim: no node %v (have %d)", id, len(s.nodes)))
	}
	return s.nodes[id]
}

// Up reports whether the node is running (started and not crashed).
func (s *Sim) Up(id NodeID) bool { return s.slot(id).up }

// Started reports whether the node was ever started (it may be down now).
func (s *Sim) Started(id NodeID) bool { return s.slot(id).started }

// Paused reports whether the node is stalled.
func (s *Sim) Paused(id NodeID) bool { return s.slot(id).paused }

// Node returns the node's current value, or nil while it is down. Checkers
// use it to inspect replicas; they must not change it.
func (s *Sim) Node(id NodeID) Node { return s.slot(id).node }

// Disk returns the node's disk, for checkers and tests.
func (s *Sim) Disk(id NodeID) *Disk { return s.slot(id).disk }

// Incarnation returns how many times the node has restarted.
func (s *Sim) Incarnation(id NodeID) uint32 { return s.slot(id).incarnation }

// LocalTime reads the node's local clock now.
func (s *Sim) LocalTime(id NodeID) Time { return s.slot(id).clk.local(s.now) }

// Skew is the node's local clock reading minus true time.
func (s *Sim) Skew(id NodeID) Duration { return s.LocalTime(id).Sub(s.now) }

// Drift is the node's clock drift in parts per million.
func (s *Sim) Drift(id NodeID) int64 { return s.slot(id).clk.driftPPM }

// Start boots a node for the first time. It reports false if the node was
// already started.
func (s *Sim) Start(id NodeID) bool {
	n := s.own(s.slot(id))
	if n.started {
		return false
	}
	n.started = true
	s.tr.record(&Record{At: s.now, Kind: RecStart, Node: id})
	s.boot(n)
	return true
}

// Restart boots a crashed node as a new incarnation built from its disk
// alone. It reports false if the node is up or was never started.
func (s *Sim) Restart(id NodeID) bool {
	n := s.own(s.slot(id))
	if n.up || !n.started {
		return false
	}
	n.incarnation++
	s.stats.Restarts++
	s.tr.record(&Record{At: s.now, Kind: RecRestart, Node: id, Text: fmt.Sprintf("incarnation=%d", n.incarnation)})
	s.boot(n)
	return true
}

func (s *Sim) boot(n *slot) {
	s.q.gen++ // its old incarnation's timers are no candidates
	n.up = true
	n.paused = false
	clear(n.timers[:n.usedTimers])
	n.usedTimers = 0
	n.env = &nodeEnv{slot: n, inc: n.incarnation}
	n.env.rng, n.env.src = newStream(s.cfg.Seed, domainNode, uint64(n.id), uint64(n.incarnation))
	n.node = n.factory(n.id)
	n.fpOK = false
	n.namer, _ = n.node.(TimerNamer)
	if s.chooser != nil {
		n.inputs = mix(mix(uint64(n.incarnation), n.disk.Digest()), uint64(n.id))
	}
	s.current = n
	n.node.Start(n.env)
	s.current = nil
	s.flush(n)
}

// Crash stops a node: its volatile state and timers are gone, messages that
// arrive while it is down are dropped, and its disk loses every unsynced
// write. It reports false if the node was not up.
func (s *Sim) Crash(id NodeID) bool { return s.CrashWith(id, DiskLoseUnsynced) }

// CrashWith crashes a node with the given fate for its unsynced writes; the
// size of a surviving prefix is drawn from the fault stream.
func (s *Sim) CrashWith(id NodeID, fate DiskFate) bool {
	n := s.own(s.slot(id))
	if !n.up {
		return false
	}
	keep, tear := 0, false
	if u := n.disk.Unsynced(); fate != DiskLoseUnsynced && u > 0 {
		keep = s.faultRand.IntN(u + 1)
		tear = fate == DiskTear
	}
	n.disk.crash(keep, tear)
	n.up = false
	s.q.gen++ // its timers are no candidates now
	n.paused = false
	n.node = nil
	n.fpOK = false
	n.namer = nil
	n.env = nil
	n.outbox = n.outbox[:0]
	s.stats.Crashes++
	s.tr.record(&Record{At: s.now, Kind: RecCrash, Node: id, Text: "disk=" + fate.String()})
	// Deliveries held while the node was paused now meet a crashed node.
	for _, e := range n.deferred {
		if e.kind == evDeliver {
			s.seq++
			e.seq = s.seq
			e.at = s.now
			s.q.push(e)
		}
	}
	n.deferred = n.deferred[:0]
	return true
}

// Pause stalls a running node: its timers and incoming messages wait, in
// order, until Resume. Its clock keeps running. It reports false if the node
// is down or already paused.
func (s *Sim) Pause(id NodeID) bool {
	n := s.own(s.slot(id))
	if !n.up || n.paused {
		return false
	}
	n.paused = true
	s.tr.record(&Record{At: s.now, Kind: RecPause, Node: id})
	return true
}

// Resume ends a pause; everything that waited is handled now, in the order
// it came due. It reports false if the node was not paused.
func (s *Sim) Resume(id NodeID) bool {
	n := s.own(s.slot(id))
	if !n.paused {
		return false
	}
	n.paused = false
	s.tr.record(&Record{At: s.now, Kind: RecResume, Node: id})
	for _, e := range n.deferred {
		s.seq++
		e.seq = s.seq
		e.at = s.now
		s.q.push(e)
	}
	n.deferred = n.deferred[:0]
	return true
}

// SetClock sets the node's clock so that it now reads true time plus skew
// and from now on runs driftPPM parts per million fast (negative: slow).
// Pending timers keep their local deadlines, so a clock stepped forward fires
// them early in true time. Drift must be within (-1e6, 1e6).
func (s *Sim) SetClock(id NodeID, skew Duration, driftPPM int64) {
	n := s.own(s.slot(id))
	if driftPPM <= -1_000_000 || driftPPM >= 1_000_000 {
		panic(fmt.Sprintf("sim: drift %d ppm for %v out of range", driftPPM, id))
	}
	n.clk = clock{baseTrue: s.now, baseLocal: s.now.Add(skew), driftPPM: driftPPM}
	s.tr.record(&Record{At: s.now, Kind: RecClock, Node: id, Text: fmt.Sprintf("skew=%v drift=%dppm", skew, driftPPM)})
	if !n.up {
		return
	}
	local := n.clk.local(s.now)
	for tag := range n.timers[:n.usedTimers] {
		t := &n.timers[tag]
		if !t.armed {
			continue
		}
		t.gen++
		s.pushTimer(n, TimerTag(tag), t.gen, n.clk.trueAfter(s.now, t.deadline.Sub(local)))
	}
}

func (s *Sim) pushTimer(n *slot, tag TimerTag, gen uint32, at Time) {
	s.seq++
	s.q.push(event{at: at, seq: s.seq, kind: evTimer, tag: tag, to: n.id, a: gen, inc: n.incarnation})
}

// nodeEnv is the Env of one incarnation. A stale Env (kept by code of a
// crashed incarnation) panics instead of acting on the new one.
type nodeEnv struct {
	slot *slot
	inc  uint32
	rng  *rand.Rand
	src  *rand.PCG // rng's source, which a snapshot copies
}

func (e *nodeEnv) live() *slot {
	n := e.slot
	if !n.up || n.incarnation != e.inc {
		panic(fmt.Sprintf("sim: %v used the Env of a crashed incarnation %d", n.id, e.inc))
	}
	return n
}

func (e *nodeEnv) ID() NodeID          { return e.slot.id }
func (e *nodeEnv) Incarnation() uint32 { return e.inc }
func (e *nodeEnv) Now() Time {
	n := e.live()
	n.sim.clockReads++
	return n.clk.local(n.sim.now)
}
func (e *nodeEnv) Rand() *rand.Rand { return e.rng }
func (e *nodeEnv) Disk() *Disk      { return e.live().disk }

func (e *nodeEnv) Send(to NodeID, msg Message) {
	n := e.live()
	if to < 0 || int(to) >= len(n.sim.nodes) {
		panic(fmt.Sprintf("sim: %v sent %v to unknown node %v", n.id, msg, to))
	}
	n.outbox = append(n.outbox, outMsg{to: to, msg: msg})
}

func (e *nodeEnv) SetTimer(tag TimerTag, d Duration) {
	n := e.live()
	if tag >= MaxTimerTags {
		panic(fmt.Sprintf("sim: timer tag %d >= MaxTimerTags", tag))
	}
	s := n.sim
	n.useTimer(tag)
	t := &n.timers[tag]
	t.gen++
	t.armed = true
	t.deadline = n.clk.local(s.now).Add(d)
	s.pushTimer(n, tag, t.gen, n.clk.trueAfter(s.now, d))
}

func (e *nodeEnv) CancelTimer(tag TimerTag) {
	n := e.live()
	if tag >= MaxTimerTags {
		panic(fmt.Sprintf("sim: timer tag %d >= MaxTimerTags", tag))
	}
	n.useTimer(tag)
	n.timers[tag].armed = false
	n.timers[tag].gen++
	n.sim.q.gen++ // its queued event is no candidate now
}

// useTimer notes that tag is used (slotHead.usedTimers).
func (n *slot) useTimer(tag TimerTag) {
	if uint8(tag) >= n.usedTimers {
		n.usedTimers = uint8(tag) + 1
	}
}

func (e *nodeEnv) Logf(format string, args ...any) {
	n := e.live()
	n.sim.tr.record(&Record{At: n.sim.now, Kind: RecLog, Node: n.id, Text: format, Args: args})
}
