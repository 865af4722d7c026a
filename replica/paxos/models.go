package paxos

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// The layers' specifications (part of the binding): each layer's calls,
// as the servers report them, must be linearizable with respect to an
// atomic, nondeterministic object, in the style of the paper's. The
// objects are weaker than consensus on purpose: they say what any correct
// implementation of the layer may return, however the network and the
// other proposers behave, and they are strong enough that the layer
// above, run on them, is correct. So a bug in a layer shows as a history of that layer that no
// such object could produce, named by the layer.
//
// The round-based register, in the paper's pseudo-code:
//
//	abs_v := undef; abs_round := 0; vals := {undef};
//	read(k)     atomic { pick vR from vals; pick b;
//	                     if (b) { if (k >= abs_round) { abs_round := k;
//	                                if (abs_v != undef) v := abs_v else v := vR; }
//	                              else v := vR;
//	                              return (true, v); }
//	                     else return (false, undef); }
//	write(k, vW) atomic { pick b; vals := vals ∪ {vW};
//	                     if (b && k >= abs_round) { abs_round := k; abs_v := vW; return true; }
//	                     else return false; }
//
// Any call may fail; a write that fails may still have reached some
// acceptors, so its value joins vals, and a read below the current round
// may return any value written so far; but once a write succeeded, a
// successful read at or above its round returns its value.
//
// Round-based consensus and Paxos, in the same style: a decided value
// (undef: none), and vals, every value proposed so far.
//
//	proposeRC(k, v0) atomic { vals := vals ∪ {v0}; pick b;
//	                          if (b) { if (decided = undef) decided := any of vals;
//	                                   return (true, decided); }
//	                          else return (false, undef); }
//	proposeP(v0)     atomic { the same, but it never fails }
//
// A server that only learns (proposes undef) may also succeed with undef,
// while nothing is decided. The decided value need not be the caller's
// own: a proposal that failed may have left its value at the acceptors,
// and a later proposeRC must then carry it on.
//
// A call whose outcome is unknown (its server crashed before it returned)
// may have taken effect or not. For the register the two differ in ways
// no single state covers, so the state is the set of every (abs_round,
// abs_v) it may be; for consensus and Paxos, not taking effect (beyond
// joining vals) allows everything taking effect would, so that is the
// state.

func layers() []protocol.Layer {
	return []protocol.Layer{
		{Name: LayerRegister.String(), Model: registerModel(),
			Description: "read(k) and write(k, v), each answered by a majority of acceptors, against the atomic nondeterministic register (abs_round, abs_v, vals)"},
		{Name: LayerConsensus.String(), Model: consensusModel(),
			Description: "proposeRC(k, v0): read, keep the value read if any, write; against atomic consensus that may fail"},
		{Name: LayerPaxos.String(), Model: paxosModel(),
			Description: "proposeP(v0): proposeRC at higher rounds until it succeeds; against atomic consensus"},
	}
}

// RegisterState is a state of the abstract register: the (abs_round,
// abs_v) pairs it may be in (several only after a call of unknown
// outcome), sorted, and vals, sorted, undef left out (it is always in).
type RegisterState struct {
	Options []RoundValue
	Vals    []Value
}

// RoundValue is one (abs_round, abs_v).
type RoundValue struct {
	Round Round
	Value Value
}

func registerModel() spec.Model {
	return spec.Model{
		Init:  func() any { return RegisterState{Options: []RoundValue{{}}} },
		Step:  registerStep,
		Equal: func(a, b any) bool { return registerEqual(a.(RegisterState), b.(RegisterState)) },
		Hash:  func(s any) uint64 { return registerHash(s.(RegisterState)) },
		DescribeOperation: func(input, output any) string {
			switch in := input.(type) {
			case ReadCall:
				return fmt.Sprintf("read(%v) -> %s", in.Round, describeOutput(output))
			case WriteCall:
				return fmt.Sprintf("write(%v, %v) -> %s", in.Round, in.Value, describeOutput(output))
			}
			return fmt.Sprintf("%v -> %v", input, output)
		},
		DescribeState: func(s any) string {
			st := s.(RegisterState)
			opts := make([]string, len(st.Options))
			for i, o := range st.Options {
				opts[i] = fmt.Sprintf("(abs_round=%v abs_v=%v)", o.Round, o.Value)
			}
			return strings.Join(opts, " or ") + " vals=" + describeVals(st.Vals)
		},
		Valid: func(input, output any) error {
			switch input.(type) {
			case ReadCall:
				return validOutput[ReadReturn](output)
			case WriteCall:
				return validOutput[WriteReturn](output)
			}
			return fmt.Errorf("input is %T, want a register call", input)
		},
	}
}

func registerStep(state, input, output any) (bool, any) {
	st := state.(RegisterState)
	_, unknown := output.(spec.Unknown)
	var next []RoundValue
	switch in := input.(type) {
	case ReadCall:
		k := in.Round
		if unknown { // failed, or switched abs_round to k
			for _, o := range st.Options {
				next = append(next, o)
				if o.Round.AtMost(k) {
					next = append(next, RoundValue{k, o.Value})
				}
			}
			return true, RegisterState{normalize(next), st.Vals}
		}
		out := output.(ReadReturn)
		if !out.OK {
			return true, st
		}
		for _, o := range st.Options {
			switch {
			case !o.Round.AtMost(k): // k < abs_round: v := vR
				if hasValue(st.Vals, out.Value) {
					next = append(next, o)
				}
			case o.Value != undef: // abs_round := k; v := abs_v
				if out.Value == o.Value {
					next = append(next, RoundValue{k, o.Value})
				}
			default: // abs_round := k; v := vR
				if hasValue(st.Vals, out.Value) {
					next = append(next, RoundValue{k, o.Value})
				}
			}
		}
	case WriteCall:
		k, vals := in.Round, withValue(st.Vals, in.Value)
		if unknown { // failed, or succeeded
			for _, o := range st.Options {
				next = append(next, o)
				if o.Round.AtMost(k) {
					next = append(next, RoundValue{k, in.Value})
				}
			}
			return true, RegisterState{normalize(next), vals}
		}
		if !output.(WriteReturn).OK {
			return true, RegisterState{st.Options, vals}
		}
		for _, o := range st.Options {
			if o.Round.AtMost(k) { // abs_round := k; abs_v := vW
				next = append(next, RoundValue{k, in.Value})
			}
		}
		if len(next) == 0 {
			return false, st
		}
		return true, RegisterState{normalize(next), vals}
	}
	if len(next) == 0 {
		return false, st
	}
	return true, RegisterState{normalize(next), st.Vals}
}

// normalize sorts options and drops duplicates, so that equal states
// compare and hash equal.
func normalize(opts []RoundValue) []RoundValue {
	slices.SortFunc(opts, func(a, b RoundValue) int {
		switch {
		case a.Round.Less(b.Round):
			return -1
		case b.Round.Less(a.Round):
			return 1
		}
		return strings.Compare(string(a.Value), string(b.Value))
	})
	return slices.Compact(opts)
}

func registerEqual(a, b RegisterState) bool {
	return slices.Equal(a.Options, b.Options) && slices.Equal(a.Vals, b.Vals)
}

func registerHash(s RegisterState) uint64 {
	h := valsHash(s.Vals)
	for _, o := range s.Options {
		h = sim.Mix(h, o.Round.digest(), o.Value.digest())
	}
	return h
}

// ConsensusState is a state of abstract consensus: the decided value
// (undef: none) and vals, sorted, undef left out.
type ConsensusState struct {
	Decided Value
	Vals    []Value
}

func consensusModel() spec.Model {
	return consensusLike(func(input, output any) (Value, bool, Value, bool) {
		in := input.(ProposeRCCall)
		if _, unknown := output.(spec.Unknown); unknown {
			return in.Proposal, true, undef, false
		}
		out := output.(ProposeRCReturn)
		return in.Proposal, !out.OK, out.Value, true
	}, func(input, output any) string {
		in := input.(ProposeRCCall)
		return fmt.Sprintf("proposeRC(%v, %v) -> %s", in.Round, in.Proposal, describeOutput(output))
	}, func(input, output any) error {
		if _, ok := input.(ProposeRCCall); !ok {
			return fmt.Errorf("input is %T, want paxos.ProposeRCCall", input)
		}
		return validOutput[ProposeRCReturn](output)
	})
}

func paxosModel() spec.Model {
	return consensusLike(func(input, output any) (Value, bool, Value, bool) {
		in := input.(ProposePCall)
		if _, unknown := output.(spec.Unknown); unknown {
			return in.Proposal, true, undef, false
		}
		return in.Proposal, false, output.(ProposePReturn).Value, true
	}, func(input, output any) string {
		return fmt.Sprintf("proposeP(%v) -> %s", input.(ProposePCall).Proposal, describeOutput(output))
	}, func(input, output any) error {
		if _, ok := input.(ProposePCall); !ok {
			return fmt.Errorf("input is %T, want paxos.ProposePCall", input)
		}
		return validOutput[ProposePReturn](output)
	})
}

// consensusLike builds the model of a consensus object from how to read
// an operation: its proposal, whether it failed (or its outcome is
// unknown: then known is false), and the value it returned.
func consensusLike(read func(input, output any) (proposal Value, failed bool, v Value, known bool),
	describe func(input, output any) string, valid func(input, output any) error) spec.Model {
	return spec.Model{
		Init: func() any { return ConsensusState{} },
		Step: func(state, input, output any) (bool, any) {
			st := state.(ConsensusState)
			v0, failed, v, known := read(input, output)
			next := ConsensusState{Decided: st.Decided, Vals: withValue(st.Vals, v0)}
			switch {
			case !known || failed:
				return true, next
			case v == undef: // only a learner, and only while nothing is decided
				return v0 == undef && st.Decided == undef, next
			case st.Decided != undef:
				return v == st.Decided, next
			}
			next.Decided = v
			return hasValue(next.Vals, v), next
		},
		Equal: func(a, b any) bool {
			x, y := a.(ConsensusState), b.(ConsensusState)
			return x.Decided == y.Decided && slices.Equal(x.Vals, y.Vals)
		},
		Hash: func(s any) uint64 {
			st := s.(ConsensusState)
			return sim.Mix(st.Decided.digest(), valsHash(st.Vals))
		},
		DescribeOperation: describe,
		DescribeState: func(s any) string {
			st := s.(ConsensusState)
			return fmt.Sprintf("decided=%v vals=%s", st.Decided, describeVals(st.Vals))
		},
		Valid: valid,
	}
}

// hasValue reports v ∈ vals ∪ {undef}.
func hasValue(vals []Value, v Value) bool {
	_, found := slices.BinarySearch(vals, v)
	return v == undef || found
}

// withValue returns vals ∪ {v}, sharing vals if v is in it already.
func withValue(vals []Value, v Value) []Value {
	i, found := slices.BinarySearch(vals, v)
	if v == undef || found {
		return vals
	}
	return slices.Insert(slices.Clone(vals), i, v)
}

func valsHash(vals []Value) uint64 {
	h := uint64(len(vals))
	for _, v := range vals {
		h = sim.Mix(h, v.digest())
	}
	return h
}

func describeVals(vals []Value) string {
	s := make([]string, len(vals)+1)
	s[0] = "undef"
	for i, v := range vals {
		s[i+1] = v.String()
	}
	return "{" + strings.Join(s, ", ") + "}"
}

func describeOutput(output any) string {
	switch out := output.(type) {
	case spec.Unknown:
		return "unknown"
	case ReadReturn:
		return fmt.Sprintf("(%v, %v)", out.OK, out.Value)
	case WriteReturn:
		return fmt.Sprint(out.OK)
	case ProposeRCReturn:
		return fmt.Sprintf("(%v, %v)", out.OK, out.Value)
	case ProposePReturn:
		return out.Value.String()
	}
	return fmt.Sprint(output)
}

func validOutput[T any](output any) error {
	switch output.(type) {
	case T, spec.Unknown:
		return nil
	}
	var want T
	return fmt.Errorf("output is %T, want %T or spec.Unknown", output, want)
}
