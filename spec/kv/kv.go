// Package kv is the sequential specification of a key-value store with
// get, put, append and compare-and-swap on string keys and values: the
// object the MultiPaxos reference protocol serves, and any other protocol
// may. It is checked per key (a history is linearizable if and only if each
// key's is), and its workload writes values unique in the run
// ("<client>.<n>;"), so that a read tells exactly which writes it saw, a
// lost or doubled append shows in every later read, and the exact checker
// (package lincheck) judges a history without search.
package kv

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

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
	CAS                  // if Key's value is Expect, set it to Value; report the value found
)

var opNames = spec.Enum[Op]{Spec: "kv", Type: "Op", What: "op", Of: []string{Get: "get", Put: "put", Append: "append", CAS: "cas"}}

func (op Op) String() string { return opNames.String(op) }

// MarshalText writes the op's name.
func (op Op) MarshalText() ([]byte, error) { return opNames.Marshal(op) }

// UnmarshalText reads the name of an op.
func (op *Op) UnmarshalText(b []byte) (err error) {
	*op, err = opNames.Unmarshal(b)
	return err
}

// Input is an operation's input. Value is the argument of Put, Append and
// CAS and empty for Get; Expect is the value CAS expects ("": a missing
// key).
type Input struct {
	Op     Op     `json:"op"`
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Expect string `json:"expect,omitempty"`
}

// Output is an operation's output: the value a Get read ("" for a missing
// key); for CAS the value it found and whether it swapped (it swapped if
// and only if it found Expect); empty for Put and Append.
type Output struct {
	Value string `json:"value"`
	OK    bool   `json:"ok,omitempty"`
}

// Spec is the KV store specification.
type Spec struct{}

func init() { spec.Register(Spec{}) }

// Name implements spec.Spec.
func (Spec) Name() string { return Name }

// Description implements spec.Spec.
func (Spec) Description() string {
	return "a key-value store: get, put, append and compare-and-swap on string keys, checked per key; written values are unique in a run"
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
		Access:            access,
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
	case CAS:
		if unknown {
			if st == in.Expect {
				return true, in.Value
			}
			return true, st
		}
		out := output.(Output)
		if out.Value != st || out.OK != (st == in.Expect) {
			return false, st
		}
		if out.OK {
			return true, in.Value
		}
		return true, st
	}
	return false, st // unreachable after valid
}

// access describes an operation for the exact checker. It applies to the
// workload's values: each written value one token ending in ';' and
// holding no other, so that a state splits into the writes that built it.
func access(input, output any) (spec.Access, bool) {
	in := input.(Input)
	a := spec.Access{Key: in.Key}
	if in.Op != Get && !isToken(in.Value) {
		return a, false
	}
	out, known := output.(Output)
	switch in.Op {
	case Get:
		a.Observes, a.Observed = true, tokens(out.Value)
	case Put:
		a.Write, a.Value = spec.Replace, in.Value
	case Append:
		a.Write, a.Value = spec.Extend, in.Value
	case CAS:
		switch {
		case !known || out.OK:
			// Unknown: if it took effect, it swapped what it expected.
			a.Observes, a.Observed, a.Write, a.Value = true, tokens(in.Expect), spec.Swap, in.Value
			if known && out.Value != in.Expect {
				a.Contradiction = fmt.Sprintf("it swapped, but reports finding %q, not the %q it expected", out.Value, in.Expect)
			}
		default:
			a.Observes, a.Observed = true, tokens(out.Value)
			if out.Value == in.Expect {
				a.Contradiction = "it did not swap, yet it found the value it expected"
			}
		}
	}
	return a, true
}

// isToken reports whether v is one written value of the workload's form.
func isToken(v string) bool {
	return strings.HasSuffix(v, ";") && strings.IndexByte(v, ';') == len(v)-1
}

// tokens splits a state into the written values that built it; a tail
// without ';' (no write made it) stays a token of its own, which the exact
// checker reports as a value nobody wrote.
func tokens(state string) []string {
	if state == "" {
		return nil
	}
	out := make([]string, 0, strings.Count(state, ";")+1)
	for state != "" {
		i := strings.IndexByte(state, ';')
		if i < 0 {
			return append(out, state)
		}
		out = append(out, state[:i+1])
		state = state[i+1:]
	}
	return out
}

// hash is 64-bit FNV-1a. The checker caches (linearized set, state) pairs
// in buckets keyed by it.
func hash(state any) uint64 { return sim.HashString(state.(string)) }

func valid(input, output any) error {
	in, ok := input.(Input)
	if !ok {
		return fmt.Errorf("input is %T, want kv.Input", input)
	}
	if in.Op < Get || in.Op > CAS {
		return fmt.Errorf("invalid %v", in.Op)
	}
	switch output.(type) {
	case Output, spec.Unknown:
		return nil
	}
	return fmt.Errorf("output is %T, want kv.Output or spec.Unknown", output)
}

// Describe prints an operation: get("k0") -> "1.3;", put("k1", "2.1;"),
// append("k0", "3.4;") -> unknown, cas("k0", "1.3;", "2.2;") -> ok,
// cas("k0", "", "2.5;") -> failed, found "1.3;".
func Describe(input, output any) string {
	in := input.(Input)
	var call string
	switch in.Op {
	case Get:
		call = fmt.Sprintf("get(%q)", in.Key)
	case CAS:
		call = fmt.Sprintf("cas(%q, %q, %q)", in.Key, in.Expect, in.Value)
	default:
		call = fmt.Sprintf("%s(%q, %q)", in.Op, in.Key, in.Value)
	}
	switch out := output.(type) {
	case spec.Unknown:
		return call + " -> unknown"
	case Output:
		switch {
		case in.Op == Get:
			return fmt.Sprintf("%s -> %q", call, out.Value)
		case in.Op == CAS && out.OK:
			return call + " -> ok"
		case in.Op == CAS:
			return fmt.Sprintf("%s -> failed, found %q", call, out.Value)
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
//
// CAS (compare-and-swap) expects the value its client last saw for the key
// (from a read, its own write, or a failed CAS), so it succeeds exactly when
// no other client wrote the key since. Its weight may be left out (0), so
// that configs saved before it existed stay valid; it is opt-in (no variant
// draws it), because a protocol serving this spec need not implement it.
type WorkloadConfig struct {
	Keys   int `json:"keys"`
	Get    int `json:"get"`
	Put    int `json:"put"`
	Append int `json:"append"`
	CAS    int `json:"cas,omitempty"`
}

// DefaultWorkload is the named scenarios' mix: three keys, reads and
// appends first.
var DefaultWorkload = WorkloadConfig{Keys: 3, Get: 2, Put: 1, Append: 3}

// Validate names the first bad field.
func (w WorkloadConfig) Validate() error {
	switch {
	case w.Keys < 1 || w.Keys > 1<<20:
		return fmt.Errorf("kv workload: keys = %d: need 1 to %d", w.Keys, 1<<20)
	case w.Get < 0 || w.Put < 0 || w.Append < 0 || w.CAS < 0 || w.Get > 1<<20 || w.Put > 1<<20 || w.Append > 1<<20 || w.CAS > 1<<20:
		return fmt.Errorf("kv workload: weights (get %d, put %d, append %d, cas %d) must be in 0..%d", w.Get, w.Put, w.Append, w.CAS, 1<<20)
	case w.Get+w.Put+w.Append+w.CAS == 0:
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
	return &workload{w: w, seen: map[sim.NodeID]map[string]string{}}, nil
}

// mixes are operation mixes (get, put, append) from simplest to richest.
// Append comes first because it is the sharpest: a lost or doubled append
// shows in every later read of the key. None has CAS: a protocol serving
// this spec need not implement compare-and-swap unless a workload asks for
// it by weight (paxossim run -workload), so generators never draw it.
var mixes = [][4]int{{0, 0, 1, 0}, {1, 0, 1, 0}, {2, 1, 3, 0}, {1, 1, 0, 0}, {1, 1, 1, 0}}

// Variants implements spec.Spec: 1 to 3 keys under each mix, one key and
// appends only first.
func (Spec) Variants() []json.RawMessage {
	var out []json.RawMessage
	for _, m := range mixes {
		for keys := 1; keys <= 3; keys++ {
			out = append(out, WorkloadConfig{Keys: keys, Get: m[0], Put: m[1], Append: m[2], CAS: m[3]}.raw())
		}
	}
	return out
}

// workload is one run's workload. seen is what each client last saw of each
// key, for its CAS expectations; a run resolves its own workload, so the
// state is the run's.
type workload struct {
	w    WorkloadConfig
	seen map[sim.NodeID]map[string]string
}

func (w *workload) Config() json.RawMessage { return w.w.raw() }

func (w *workload) String() string {
	s := fmt.Sprintf("keys=%d mix=get:%d,put:%d,append:%d", w.w.Keys, w.w.Get, w.w.Put, w.w.Append)
	if w.w.CAS > 0 {
		s += fmt.Sprintf(",cas:%d", w.w.CAS)
	}
	return s
}

// Next draws the key, then the operation. Every written value is unique in
// the run: "<client>.<n>;".
func (w *workload) Next(r *rand.Rand, client sim.NodeID, n int) any {
	key := "k" + strconv.Itoa(r.IntN(w.w.Keys))
	value := strconv.Itoa(int(client)) + "." + strconv.Itoa(n) + ";"
	pick := r.IntN(w.w.Get + w.w.Put + w.w.Append + w.w.CAS)
	switch {
	case pick < w.w.Get:
		return Input{Op: Get, Key: key}
	case pick < w.w.Get+w.w.Put:
		return Input{Op: Put, Key: key, Value: value}
	case pick < w.w.Get+w.w.Put+w.w.Append:
		return Input{Op: Append, Key: key, Value: value}
	default:
		return Input{Op: CAS, Key: key, Value: value, Expect: w.seen[client][key]}
	}
}

// Observe implements spec.Observer: it remembers what the client last saw
// of the key, when the operation tells.
func (w *workload) Observe(client sim.NodeID, input, output any) {
	if w.w.CAS == 0 {
		return
	}
	in, out := input.(Input), output.(Output)
	var v string
	switch {
	case in.Op == Get, in.Op == CAS && !out.OK:
		v = out.Value
	case in.Op == Put, in.Op == CAS:
		v = in.Value
	default: // an append: the client does not know what it extended
		return
	}
	m := w.seen[client]
	if m == nil {
		m = map[string]string{}
		w.seen[client] = m
	}
	m[in.Key] = v
}

func (w *workload) Simpler() []json.RawMessage {
	if w.w.Keys <= 1 {
		return nil
	}
	c := w.w
	c.Keys--
	return []json.RawMessage{c.raw()}
}
