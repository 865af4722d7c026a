// Package lincheck judges a client history against a spec's sequential
// model for linearizability, one partition of the spec at a time (a key of
// the KV store), in sorted key order so that the result never depends on
// map order.
//
// Two checkers share the work. When the spec describes its operations as
// reads and writes of written values (spec.Model.Access) and a partition's
// written values are unique, which the workloads ensure, the exact checker
// (exact.go, with its correctness argument) decides the partition without
// search in O(n log n), whatever the concurrency: ok or violation, never
// unknown, with the few operations that prove a violation. Any other
// partition goes to porcupine's search, bounded by a budget of model steps,
// so that its verdict (ok, violation, or unknown when the budget runs out)
// is the same on every machine; unknown is never a pass. Porcupine also
// cross-checks the exact checker in the tests and draws the HTML page.
//
// The check runs after the simulation, outside the deterministic run path
// (package runner).
package lincheck

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// Verdict is the outcome of the linearizability check of a history.
type Verdict string

// The verdicts.
const (
	Ok        Verdict = "ok"        // linearizable
	Violation Verdict = "violation" // not linearizable
	Unknown   Verdict = "unknown"   // the search ran out of budget (or time); never a pass
)

// Model adapts a spec's model to porcupine. Each call returns a fresh
// Model.
func Model(m spec.Model) porcupine.Model {
	pm := porcupine.Model{
		Init:              m.Init,
		Step:              m.Step,
		Equal:             m.Equal,
		Hash:              m.Hash,
		DescribeOperation: m.DescribeOperation,
		DescribeState:     m.DescribeState,
	}
	if key := m.PartitionKey; key != nil {
		pm.Partition = func(history []porcupine.Operation) [][]porcupine.Operation { return partition(key, history) }
		pm.PartitionEvent = func(history []porcupine.Event) [][]porcupine.Event { return partitionEvents(key, history) }
	}
	return pm
}

// partition splits a history by key, in sorted key order, keeping the
// order of operations within a key.
func partition(key func(any) string, history []porcupine.Operation) [][]porcupine.Operation {
	ops := slices.Clone(history)
	slices.SortStableFunc(ops, func(a, b porcupine.Operation) int { return cmp.Compare(key(a.Input), key(b.Input)) })
	var parts [][]porcupine.Operation
	for i := 0; i < len(ops); {
		k := key(ops[i].Input)
		j := i + 1
		for j < len(ops) && key(ops[j].Input) == k {
			j++
		}
		parts = append(parts, ops[i:j:j])
		i = j
	}
	return parts
}

// partitionEvents is partition for the event form of a history, in which a
// return event finds its key through the Id of its call.
func partitionEvents(key func(any) string, history []porcupine.Event) [][]porcupine.Event {
	type keyed struct {
		key string
		ev  porcupine.Event
	}
	keyOf := make(map[int]string, len(history)/2) // call Id -> key
	evs := make([]keyed, len(history))
	for i, ev := range history {
		if ev.Kind == porcupine.CallEvent {
			keyOf[ev.Id] = key(ev.Value)
		}
		evs[i].ev = ev
	}
	for i := range evs {
		evs[i].key = keyOf[evs[i].ev.Id]
	}
	slices.SortStableFunc(evs, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	var parts [][]porcupine.Event
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].key == evs[i].key {
			j++
		}
		part := make([]porcupine.Event, 0, j-i)
		for _, k := range evs[i:j] {
			part = append(part, k.ev)
		}
		parts = append(parts, part)
		i = j
	}
	return parts
}

// Prepare validates a history against the model and converts it for
// porcupine, keeping every operation of unknown outcome open to the end of
// the history (its outcome requires it). An invalid history (a value of
// another spec, a call after its return) is a bug in the recorder or the
// codec: Prepare panics on the caller's goroutine, where a panic can be
// recovered (one inside porcupine's goroutines could not).
func Prepare(m spec.Model, ops []spec.Operation) []porcupine.Operation {
	end := validate(m, ops)
	out := make([]porcupine.Operation, len(ops))
	for i, op := range ops {
		out[i] = porcupine.Operation{ClientId: op.Client, Input: op.Input, Call: op.Call, Output: op.Output, Return: op.Return}
		if _, unknown := op.Output.(spec.Unknown); unknown {
			out[i].Return = end
		}
	}
	return out
}

// validate panics on an invalid history (see Prepare) and returns its end,
// the latest return.
func validate(m spec.Model, ops []spec.Operation) int64 {
	end := int64(math.MinInt64)
	for i, op := range ops {
		if m.Valid != nil {
			if err := m.Valid(op.Input, op.Output); err != nil {
				panic(fmt.Sprintf("lincheck: operation %d: %v", i, err))
			}
		}
		if op.Call > op.Return {
			panic(fmt.Sprintf("lincheck: operation %d: call %d after return %d", i, op.Call, op.Return))
		}
		end = max(end, op.Return)
	}
	return end
}

// Checker selects how partitions are judged.
type Checker string

// The checkers.
const (
	// Auto judges a partition exactly when the spec and the history allow
	// it, and by search otherwise: the default.
	Auto Checker = "auto"
	// Exact insists on the exact checker: a partition it cannot judge is
	// unknown, with the reason.
	Exact Checker = "exact"
	// Porcupine always searches (bounded by Budget).
	Porcupine Checker = "porcupine"
)

// ParseChecker reads a checker's name ("" is Auto).
func ParseChecker(s string) (Checker, error) {
	switch Checker(s) {
	case "", Auto:
		return Auto, nil
	case Exact, Porcupine:
		return Checker(s), nil
	}
	return "", fmt.Errorf("unknown checker %q (want auto, exact or porcupine)", s)
}

// DefaultBudget is the search budget per partition, in model steps: about
// a second or two of search, and enough for any history of today's
// scenarios that the exact checker does not take.
const DefaultBudget = 20_000_000

// MaxBudget bounds a budget from a file or a flag.
const MaxBudget = 1 << 40

// Options select and bound the check.
type Options struct {
	Checker Checker
	// Budget bounds porcupine's search in model steps per partition (0:
	// DefaultBudget). It is what makes an unknown verdict reproducible.
	Budget int64
	// Timeout also bounds the search in wall time (0: no bound). A verdict
	// bounded by it depends on the machine, so runs never set it; an
	// interactive recheck may.
	Timeout time.Duration
}

func (o Options) budget() int64 {
	if o.Budget > 0 {
		return o.Budget
	}
	return DefaultBudget
}

// Result is the verdict on a history, with its explanation.
type Result struct {
	Verdict Verdict
	// Key is the partition the verdict comes from when it is not ok (""
	// for a spec with one partition).
	Key string
	// Checker is what judged that partition: "exact" or "porcupine"; for
	// an ok verdict, what judged the partitions ("exact+porcupine" for
	// both).
	Checker Checker
	// Explanation says why, for a violation or an unknown verdict.
	Explanation string
	// Ops are the history indexes of the operations the explanation
	// names: for the exact checker the few that prove the violation, for
	// the search the whole partition.
	Ops []int
	// Exact and Searched count the partitions each checker judged, and
	// Steps the model steps the search took.
	Exact, Searched int
	Steps           int64
}

// Judge checks a history. A violation ends the check at the first bad
// partition; an unknown partition is remembered and the check goes on, in
// case a later partition is a violation (the stronger news).
func Judge(m spec.Model, ops []spec.Operation, o Options) Result {
	validate(m, ops)
	var prepared []porcupine.Operation // for the search, made when first needed
	res := Result{Verdict: Ok}
	var unknown *Result
	for _, part := range partitionIndexes(m, ops) {
		key := ""
		if m.PartitionKey != nil {
			key = m.PartitionKey(ops[part[0]].Input)
		}
		r := judgePartition(m, ops, &prepared, part, o)
		r.Key = key
		res.Exact += r.Exact
		res.Searched += r.Searched
		res.Steps += r.Steps
		switch r.Verdict {
		case Violation:
			r.Exact, r.Searched, r.Steps = res.Exact, res.Searched, res.Steps
			return r
		case Unknown:
			if unknown == nil {
				unknown = &r
			}
		}
	}
	if unknown != nil {
		unknown.Exact, unknown.Searched, unknown.Steps = res.Exact, res.Searched, res.Steps
		return *unknown
	}
	switch {
	case res.Searched == 0:
		res.Checker = Exact
	case res.Exact == 0:
		res.Checker = Porcupine
	default:
		res.Checker = Exact + "+" + Porcupine
	}
	return res
}

// partitionIndexes groups history indexes by partition key, in sorted key
// order, keeping history order within a key.
func partitionIndexes(m spec.Model, ops []spec.Operation) [][]int {
	if len(ops) == 0 {
		return nil
	}
	if m.PartitionKey == nil {
		all := make([]int, len(ops))
		for i := range all {
			all[i] = i
		}
		return [][]int{all}
	}
	byKey := map[string][]int{}
	for i, op := range ops {
		k := m.PartitionKey(op.Input)
		byKey[k] = append(byKey[k], i)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([][]int, len(keys))
	for i, k := range keys {
		parts[i] = byKey[k]
	}
	return parts
}

func judgePartition(m spec.Model, ops []spec.Operation, prepared *[]porcupine.Operation, part []int, o Options) Result {
	if o.Checker != Porcupine && m.Access != nil {
		r, na := checkExact(m, ops, part)
		if na == nil {
			return Result{Verdict: r.verdict, Checker: Exact, Explanation: r.why, Ops: r.ops, Exact: 1}
		}
		if o.Checker == Exact {
			return Result{Verdict: Unknown, Checker: Exact, Explanation: "the exact checker cannot judge this partition: " + na.why}
		}
	}
	if *prepared == nil {
		*prepared = Prepare(m, ops)
	}
	sub := make([]porcupine.Operation, len(part))
	for i, j := range part {
		sub[i] = (*prepared)[j]
	}
	v, steps := search(m, sub, o)
	r := Result{Verdict: v, Checker: Porcupine, Searched: 1, Steps: steps}
	switch v {
	case Violation:
		r.Ops = slices.Clone(part)
		r.Explanation = describePartition(m, ops, part)
	case Unknown:
		if steps > o.budget() {
			r.Explanation = fmt.Sprintf("the search did not finish within its budget of %d model steps (%d operations); raise the budget, or allow unknown verdicts", o.budget(), len(part))
		} else {
			r.Explanation = fmt.Sprintf("the search did not finish within %v of wall time (%d operations)", o.Timeout, len(part))
		}
	}
	return r
}

// search runs porcupine on one partition, counting model steps; past the
// budget every step fails, which ends the search quickly, and the verdict
// is unknown whatever porcupine concluded. One partition is one goroutine
// inside porcupine, so the count, and the verdict, are deterministic.
func search(m spec.Model, part []porcupine.Operation, o Options) (Verdict, int64) {
	pm := Model(m)
	pm.Partition, pm.PartitionEvent = nil, nil
	var steps int64
	budget := o.budget()
	step := pm.Step
	pm.Step = func(state, input, output any) (bool, any) {
		steps++
		if steps > budget {
			return false, state
		}
		return step(state, input, output)
	}
	r := porcupine.CheckOperationsTimeout(pm, part, o.Timeout)
	switch {
	case steps > budget:
		return Unknown, steps
	case r == porcupine.Ok:
		return Ok, steps
	case r == porcupine.Illegal:
		return Violation, steps
	}
	return Unknown, steps
}

// describePartition lists a partition's operations, for a violation the
// search found.
func describePartition(m spec.Model, ops []spec.Operation, part []int) string {
	what := "the history"
	if m.PartitionKey != nil {
		what = fmt.Sprintf("key %q", m.PartitionKey(ops[part[0]].Input))
	}
	s := fmt.Sprintf("%s is not linearizable (%d operations):", what, len(part))
	for i, j := range part {
		if i == 40 {
			s += fmt.Sprintf("\n  ... %d more", len(part)-i)
			break
		}
		op := ops[j]
		s += fmt.Sprintf("\n  n%d [%v, %s] %s", op.Client, sim.Time(op.Call), returnTime(op), m.DescribeOperation(op.Input, op.Output))
	}
	return s
}

// CheckVerbose searches the whole history with porcupine for what
// porcupine.Visualize needs (with Model(m) as its model). The budget bounds
// all partitions together (porcupine searches them concurrently), so the
// partial linearizations it returns are for display only: the verdict of
// record is Judge's.
func CheckVerbose(m spec.Model, ops []spec.Operation, o Options) porcupine.LinearizationInfo {
	pm := Model(m)
	var steps atomic.Int64
	budget := o.budget()
	step := pm.Step
	pm.Step = func(state, input, output any) (bool, any) {
		if steps.Add(1) > budget {
			return false, state
		}
		return step(state, input, output)
	}
	_, info := porcupine.CheckOperationsVerbose(pm, Prepare(m, ops), o.Timeout)
	return info
}
