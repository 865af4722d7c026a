package sim

import (
	"errors"
	"sort"
	"strings"
)

// ErrTorn is returned by Disk.Read for a record whose last write was torn by
// a crash: the bytes on the platter are a prefix of what was written. A
// protocol treats it like a missing record; it was never synced, so no reply
// can have depended on it.
var ErrTorn = errors.New("sim: torn record")

// Disk is a node's simulated durable storage: a key-value store with
// explicit sync, the smallest API that still lets a protocol get durability
// wrong in the ways real systems do.
//
// Guarantees:
//   - Write(k, v) is visible to Read at once (the page cache) but is not
//     durable. The value is copied; the caller may reuse v.
//   - Sync makes every earlier write durable. It takes no simulated time and
//     cannot fail. Because a crash happens only between events, a durability
//     bug shows up as a reply sent in one event whose sync is deferred to a
//     later one (or never done).
//   - A crash (Sim.Crash) discards every unsynced write: each key reverts to
//     its last synced value, or to absent.
//   - A disk fault (Sim.DiskFault) at a crash may instead keep a prefix of the
//     unsynced writes, in write order, and tear the one after it. The store
//     is copy-on-write: a torn write of a key that has a synced value leaves
//     that value readable, and a torn write of a new key leaves a corrupt
//     record that reads as ErrTorn (and is listed by Scan). Synced data is
//     never lost or torn.
//
// Keys are strings; Scan returns them in sorted order so that recovery code
// never depends on map order.
type Disk struct {
	synced   map[string][]byte
	torn     map[string]bool
	unsynced []diskWrite
	pending  map[string]int // key -> index of its latest write in unsynced
	// syncLog lists the key of every write made durable, in order, so that
	// a checker can read what became durable since it last looked
	// (SyncedSince) instead of the whole disk.
	syncLog []string

	Writes, Syncs uint64 // counters for statistics

	// shared is set while a snapshot of the world shares the maps and
	// slices above (clone.go): the first change copies them. digest
	// caches Digest until the next change.
	shared   bool
	digest   uint64
	digested bool
	// spare* are the maps and list of a disk this one's memory held
	// before (a dropped snapshot's: Sim.CloneInto recycles it), its alone,
	// which the first change refills instead of allocating new ones.
	spareSynced   map[string][]byte
	sparePending  map[string]int
	spareUnsynced []diskWrite
}

type diskWrite struct {
	key   string
	value []byte // nil means delete
}

// NewDisk returns an empty disk.
func NewDisk() *Disk {
	return &Disk{synced: map[string][]byte{}, pending: map[string]int{}}
}

// Write stores a copy of value under key, unsynced. A nil or empty value
// is stored as an empty value; Delete removes a key.
func (d *Disk) Write(key string, value []byte) {
	v := make([]byte, len(value))
	copy(v, value)
	d.put(key, v)
}

// Delete removes key, unsynced.
func (d *Disk) Delete(key string) { d.put(key, nil) }

func (d *Disk) put(key string, v []byte) {
	d.mutate()
	d.Writes++
	d.pending[key] = len(d.unsynced)
	d.unsynced = append(d.unsynced, diskWrite{key: key, value: v})
}

// Read returns the current value of key (synced or not). The returned slice
// must not be modified. It returns ErrTorn for a torn record.
func (d *Disk) Read(key string) ([]byte, bool, error) {
	if i, ok := d.pending[key]; ok {
		v := d.unsynced[i].value
		return v, v != nil, nil
	}
	if d.torn[key] {
		return nil, false, ErrTorn
	}
	v, ok := d.synced[key]
	return v, ok, nil
}

// Sync makes every write so far durable.
func (d *Disk) Sync() {
	d.mutate()
	d.Syncs++
	for _, w := range d.unsynced {
		d.syncLog = append(d.syncLog, w.key)
		delete(d.torn, w.key)
		if w.value == nil {
			delete(d.synced, w.key)
		} else {
			d.synced[w.key] = w.value
		}
	}
	d.unsynced = d.unsynced[:0]
	clear(d.pending)
}

// Unsynced reports how many writes are not yet durable.
func (d *Disk) Unsynced() int { return len(d.unsynced) }

// Scan returns the keys with the given prefix, sorted, including unsynced
// ones and torn ones (whose Read returns ErrTorn).
func (d *Disk) Scan(prefix string) []string {
	seen := map[string]bool{}
	var keys []string
	add := func(k string) {
		if strings.HasPrefix(k, prefix) && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	//detlint:ordered Scan sorts the keys it collects before returning them
	for k := range d.synced {
		add(k)
	}
	//detlint:ordered Scan sorts the keys it collects before returning them
	for k := range d.torn {
		add(k)
	}
	for _, w := range d.unsynced {
		add(w.key)
	}
	out := keys[:0]
	for _, k := range keys {
		if _, ok, err := d.Read(k); ok || err != nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// crash applies a crash to the disk. keep is how many unsynced writes
// survive (in write order); if tear is set, the write after them is torn.
func (d *Disk) crash(keep int, tear bool) {
	d.mutate()
	if keep > len(d.unsynced) {
		keep = len(d.unsynced)
	}
	var tornKey string
	if tear && keep < len(d.unsynced) && d.unsynced[keep].value != nil {
		tornKey = d.unsynced[keep].key
	}
	survivors := d.unsynced[:keep]
	d.unsynced = survivors
	d.Sync()
	d.Syncs-- // the crash is not a sync the node asked for
	if _, had := d.synced[tornKey]; tornKey != "" && !had {
		if d.torn == nil {
			d.torn = map[string]bool{}
		}
		d.torn[tornKey] = true
	}
}

// SyncedSince returns the keys of the writes made durable since mark (0:
// since the disk was new), in order (a key written twice is listed twice;
// its durable value is the later one), and the mark to pass next time.
// Writes that survive a crash through a disk fault are listed too: they are
// on the disk from then on. The returned slice must not be modified.
func (d *Disk) SyncedSince(mark int) ([]string, int) {
	if mark < 0 || mark > len(d.syncLog) {
		mark = len(d.syncLog)
	}
	return d.syncLog[mark:], len(d.syncLog)
}

// DiskReader reads a disk's records. Protocols decode their durable state
// through it, so that the same decoder serves recovery at Start (the whole
// disk, Disk itself) and the harness's checks of what is durable (Durable).
type DiskReader interface {
	Read(key string) ([]byte, bool, error)
	Scan(prefix string) []string
}

// Durable returns a read-only view of the synced records only: what a
// crash at this instant would leave (a torn record reads as absent, since
// it was never synced). Checkers use it to judge durable state without
// trusting a node's in-memory claims.
func (d *Disk) Durable() DiskReader { return durableView{d} }

type durableView struct{ d *Disk }

func (v durableView) Read(key string) ([]byte, bool, error) {
	val, ok := v.d.synced[key]
	return val, ok, nil
}

func (v durableView) Scan(prefix string) []string {
	var keys []string
	//detlint:ordered the keys are sorted before they are returned
	for k := range v.d.synced {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Digest folds the disk's whole content into 64 bits: the synced records,
// the torn keys and the unsynced writes in order. Equal digests mean disks
// that read the same now and after any crash, which is what an exhaustive
// search needs of a disk to recognize a state it has seen.
func (d *Disk) Digest() uint64 {
	if d.digested {
		return d.digest
	}
	var synced, torn uint64
	// A sum of per-record digests does not depend on map order.
	//detlint:ordered the records are combined with +, which is commutative
	for k, v := range d.synced {
		synced += mix(HashString(k), HashBytes(v))
	}
	//detlint:ordered the keys are combined with +, which is commutative
	for k := range d.torn {
		torn += HashString(k)
	}
	h := mix(mix(synced, torn), uint64(len(d.unsynced)))
	for _, w := range d.unsynced {
		del := uint64(0)
		if w.value == nil {
			del = 1
		}
		h = mix(mix(mix(h, HashString(w.key)), HashBytes(w.value)), del)
	}
	d.digest, d.digested = h, true
	return h
}
