package paxoscommit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// Durable records. Every record a reply depends on is synced before the
// reply goes out.
const (
	keyRound     = "round" // the highest ballot round this server used
	prefixAccept = "a/"    // a/<txn>/<rm>: the acceptor's state in an instance
	prefixRM     = "r/"    // r/<txn>/<rm>: a hosted RM's vote and final state, with its transaction
)

func instanceKey(prefix string, k instKey) string { return prefix + k.txn + "/" + strconv.Itoa(k.rm) }

func parseInstanceKey(prefix, key string) (instKey, error) {
	rest, ok := strings.CutPrefix(key, prefix)
	i := strings.LastIndexByte(rest, '/')
	if !ok || i < 0 {
		return instKey{}, fmt.Errorf("key %q is not %s<txn>/<rm>", key, prefix)
	}
	rm, err := strconv.Atoi(rest[i+1:])
	if err != nil || rm < 0 || rm >= MaxRMs || !validTxnID(rest[:i]) {
		return instKey{}, fmt.Errorf("key %q is not %s<txn>/<rm>", key, prefix)
	}
	return instKey{txn: rest[:i], rm: rm}, nil
}

var errShort = errors.New("record too short")

// reader decodes a record, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) ballot() Ballot {
	b := Ballot{Round: r.uvarint(), Node: sim.NodeID(r.uvarint())}
	if r.err == nil && (b.Round > MaxRound || (b.Round == 0 && b.Node != 0)) {
		r.err = fmt.Errorf("bad ballot %v", b)
	}
	return b
}

func (r *reader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d trailing bytes", len(r.b))
	}
	return r.err
}

func appendBallot(b []byte, x Ballot) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(b, x.Round), uint64(uint32(x.Node)))
}

func (s *Server) writeRound() {
	s.env.Disk().Write(keyRound, binary.AppendUvarint(nil, s.round))
}

func encodeAcceptor(a *accState) []byte {
	b := appendBallot(nil, a.promised)
	b = binary.AppendUvarint(b, b2u(a.accepted))
	b = appendBallot(b, a.bal)
	return binary.AppendUvarint(b, uint64(a.val))
}

func decodeAcceptor(v []byte) (accState, error) {
	r := reader{b: v}
	a := accState{promised: r.ballot(), accepted: r.uvarint() == 1, bal: r.ballot(), val: Value(r.uvarint())}
	if err := r.done(); err != nil {
		return accState{}, err
	}
	if a.accepted && (!validValue(a.val) || a.promised.Less(a.bal)) {
		return accState{}, fmt.Errorf("bad acceptor state: accepted %v at %v, promised %v", a.val, a.bal, a.promised)
	}
	return a, nil
}

func (s *Server) writeAcceptor(k instKey, a *accState) {
	s.env.Disk().Write(instanceKey(prefixAccept, k), encodeAcceptor(a))
}

// encodeRM writes the RM's vote and final state, and its transaction, so
// that a restarted RM can still ask for help with it.
func encodeRM(st *rmState) []byte {
	b := binary.AppendUvarint(nil, uint64(st.vote))
	b = binary.AppendUvarint(b, uint64(st.final))
	b = binary.AppendUvarint(b, uint64(len(st.txn.RMs)))
	for i, rm := range st.txn.RMs {
		b = binary.AppendUvarint(b, uint64(rm))
		b = binary.AppendUvarint(b, b2u(st.txn.Prepare[i]))
	}
	return b
}

func decodeRM(k instKey, v []byte) (rmState, error) {
	r := reader{b: v}
	st := rmState{key: k, vote: Value(r.uvarint()), final: Outcome(r.uvarint()), coord: -1}
	n := r.uvarint()
	if r.err == nil && (n == 0 || n > MaxRMs) {
		return rmState{}, fmt.Errorf("bad RM count %d", n)
	}
	st.txn = Txn{ID: k.txn, RMs: make([]int, 0, n), Prepare: make([]bool, 0, n)}
	for i := uint64(0); i < n && r.err == nil; i++ {
		st.txn.RMs = append(st.txn.RMs, int(r.uvarint()))
		st.txn.Prepare = append(st.txn.Prepare, r.uvarint() == 1)
	}
	if err := r.done(); err != nil {
		return rmState{}, err
	}
	if (st.vote != 0 && !validValue(st.vote)) || (st.final != 0 && !validOutcome(st.final)) ||
		!st.txn.valid() || st.txn.index(k.rm) < 0 {
		return rmState{}, fmt.Errorf("bad RM state: vote %v final %v txn %v", st.vote, st.final, st.txn)
	}
	return st, nil
}

func (s *Server) writeRM(st *rmState) {
	s.env.Disk().Write(instanceKey(prefixRM, st.key), encodeRM(st))
}

// load rebuilds the server from its disk: the ballot round, the acceptor
// of every instance, and every hosted RM, which reports its vote and final
// state again (a restart must not change them). A record that does not
// decode (torn by a crash before it was synced, so nothing depended on
// it) is traced and skipped. It reports whether anything was loaded.
func (s *Server) load() bool {
	d := s.env.Disk()
	found := false
	if v, ok, err := d.Read(keyRound); err != nil {
		s.env.Logf("round record unreadable (%v): starting without it", err)
	} else if ok {
		r := reader{b: v}
		round := r.uvarint()
		if err := r.done(); err != nil || round > MaxRound {
			s.env.Logf("round record does not decode (%v): starting without it", err)
		} else {
			s.round, s.seen, found = round, round, true
		}
	}
	for _, key := range d.Scan(prefixAccept) {
		k, err := parseInstanceKey(prefixAccept, key)
		v, ok, rerr := d.Read(key)
		if err == nil {
			err = rerr
		}
		var a accState
		if err == nil && ok {
			a, err = decodeAcceptor(v)
		}
		if err != nil || !ok {
			s.env.Logf("acceptor record %s skipped: %v", key, err)
			continue
		}
		if s.mutant == mutantForgetPromise {
			a.promised = Ballot{}
		}
		s.acc[k] = &a
		s.seen = max(s.seen, a.promised.Round)
		found = true
	}
	now := s.env.Now()
	for _, key := range d.Scan(prefixRM) {
		k, err := parseInstanceKey(prefixRM, key)
		v, ok, rerr := d.Read(key)
		if err == nil {
			err = rerr
		}
		var st rmState
		if err == nil && ok {
			st, err = decodeRM(k, v)
		}
		if err != nil || !ok {
			s.env.Logf("RM record %s skipped: %v", key, err)
			continue
		}
		p := &st
		s.rms[k] = p
		found = true
		if p.vote != 0 {
			s.report(Event{Kind: EventVote, Txn: k.txn, RMs: p.txn.RMs, RM: k.rm, Value: p.vote})
		}
		if p.final != 0 {
			s.report(Event{Kind: EventFinal, Txn: k.txn, RMs: p.txn.RMs, RM: k.rm, Outcome: p.final})
			s.learn(k.txn, p.final)
		} else if p.vote == Prepared {
			p.votedAt = now
			s.wait(p)
		}
	}
	return found
}
