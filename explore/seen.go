package explore

// seenSet maps the fingerprint of every state found to its place in the
// snapshot search's levels (or noRef). It is the search's largest
// structure and is looked up once per choice, mostly for fingerprints of
// states already found: an open-addressing table whose slots hold the
// fingerprint and the place side by side, so that a lookup costs one
// cache miss where a Go map costs two or three (its control bytes, its
// slot and its directory), with no pointers for the garbage collector to
// scan. Fingerprints are hashes already, so they index the table as they
// are.
type seenSet struct {
	slots []seenSlot
	n     int
	mask  uint64
	// zero holds the fingerprint 0, which marks an empty slot.
	zero   ref
	isZero bool
}

type seenSlot struct {
	fp uint64
	at ref
}

// seenMaxLoad is the fill, in sixteenths, past which the table doubles:
// at most 11/16 full, a lookup mostly reads one cache line.
const seenMaxLoad = 11

func (s *seenSet) len() int { return s.n }

// get returns the place of fp, if it was found.
func (s *seenSet) get(fp uint64) (ref, bool) {
	if fp == 0 {
		return s.zero, s.isZero
	}
	if s.slots == nil {
		return ref{}, false
	}
	for i := fp & s.mask; ; i = (i + 1) & s.mask {
		sl := &s.slots[i]
		if sl.fp == fp {
			return sl.at, true
		}
		if sl.fp == 0 {
			return ref{}, false
		}
	}
}

// put sets the place of fp.
func (s *seenSet) put(fp uint64, at ref) {
	if fp == 0 {
		if !s.isZero {
			s.n++
		}
		s.zero, s.isZero = at, true
		return
	}
	if (s.n+1)*16 > len(s.slots)*seenMaxLoad {
		s.grow()
	}
	for i := fp & s.mask; ; i = (i + 1) & s.mask {
		sl := &s.slots[i]
		if sl.fp == fp {
			sl.at = at
			return
		}
		if sl.fp == 0 {
			*sl = seenSlot{fp: fp, at: at}
			s.n++
			return
		}
	}
}

func (s *seenSet) grow() {
	size := 2 * len(s.slots)
	if size == 0 {
		size = 1 << 10
	}
	old := s.slots
	s.slots = make([]seenSlot, size)
	s.mask = uint64(size - 1)
	for _, sl := range old {
		if sl.fp == 0 {
			continue
		}
		i := sl.fp & s.mask
		for s.slots[i].fp != 0 {
			i = (i + 1) & s.mask
		}
		s.slots[i] = sl
	}
}
