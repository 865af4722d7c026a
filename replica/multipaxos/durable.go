package multipaxos

import (
	"encoding/binary"
	"errors"

	"github.com/paxossim/paxossim/sim"
)

// What is durable, and how it is encoded.
//
// The disk holds exactly the acceptor's state: the promised ballot under
// keyPromised and, per slot, the latest vote under votePrefix+<slot as 16
// hex digits> (so Scan returns votes in slot order). Each record is
//
//	magic byte | version byte | fields as uvarints/varints/bytes | FNV-1a-64 of all before it
//
// and is decoded with every length checked: a record that fails (a torn
// write, a corrupt or foreign record) is counted and treated as absent,
// never trusted and never a panic. Treating an unsynced record as absent is
// safe because no reply was sent on its behalf; a synced record is never
// torn (sim.Disk's guarantee).
const (
	keyPromised = "promised"
	votePrefix  = "vote/"

	magicPromised byte = 'P'
	magicVote     byte = 'V'
	recVersion    byte = 1

	// maxLoadSlot bounds slots read back from disk, so that a record that
	// passed its checksum but is nonsense cannot make the log huge.
	maxLoadSlot = 1 << 31
)

var errCorrupt = errors.New("multipaxos: corrupt record")

// setPromised raises the promised ballot and writes it. The write is synced
// by endEvent before any message that depends on it.
func (r *Replica) setPromised(b Ballot) {
	if !r.promised.Less(b) {
		bug("%v: promised ballot must grow: %v -> %v", r.id, r.promised, b)
	}
	r.promised = b
	buf := append(r.scratch[:0], magicPromised, recVersion)
	buf = appendBallot(buf, b)
	r.scratch = appendSum(buf)
	r.env.Disk().Write(keyPromised, r.scratch)
}

// recordVote stores this replica's vote for cmd at ballot b in slot s, in
// memory and on disk (synced by endEvent before the vote is reported).
func (r *Replica) recordVote(s int, b Ballot, cmd Command) {
	if b.Less(r.promised) && r.mut != mutantAcceptLowerBallot {
		bug("%v: voting at %v below our promise %v", r.id, b, r.promised)
	}
	e := r.entryAt(s)
	e.vote, e.voteCmd = b, cmd
	buf := append(r.scratch[:0], magicVote, recVersion)
	buf = binary.AppendUvarint(buf, uint64(s))
	buf = appendBallot(buf, b)
	buf = append(buf, byte(cmd.Op))
	buf = binary.AppendVarint(buf, int64(cmd.Client))
	buf = binary.AppendUvarint(buf, cmd.Seq)
	buf = appendString(buf, cmd.Key)
	buf = appendString(buf, cmd.Value)
	if cmd.Op == OpCAS {
		buf = appendString(buf, cmd.Expect)
	}
	r.scratch = appendSum(buf)
	r.env.Disk().Write(voteKey(s), r.scratch)
}

func voteKey(s int) string {
	const hex = "0123456789abcdef"
	var b [len(votePrefix) + 16]byte
	copy(b[:], votePrefix)
	for i := 0; i < 16; i++ {
		b[len(b)-1-i] = hex[(uint64(s)>>(4*i))&0xf]
	}
	return string(b[:])
}

// isVoteKey reports whether key is voteKey(s), without building it.
func isVoteKey(key string, s int) bool {
	const hex = "0123456789abcdef"
	if len(key) != len(votePrefix)+16 || key[:len(votePrefix)] != votePrefix {
		return false
	}
	for i := 0; i < 16; i++ {
		if key[len(key)-1-i] != hex[(uint64(s)>>(4*i))&0xf] {
			return false
		}
	}
	return true
}

// load rebuilds the acceptor state from disk at Start. The promised ballot
// is at least every vote's ballot even if its own record was lost or torn:
// a vote at b implies a promise of b.
func (r *Replica) load() {
	d := r.env.Disk()
	loaded := 0
	if v, ok, err := d.Read(keyPromised); err != nil || ok {
		b, derr := decodePromised(v)
		if err != nil || derr != nil || !r.isReplica(b.Node) {
			r.rej.CorruptRecords++
			r.env.Logf("ignoring unreadable promised record (%v %v)", err, derr)
		} else {
			r.promised = b
			loaded++
		}
	}
	for _, k := range d.Scan(votePrefix) {
		v, ok, err := d.Read(k)
		if !ok && err == nil {
			continue
		}
		s, b, cmd, derr := decodeVote(v)
		if err != nil || derr != nil || voteKey(s) != k || !r.isReplica(b.Node) {
			r.rej.CorruptRecords++
			r.env.Logf("ignoring unreadable vote record %s (%v %v)", k, err, derr)
			continue
		}
		e := r.entryAt(s)
		e.vote, e.voteCmd = b, cmd
		if r.promised.Less(b) {
			r.promised = b
		}
		loaded++
	}
	r.maxRound = r.promised.Round
	if loaded > 0 {
		r.cov.DiskRecoveries++
		r.env.Logf("recovered from disk: promised=%v, %d records, log length %d", r.promised, loaded, len(r.log))
	}
}

func decodePromised(v []byte) (Ballot, error) {
	d, err := openRecord(v, magicPromised)
	if err != nil {
		return Ballot{}, err
	}
	b := d.ballot()
	return b, d.finish()
}

func decodeVote(v []byte) (slot int, b Ballot, cmd Command, err error) {
	d, err := openRecord(v, magicVote)
	if err != nil {
		return 0, Ballot{}, Command{}, err
	}
	s := d.uvarint()
	b = d.ballot()
	cmd.Op = Op(d.byte())
	cmd.Client = sim.NodeID(d.varint())
	cmd.Seq = d.uvarint()
	cmd.Key = d.string()
	cmd.Value = d.string()
	if cmd.Op == OpCAS {
		cmd.Expect = d.string()
	}
	if err := d.finish(); err != nil || s >= maxLoadSlot || !cmd.valid() {
		return 0, Ballot{}, Command{}, errCorrupt
	}
	return int(s), b, cmd, nil
}

// decodeVoteDigest is decodeVote for the harness's vote history: it checks
// the record as thoroughly but digests the command from the record's bytes
// (the digest Command.digest computes) instead of building it, so reading
// every vote as it becomes durable allocates nothing.
func decodeVoteDigest(v []byte) (slot int, b Ballot, digest uint64, err error) {
	d, err := openRecord(v, magicVote)
	if err != nil {
		return 0, Ballot{}, 0, err
	}
	s := d.uvarint()
	b = d.ballot()
	op := Op(d.byte())
	client := sim.NodeID(d.varint())
	seq := d.uvarint()
	key := d.bytes()
	value := d.bytes()
	var expect []byte
	if op == OpCAS {
		expect = d.bytes()
	}
	if err := d.finish(); err != nil || s >= maxLoadSlot || !(Command{Op: op}).valid() {
		return 0, Ballot{}, 0, errCorrupt
	}
	digest = sim.Mix(uint64(op), sim.HashBytes(key), sim.HashBytes(value), uint64(uint32(client)), seq)
	if op == OpCAS {
		digest = sim.Mix(digest, sim.HashBytes(expect))
	}
	return int(s), b, digest, nil
}

func appendBallot(b []byte, bal Ballot) []byte {
	b = binary.AppendUvarint(b, bal.Round)
	return binary.AppendVarint(b, int64(bal.Node))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendSum(b []byte) []byte { return binary.LittleEndian.AppendUint64(b, fnvBytes(b)) }

func fnvBytes(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// decoder reads a record's fields; the first failure sticks and makes
// every later read return zero.
type decoder struct {
	b   []byte
	err error
}

// openRecord returns the decoder by value, so that decoding a record (the
// harness decodes the promise after every sync) allocates nothing.
func openRecord(v []byte, magic byte) (decoder, error) {
	if len(v) < 10 || v[0] != magic || v[1] != recVersion {
		return decoder{}, errCorrupt
	}
	body, sum := v[:len(v)-8], binary.LittleEndian.Uint64(v[len(v)-8:])
	if fnvBytes(body) != sum {
		return decoder{}, errCorrupt
	}
	return decoder{b: body[2:]}, nil
}

func (d *decoder) fail() { d.err, d.b = errCorrupt, nil }

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > MaxPayload || n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// bytes reads a length-prefixed field without copying it.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > MaxPayload || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	b := d.b[:n]
	d.b = d.b[n:]
	return b
}

func (d *decoder) ballot() Ballot {
	b := Ballot{Round: d.uvarint()}
	node := d.varint()
	if b.Round == 0 || b.Round > MaxRound || node < 0 || node > 1<<30 {
		d.fail()
		return Ballot{}
	}
	b.Node = sim.NodeID(node)
	return b
}

// finish reports a failed read or trailing bytes.
func (d *decoder) finish() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	return d.err
}
