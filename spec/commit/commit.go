// Package commit is the sequential specification of atomic commitment as
// a client sees it: a transaction names the resource managers (RMs) that
// take part in it and what each of them will vote (prepare or abort), and
// the client learns its outcome, commit or abort.
//
// Validity is what a client can check: a transaction commits only if every
// one of its RMs votes prepare, so an RM that votes abort forces abort;
// with every RM prepared, either outcome is allowed (a coordinator that
// hears nothing from an RM in time may abort). A transaction has one
// outcome. Transactions are independent, so a history is checked per
// transaction (PartitionKey).
//
// Which RM is which machine is the protocol's business: the spec numbers
// RMs 0..rms-1, and a protocol places them on its servers.
package commit

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
const Name = "commit"

// MaxRMs bounds the RMs of a workload (and of a transaction).
const MaxRMs = 64

// Vote is one RM's part in a transaction: whether it will prepare (vote
// to commit) or abort when asked.
type Vote struct {
	RM      int  `json:"rm"`
	Prepare bool `json:"prepare"`
}

// Input is a transaction: an id unique in the run ("<client>.<n>") and its
// RMs' votes, sorted by RM, each RM once.
type Input struct {
	Txn   string `json:"txn"`
	Votes []Vote `json:"votes"`
}

// AllPrepare reports whether every RM of the transaction votes prepare.
func (in Input) AllPrepare() bool {
	for _, v := range in.Votes {
		if !v.Prepare {
			return false
		}
	}
	return true
}

// Outcome is a transaction's outcome. The zero value is invalid.
type Outcome uint8

// The outcomes.
const (
	Commit Outcome = iota + 1
	Abort
)

var outcomeNames = spec.Enum[Outcome]{Spec: "commit", Type: "Outcome", What: "outcome", Of: []string{Commit: "commit", Abort: "abort"}}

func (o Outcome) String() string { return outcomeNames.String(o) }

// MarshalText writes the outcome's name.
func (o Outcome) MarshalText() ([]byte, error) { return outcomeNames.Marshal(o) }

// UnmarshalText reads an outcome's name.
func (o *Outcome) UnmarshalText(b []byte) (err error) {
	*o, err = outcomeNames.Unmarshal(b)
	return err
}

// Output is what the client learns.
type Output struct {
	Outcome Outcome `json:"outcome"`
}

// Spec is the atomic-commitment specification.
type Spec struct{}

func init() { spec.Register(Spec{}) }

// Name implements spec.Spec.
func (Spec) Name() string { return Name }

// Description implements spec.Spec.
func (Spec) Description() string {
	return "atomic commitment: a transaction names its resource managers and each one's vote (prepare or abort); " +
		"it commits only if every RM prepares, and has one outcome; checked per transaction"
}

// Model implements spec.Spec: the state of a transaction's partition is
// its outcome (0 before one is known).
func (Spec) Model() spec.Model {
	return spec.Model{
		Init:              func() any { return Outcome(0) },
		Step:              step,
		Equal:             func(a, b any) bool { return a.(Outcome) == b.(Outcome) },
		Hash:              func(state any) uint64 { return uint64(state.(Outcome)) },
		PartitionKey:      func(input any) string { return input.(Input).Txn },
		DescribeOperation: Describe,
		DescribeState:     describeState,
		Valid:             valid,
	}
}

// step: commit only if every RM prepares; one outcome per transaction. An
// unknown outcome constrains nothing: the transaction may have either
// outcome, or none yet.
func step(state, input, output any) (bool, any) {
	have := state.(Outcome)
	in := input.(Input)
	out, known := output.(Output)
	if !known {
		return true, have
	}
	if out.Outcome == Commit && !in.AllPrepare() {
		return false, have
	}
	if have != 0 && have != out.Outcome {
		return false, have
	}
	return true, out.Outcome
}

func describeState(state any) string {
	if o := state.(Outcome); o != 0 {
		return o.String()
	}
	return "undecided"
}

func valid(input, output any) error {
	in, ok := input.(Input)
	if !ok {
		return fmt.Errorf("input is %T, want commit.Input", input)
	}
	if err := in.Validate(); err != nil {
		return err
	}
	switch out := output.(type) {
	case spec.Unknown:
		return nil
	case Output:
		if out.Outcome != Commit && out.Outcome != Abort {
			return fmt.Errorf("invalid outcome %v", out.Outcome)
		}
		return nil
	}
	return fmt.Errorf("output is %T, want commit.Output or spec.Unknown", output)
}

// Validate names what is wrong with a transaction: an empty id, no RMs,
// an RM out of range or listed out of order or twice.
func (in Input) Validate() error {
	if in.Txn == "" {
		return fmt.Errorf("transaction without an id")
	}
	if len(in.Votes) == 0 || len(in.Votes) > MaxRMs {
		return fmt.Errorf("transaction %s has %d RMs: must be 1 to %d", in.Txn, len(in.Votes), MaxRMs)
	}
	for i, v := range in.Votes {
		if v.RM < 0 || v.RM >= MaxRMs {
			return fmt.Errorf("transaction %s: RM %d out of range 0..%d", in.Txn, v.RM, MaxRMs-1)
		}
		if i > 0 && v.RM <= in.Votes[i-1].RM {
			return fmt.Errorf("transaction %s: RMs must be listed once each, in increasing order", in.Txn)
		}
	}
	return nil
}

// Describe prints an operation: txn 1.3 [rm0:prepare rm2:abort] -> abort.
func Describe(input, output any) string {
	in := input.(Input)
	var b strings.Builder
	b.WriteString("txn ")
	b.WriteString(in.Txn)
	b.WriteString(" [")
	for i, v := range in.Votes {
		if i > 0 {
			b.WriteByte(' ')
		}
		vote := "abort"
		if v.Prepare {
			vote = "prepare"
		}
		fmt.Fprintf(&b, "rm%d:%s", v.RM, vote)
	}
	b.WriteString("]")
	switch out := output.(type) {
	case spec.Unknown:
		b.WriteString(" -> unknown")
	case Output:
		b.WriteString(" -> " + out.Outcome.String())
	}
	return b.String()
}

// DecodeInput implements spec.Spec.
func (Spec) DecodeInput(raw json.RawMessage) (any, error) {
	var in Input
	if err := spec.DecodeStrict(raw, &in); err != nil {
		return nil, fmt.Errorf("commit input: %v", err)
	}
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("commit input: %v", err)
	}
	return in, nil
}

// DecodeOutput implements spec.Spec.
func (Spec) DecodeOutput(raw json.RawMessage) (any, error) {
	var out Output
	if err := spec.DecodeStrict(raw, &out); err != nil {
		return nil, fmt.Errorf("commit output: %v", err)
	}
	if out.Outcome == 0 {
		return nil, fmt.Errorf("commit output: no outcome")
	}
	return out, nil
}

// WorkloadConfig is the transaction mix: RMs are numbered 0..RMs-1; each
// transaction draws between MinRMs and MaxRMs distinct RMs, and each RM
// votes abort with probability AbortPercent/100.
type WorkloadConfig struct {
	RMs          int `json:"rms"`
	MinRMs       int `json:"min_rms"`
	MaxRMs       int `json:"max_rms"`
	AbortPercent int `json:"abort_percent"`
}

// DefaultWorkload is the named scenarios' mix: 4 RMs, 2 or 3 per
// transaction (atomic commitment needs more than one), and one vote in 12
// an abort, so that about one transaction in five is forced to abort.
var DefaultWorkload = WorkloadConfig{RMs: 4, MinRMs: 2, MaxRMs: 3, AbortPercent: 8}

var workloadFields = []string{"rms", "min_rms", "max_rms", "abort_percent"}

// Validate names the first bad field.
func (w WorkloadConfig) Validate() error {
	switch {
	case w.RMs < 1 || w.RMs > MaxRMs:
		return fmt.Errorf("commit workload: rms = %d: must be 1 to %d", w.RMs, MaxRMs)
	case w.MinRMs < 1 || w.MinRMs > w.MaxRMs || w.MaxRMs > w.RMs:
		return fmt.Errorf("commit workload: min_rms = %d, max_rms = %d: need 1 <= min_rms <= max_rms <= rms (%d)", w.MinRMs, w.MaxRMs, w.RMs)
	case w.AbortPercent < 0 || w.AbortPercent > 100:
		return fmt.Errorf("commit workload: abort_percent = %d: must be 0 to 100", w.AbortPercent)
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
			return nil, fmt.Errorf("commit workload: %v", err)
		}
		if err := spec.RequireFields(raw, workloadFields...); err != nil {
			return nil, fmt.Errorf("commit workload: %v", err)
		}
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return workload{w}, nil
}

// variants go from simplest to richest: two RMs that always prepare, then
// aborts, then the default mix, then wide transactions with many aborts.
var variants = []WorkloadConfig{
	{RMs: 2, MinRMs: 2, MaxRMs: 2, AbortPercent: 0},
	{RMs: 2, MinRMs: 2, MaxRMs: 2, AbortPercent: 10},
	DefaultWorkload,
	{RMs: 5, MinRMs: 1, MaxRMs: 5, AbortPercent: 20},
}

// Variants implements spec.Spec.
func (Spec) Variants() []json.RawMessage {
	out := make([]json.RawMessage, len(variants))
	for i, v := range variants {
		out[i] = v.raw()
	}
	return out
}

type workload struct{ w WorkloadConfig }

func (w workload) Config() json.RawMessage { return w.w.raw() }

func (w workload) String() string {
	return fmt.Sprintf("rms=%d per-txn=%d..%d abort=%d%%", w.w.RMs, w.w.MinRMs, w.w.MaxRMs, w.w.AbortPercent)
}

// Next draws transaction n of client: its RMs (a uniform subset of the
// drawn size) and each one's vote.
func (w workload) Next(r *rand.Rand, client sim.NodeID, n int) any {
	k := w.w.MinRMs + r.IntN(w.w.MaxRMs-w.w.MinRMs+1)
	// Selection sampling keeps the RMs in increasing order.
	votes := make([]Vote, 0, k)
	for rm := 0; rm < w.w.RMs && len(votes) < k; rm++ {
		if r.IntN(w.w.RMs-rm) < k-len(votes) {
			votes = append(votes, Vote{RM: rm, Prepare: r.IntN(100) >= w.w.AbortPercent})
		}
	}
	return Input{Txn: strconv.Itoa(int(client)) + "." + strconv.Itoa(n), Votes: votes}
}

// Simpler implements spec.Workload: no aborts first (a safety bug of the
// commit path shows without them), then fewer RMs.
func (w workload) Simpler() []json.RawMessage {
	var out []json.RawMessage
	if w.w.AbortPercent > 0 {
		c := w.w
		c.AbortPercent = 0
		out = append(out, c.raw())
	}
	if w.w.MaxRMs > 1 {
		c := w.w
		c.MaxRMs--
		c.MinRMs = min(c.MinRMs, c.MaxRMs)
		out = append(out, c.raw())
	}
	return out
}
