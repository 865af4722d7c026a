// Package lincheck judges a client history against a spec's sequential
// model for linearizability, with porcupine: it adapts a spec.Model to a
// porcupine.Model (partitioned by the spec's PartitionKey, in sorted key
// order so that the result and its HTML never depend on map order), and
// names the first partition that is not linearizable.
//
// The search is bounded by wall time, so its verdict is ok, violation or
// unknown, and unknown is never a pass. The check runs after the
// simulation, outside the deterministic run path (package runner).
package lincheck

import (
	"cmp"
	"fmt"
	"math"
	"slices"
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
	Unknown   Verdict = "unknown"   // the checker ran out of time; never a pass
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
	out := make([]porcupine.Operation, len(ops))
	for i, op := range ops {
		out[i] = porcupine.Operation{ClientId: op.Client, Input: op.Input, Call: op.Call, Output: op.Output, Return: op.Return}
		if _, unknown := op.Output.(spec.Unknown); unknown {
			out[i].Return = end
		}
	}
	return out
}

func verdict(r porcupine.CheckResult) Verdict {
	switch r {
	case porcupine.Ok:
		return Ok
	case porcupine.Illegal:
		return Violation
	}
	return Unknown
}

// Check judges a history, bounded by timeout of wall time (0: no bound).
func Check(m spec.Model, ops []spec.Operation, timeout time.Duration) Verdict {
	return verdict(porcupine.CheckOperationsTimeout(Model(m), Prepare(m, ops), timeout))
}

// CheckVerbose judges a history and returns what porcupine.Visualize needs
// for the HTML (with Model(m) as its model).
func CheckVerbose(m spec.Model, ops []spec.Operation, timeout time.Duration) (Verdict, porcupine.LinearizationInfo) {
	r, info := porcupine.CheckOperationsVerbose(Model(m), Prepare(m, ops), timeout)
	return verdict(r), info
}

// FirstBad names the first partition, in sorted key order, that is not
// linearizable, with its operations.
func FirstBad(m spec.Model, ops []spec.Operation, timeout time.Duration) string {
	pm := Model(m)
	prepared := Prepare(m, ops)
	parts := [][]porcupine.Operation{prepared}
	if pm.Partition != nil {
		parts = pm.Partition(prepared)
	}
	for _, part := range parts {
		if porcupine.CheckOperationsTimeout(pm, part, timeout) != porcupine.Illegal {
			continue
		}
		what := "the history"
		if m.PartitionKey != nil {
			what = fmt.Sprintf("key %q", m.PartitionKey(part[0].Input))
		}
		s := fmt.Sprintf("%s is not linearizable (%d operations):", what, len(part))
		for i, op := range part {
			if i == 40 {
				s += fmt.Sprintf("\n  ... %d more", len(part)-i)
				break
			}
			s += fmt.Sprintf("\n  n%d [%v, %v] %s", op.ClientId, sim.Time(op.Call), sim.Time(op.Return), m.DescribeOperation(op.Input, op.Output))
		}
		return s
	}
	return "the history is not linearizable (no single partition is: a checker inconsistency)"
}
