package spec

import (
	"fmt"
	"strings"
)

// Enum spells the values of a spec's small enumerated type (an
// operation's kind, a transaction's outcome) for printing and for JSON.
// Of[v] names the value v; Of[0] is unused, because the zero value is
// invalid, so that a codec that forgets to set the field is caught rather
// than read as the first kind.
type Enum[T ~uint8] struct {
	Spec string   // the spec's name, for errors ("kv")
	Type string   // the Go type's name, for an invalid value ("Op")
	What string   // what a value is, for errors ("op")
	Of   []string // the names, by value
}

// Valid reports whether v is one of the named values.
func (n Enum[T]) Valid(v T) bool { return v >= 1 && int(v) < len(n.Of) }

// String names v, or prints an invalid one as Type(v).
func (n Enum[T]) String(v T) string {
	if n.Valid(v) {
		return n.Of[v]
	}
	return fmt.Sprintf("%s(%d)", n.Type, uint8(v))
}

// Marshal writes v's name; an invalid value is an error.
func (n Enum[T]) Marshal(v T) ([]byte, error) {
	if !n.Valid(v) {
		return nil, fmt.Errorf("%s: cannot encode %s", n.Spec, n.String(v))
	}
	return []byte(n.Of[v]), nil
}

// Unmarshal reads a name, or says which names there are.
func (n Enum[T]) Unmarshal(b []byte) (T, error) {
	for v := 1; v < len(n.Of); v++ {
		if n.Of[v] == string(b) {
			return T(v), nil
		}
	}
	want := n.Of[1:]
	list := strings.Join(want, ", ")
	if k := len(want); k > 1 {
		list = strings.Join(want[:k-1], ", ") + " or " + want[k-1]
	}
	return 0, fmt.Errorf("%s: unknown %s %q (want %s)", n.Spec, n.What, b, list)
}
