package scenarios

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSeed parses a seed written in decimal or as 0x-prefixed hex. It
// rejects anything else (signs, spaces, overflow) with an error that quotes
// the input, so a mistyped seed never silently replays a different run.
func ParseSeed(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("seed %q: empty", s)
	}
	var v uint64
	var err error
	if strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X") {
		v, err = strconv.ParseUint(t[2:], 16, 64)
	} else {
		v, err = strconv.ParseUint(t, 10, 64)
	}
	if err != nil || t != s {
		return 0, fmt.Errorf("seed %q: want a decimal or 0x-hex unsigned 64-bit integer", s)
	}
	return v, nil
}

// KnobList is the ordered list of every parameter drawn for a run, printed as
// one block that starts with "seed=" so that a report needs no other
// context (TigerBeetle's VOPR prints the same).
type KnobList struct {
	names  []string
	values []string
}

// Add appends a knob; the order of Add calls is the print order.
func (k *KnobList) Add(name string, value any) {
	k.names = append(k.names, name)
	k.values = append(k.values, fmt.Sprint(value))
}

// Get returns a knob's value and whether it is set.
func (k *KnobList) Get(name string) (string, bool) {
	for i, n := range k.names {
		if n == name {
			return k.values[i], true
		}
	}
	return "", false
}

// String prints "name=value" pairs, one per line.
func (k KnobList) String() string {
	var b strings.Builder
	for i, n := range k.names {
		fmt.Fprintf(&b, "%s=%s\n", n, k.values[i])
	}
	return b.String()
}
