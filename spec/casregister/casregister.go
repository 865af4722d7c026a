// Package casregister is the sequential specification of a single
// read/write/compare-and-swap register: the object of the classic Jepsen
// register workload, checkable on any history, including one read from a
// Jepsen or Knossos log (package jepsenlog). The register starts empty
// (nil); a write sets it; a compare-and-swap sets it to a new value only if
// it holds the expected one.
//
// Values are strings, printed as they came (Jepsen writes small integers,
// "3"); the empty string is not a value but nil, the register's initial
// state, so that nothing can write it. The whole register is one partition.
//
// Jepsen's values repeat, so its histories are judged by porcupine's
// search. This package's own workload writes values unique in the run
// ("<client>.<n>"), and then every read names the one write it observed,
// which lets the exact checker (package lincheck) judge any concurrency
// without search.
package casregister

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// Name is the spec's registry name.
const Name = "cas-register"

// Op is the kind of an operation. The zero value is invalid, so that a
// codec that forgets to set it is caught rather than read as a Read.
type Op uint8

// The operations.
const (
	Read  Op = iota + 1 // read the value; nil ("") before any write
	Write               // set the value to Value
	CAS                 // if the value is Expect, set it to Value; report whether it swapped
)

var opNames = spec.Enum[Op]{Spec: "cas-register", Type: "Op", What: "op", Of: []string{Read: "read", Write: "write", CAS: "cas"}}

func (op Op) String() string { return opNames.String(op) }

// MarshalText writes the op's name.
func (op Op) MarshalText() ([]byte, error) { return opNames.Marshal(op) }

// UnmarshalText reads the name of an op.
func (op *Op) UnmarshalText(b []byte) (err error) {
	*op, err = opNames.Unmarshal(b)
	return err
}

// Input is an operation's input. Value is what Write writes and what CAS
// swaps in, never empty (empty is nil, which nothing writes); Expect is
// the value CAS expects ("": nil, the register untouched). Both are empty
// for Read.
type Input struct {
	Op     Op     `json:"op"`
	Value  string `json:"value,omitempty"`
	Expect string `json:"expect,omitempty"`
}

// Output is an operation's output: the value a Read returned ("": nil);
// whether a CAS swapped; nothing for Write.
type Output struct {
	Value string `json:"value,omitempty"`
	OK    bool   `json:"ok,omitempty"`
}

// Spec is the compare-and-swap register specification.
type Spec struct{}

func init() { spec.Register(Spec{}) }

// Name implements spec.Spec.
func (Spec) Name() string { return Name }

// Description implements spec.Spec.
func (Spec) Description() string {
	return "a single register: read, write and compare-and-swap, starting at nil (Jepsen's cas-register); written values are unique in a run"
}

// Model implements spec.Spec: the state is the register's value, "" for
// nil.
func (Spec) Model() spec.Model {
	return spec.Model{
		Init:              func() any { return "" },
		Step:              step,
		Equal:             func(a, b any) bool { return a.(string) == b.(string) },
		Hash:              func(state any) uint64 { return sim.HashString(state.(string)) },
		DescribeOperation: Describe,
		DescribeState:     func(state any) string { return show(state.(string)) },
		Valid:             valid,
		Access:            access,
	}
}

// step is the sequential specification. A write or compare-and-swap of
// unknown outcome is applied as if it took effect: the checker keeps it
// open to the end of the history, where taking effect is the same as never
// having happened. A read of unknown outcome constrains nothing.
func step(state, input, output any) (bool, any) {
	st := state.(string)
	in := input.(Input)
	_, unknown := output.(spec.Unknown)
	switch in.Op {
	case Read:
		return unknown || output.(Output).Value == st, st
	case Write:
		return true, in.Value
	case CAS:
		swaps := st == in.Expect
		if !unknown && output.(Output).OK != swaps {
			return false, st
		}
		if swaps {
			return true, in.Value
		}
		return true, st
	}
	return false, st // unreachable after valid
}

// access describes an operation for the exact checker. A compare-and-swap
// that did not swap says only that the value was not the one it expected,
// which names no write: it cannot be described, and its history goes to
// the search.
func access(input, output any) (spec.Access, bool) {
	in := input.(Input)
	out, known := output.(Output)
	var a spec.Access
	switch in.Op {
	case Read:
		if known {
			a.Observes, a.Observed = true, observed(out.Value)
		}
	case Write:
		a.Write, a.Value = spec.Replace, in.Value
	case CAS:
		if known && !out.OK {
			return a, false
		}
		// Swapped, or unknown: if it took effect, it swapped what it expected.
		a.Observes, a.Observed, a.Write, a.Value = true, observed(in.Expect), spec.Swap, in.Value
	}
	return a, true
}

// observed is the state a value names: nil is the initial state.
func observed(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

func valid(input, output any) error {
	in, ok := input.(Input)
	if !ok {
		return fmt.Errorf("input is %T, want casregister.Input", input)
	}
	switch {
	case in.Op < Read || in.Op > CAS:
		return fmt.Errorf("invalid %v", in.Op)
	case in.Op == Read && (in.Value != "" || in.Expect != ""):
		return fmt.Errorf("read with arguments (value %q, expect %q)", in.Value, in.Expect)
	case in.Op != Read && in.Value == "":
		return fmt.Errorf("%v of nil: nothing writes nil, the register's initial state", in.Op)
	case in.Op == Write && in.Expect != "":
		return fmt.Errorf("write with an expected value (%q)", in.Expect)
	}
	switch out := output.(type) {
	case spec.Unknown:
		return nil
	case Output:
		switch {
		case in.Op != Read && out.Value != "":
			return fmt.Errorf("%v returned a value (%q)", in.Op, out.Value)
		case in.Op != CAS && out.OK:
			return fmt.Errorf("%v returned ok (only cas does)", in.Op)
		}
		return nil
	}
	return fmt.Errorf("output is %T, want casregister.Output or spec.Unknown", output)
}

// show prints a value as it came, nil for the initial state.
func show(v string) string {
	if v == "" {
		return "nil"
	}
	return v
}

// Describe prints an operation: read() -> 3, read() -> nil, write(4),
// cas(3, 4) -> ok, cas(3, 4) -> failed, write(1) -> unknown.
func Describe(input, output any) string {
	in := input.(Input)
	var call string
	switch in.Op {
	case Read:
		call = "read()"
	case Write:
		call = fmt.Sprintf("write(%s)", show(in.Value))
	case CAS:
		call = fmt.Sprintf("cas(%s, %s)", show(in.Expect), show(in.Value))
	default:
		call = in.Op.String()
	}
	switch out := output.(type) {
	case spec.Unknown:
		return call + " -> unknown"
	case Output:
		switch {
		case in.Op == Read:
			return call + " -> " + show(out.Value)
		case in.Op == CAS && out.OK:
			return call + " -> ok"
		case in.Op == CAS:
			return call + " -> failed"
		}
	}
	return call
}

// DecodeInput implements spec.Spec.
func (Spec) DecodeInput(raw json.RawMessage) (any, error) {
	var in Input
	if err := spec.DecodeStrict(raw, &in); err != nil {
		return nil, fmt.Errorf("cas-register input: %v", err)
	}
	if in.Op == 0 {
		return nil, fmt.Errorf("cas-register input: no op")
	}
	return in, nil
}

// DecodeOutput implements spec.Spec.
func (Spec) DecodeOutput(raw json.RawMessage) (any, error) {
	var out Output
	if err := spec.DecodeStrict(raw, &out); err != nil {
		return nil, fmt.Errorf("cas-register output: %v", err)
	}
	return out, nil
}

// WorkloadConfig is the register workload: the operation mix as weights
// (an operation is drawn with probability weight/sum). A CAS expects the
// value its client last saw (from a read, its own write or CAS, or nil at
// first), so it swaps exactly when nobody wrote since.
type WorkloadConfig struct {
	Read  int `json:"read"`
	Write int `json:"write"`
	CAS   int `json:"cas"`
}

// DefaultWorkload is Jepsen's mix: as many reads, writes and CAS.
var DefaultWorkload = WorkloadConfig{Read: 1, Write: 1, CAS: 1}

// maxWeight bounds a weight, so that their sum cannot overflow.
const maxWeight = 1 << 20

// Validate names the first bad field.
func (w WorkloadConfig) Validate() error {
	switch {
	case w.Read < 0 || w.Write < 0 || w.CAS < 0 || w.Read > maxWeight || w.Write > maxWeight || w.CAS > maxWeight:
		return fmt.Errorf("cas-register workload: weights (read %d, write %d, cas %d) must be in 0..%d", w.Read, w.Write, w.CAS, maxWeight)
	case w.Read+w.Write+w.CAS == 0:
		return fmt.Errorf("cas-register workload: the weights are all 0")
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
			return nil, fmt.Errorf("cas-register workload: %v", err)
		}
		if err := spec.RequireFields(raw, "read", "write", "cas"); err != nil {
			return nil, fmt.Errorf("cas-register workload: %v", err)
		}
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return &workload{w: w, seen: map[sim.NodeID]string{}}, nil
}

// mixes are operation mixes (read, write, cas) from simplest to richest:
// writes and reads first, then CAS, which is what makes a lost write show
// as a swap that should have failed.
var mixes = []WorkloadConfig{{Read: 1, Write: 1}, {Read: 1, CAS: 2}, {Read: 1, Write: 1, CAS: 1}, {Read: 2, Write: 1, CAS: 3}}

// Variants implements spec.Spec.
func (Spec) Variants() []json.RawMessage {
	out := make([]json.RawMessage, len(mixes))
	for i, m := range mixes {
		out[i] = m.raw()
	}
	return out
}

// workload is one run's workload; seen is the value each client last saw,
// which its next CAS expects. A run resolves its own workload, so the state
// is the run's.
type workload struct {
	w    WorkloadConfig
	seen map[sim.NodeID]string
}

func (w *workload) Config() json.RawMessage { return w.w.raw() }

func (w *workload) String() string {
	return fmt.Sprintf("mix=read:%d,write:%d,cas:%d", w.w.Read, w.w.Write, w.w.CAS)
}

// Next draws the operation. Every written value is unique in the run:
// "<client>.<n>".
func (w *workload) Next(r *rand.Rand, client sim.NodeID, n int) any {
	value := strconv.Itoa(int(client)) + "." + strconv.Itoa(n)
	pick := r.IntN(w.w.Read + w.w.Write + w.w.CAS)
	switch {
	case pick < w.w.Read:
		return Input{Op: Read}
	case pick < w.w.Read+w.w.Write:
		return Input{Op: Write, Value: value}
	default:
		return Input{Op: CAS, Value: value, Expect: w.seen[client]}
	}
}

// Observe implements spec.Observer: it remembers the value the client
// last saw, when the operation tells (a failed CAS tells only that the
// value was not the expected one).
func (w *workload) Observe(client sim.NodeID, input, output any) {
	in, out := input.(Input), output.(Output)
	switch {
	case in.Op == Read:
		w.seen[client] = out.Value
	case in.Op == Write, in.Op == CAS && out.OK:
		w.seen[client] = in.Value
	}
}

// Simpler implements spec.Workload: a mix with CAS simplifies to reads and
// writes; reads and writes alone have nothing simpler.
func (w *workload) Simpler() []json.RawMessage {
	if w.w.CAS == 0 || w.w.Read+w.w.Write == 0 {
		return nil
	}
	return []json.RawMessage{WorkloadConfig{Read: max(w.w.Read, 1), Write: max(w.w.Write, 1)}.raw()}
}
