// Package spec holds the contract of a sequential specification: the
// object a run's client history is checked against, and the workload that
// drives it. A spec knows nothing of protocols, of the harness, or of the
// checker that judges histories against it (package lincheck adapts a
// Model to porcupine); a protocol's client codec imports the spec's
// operation types, and any protocol can reuse any spec.
//
// A spec is values, not code paths: inputs and outputs are plain values the
// spec defines (kv.Input and kv.Output for the KV store), and the model is
// a pure step function over them.
package spec

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// Spec is a sequential specification with its workloads.
type Spec interface {
	// Name is the spec's registry name ("kv").
	Name() string
	// Description is one line for `paxossim list`.
	Description() string
	// Model is the sequential model histories are checked against.
	Model() Model
	// Workload resolves a workload config for this spec: nil or "{}"
	// means the spec's default mix; any other value must name every field
	// (a saved run never depends on a default). It returns the workload
	// with its config validated.
	Workload(raw json.RawMessage) (Workload, error)
	// Variants lists workload configs, simplest first, for property-based
	// generators to draw from (a draw of 0 is the simplest workload).
	Variants() []json.RawMessage
	// DecodeInput and DecodeOutput read an operation's input and output
	// from the JSON that encoding/json wrote for them (history.json).
	DecodeInput(raw json.RawMessage) (any, error)
	DecodeOutput(raw json.RawMessage) (any, error)
}

// Model is a sequential specification as pure functions over the spec's
// values, in the shape of porcupine's Model.
type Model struct {
	// Init is the initial state of one partition.
	Init func() any
	// Step applies input with the observed output to state: it reports
	// whether the output is allowed, and the next state. Output may be
	// Unknown (the client never learned the outcome): Step must then
	// accept any outcome and apply the input's effect, because the
	// operation may have taken effect.
	Step func(state, input, output any) (bool, any)
	// Equal compares states; Hash digests one (equal states, equal hashes).
	Equal func(a, b any) bool
	Hash  func(state any) uint64
	// PartitionKey names the independent part of the object an input
	// touches (the key of a KV store); histories are checked per part.
	// Nil means one partition.
	PartitionKey func(input any) string
	// DescribeOperation and DescribeState print for reports.
	DescribeOperation func(input, output any) string
	DescribeState     func(state any) string
	// Valid reports whether an input and output are values of this spec
	// (the checker refuses a history that holds anything else).
	Valid func(input, output any) error
	// Access, when set, describes an operation as reads and writes of
	// written values, which lets the checker judge a history whose written
	// values are unique exactly and without search (package lincheck). It
	// reports false for an operation it cannot describe; the checker then
	// searches that partition instead. Output may be Unknown.
	Access func(input, output any) (Access, bool)
}

// Access is an operation in the terms of the exact checker: an object
// whose state is a sequence of written values, each written once in a
// history, that operations observe whole, replace or extend.
type Access struct {
	// Key is the operation's partition (PartitionKey of its input).
	Key string
	// Observes says the operation saw a state: Observed lists the written
	// values that make it up, oldest first (empty: the initial state). A
	// read observes; so does a compare-and-swap (the state it expected
	// if it swapped, the state it found if it did not).
	Observes bool
	Observed []string
	// Write is the kind of write, and Value the value written.
	Write WriteKind
	Value string
	// Contradiction, if not empty, says why the output cannot be right in
	// any order (a compare-and-swap that failed although it found the
	// state it expected).
	Contradiction string
}

// WriteKind is how an operation changes the state.
type WriteKind uint8

// The kinds of write.
const (
	NoWrite WriteKind = iota // a read, or a compare-and-swap that did not swap
	Replace                  // the state becomes [Value] (a put)
	Extend                   // Value is appended to the state, whatever it is (an append)
	Swap                     // the state was Observed and becomes [Value], atomically (a compare-and-swap that swapped)
)

// Unknown is the output of an operation whose outcome the client never
// learned: it timed out, or its client crashed. The history keeps it open
// to the end, and the model lets it take effect at any time after its call,
// or never.
type Unknown struct{}

// Workload is a resolved workload: what each client's operations are.
type Workload interface {
	// Config is the resolved config, every field named (params.json).
	Config() json.RawMessage
	// String prints the workload for the seed= block.
	String() string
	// Next draws operation n (1, 2, ...) of client from r, the client
	// node's own random stream.
	Next(r *rand.Rand, client sim.NodeID, n int) any
	// Simpler lists one-step simplifications of the config, for
	// shrinking a failing run (fewer keys, a plainer mix).
	Simpler() []json.RawMessage
}

// Observer is a workload whose inputs depend on what its client saw (a
// compare-and-swap expects the value the client last read). The harness
// reports each completed operation of a client, with its output, before it
// draws that client's next input; an operation of unknown outcome is not
// reported.
type Observer interface {
	Observe(client sim.NodeID, input, output any)
}

var registry = map[string]Spec{}

// Register adds a spec to the registry; a second spec of the same name
// panics (a programming error at init).
func Register(s Spec) {
	if _, dup := registry[s.Name()]; dup {
		panic(fmt.Sprintf("spec: %q registered twice", s.Name()))
	}
	registry[s.Name()] = s
}

// Lookup returns the named spec, or an error listing the ones there are.
func Lookup(name string) (Spec, error) {
	s, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown spec %q (have: %s)", name, strings.Join(Names(), ", "))
	}
	return s, nil
}

// Names lists the registered specs, sorted.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// DecodeStrict decodes raw into v, rejecting unknown fields and trailing
// data, and naming what is wrong: the decoder every spec and protocol
// config uses, so that a mistyped field in a saved run is an error rather
// than a default.
func DecodeStrict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	// Only white space may follow the value. (Decoder.More reports false
	// before a stray ']' or '}', so it cannot tell.)
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// RequireFields reports the first of fields that raw (a JSON object) does
// not name: a resolved config names every field.
func RequireFields(raw json.RawMessage, fields ...string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	var missing []string
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing field(s) %s: a saved config names every field", strings.Join(missing, ", "))
	}
	return nil
}

// IsDefault reports whether raw asks for the defaults (absent, null or {}).
func IsDefault(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null" || s == "{}"
}

// Operation is one client operation of a history, in true simulated time
// (nanoseconds since the start of the run). Output is Unknown for an
// operation whose outcome the client never learned; its Return is then the
// end of the history.
type Operation struct {
	Client int
	Input  any
	Output any
	Call   int64
	Return int64
}
