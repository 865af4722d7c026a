// Package kv is the sequential specification of a key-value store with
// get, put and append on string keys and values: the object the MultiPaxos
// reference protocol serves, and any other protocol may. It is checked per
// key (a history is linearizable if and only if each key's is), and its
// workload writes values unique in the run ("<client>.<n>;"), so that a read
// tells exactly which writes it saw and a lost or doubled append shows in
// every later read.
package kv

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// Name is the spec's registry name.
const Name = "kv"

// Op is the kind of a KV operation. The zero value is invalid, so that a
// codec that forgets to set it is caught rather than read as a Get.
type Op uint8

// The operations.
const (
	Get    Op = iota + 1 // read the value of Key; a missing key reads as ""
	Put                  // set Key to Value
	Append               // set Key to its current value followed by Value
)

var opNames = [...]string{Get: "get", Put: "put", Append: "append"}

func (op Op) String() string {
	if op >= Get && op <= Append {
		return opNames[op]
	}
	return fmt.Sprintf("Op(%d)", uint8(op))
}

// MarshalText writes the operation's name.
func (op Op) MarshalText() ([]byte, error) {
	if op < Get || op > Append {
		return nil, fmt.Errorf("kv: cannot encode %v", op)
	}
	return []byte(op.String()), nil
}

// UnmarshalText reads an operation's name.
func (op *Op) UnmarshalText(b []byte) error {
	for o := Get; o <= Append; o++ {
		if o.String() == string(b) {
			*op = o
			return nil
		}
	}
	return fmt.Errorf("kv: unknown op %q (want get, put or append)", b)
}

// Input is an operation's input. Value is the argument of Put and Append
// and empty for Get.
type Input struct {
	Op    Op     `json:"op"`
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

// Output is an operation's output: the value a Get read ("" for a missing
// key); empty for Put and Append.
type Output struct {
	Value string `json:"value"`
}

// Spec is the KV store specification.
type Spec struct{}

func init() { spec.Register(Spec{}) }

// Name implements spec.Spec.
func (Spec) Name() string { return Name }

// Description implements spec.Spec.
func (Spec) Description() string {
	return "a key-value store: get, put and append on string keys, checked per key; written values are unique in a run"
}

// Model implements spec.Spec: the state of one partition is the value of
// one key.
func (Spec) Model() spec.Model {
	return spec.Model{
		Init:              func() any { return "" },
		Step:              step,
		Equal:             func(a, b any) bool { return a.(string) == b.(string) },
		Hash:              hash,
		PartitionKey:      func(in any) string { return in.(Input).Key },
		DescribeOperation: Describe,
		DescribeState:     func(state any) string { return strconv.Quote(state.(string)) },
		Valid:             valid,
	}
}

// step is the sequential specification of one key. An unknown Put or
// Append is applied: an operation that never took effect is
// indistinguishable from one that took effect after everything observed,
// which is where the checker can place it, because its return is at the end
// of the history. An unknown Get constrains nothing.
func step(state, input, output any) (bool, any) {
	st := state.(string)
	in := input.(Input)
	_, unknown := output.(spec.Unknown)
	switch in.Op {
	case Get:
		return unknown || output.(Output).Value == st, st
	case Put:
		return true, in.Value
	case Append:
		return true, st + in.Value
	}
	return false, st // unreachable after valid
}

// hash is 64-bit FNV-1a. The checker caches (linearized set, state) pairs
// in buckets keyed by it.
func hash(state any) uint64 { return sim.HashString(state.(string)) }

func valid(input, output any) error {
	in, ok := input.(Input)
	if !ok {
		return fmt.Errorf("input is %T, want kv.Input", input)
	}
	if in.Op < Get || in.Op > Append {
		return fmt.Errorf("invalid %v", in.Op)
	}
	switch output.(type) {
	case Output, spec.Unknown:
		return nil
	}
	return fmt.Errorf("output is %T, want kv.Output or spec.Unknown", output)
}

// Describe prints an operation: get("k0") -> "1.3;", put("k1", "2.1;"),
// append("k0", "3.4;") -> unknown.
func Describe(input, output any) string {
	in := input.(Input)
	var call string
	if in.Op == Get {
		call = fmt.Sprintf("get(%q)", in.Key)
	} else {
		call = fmt.Sprintf("%s(%q, %q)", in.Op, in.Key, in.Value)
	}
	switch out := output.(type) {
	case spec.Unknown:
		return call + " -> unknown"
	case Output:
		if in.Op == Get {
			return fmt.Sprintf("%s -> %q", call, out.Value)
		}
	}
	return call
}

// DecodeInput implements spec.Spec.
func (Spec) DecodeInput(raw json.RawMessage) (any, error) {
	var in Input
	if err := spec.DecodeStrict(raw, &in); err != nil {
		return nil, fmt.Errorf("kv input: %v", err)
	}
	if in.Op == 0 {
		return nil, fmt.Errorf("kv input: no op")
	}
	return in, nil
}

// DecodeOutput implements spec.Spec.
func (Spec) DecodeOutput(raw json.RawMessage) (any, error) {
	var out Output
	if err := spec.DecodeStrict(raw, &out); err != nil {
		return nil, fmt.Errorf("kv output: %v", err)
	}
	return out, nil
}

// WorkloadConfig is the KV workload: keys "k0".."k<Keys-1>" (few keys make
// operations contend, which is what makes the check sharp), and the
// operation mix as weights (an operation is drawn with probability
// weight/sum; append is what makes lost or doubled writes visible).
type WorkloadConfig struct {
	Keys   int `json:"keys"`
	Get    int `json:"get"`
	Put    int `json:"put"`
	Append int `json:"append"`
}

// DefaultWorkload is the named scenarios' mix: three keys, reads and
// appends first.
var DefaultWorkload = WorkloadConfig{Keys: 3, Get: 2, Put: 1, Append: 3}

// Validate names the first bad field.
func (w WorkloadConfig) Validate() error {
	switch {
	case w.Keys < 1 || w.Keys > 1<<20:
		return fmt.Errorf("kv workload: keys = %d: need 1 to %d", w.Keys, 1<<20)
	case w.Get < 0 || w.Put < 0 || w.Append < 0 || w.Get > 1<<20 || w.Put > 1<<20 || w.Append > 1<<20:
		return fmt.Errorf("kv workload: weights (get %d, put %d, append %d) must be in 0..%d", w.Get, w.Put, w.Append, 1<<20)
	case w.Get+w.Put+w.Append == 0:
		return fmt.Errorf("kv workload: the weights are all 0")
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
			return nil, fmt.Errorf("kv workload: %v", err)
		}
		if err := spec.RequireFields(raw, "keys", "get", "put", "append"); err != nil {
			return nil, fmt.Errorf("kv workload: %v", err)
		}
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return workload{w}, nil
}

// mixes are operation mixes (get, put, append) from simplest to richest.
// Append comes first because it is the sharpest: a lost or doubled append
// shows in every later read of the key.
var mixes = [][3]int{{0, 0, 1}, {1, 0, 1}, {2, 1, 3}, {1, 1, 0}, {1, 1, 1}}

// Variants implements spec.Spec: 1 to 3 keys under each mix, one key and
// appends only first.
func (Spec) Variants() []json.RawMessage {
	var out []json.RawMessage
	for _, m := range mixes {
		for keys := 1; keys <= 3; keys++ {
			out = append(out, WorkloadConfig{Keys: keys, Get: m[0], Put: m[1], Append: m[2]}.raw())
		}
	}
	return out
}

type workload struct{ w WorkloadConfig }

func (w workload) Config() json.RawMessage { return w.w.raw() }

func (w workload) String() string {
	return fmt.Sprintf("keys=%d mix=get:%d,put:%d,append:%d", w.w.Keys, w.w.Get, w.w.Put, w.w.Append)
}

// Next draws the key, then the operation. Every written value is unique in
// the run: "<client>.<n>;".
func (w workload) Next(r *rand.Rand, client sim.NodeID, n int) any {
	key := "k" + strconv.Itoa(r.IntN(w.w.Keys))
	value := strconv.Itoa(int(client)) + "." + strconv.Itoa(n) + ";"
	pick := r.IntN(w.w.Get + w.w.Put + w.w.Append)
	switch {
	case pick < w.w.Get:
		return Input{Op: Get, Key: key}
	case pick < w.w.Get+w.w.Put:
		return Input{Op: Put, Key: key, Value: value}
	default:
		return Input{Op: Append, Key: key, Value: value}
	}
}

func (w workload) Simpler() []json.RawMessage {
	if w.w.Keys <= 1 {
		return nil
	}
	c := w.w
	c.Keys--
	return []json.RawMessage{c.raw()}
}
