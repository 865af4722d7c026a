// This file holds the porcupine model of the client-visible KV contract:
// Get, Put and Append on string keys and values, checked for
// linearizability per key. It models what a client may observe, not Paxos,
// so that no protocol imports porcupine (DESIGN.md, "What a run checks").
// It holds no harness logic and is tested alone on hand-written histories.

package scenarios

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
)

// KVOp is the kind of a KV operation. The zero value is invalid, so that a
// recorder that forgets to set it is caught by CheckKV instead of being
// checked as a Get.
type KVOp uint8

const (
	KVGet    KVOp = iota + 1 // read the value of Key; a missing key reads as ""
	KVPut                    // set Key to Value
	KVAppend                 // set Key to its current value followed by Value
)

func (op KVOp) String() string {
	switch op {
	case KVGet:
		return "get"
	case KVPut:
		return "put"
	case KVAppend:
		return "append"
	}
	return fmt.Sprintf("KVOp(%d)", uint8(op))
}

// KVInput is the Input of a porcupine.Operation on the KV store. Value is
// the argument of Put and Append and is ignored for Get.
type KVInput struct {
	Op    KVOp
	Key   string
	Value string
}

// KVOutput is the Output of a porcupine.Operation on the KV store.
//
// Value is what a Get returned and is ignored for Put and Append. Unknown
// marks an operation whose outcome the client never learned (it timed out,
// or its node crashed): the recorder must give it a Return at the end of the
// history (CheckKV enforces this), and the model accepts any outcome for
// it, because it may have taken effect at any time after its Call, or never.
type KVOutput struct {
	Value   string
	Unknown bool
}

// KVModel returns the porcupine model of the KV store, partitioned by key:
// a history is linearizable if and only if the history of each key is, so
// the per-partition state is just the value of one key (a string, "" for a
// missing key). Partitions come in sorted key order, so the checker's
// LinearizationInfo and its HTML do not depend on map order.
//
// Each call returns a fresh Model, so a caller may change a field (for
// example Hash, in a benchmark) without affecting others.
func KVModel() porcupine.Model {
	return porcupine.Model{
		Partition:         kvPartition,
		PartitionEvent:    kvPartitionEvent,
		Init:              func() any { return "" },
		Step:              kvStep,
		Equal:             func(a, b any) bool { return a.(string) == b.(string) },
		Hash:              kvHash,
		DescribeOperation: kvDescribeOperation,
		DescribeState:     func(state any) string { return fmt.Sprintf("%q", state.(string)) },
	}
}

// kvStep is the sequential specification of one key. An unknown Put or
// Append is applied: an operation that never took effect is
// indistinguishable from one that took effect after everything observed,
// which is where the checker can place it, because its Return is at the end
// of the history. An unknown Get constrains nothing.
func kvStep(state, input, output any) (bool, any) {
	st := state.(string)
	in := input.(KVInput)
	out := output.(KVOutput)
	switch in.Op {
	case KVGet:
		return out.Unknown || out.Value == st, st
	case KVPut:
		return true, in.Value
	case KVAppend:
		return true, st + in.Value
	}
	return false, st // unreachable after CheckKV's validation
}

// kvHash is 64-bit FNV-1a. The checker caches (linearized set, state) pairs
// in buckets keyed by this hash; without it every state of one linearized
// set shares a bucket and is compared with Equal.
func kvHash(state any) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	s := state.(string)
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

func kvDescribeOperation(input, output any) string {
	in := input.(KVInput)
	out := output.(KVOutput)
	var call string
	switch in.Op {
	case KVGet:
		call = fmt.Sprintf("get(%q)", in.Key)
	default:
		call = fmt.Sprintf("%s(%q, %q)", in.Op, in.Key, in.Value)
	}
	switch {
	case out.Unknown:
		return call + " -> unknown"
	case in.Op == KVGet:
		return fmt.Sprintf("%s -> %q", call, out.Value)
	}
	return call
}

// kvPartition splits a history by key, in sorted key order, keeping the
// order of operations within a key.
func kvPartition(history []porcupine.Operation) [][]porcupine.Operation {
	ops := slices.Clone(history)
	slices.SortStableFunc(ops, func(a, b porcupine.Operation) int {
		return cmp.Compare(a.Input.(KVInput).Key, b.Input.(KVInput).Key)
	})
	var parts [][]porcupine.Operation
	for i := 0; i < len(ops); {
		key := ops[i].Input.(KVInput).Key
		j := i + 1
		for j < len(ops) && ops[j].Input.(KVInput).Key == key {
			j++
		}
		parts = append(parts, ops[i:j:j])
		i = j
	}
	return parts
}

// kvPartitionEvent is kvPartition for the event form of a history, in which
// a return event finds its key through the Id of its call.
func kvPartitionEvent(history []porcupine.Event) [][]porcupine.Event {
	type keyed struct {
		key string
		ev  porcupine.Event
	}
	keyOf := make(map[int]string, len(history)/2) // call Id -> key
	evs := make([]keyed, len(history))
	for i, ev := range history {
		if ev.Kind == porcupine.CallEvent {
			keyOf[ev.Id] = ev.Value.(KVInput).Key
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

// Verdict is the outcome of the linearizability check of a history.
type Verdict string

const (
	VerdictOk        Verdict = "ok"        // linearizable
	VerdictViolation Verdict = "violation" // not linearizable
	VerdictUnknown   Verdict = "unknown"   // the checker ran out of time; never a pass
)

// CheckKV checks that a history of KV operations is linearizable and returns
// the verdict with the information porcupine.Visualize needs for the HTML
// (use KVModel() as its model).
//
// timeout is wall-clock time, the one use of it on a run's path: the check
// runs after the simulation has ended, on porcupine's own goroutines. For
// that reason the verdict is not part of the trace hash: a slow machine may
// turn "ok" into "unknown" for the same seed. A timeout of 0 means no limit,
// as in porcupine; callers should pass a limit (STYLE.md guideline 8).
//
// Every operation must have a KVInput with a valid Op and a KVOutput, and
// Call <= Return; anything else is a bug in the recorder, and CheckKV panics
// on the caller's goroutine (a panic inside the checker's goroutines could
// not be recovered). An unknown operation whose Return is earlier than the
// last Call or Return of the history is extended to it, so that it stays
// open until the end, as its outcome requires; ops itself is not modified.
func CheckKV(ops []porcupine.Operation, timeout time.Duration) (Verdict, porcupine.LinearizationInfo) {
	ops = kvPrepare(ops)
	res, info := porcupine.CheckOperationsVerbose(KVModel(), ops, timeout)
	switch res {
	case porcupine.Ok:
		return VerdictOk, info
	case porcupine.Illegal:
		return VerdictViolation, info
	}
	return VerdictUnknown, info
}

// kvPrepare validates a history and keeps its unknown operations open to its
// end, copying ops only if an operation has to change.
func kvPrepare(ops []porcupine.Operation) []porcupine.Operation {
	end := int64(math.MinInt64)
	for i, op := range ops {
		in, ok := op.Input.(KVInput)
		if !ok {
			panic(fmt.Sprintf("scenarios.CheckKV: operation %d: Input is %T, want KVInput", i, op.Input))
		}
		if in.Op < KVGet || in.Op > KVAppend {
			panic(fmt.Sprintf("scenarios.CheckKV: operation %d: invalid %v", i, in.Op))
		}
		if _, ok := op.Output.(KVOutput); !ok {
			panic(fmt.Sprintf("scenarios.CheckKV: operation %d: Output is %T, want KVOutput", i, op.Output))
		}
		if op.Call > op.Return {
			panic(fmt.Sprintf("scenarios.CheckKV: operation %d: Call %d after Return %d", i, op.Call, op.Return))
		}
		end = max(end, op.Return)
	}
	copied := false
	for i, op := range ops {
		if !op.Output.(KVOutput).Unknown || op.Return == end {
			continue
		}
		if !copied {
			ops = slices.Clone(ops)
			copied = true
		}
		ops[i].Return = end
	}
	return ops
}
