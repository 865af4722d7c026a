// Package register is the sequential specification of a write-once
// register: the object single-decree consensus serves to clients. Put(v)
// proposes v; the first Put to take effect decides the register's value
// for good, and every Put, the first included, returns the decided value,
// so a client learns whether its own proposal won. Get returns the decided
// value, or nothing before a decision.
//
// The workload writes values unique in the run ("<client>.<n>"), so that
// an output names exactly which Put won. The whole register is one
// partition: every operation touches the same value.
package register

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// Name is the spec's registry name.
const Name = "register"

// Op is the kind of a register operation. The zero value is invalid, so
// that a codec that forgets to set it is caught rather than read as a Get.
type Op uint8

// The operations.
const (
	Get Op = iota + 1 // read the decided value; nothing before a decision
	Put               // propose Value; returns the decided value
)

var opNames = spec.Enum[Op]{Spec: "register", Type: "Op", What: "op", Of: []string{Get: "get", Put: "put"}}

func (op Op) String() string { return opNames.String(op) }

// MarshalText writes the op's name.
func (op Op) MarshalText() ([]byte, error) { return opNames.Marshal(op) }

// UnmarshalText reads the name of an op.
func (op *Op) UnmarshalText(b []byte) (err error) {
	*op, err = opNames.Unmarshal(b)
	return err
}

// Input is an operation's input. Value is Put's proposal, never empty (the
// empty value is how an output says "nothing decided"); it is empty for
// Get.
type Input struct {
	Op    Op     `json:"op"`
	Value string `json:"value,omitempty"`
}

// Output is an operation's output: the decided value, or "" for a Get
// before any decision. A Put's output is never "": once a Put takes effect
// a value is decided.
type Output struct {
	Value string `json:"value"`
}

// Spec is the write-once register specification.
type Spec struct{}

func init() { spec.Register(Spec{}) }

// Name implements spec.Spec.
func (Spec) Name() string { return Name }

// Description implements spec.Spec.
func (Spec) Description() string {
	return "a write-once register: put proposes a value and returns the decided one (the first put wins), get returns it or nothing before a decision; written values are unique in a run"
}

// Model implements spec.Spec: the state is the decided value, "" before
// a decision.
func (Spec) Model() spec.Model {
	return spec.Model{
		Init:              func() any { return "" },
		Step:              step,
		Equal:             func(a, b any) bool { return a.(string) == b.(string) },
		Hash:              func(state any) uint64 { return sim.HashString(state.(string)) },
		DescribeOperation: Describe,
		DescribeState:     describeState,
		Valid:             valid,
	}
}

// step is the sequential specification. A Put with an unknown outcome is
// applied: it may have decided its value, and placing it at the end of the
// history (where its return is) is the same as it never taking effect. A
// Get with an unknown outcome constrains nothing.
func step(state, input, output any) (bool, any) {
	decided := state.(string)
	in := input.(Input)
	_, unknown := output.(spec.Unknown)
	switch in.Op {
	case Get:
		return unknown || output.(Output).Value == decided, decided
	case Put:
		if decided == "" {
			decided = in.Value
		}
		return unknown || output.(Output).Value == decided, decided
	}
	return false, decided // unreachable after valid
}

func describeState(state any) string {
	if state.(string) == "" {
		return "undecided"
	}
	return "decided " + strconv.Quote(state.(string))
}

func valid(input, output any) error {
	in, ok := input.(Input)
	if !ok {
		return fmt.Errorf("input is %T, want register.Input", input)
	}
	switch {
	case in.Op != Get && in.Op != Put:
		return fmt.Errorf("invalid %v", in.Op)
	case in.Op == Put && in.Value == "":
		return fmt.Errorf("put of the empty value (the empty value means nothing decided)")
	case in.Op == Get && in.Value != "":
		return fmt.Errorf("get with a value (%q)", in.Value)
	}
	switch out := output.(type) {
	case spec.Unknown:
		return nil
	case Output:
		if in.Op == Put && out.Value == "" {
			return fmt.Errorf("put(%q) returned nothing: a put that took effect decides a value", in.Value)
		}
		return nil
	}
	return fmt.Errorf("output is %T, want register.Output or spec.Unknown", output)
}

// Describe prints an operation: put("1.3") -> "2.1", get() -> nothing,
// put("1.4") -> unknown.
func Describe(input, output any) string {
	in := input.(Input)
	call := "get()"
	if in.Op == Put {
		call = fmt.Sprintf("put(%q)", in.Value)
	}
	switch out := output.(type) {
	case spec.Unknown:
		return call + " -> unknown"
	case Output:
		if out.Value == "" {
			return call + " -> nothing"
		}
		return fmt.Sprintf("%s -> %q", call, out.Value)
	}
	return call
}

// DecodeInput implements spec.Spec.
func (Spec) DecodeInput(raw json.RawMessage) (any, error) {
	var in Input
	if err := spec.DecodeStrict(raw, &in); err != nil {
		return nil, fmt.Errorf("register input: %v", err)
	}
	if in.Op == 0 {
		return nil, fmt.Errorf("register input: no op")
	}
	return in, nil
}

// DecodeOutput implements spec.Spec.
func (Spec) DecodeOutput(raw json.RawMessage) (any, error) {
	var out Output
	if err := spec.DecodeStrict(raw, &out); err != nil {
		return nil, fmt.Errorf("register output: %v", err)
	}
	return out, nil
}

// WorkloadConfig is the register workload: the operation mix as weights
// (an operation is drawn with probability weight/sum). Puts make proposers
// contend for the decision; gets read it, and before a decision read that
// there is none.
type WorkloadConfig struct {
	Get int `json:"get"`
	Put int `json:"put"`
}

// DefaultWorkload is the named scenarios' mix: as many gets as puts.
var DefaultWorkload = WorkloadConfig{Get: 1, Put: 1}

// maxWeight bounds a weight, so that their sum cannot overflow.
const maxWeight = 1 << 20

// Validate names the first bad field.
func (w WorkloadConfig) Validate() error {
	switch {
	case w.Get < 0 || w.Put < 0 || w.Get > maxWeight || w.Put > maxWeight:
		return fmt.Errorf("register workload: weights (get %d, put %d) must be in 0..%d", w.Get, w.Put, maxWeight)
	case w.Get+w.Put == 0:
		return fmt.Errorf("register workload: the weights are all 0")
	}
	return nil
}

func (w WorkloadConfig) raw() json.RawMessage {
	b, err := json.Marshal(w)
	if err != nil {
		panic(err)
	}
	return b
}

// Workload implements spec.Spec.
func (Spec) Workload(raw json.RawMessage) (spec.Workload, error) {
	w := DefaultWorkload
	if !spec.IsDefault(raw) {
		if err := spec.DecodeStrict(raw, &w); err != nil {
			return nil, fmt.Errorf("register workload: %v", err)
		}
		if err := spec.RequireFields(raw, "get", "put"); err != nil {
			return nil, fmt.Errorf("register workload: %v", err)
		}
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return workload{w}, nil
}

// mixes are operation mixes (get, put) from simplest to richest: puts only
// (every operation contends for the decision), then gets among them.
var mixes = []WorkloadConfig{{Get: 0, Put: 1}, {Get: 1, Put: 1}, {Get: 1, Put: 2}, {Get: 2, Put: 1}}

// Variants implements spec.Spec.
func (Spec) Variants() []json.RawMessage {
	out := make([]json.RawMessage, len(mixes))
	for i, m := range mixes {
		out[i] = m.raw()
	}
	return out
}

type workload struct{ w WorkloadConfig }

func (w workload) Config() json.RawMessage { return w.w.raw() }

func (w workload) String() string { return fmt.Sprintf("mix=get:%d,put:%d", w.w.Get, w.w.Put) }

// Next draws the operation. Every proposed value is unique in the run:
// "<client>.<n>".
func (w workload) Next(r *rand.Rand, client sim.NodeID, n int) any {
	if r.IntN(w.w.Get+w.w.Put) < w.w.Get {
		return Input{Op: Get}
	}
	return Input{Op: Put, Value: strconv.Itoa(int(client)) + "." + strconv.Itoa(n)}
}

// Simpler implements spec.Workload: a mix with gets simplifies to puts
// only, which is where a safety bug of consensus shows (two puts told of
// different decisions); a mix of gets only has nothing simpler.
func (w workload) Simpler() []json.RawMessage {
	if w.w.Get == 0 || w.w.Put == 0 {
		return nil
	}
	return []json.RawMessage{WorkloadConfig{Get: 0, Put: 1}.raw()}
}
