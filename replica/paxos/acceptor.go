package paxos

import (
	"encoding/binary"
	"fmt"

	"github.com/paxossim/paxossim/sim"
)

// acceptor is the state a round-based register keeps at each server
// (Paxos's acceptor, whose Phase 1 and Phase 2 are read and write): the
// round it switched to, and the value it last accepted, with the round it
// accepted it at. It is durable: a server writes and syncs it before it
// answers the read or write that changed it (Server.persistAcceptor), so
// that a crash never takes back a switch or a vote a proposer already
// counted.
type acceptor struct {
	round    Round // the round this acceptor switched to: it refuses reads and writes below it
	accepted Round // the round of the accepted value (zero: none accepted)
	value    Value
}

// read is the acceptor's side of read(k): "switch to round k, only if
// the current round is less". It reports whether the acceptor is at k
// now, and whether its state changed (and must be persisted). Switching
// again to the round it is at answers a duplicated Read the same way: a
// round belongs to one proposer, which reads at it once.
func (a *acceptor) read(k Round) (ok, changed bool) {
	if k.Less(a.round) {
		return false, false
	}
	changed = a.round != k
	a.round = k
	return true, changed
}

// write is the acceptor's side of write(k, v): accept v at round k, unless
// the acceptor switched to a higher round (a later proposer's read relies
// on it never accepting below that round again).
func (a *acceptor) write(k Round, v Value, m mutant) (ok, changed bool) {
	refuse := k.Less(a.round)
	if m == mutantAcceptBelowRound {
		refuse = k.Less(a.accepted) // the promise of the switch is ignored
	}
	if refuse {
		return false, false
	}
	changed = a.round != k || a.accepted != k || a.value != v
	a.round = higher(a.round, k)
	a.accepted, a.value = k, v
	return true, changed
}

// higher returns the higher of two rounds.
func higher(a, b Round) Round {
	if a.Less(b) {
		return b
	}
	return a
}

// The disk layout: one record for the acceptor, one for the proposer.
const (
	keyAcceptor = "acceptor"
	// keyProposer holds the highest round number this server proposed
	// at, so that a restarted server never reuses a round.
	keyProposer = "proposer"
)

// encodeAcceptor lays out round, accepted round, value.
func encodeAcceptor(a acceptor) []byte {
	b := make([]byte, 0, 24+len(a.value))
	b = binary.LittleEndian.AppendUint64(b, a.round.Number)
	b = binary.LittleEndian.AppendUint32(b, uint32(a.round.Node))
	b = binary.LittleEndian.AppendUint64(b, a.accepted.Number)
	b = binary.LittleEndian.AppendUint32(b, uint32(a.accepted.Node))
	return append(b, a.value...)
}

func decodeAcceptor(b []byte) (acceptor, error) {
	if len(b) < 24 {
		return acceptor{}, fmt.Errorf("acceptor record of %d bytes: want at least 24", len(b))
	}
	a := acceptor{
		round:    Round{Number: binary.LittleEndian.Uint64(b), Node: sim.NodeID(int32(binary.LittleEndian.Uint32(b[8:])))},
		accepted: Round{Number: binary.LittleEndian.Uint64(b[12:]), Node: sim.NodeID(int32(binary.LittleEndian.Uint32(b[20:])))},
		value:    Value(b[24:]),
	}
	if a.round.Less(a.accepted) || a.accepted.IsZero() != (a.value == undef) {
		return acceptor{}, fmt.Errorf("acceptor record is inconsistent: round %v, accepted %v, value %v", a.round, a.accepted, a.value)
	}
	return a, nil
}

// readAcceptor decodes the acceptor record from r (the whole disk at a
// restart, or its synced records for the harness's checks). A missing
// record is the initial state; a torn one was never synced, so nothing
// was answered from it, and it reads as missing too.
func readAcceptor(r sim.DiskReader) (acceptor, bool, error) {
	v, ok, err := r.Read(keyAcceptor)
	if err == sim.ErrTorn || (err == nil && !ok) {
		return acceptor{}, false, nil
	}
	if err != nil {
		return acceptor{}, false, err
	}
	a, err := decodeAcceptor(v)
	return a, err == nil, err
}

func readProposer(r sim.DiskReader) (uint64, error) {
	v, ok, err := r.Read(keyProposer)
	if err == sim.ErrTorn || (err == nil && !ok) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("proposer record of %d bytes: want 8", len(v))
	}
	return binary.LittleEndian.Uint64(v), nil
}
