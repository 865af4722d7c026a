package sim

import (
	"fmt"
)

// Schedule names a run's scheduler as a saved run (params.json) holds it:
// absent is the seeded default; "pct" is PCT scheduling (PCT); "script" is a
// fixed list of choices, which is how an exhaustive search hands back a
// counterexample that the ordinary replay runs again.
type Schedule struct {
	Kind string `json:"kind"`
	// PCT: Depth is the bug depth d the schedule aims at (d-1 priority
	// change points); Window how far past the earliest due event a
	// higher-priority event may be run first; Steps the number of choices
	// the change points are spread over.
	Depth  int      `json:"depth,omitempty"`
	Window Duration `json:"window,omitempty"`
	Steps  int64    `json:"steps,omitempty"`
	// DefaultEvery mixes PCT with the default order per seed: a seed that
	// is a multiple of it keeps the default order, as if it had no
	// schedule, and the others run PCT. A sweep over consecutive seeds
	// then alternates the two, which bounds what PCT can lose on a bug the
	// default order finds fast (DefaultEvery 2: at most about twice its
	// seeds) while keeping most of what it gains on rare orderings. 0: PCT
	// on every seed.
	DefaultEvery uint64 `json:"default_every,omitempty"`
	// Script: the choices, as Choice.String prints them. Past the last
	// one the run goes on in the default order.
	Choices []string `json:"choices,omitempty"`
}

// Schedule kinds.
const (
	SchedulePCT    = "pct"
	ScheduleScript = "script"
)

// Bounds on a schedule read from a file.
const (
	MaxPCTDepth    = 64
	MaxPCTSteps    = 1 << 40
	MaxPCTWindow   = 10 * Second
	MaxScriptSteps = 1 << 20
	// MaxDefaultEvery bounds Schedule.DefaultEvery.
	MaxDefaultEvery = 1 << 20
)

// Validate reports a schedule that cannot run, naming the field.
func (sc *Schedule) Validate() error {
	switch sc.Kind {
	case SchedulePCT:
		if sc.Depth < 1 || sc.Depth > MaxPCTDepth {
			return fmt.Errorf("schedule: depth = %d: want 1..%d", sc.Depth, MaxPCTDepth)
		}
		if sc.Steps < 1 || sc.Steps > MaxPCTSteps {
			return fmt.Errorf("schedule: steps = %d: want 1..%d", sc.Steps, int64(MaxPCTSteps))
		}
		if sc.Window < 0 || sc.Window > MaxPCTWindow {
			return fmt.Errorf("schedule: window = %v: want 0..%v", sc.Window, MaxPCTWindow)
		}
		if len(sc.Choices) > 0 {
			return fmt.Errorf("schedule: a pct schedule has no choices (got %d)", len(sc.Choices))
		}
		if sc.DefaultEvery == 1 || sc.DefaultEvery > MaxDefaultEvery {
			return fmt.Errorf("schedule: default_every = %d: want 0 (PCT on every seed) or 2..%d", sc.DefaultEvery, MaxDefaultEvery)
		}
	case ScheduleScript:
		if sc.Depth != 0 || sc.Steps != 0 || sc.Window != 0 || sc.DefaultEvery != 0 {
			return fmt.Errorf("schedule: a script has no depth, steps, window or default_every (got %d, %d, %v, %d)", sc.Depth, sc.Steps, sc.Window, sc.DefaultEvery)
		}
		if len(sc.Choices) > MaxScriptSteps {
			return fmt.Errorf("schedule: %d choices: at most %d", len(sc.Choices), MaxScriptSteps)
		}
		for i, c := range sc.Choices {
			if _, err := ParseChoice(c); err != nil {
				return fmt.Errorf("schedule: choice %d: %w", i, err)
			}
		}
	default:
		return fmt.Errorf("schedule: kind %q: want %q or %q", sc.Kind, SchedulePCT, ScheduleScript)
	}
	return nil
}

// Chooser builds the schedule's chooser for a run of the given seed and
// number of nodes. It is nil, the default order, for a seed that a PCT
// schedule's DefaultEvery leaves in it.
func (sc *Schedule) Chooser(seed uint64, nodes int) (Chooser, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	if sc.Kind == SchedulePCT {
		if sc.DefaultEvery > 1 && seed%sc.DefaultEvery == 0 {
			return nil, nil
		}
		return NewPCT(seed, nodes, sc.Depth, sc.Steps, sc.Window), nil
	}
	choices := make([]Choice, len(sc.Choices))
	for i, c := range sc.Choices {
		choices[i], _ = ParseChoice(c) // validated above
	}
	return NewScript(choices), nil
}

// Script is a chooser that makes a fixed list of choices, among every
// pending event whatever its time, then goes on in the default order.
type Script struct {
	choices []Choice
	next    int
}

// NewScript returns a chooser that makes choices in order.
func NewScript(choices []Choice) *Script { return &Script{choices: choices} }

// Window implements Chooser: latency is abstracted away.
func (*Script) Window() Duration { return -1 }

// Preset implements PresetChooser: the script's next choice, while it
// has one.
func (sc *Script) Preset() (Choice, bool) {
	if sc.next < len(sc.choices) {
		sc.next++
		return sc.choices[sc.next-1], true
	}
	return Choice{}, false
}

// Choose implements Chooser.
func (sc *Script) Choose(_ *Sim, cands []Candidate) Choice {
	if sc.next < len(sc.choices) {
		sc.next++
		return sc.choices[sc.next-1]
	}
	return Choice{Kind: ChooseRun, Index: Earliest(cands)}
}

// Coin implements Chooser: the default flip.
func (*Script) Coin(s *Sim, _ CoinKind, p float64) bool { return s.netRand.Float64() < p }

// Remaining is the number of scripted choices not yet made.
func (sc *Script) Remaining() int { return len(sc.choices) - sc.next }

// ScriptPending reports whether the installed chooser still has scripted
// choices to make: a harness does not end a run that replays a script
// before the script is done.
func (s *Sim) ScriptPending() bool {
	sc, ok := s.chooser.(*Script)
	return ok && sc.Remaining() > 0
}
