package explore

// chunks is an append-only list kept in chunks of chunkSize: it grows
// without copying what it holds (a level of a large space holds millions
// of states, and a slice doubling would copy them again and again, and
// hold two copies while it does). Only the last chunk grows by append, so
// a small list costs no more than a slice.
type chunks[T any] struct {
	c [][]T
	n int
}

const (
	chunkBits = 16
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

func (l *chunks[T]) len() int { return l.n }

// at is the element at i.
func (l *chunks[T]) at(i int) *T { return &l.c[i>>chunkBits][i&chunkMask] }

// push appends v and returns its index.
func (l *chunks[T]) push(v T) int {
	l.room(1)
	k := len(l.c) - 1
	l.c[k] = append(l.c[k], v)
	l.n++
	return l.n - 1
}

// pushRun appends vs, shorter than a chunk, in one chunk, and returns the
// index of its first element (the rest of a chunk too short for it is
// left unused).
func (l *chunks[T]) pushRun(vs []T) int {
	if len(vs) == 0 {
		return l.n
	}
	l.room(len(vs))
	k := len(l.c) - 1
	l.c[k] = append(l.c[k], vs...)
	l.n += len(vs)
	return l.n - len(vs)
}

// run is the n elements from i, which one pushRun appended.
func (l *chunks[T]) run(i, n int) []T {
	if n == 0 {
		return nil
	}
	c := l.c[i>>chunkBits]
	o := i & chunkMask
	return c[o : o+n : o+n]
}

// room makes the last chunk able to take k more elements, starting a new
// one (and leaving the last one's unused end zero) if it cannot.
func (l *chunks[T]) room(k int) {
	if last := len(l.c) - 1; last >= 0 && len(l.c[last])+k <= chunkSize {
		return
	}
	if last := len(l.c) - 1; last >= 0 {
		// Pad to a whole chunk, so that indexes stay chunk-aligned.
		pad := chunkSize - len(l.c[last])
		l.c[last] = append(l.c[last], make([]T, pad)...)
		l.n += pad
	}
	capacity := chunkSize
	if len(l.c) == 0 {
		capacity = 64 // a small search stays small; the first chunk grows by append
	}
	l.c = append(l.c, make([]T, 0, capacity))
}
