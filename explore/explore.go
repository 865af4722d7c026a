// Package explore is paxossim's exhaustive mode: for a tiny configuration
// (a protocol, a cluster size, a fixed workload, a bound on ballots, and
// faults as explicit choices within budgets) it explores every sequence of
// choices the kernel's chooser seam offers (package sim, Chooser), over the
// real node code, breadth first, so that the first violation it meets has
// a shortest counterexample. Every check a run makes after each step (the
// safety invariants, the layer recorder) and at its end (linearizability
// of the client history and of each layer's history) is made at every
// state.
//
// # States
//
// A state's world is a copy of its parent's with one more choice taken
// (runner.World.Clone; snapshot.go) when every node of the world can be
// copied (sim.Cloner: single-decree Paxos, MultiPaxos and the harness's
// clients can); any other protocol's states are reached by re-executing
// their path of choices from the start, which counts the same states, only
// slower. A state is recognized by a fingerprint: per node, whether it is
// up, its incarnation, its disk (sim.Disk.Digest) and its state
// (sim.Sim.NodeFingerprint), which a protocol's node gives by a
// Fingerprint() uint64 method (sim.Fingerprinter: single-decree Paxos and
// MultiPaxos have one; it is cached until the node runs again) and any
// other node falls back to the
// digest of everything its incarnation handled (sim.Sim.InputDigest: sound, but it tells apart states that
// reached the same node state by different inputs); the events pending (a
// multiset: latency is abstracted away, so any pending event may run
// next); the client history and the layer histories up to the order of
// their events (what their checks depend on, not the times); what the
// invariant checkers remember (runner.World.CheckerDigest); and the fault
// budgets spent. A node's Fingerprint leaves its random stream out, which
// is sound for a node that draws only delays from it (time is abstracted
// away), as Paxos's servers do.
//
// Time is abstracted away: any pending message may be delivered next, on
// any link, and any armed timer may fire next (a timer firing early is a
// legal behaviour of an asynchronous system). Server timers fire at most
// Config.Timers times on a path: 0, the default, is stateright's model of
// Paxos, with servers that never time out; MultiPaxos needs some to elect
// a leader. The timers of clients never fire unless Config.ClientTimers is
// set: with no message lost an answer always comes, and client retries
// would multiply the states without testing the servers more. A state in
// which some server promised or leads at a ballot above Config.MaxRound is
// checked but not expanded. Together these bound the search.
//
// The search is breadth first: a state is expanded only after every state
// closer to the start, so the first violation found has a shortest path.
// The snapshot search skips the choices that sleep sets prove lead to a
// state it has found already (two steps of different nodes that commute,
// taken in the other order elsewhere: reduce.go); it finds exactly the
// states, depths and first violation it would find taking them, and
// Result.Slept counts them (Config.NoReduction takes them all).
// By re-execution, expanding a state re-executes its path once per
// choice, but one: the first choice of a new state is taken while its
// world is at hand, and its outcome kept until the state's turn comes.
//
// Config.Progress adds a bounded liveness check: a complete search in
// which no state had every client's workload done fails with no-progress.
// The bounds may be what stalls it (see explorer.stuck): its replay, in
// time, tells.
//
// A counterexample is a runner.Params whose Schedule is the script of
// choices: `paxossim replay -plan params.json` runs it again through the
// ordinary run path, which then goes on in the default order until the
// clients finish and judges the run as any other.
package explore

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime/debug"
	"slices"
	"time"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// Config is one exhaustive search.
type Config struct {
	// Params is the world: protocol, mutant, servers, workload, seed (the
	// nodes' random streams and the clients' draws come from it). Its
	// Schedule is ignored and its plan must have no faults.
	Params runner.Params
	// MaxRound bounds the ballots: a state in which a server promised a
	// ballot whose round is above it is checked but not expanded. 0: no
	// bound.
	MaxRound uint64
	// Drops, Dups and Crashes are the fault budgets of a path: messages
	// lost in flight, messages duplicated, and server crashes (a crashed
	// server may be restarted at any later choice).
	Drops, Dups, Crashes int
	// Timers bounds the server timer firings of a path (timeouts,
	// retries, heartbeats); -1: no bound. 0, no server timer ever fires,
	// is stateright's model of Paxos: servers that never time out.
	Timers int
	// ClientTimers lets clients' timers (request timeouts, retries) fire.
	ClientTimers bool
	// NoLayers leaves the layer histories of a layered protocol out: they
	// are neither checked nor part of the state. The order of every
	// server's layer calls and returns is state for the layer checks, and
	// it multiplies the states many times over; without them the search
	// checks what stateright's model checks (the client history and the
	// invariants).
	NoLayers bool
	// MaxDepth bounds the length of a path (0: no bound); MaxStates the
	// unique states (0: no bound). A search cut by either is not
	// complete.
	MaxDepth, MaxStates int
	// CheckBudget bounds each linearizability search, in model steps (0:
	// Params.Checks.CheckBudget).
	CheckBudget int64
	// Progress adds a bounded liveness check: once every state within
	// the bounds was explored, some state must have every client
	// finished. A protocol that cannot complete the workload on any path
	// within the bounds (a leader that never commits) fails it with
	// no-progress. The bounds must leave a correct protocol room to
	// finish (enough Timers for an election, say).
	Progress bool
	// OnProgress, if set, is called with the result so far after each
	// state is expanded.
	OnProgress func(Result)
	// NoSnapshots makes the search re-execute every state's path from the
	// start, as it must for a world that cannot be copied (a node without
	// sim.Cloner); by default it copies worlds when it can (snapshot.go).
	// Both count the same states.
	NoSnapshots bool
	// MaxSnapshots bounds the worlds a snapshot search keeps at once (0:
	// DefaultMaxSnapshots); past it, a state's world is made again from
	// its nearest ancestor's when its turn comes.
	MaxSnapshots int
	// NoReduction makes the snapshot search take every choice of every
	// state. By default it skips the choices its sleep sets prove lead to
	// a state it has found (reduce.go), which finds the same states.
	NoReduction bool
}

// Result is what a search found.
type Result struct {
	// States counts the unique states (the initial one included),
	// Transitions the choices taken (to new states or seen ones), Steps
	// the kernel steps run, re-execution included.
	States, Transitions int
	Steps               int64
	// Depth is the length of the longest path to a new state.
	Depth int
	// Pruned counts states beyond the ballot bound, checked but not
	// expanded.
	Pruned int
	// Finished is set once a state had every client's workload done.
	Finished bool
	// Complete is set when every state within the bounds was explored:
	// no violation exists within them.
	Complete bool
	// Wall is the search's wall time, for the report only.
	Wall time.Duration
	// Snapshots is set when the search copied worlds instead of
	// re-executing paths; Fallback says why it did not (empty when it
	// did, or when Config.NoSnapshots asked it not to). Clones counts the
	// worlds copied, Redone the choices taken again to make the world of
	// a state whose own was not kept.
	Snapshots      bool
	Fallback       string
	Clones, Redone int64
	// Slept counts the choices the sleep sets skipped (reduce.go): each
	// would have led to a state already found. Transitions plus Slept is
	// what a search without them takes.
	Slept int
	// Violation is the first violation found, on a shortest path.
	Violation *Violation
}

// StatesPerSecond is unique states per second of wall time.
func (r *Result) StatesPerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.States) / r.Wall.Seconds()
}

// Violation is a failed check with the path that reaches it.
type Violation struct {
	Failure runner.Failure
	Path    []sim.Choice
	// Params replays it: Config.Params with the path as its script.
	Params runner.Params
}

// Explore runs the search.
func Explore(cfg Config) (Result, error) {
	e, err := newExplorer(cfg)
	if err != nil {
		return Result{}, err
	}
	// A search allocates a world's worth of small objects per choice and
	// keeps little of it: a garbage collector that lets the heap grow to
	// five times what is live (not twice) collects a quarter as often,
	// which makes a search about a third faster; a soft limit keeps a
	// large search's heap from growing that far. The settings are the
	// process's, so they are restored after, and left alone if GOGC or
	// GOMEMLIMIT was set.
	if os.Getenv("GOGC") == "" {
		if old := debug.SetGCPercent(searchGCPercent); old > searchGCPercent {
			debug.SetGCPercent(old)
		} else {
			defer debug.SetGCPercent(old)
		}
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if old := debug.SetMemoryLimit(-1); old > searchMemoryLimit {
			debug.SetMemoryLimit(searchMemoryLimit)
			defer debug.SetMemoryLimit(old)
		}
	}
	start := time.Now()
	err = e.run()
	e.res.Wall = time.Since(start)
	return e.res, err
}

// searchGCPercent is the garbage collector's target while a search runs,
// and searchMemoryLimit the soft limit of the heap then.
const (
	searchGCPercent   = 400
	searchMemoryLimit = 4 << 30
)

type explorer struct {
	cfg     Config
	proto   *protocol.Protocol
	model   spec.Model
	servers int
	nodes   int
	budget  int64
	// seen maps each state found to its place in the snapshot search's
	// levels (reduce.go), or to noRef.
	seen seenSet
	// verdicts caches linearizability verdicts by history digest: many
	// states share a history.
	verdicts map[uint64]*runner.Failure
	values   map[any]uint64
	res      Result
	snap     *snapshots // the snapshot search's state, when it copies worlds
	one      oneChoice  // apply's chooser
	// scratch
	hs stateHistories
	// choiceBuf is the memory of the last choices listed: a search
	// expands one state at a time, and keeps no state's choices; taken
	// the memory of the sleepers of the state being expanded.
	choiceBuf []choice
	taken     []sleeper
	sleepBuf  []uint64
	// layered is set when the servers' layer histories are recorded;
	// layerSalts digest the protocol's layers' names.
	layered    bool
	layerSalts []uint64
}

func newExplorer(cfg Config) (*explorer, error) {
	p := cfg.Params
	p.Schedule = nil
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if len(p.Plan.Faults) > 0 {
		return nil, fmt.Errorf("explore: the plan has %d faults: faults are choices of the search (Drops, Dups, Crashes)", len(p.Plan.Faults))
	}
	if !p.Checks.CorrectnessOnly {
		return nil, errors.New("explore: the params must be correctness-only: a search abstracts time away, so it checks safety, not liveness")
	}
	for _, b := range []struct {
		name     string
		v, least int64
	}{{"drops", int64(cfg.Drops), 0}, {"dups", int64(cfg.Dups), 0}, {"crashes", int64(cfg.Crashes), 0}, {"timers", int64(cfg.Timers), -1},
		{"max depth", int64(cfg.MaxDepth), 0}, {"max states", int64(cfg.MaxStates), 0}, {"check budget", cfg.CheckBudget, 0},
		{"max snapshots", int64(cfg.MaxSnapshots), 0}} {
		if b.v < b.least {
			return nil, fmt.Errorf("explore: %s = %d: must be >= %d", b.name, b.v, b.least)
		}
	}
	proto, err := protocol.Lookup(p.Protocol)
	if err != nil {
		return nil, err
	}
	sp, err := spec.Lookup(proto.Spec)
	if err != nil {
		return nil, err
	}
	cfg.Params = p
	budget := cfg.CheckBudget
	if budget == 0 {
		budget = p.Checks.CheckBudget
	}
	var salts []uint64
	for _, l := range proto.Layers {
		salts = append(salts, sim.HashString(l.Name))
	}
	return &explorer{cfg: cfg, proto: proto, layerSalts: salts, model: sp.Model(), servers: p.Servers, nodes: p.Servers + p.Workload.Clients,
		layered: !cfg.NoLayers && len(proto.Layers) > 0,
		budget:  budget, verdicts: map[uint64]*runner.Failure{}, values: map[any]uint64{}}, nil
}

// world re-executes path from the start, checking after every step, and
// returns the world at its end.
func (e *explorer) world(path []sim.Choice) (*runner.World, *runner.Failure, error) {
	sc := sim.NewScript(path)
	w, err := runner.NewWorld(e.cfg.Params, sc, runner.Options{DiscardLayers: e.cfg.NoLayers, ValueDigest: e.valueDigest})
	if err != nil {
		return nil, nil, err
	}
	if f := w.Check(); f != nil || len(path) == 0 {
		return w, f, nil
	}
	s := w.Sim()
	before := s.Stats().Steps
	var failure *runner.Failure
	out := s.Run(sim.Time(runner.MaxSimulated), func() bool {
		if f := w.Check(); f != nil {
			failure = f
			return true
		}
		return sc.Remaining() == 0
	})
	e.res.Steps += s.Stats().Steps - before
	if failure == nil && out != sim.OutcomeStopped {
		if out == sim.OutcomePanic {
			return w, &runner.Failure{Check: runner.CheckPanic, Fact: s.Err().Error()}, nil
		}
		return nil, nil, fmt.Errorf("explore: the path %v ended with %v before its last choice", path, out)
	}
	return w, failure, nil
}

// pathState is a path and the budgets it spent, and what was learned of
// its first choice while its world was at hand.
type pathState struct {
	path  []sim.Choice
	spent spent
	ahead *lookahead
}

// spent counts are int32: no path is 2^31 choices long, and a state of
// the frontier is smaller for it.
type spent struct{ drops, dups, crashes, timers int32 }

// lookahead holds a state's choices and the outcome of the first, taken
// when the state was found (its world was built then), so that expanding
// it later re-executes its path once fewer. The outcome is only looked at
// when the state is expanded, in breadth-first order, so the shortest
// counterexample stays the shortest.
type lookahead struct {
	choices []choice
	first   outcome
}

// outcome is what taking one choice led to.
type outcome struct {
	fp       uint64
	failure  *runner.Failure
	finished bool
	beyond   bool
}

// step takes choice ch in w and judges the state it leads to.
func (e *explorer) step(w *runner.World, ch choice) (outcome, error) {
	f, err := e.apply(w, ch.Choice)
	if err != nil {
		return outcome{}, err
	}
	h := e.histories(w)
	if f == nil {
		f = e.judgeHistories(h)
	}
	return outcome{fp: e.fingerprintWith(w, ch.spent, h), failure: f, finished: w.ClientsDone(), beyond: e.beyondBound(w)}, nil
}

// stateHistories is a state's client and layer histories with their
// digests, made once for both the state's verdict and its fingerprint.
// The digests are the world's (runner.World.HistoryDigest and
// LayerDigestsInto, kept until a history changes); the histories
// themselves are read only when a verdict is not cached.
type stateHistories struct {
	w            *runner.World
	ops          []spec.Operation // w's history once haveOps
	haveOps      bool
	digest       uint64
	layers       []runner.LayerHistory // w's layer histories once haveLayers
	haveLayers   bool
	layerDigests []uint64 // by the protocol's layers; none with Config.NoLayers
}

// operations is the client history.
func (h *stateHistories) operations() []spec.Operation {
	if !h.haveOps {
		h.ops, h.haveOps = h.w.HistoryInto(h.ops), true
	}
	return h.ops
}

// layerOps is the history of the protocol's layer i.
func (h *stateHistories) layerOps(i int) []spec.Operation {
	if !h.haveLayers {
		h.layers, h.haveLayers = h.w.Layers(), true
	}
	return h.layers[i].Ops
}

func (e *explorer) histories(w *runner.World) *stateHistories {
	h := &e.hs
	h.w, h.haveOps, h.layers, h.haveLayers = w, false, nil, false
	h.digest = w.HistoryDigest()
	h.layerDigests = h.layerDigests[:0]
	if !e.cfg.NoLayers {
		h.layerDigests = w.LayerDigestsInto(h.layerDigests)
	}
	return h
}

func (e *explorer) run() error {
	w, f, err := e.world(nil)
	if err != nil {
		return err
	}
	if f == nil {
		f = e.judge(w)
	}
	if !e.cfg.NoSnapshots {
		if err := w.CloneCheck(); err != nil {
			e.res.Fallback = err.Error()
		} else {
			return e.runSnapshots(w, outcome{fp: e.fingerprint(w, spent{}), failure: f, finished: w.ClientsDone()})
		}
	}
	e.seen.put(e.fingerprint(w, spent{}), noRef)
	e.res.States = 1
	e.res.Finished = w.ClientsDone()
	if f != nil {
		e.violation(*f, nil)
		return nil
	}
	frontier := []pathState{{}}
	cut := false // a path stopped at MaxDepth
	for len(frontier) > 0 {
		var next []pathState
		for _, ps := range frontier {
			if e.cfg.MaxDepth > 0 && len(ps.path) >= e.cfg.MaxDepth {
				cut = true
				continue
			}
			var err error
			next, err = e.expand(ps, next)
			if err != nil {
				return err
			}
			if e.res.Violation != nil || e.cfg.MaxStates > 0 && e.res.States >= e.cfg.MaxStates {
				return nil
			}
			if e.cfg.OnProgress != nil {
				e.cfg.OnProgress(e.res)
			}
		}
		frontier = next
	}
	e.res.Complete = !cut
	if e.res.Complete && e.cfg.Progress && !e.res.Finished {
		e.stuck()
	}
	return nil
}

// expand takes every choice of ps's state and appends the new states to
// next.
func (e *explorer) expand(ps pathState, next []pathState) ([]pathState, error) {
	var parent *runner.World // ps's world, unused
	var choices []choice
	if ps.ahead != nil {
		choices = ps.ahead.choices
	} else {
		var err error
		if parent, _, err = e.world(ps.path); err != nil {
			return next, err
		}
		choices = e.choices(parent, ps.spent)
	}
	for i, ch := range choices {
		child := pathState{path: append(slices.Clip(ps.path), ch.Choice), spent: ch.spent}
		var w *runner.World // the child's world, if it was built
		var o outcome
		if i == 0 && ps.ahead != nil {
			o = ps.ahead.first
		} else {
			w = parent
			parent = nil
			if w == nil {
				var err error
				if w, _, err = e.world(ps.path); err != nil {
					return next, err
				}
			}
			var err error
			if o, err = e.step(w, ch); err != nil {
				return next, err
			}
		}
		e.res.Transitions++
		if _, dup := e.seen.get(o.fp); dup {
			continue
		}
		e.seen.put(o.fp, noRef)
		e.res.States++
		e.res.Depth = max(e.res.Depth, len(child.path))
		e.res.Finished = e.res.Finished || o.finished
		if o.failure != nil {
			e.violation(*o.failure, child.path)
			return next, nil
		}
		if e.cfg.MaxStates > 0 && e.res.States >= e.cfg.MaxStates {
			return next, nil
		}
		if o.beyond {
			e.res.Pruned++
			continue
		}
		if w != nil && (e.cfg.MaxDepth == 0 || len(child.path) < e.cfg.MaxDepth) {
			la := &lookahead{choices: e.choices(w, child.spent)}
			if len(la.choices) > 0 {
				var err error
				if la.first, err = e.step(w, la.choices[0]); err != nil {
					return next, err
				}
			}
			child.ahead = la
		}
		next = append(next, child)
	}
	return next, nil
}

// stuck reports that no path within the bounds finishes the workload. Its
// replay is the same world, unscripted, with a heal phase from the start,
// so that the ordinary run's liveness check judges it in time, where
// timers fire as they come due: a protocol that cannot make progress
// fails it, and one that was stalled only by the bounds (too few timer
// firings to elect a leader, say) passes, which says the bounds are too
// tight.
func (e *explorer) stuck() {
	p := e.cfg.Params
	p.Checks.CorrectnessOnly = false
	p.HealAt = 0
	p.Plan = faults.Plan{Name: "none"}.WithHeal(0)
	f := runner.Failure{Check: runner.CheckLiveness, Fact: fmt.Sprintf(
		"no path within the bounds lets every client finish: %d states explored, none with every operation answered (max round %d, %d timer firings per path)",
		e.res.States, e.cfg.MaxRound, e.cfg.Timers)}
	if err := p.Validate(); err != nil {
		f.Fact += fmt.Sprintf(" (no replay: %v)", err)
		p = e.cfg.Params
	}
	e.res.Violation = &Violation{Failure: f, Params: p}
}

// apply takes one choice in w and checks the state it leads to.
func (e *explorer) apply(w *runner.World, c sim.Choice) (*runner.Failure, error) {
	s := w.Sim()
	sc := s.Chooser()
	e.one = oneChoice{c: c}
	s.SetChooser(&e.one)
	defer s.SetChooser(sc)
	before := s.Stats().Steps
	out := s.Run(sim.Time(runner.MaxSimulated), func() bool { return true })
	e.res.Steps += s.Stats().Steps - before
	if f := w.Check(); f != nil {
		return f, nil
	}
	if out != sim.OutcomeStopped {
		return nil, fmt.Errorf("explore: choice %v ended the run with %v", c, out)
	}
	return nil, nil
}

// oneChoice is a chooser that makes one choice: the explorer's, installed
// for one step and then taken out again (a world's own chooser is the
// script it was built with, which a snapshot copies).
type oneChoice struct {
	c    sim.Choice
	made bool
}

func (*oneChoice) Window() sim.Duration { return -1 }

// Preset implements sim.PresetChooser: the kernel need not list the
// candidates for the one choice.
func (o *oneChoice) Preset() (sim.Choice, bool) { return o.Choose(nil, nil), true }

func (o *oneChoice) Choose(_ *sim.Sim, cands []sim.Candidate) sim.Choice {
	if o.made {
		// Run stops after the first step; a second choice is a bug.
		panic("explore: a step asked for a second choice")
	}
	o.made = true
	return o.c
}

func (*oneChoice) Coin(s *sim.Sim, _ sim.CoinKind, p float64) bool {
	return s.NetworkRand().Float64() < p
}

// choice is a choice and the budgets spent once it is taken.
type choice struct {
	sim.Choice
	spent spent
	// event digests the candidate a run takes (sim.CandidateDigest; 0
	// for any other choice), and to is the node it is for: what the sleep
	// sets look at (reduce.go).
	event uint64
	to    sim.NodeID
}

// choices lists what may happen next in w, whose path spent sp.
func (e *explorer) choices(w *runner.World, sp spent) []choice { return e.choicesInto(nil, w, sp) }

// choicesInto is choices into buf's memory.
func (e *explorer) choicesInto(buf []choice, w *runner.World, sp spent) []choice {
	s := w.Sim()
	cands := s.Candidates()
	out := buf[:0]
	add := func(kind sim.ChoiceKind, i int, after spent) {
		ch := choice{Choice: sim.Choice{Kind: kind, Index: i}, spent: after, to: -1}
		if kind != sim.ChooseCrash && kind != sim.ChooseRestart {
			ch.to = cands[i].To
		}
		if kind == sim.ChooseRun && !e.cfg.NoReduction {
			ch.event = sim.CandidateDigest(&cands[i])
		}
		out = append(out, ch)
	}
	for i, c := range cands {
		if c.Kind == sim.EventTimer {
			if int(c.To) >= e.servers {
				if e.cfg.ClientTimers {
					add(sim.ChooseRun, i, sp)
				}
			} else if e.cfg.Timers < 0 || int(sp.timers) < e.cfg.Timers {
				after := sp
				after.timers++
				add(sim.ChooseRun, i, after)
			}
			continue
		}
		add(sim.ChooseRun, i, sp)
		if int(sp.drops) < e.cfg.Drops {
			after := sp
			after.drops++
			add(sim.ChooseDrop, i, after)
		}
		if int(sp.dups) < e.cfg.Dups {
			after := sp
			after.dups++
			add(sim.ChooseDuplicate, i, after)
		}
	}
	if len(cands) == 0 {
		return out // the kernel asks the chooser only when an event is pending
	}
	for id := 0; id < e.servers; id++ {
		up := s.Up(sim.NodeID(id))
		if up && int(sp.crashes) < e.cfg.Crashes {
			after := sp
			after.crashes++
			add(sim.ChooseCrash, id, after)
		}
		if !up {
			add(sim.ChooseRestart, id, sp)
		}
	}
	return out
}

// beyondBound reports a state in which a server promised a ballot above
// the bound.
func (e *explorer) beyondBound(w *runner.World) bool {
	if e.cfg.MaxRound == 0 {
		return false
	}
	s := w.Sim()
	for id := 0; id < e.servers; id++ {
		n := s.Node(sim.NodeID(id))
		if n == nil {
			continue
		}
		v := e.proto.View(n)
		if b, ok := v.Leading(); ok && b.Round > e.cfg.MaxRound {
			return true
		}
		if lv, ok := v.(protocol.LogView); ok && lv.Promised().Round > e.cfg.MaxRound {
			return true
		}
	}
	return false
}

// fingerprint digests the state of w (see the package doc) and the budgets
// its path spent.
func (e *explorer) fingerprint(w *runner.World, sp spent) uint64 {
	return e.fingerprintWith(w, sp, e.histories(w))
}

func (e *explorer) fingerprintWith(w *runner.World, sp spent, hs *stateHistories) uint64 {
	s := w.Sim()
	h := sim.Mix(uint64(e.nodes))
	for id := 0; id < e.nodes; id++ {
		n := sim.NodeID(id)
		state := s.NodeFingerprint(n)
		up := uint64(0)
		if s.Node(n) != nil {
			up = 1
		}
		h = sim.Mix(h, up, uint64(s.Incarnation(n)), state, s.Disk(n).Digest())
	}
	h = sim.Mix(h, s.PendingDigest(), w.CheckerDigest(), hs.digest,
		uint64(sp.drops), uint64(sp.dups), uint64(sp.crashes), uint64(sp.timers))
	for i, d := range hs.layerDigests {
		h = sim.Mix(h, e.layerSalts[i], d)
	}
	return h
}

// valueDigest digests an operation's input or output by its printed form,
// which the spec's values print in full. Values of comparable types are
// printed once.
func (e *explorer) valueDigest(v any) uint64 {
	if v == nil || !reflect.TypeOf(v).Comparable() {
		return runner.ValueDigest(v)
	}
	if d, ok := e.values[v]; ok {
		return d
	}
	d := runner.ValueDigest(v)
	if len(e.values) < maxCachedValues {
		e.values[v] = d
	}
	return d
}

// maxCachedValues bounds the digest cache: a workload has few values.
const maxCachedValues = 1 << 16

// judge checks the client history and each layer's history for
// linearizability, as a run's end does, with verdicts cached by history.
func (e *explorer) judge(w *runner.World) *runner.Failure { return e.judgeHistories(e.histories(w)) }

func (e *explorer) judgeHistories(h *stateHistories) *runner.Failure {
	if f := e.judgeOne(e.model, h.operations, 0, h.digest, func(expl string) *runner.Failure {
		return &runner.Failure{Check: runner.CheckLinearizability, Fact: expl}
	}); f != nil {
		return f
	}
	for i, d := range h.layerDigests {
		name := e.proto.Layers[i].Name
		if f := e.judgeOne(e.proto.Layers[i].Model, func() []spec.Operation { return h.layerOps(i) }, e.layerSalts[i], d, func(expl string) *runner.Failure {
			return &runner.Failure{Check: runner.CheckLayer, Fact: fmt.Sprintf("layer %s: %s", name, expl)}
		}); f != nil {
			return f
		}
	}
	return nil
}

// judgeOne judges the history ops returns, unless its verdict is cached.
func (e *explorer) judgeOne(m spec.Model, ops func() []spec.Operation, salt, digest uint64, fail func(string) *runner.Failure) *runner.Failure {
	key := sim.Mix(salt, digest)
	if f, ok := e.verdicts[key]; ok {
		return f
	}
	r := lincheck.Judge(m, ops(), lincheck.Options{Budget: e.budget})
	var f *runner.Failure
	switch r.Verdict {
	case lincheck.Violation:
		f = fail(r.Explanation)
	case lincheck.Unknown:
		// Never a pass: a search that could not judge a state did not
		// explore it.
		f = &runner.Failure{Check: runner.CheckUnknown, Fact: r.Explanation + "; raise the check budget"}
	}
	e.verdicts[key] = f
	return f
}

func (e *explorer) violation(f runner.Failure, path []sim.Choice) {
	p := e.cfg.Params
	sched := &sim.Schedule{Kind: sim.ScheduleScript, Choices: make([]string, len(path))}
	for i, c := range path {
		sched.Choices[i] = c.String()
	}
	p.Schedule = sched
	e.res.Violation = &Violation{Failure: f, Path: slices.Clone(path), Params: p}
}
