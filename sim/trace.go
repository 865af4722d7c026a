package sim

import (
	"fmt"
	"io"
	"strconv"
)

// RecordKind is the kind of a trace record.
type RecordKind uint8

// Trace record kinds. The numbering is part of the trace hash: append, never
// reorder.
const (
	RecRecv    RecordKind = iota + 1 // a message delivered to a node
	RecDrop                          // a message dropped, with its cause
	RecTimer                         // a node's timer fired
	RecStart                         // a node booted for the first time
	RecCrash                         // a node crashed
	RecRestart                       // a node restarted (new incarnation)
	RecPause                         // a node stalled
	RecResume                        // a stalled node resumed
	RecClock                         // a node's clock was skewed or set drifting
	RecNote                          // a fault, network or harness note
	RecLog                           // a line a node logged
)

var recordNames = [...]string{"?", "recv", "drop", "timer", "start", "crash", "restart", "pause", "resume", "clock", "note", "log"}

// DropCause says why a message was not delivered.
type DropCause uint8

// Drop causes. Network models use these generic names; the numbering is
// part of the trace hash.
const (
	CauseNone      DropCause = iota
	CauseDown                // the receiver was crashed at delivery
	CauseLoss                // random loss
	CausePartition           // a partition cut the link at send time
	CauseCut                 // a partition cut the link while the message was in flight
	CauseOverflow            // the link's in-flight capacity was full
	numCauses
)

var causeNames = [...]string{"none", "down", "loss", "partition", "cut-in-flight", "overflow"}

// String names the cause as the trace prints it.
func (c DropCause) String() string {
	if int(c) < len(causeNames) {
		return causeNames[c]
	}
	return "cause(" + strconv.Itoa(int(c)) + ")"
}

// NumDropCauses is the number of defined causes, for tables indexed by cause.
const NumDropCauses = int(numCauses)

// Record is one trace event in compact form. It is formatted to text only
// when a trace is printed.
type Record struct {
	At    Time
	Kind  RecordKind
	Node  NodeID // the node the event happened at
	Peer  NodeID // recv/drop: the sender
	Msg   Message
	Tag   TimerTag
	Cause DropCause
	Text  string // note text, or a log line's format
	Args  []any  // a log line's arguments
	namer TimerNamer
}

// TimerNamer may be implemented by a Node to name its timers in the trace.
type TimerNamer interface {
	TimerName(TimerTag) string
}

// AppendText appends the record's trace line, without a newline:
//
//	t=12.345ms n2 recv Accept{b=(3,n1) slot=7} from n1
//
// The columns are: true simulated time; the node; the kind; the payload;
// for recv and drop the sender, and for drop the cause.
func (r *Record) AppendText(b []byte) []byte {
	b = append(b, "t="...)
	b = Duration(r.At).appendMillis(b)
	b = append(b, "ms "...)
	if r.Kind != RecNote || r.Node >= 0 {
		b = append(b, r.Node.String()...)
		b = append(b, ' ')
	}
	b = append(b, recordNames[r.Kind]...)
	switch r.Kind {
	case RecRecv, RecDrop:
		b = append(b, ' ')
		b = append(b, r.Msg.String()...)
		b = append(b, " from "...)
		b = append(b, r.Peer.String()...)
		if r.Kind == RecDrop {
			b = append(b, " cause="...)
			b = append(b, r.Cause.String()...)
		}
	case RecTimer:
		b = append(b, ' ')
		if r.namer != nil {
			b = append(b, r.namer.TimerName(r.Tag)...)
		} else {
			b = strconv.AppendInt(b, int64(r.Tag), 10)
		}
	case RecLog:
		b = append(b, ' ')
		b = fmt.Appendf(b, r.Text, r.Args...)
	case RecNote, RecClock, RecCrash, RecRestart:
		if r.Text != "" {
			b = append(b, ' ')
			b = append(b, r.Text...)
		}
	}
	return b
}

// String returns the record's trace line.
func (r *Record) String() string { return string(r.AppendText(nil)) }

// mix folds one word into a running hash (a SplitMix64-style finalizer over
// an xor-multiply step). It is cheap, allocation-free and sensitive to order.
func mix(h, v uint64) uint64 {
	h ^= v
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// HashString folds a string into a 64-bit digest (FNV-1a), for Message
// digests that carry text.
func HashString(s string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 0x100000001b3
	}
	return h
}

// HashBytes is HashString of the bytes, without converting them to a
// string (for decoders that digest records without allocating).
func HashBytes(b []byte) uint64 {
	h := uint64(0xcbf29ce484222325)
	for _, c := range b {
		h ^= uint64(c)
		h *= 0x100000001b3
	}
	return h
}

// Mix folds the words into h. Message.Digest implementations use it:
//
//	func (m Accept) Digest() uint64 { return sim.Mix(kindAccept, m.Ballot, uint64(m.Slot)) }
func Mix(words ...uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, w := range words {
		h = mix(h, w)
	}
	return h
}

// tracer keeps the running hash and, when asked, the text of the trace.
type tracer struct {
	hash    uint64
	count   uint64
	w       io.Writer
	tail    []string // ring of the last len(tail) lines, when TraceTail > 0
	tailPos int
	buf     []byte
}

func (t *tracer) record(r *Record) {
	t.count++
	h := mix(t.hash, uint64(r.Kind)|uint64(uint32(r.Node))<<8|uint64(uint32(r.Peer))<<32)
	h = mix(h, uint64(r.At))
	h = mix(h, uint64(r.Tag)|uint64(r.Cause)<<8)
	if r.Msg != nil {
		h = mix(h, r.Msg.Digest())
	}
	if r.Text != "" {
		h = mix(h, HashString(r.Text))
	}
	t.hash = h
	if t.w == nil && len(t.tail) == 0 {
		return
	}
	t.buf = r.AppendText(t.buf[:0])
	if len(t.tail) > 0 {
		t.tail[t.tailPos%len(t.tail)] = string(t.buf)
		t.tailPos++
	}
	if t.w != nil {
		t.buf = append(t.buf, '\n')
		_, _ = t.w.Write(t.buf)
	}
}

// lastLines returns the kept tail, oldest first.
func (t *tracer) lastLines() []string {
	n := len(t.tail)
	if t.tailPos < n {
		return append([]string(nil), t.tail[:t.tailPos]...)
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, t.tail[(t.tailPos+i)%n])
	}
	return out
}
