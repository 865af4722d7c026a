package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paxossim/paxossim/sim"
)

// The JSON form of a plan is meant to be read and written by people (a plan
// printed by a failing rapid run, a plan passed to -plan):
//
//	{"name":"leader-isolation","faults":[
//	  {"at":"1200ms","kind":"crash","node":"n2","disk":"tear"},
//	  {"at":"3s","kind":"isolate","role":"leader"},
//	  {"at":"4500ms","kind":"clog","from":"n0","to":"n1","for":"250ms"}]}
//
// Times and durations are strings with a unit (ns, us, ms, s); the encoder
// picks the largest unit that divides the value exactly and the decoder
// parses decimals exactly, so every value round-trips bit for bit. Node ids
// are written as in the trace ("n2"). A field a kind uses is always written;
// any other field is written only when it is not zero, so that even an
// invalid fault survives a round trip and Validate can name its mistake.

type faultJSON struct {
	At       string      `json:"at"`
	Kind     string      `json:"kind"`
	Node     *string     `json:"node,omitempty"`
	Role     string      `json:"role,omitempty"`
	Groups   *[][]string `json:"groups,omitempty"`
	From     *string     `json:"from,omitempty"`
	To       *string     `json:"to,omitempty"`
	Duration string      `json:"for,omitempty"`
	Skew     string      `json:"skew,omitempty"`
	Drift    *int64      `json:"drift,omitempty"`
	Fate     string      `json:"disk,omitempty"`
}

// MarshalJSON encodes the fault; it fails only for a Kind, Role or Fate
// outside its enum, which could not be decoded again.
func (f Fault) MarshalJSON() ([]byte, error) {
	if !f.Kind.Valid() {
		return nil, fmt.Errorf("faults: cannot encode Kind = %v", f.Kind)
	}
	if f.Role >= numRoles {
		return nil, fmt.Errorf("faults: cannot encode Role = %v", f.Role)
	}
	if int(f.Fate) >= numFates {
		return nil, fmt.Errorf("faults: cannot encode Fate = %v", f.Fate)
	}
	u := f.Kind.uses()
	j := faultJSON{At: formatDuration(sim.Duration(f.At)), Kind: f.Kind.String(), Role: f.Role.String()}
	if (u.node && f.Role == RoleNone) || f.Node != 0 {
		s := f.Node.String()
		j.Node = &s
	}
	if u.groups || f.Groups != nil {
		g := groupsToJSON(f.Groups)
		j.Groups = &g
	}
	if u.fromTo || f.From != 0 {
		s := f.From.String()
		j.From = &s
	}
	if u.fromTo || f.To != 0 {
		s := f.To.String()
		j.To = &s
	}
	if (u.duration && f.Kind != KindCrash) || f.Duration != 0 {
		j.Duration = formatDuration(f.Duration)
	}
	if u.clock || f.Skew != 0 {
		j.Skew = formatDuration(f.Skew)
	}
	if u.clock || f.Drift != 0 {
		d := f.Drift
		j.Drift = &d
	}
	if u.fate || f.Fate != 0 {
		j.Fate = f.Fate.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes a fault, rejecting unknown fields and malformed
// values. It does not validate the fault; call Plan.Validate.
func (f *Fault) UnmarshalJSON(data []byte) error {
	var j faultJSON
	if err := decodeStrict(data, &j); err != nil {
		return fmt.Errorf("faults: fault %s: %w", data, err)
	}
	var g Fault
	var err error
	if j.At == "" {
		return fmt.Errorf("faults: fault %s: missing \"at\"", data)
	}
	at, err := parseDuration(j.At)
	if err != nil {
		return fmt.Errorf("faults: fault %s: at: %w", data, err)
	}
	g.At = sim.Time(at)
	if g.Kind, err = ParseKind(j.Kind); err != nil {
		return fmt.Errorf("faults: fault %s: %w", data, err)
	}
	if j.Role != "" {
		if g.Role, err = ParseRole(j.Role); err != nil {
			return fmt.Errorf("faults: fault %s: %w", data, err)
		}
	}
	ids := []struct {
		s   *string
		dst *sim.NodeID
	}{{j.Node, &g.Node}, {j.From, &g.From}, {j.To, &g.To}}
	for _, p := range ids {
		if p.s == nil {
			continue
		}
		if *p.dst, err = parseNodeID(*p.s); err != nil {
			return fmt.Errorf("faults: fault %s: %w", data, err)
		}
	}
	if j.Groups != nil {
		if g.Groups, err = groupsFromJSON(*j.Groups); err != nil {
			return fmt.Errorf("faults: fault %s: %w", data, err)
		}
	}
	durs := []struct {
		s   string
		dst *sim.Duration
	}{{j.Duration, &g.Duration}, {j.Skew, &g.Skew}}
	for _, p := range durs {
		if p.s == "" {
			continue
		}
		if *p.dst, err = parseDuration(p.s); err != nil {
			return fmt.Errorf("faults: fault %s: %w", data, err)
		}
	}
	if j.Drift != nil {
		g.Drift = *j.Drift
	}
	if j.Fate != "" {
		if g.Fate, err = parseFate(j.Fate); err != nil {
			return fmt.Errorf("faults: fault %s: %w", data, err)
		}
	}
	*f = g
	return nil
}

type planJSON struct {
	Name   string  `json:"name,omitempty"`
	Faults []Fault `json:"faults"`
}

// MarshalJSON encodes the plan as {"name":..., "faults":[...]}.
func (p Plan) MarshalJSON() ([]byte, error) {
	return json.Marshal(planJSON(p))
}

// UnmarshalJSON decodes a plan, rejecting unknown fields.
func (p *Plan) UnmarshalJSON(data []byte) error {
	var j planJSON
	if err := decodeStrict(data, &j); err != nil {
		return err
	}
	*p = Plan(j)
	return nil
}

// ParsePlan decodes a plan from JSON and validates it for a cluster of
// nodes nodes of which the first servers are servers.
func ParsePlan(data []byte, nodes, servers int) (Plan, error) {
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return Plan{}, err
	}
	if err := p.Validate(nodes, servers); err != nil {
		return Plan{}, err
	}
	return p, nil
}

func decodeStrict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data after JSON value")
	}
	return nil
}

func groupsToJSON(gs [][]sim.NodeID) [][]string {
	if gs == nil {
		return nil
	}
	out := make([][]string, len(gs))
	for i, g := range gs {
		if g == nil {
			continue
		}
		out[i] = make([]string, len(g))
		for k, id := range g {
			out[i][k] = id.String()
		}
	}
	return out
}

func groupsFromJSON(gs [][]string) ([][]sim.NodeID, error) {
	if gs == nil {
		return nil, nil
	}
	out := make([][]sim.NodeID, len(gs))
	for i, g := range gs {
		if g == nil {
			continue
		}
		out[i] = make([]sim.NodeID, len(g))
		for k, s := range g {
			id, err := parseNodeID(s)
			if err != nil {
				return nil, err
			}
			out[i][k] = id
		}
	}
	return out, nil
}

// parseNodeID parses a node id as the trace prints it, "n2". Only the
// canonical spelling is accepted, so that text and value correspond 1:1.
func parseNodeID(s string) (sim.NodeID, error) {
	rest, ok := strings.CutPrefix(s, "n")
	if !ok {
		return 0, fmt.Errorf("bad node id %q: want n<number>", s)
	}
	v, err := strconv.ParseInt(rest, 10, 32)
	if err != nil || strconv.FormatInt(v, 10) != rest {
		return 0, fmt.Errorf("bad node id %q: want n<number>", s)
	}
	return sim.NodeID(v), nil
}

// numFates is the number of sim.DiskFate values.
const numFates = sim.NumDiskFates

func parseFate(s string) (sim.DiskFate, error) {
	f, err := sim.ParseDiskFate(s)
	if err != nil {
		return 0, fmt.Errorf("unknown disk fate %q", s)
	}
	return f, nil
}

// formatDuration writes d as an integer in the largest unit that divides it
// exactly: "2s", "250ms", "-50ms", "1500us", "7ns", "0s" (sim.Duration.Exact).
func formatDuration(d sim.Duration) string { return d.Exact() }

// parseDuration parses a decimal number with a unit (ns, us, µs, ms, s),
// exactly: "1.5s" is 1500ms, and a value finer than a nanosecond or outside
// the int64 range is an error rather than rounded. sim.ParseDuration goes
// through float64, which would not round-trip every value.
func parseDuration(s string) (sim.Duration, error) {
	num, scale := "", int64(0)
	for _, u := range []struct {
		suffix string
		scale  int64
	}{{"ns", 1}, {"us", int64(sim.Microsecond)}, {"µs", int64(sim.Microsecond)}, {"ms", int64(sim.Millisecond)}, {"s", int64(sim.Second)}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, scale = n, u.scale
			break
		}
	}
	if scale == 0 {
		return 0, fmt.Errorf("bad duration %q: want a number followed by ns, us, ms or s", s)
	}
	neg := false
	if n, ok := strings.CutPrefix(num, "-"); ok {
		neg, num = true, n
	}
	intPart, fracPart, _ := strings.Cut(num, ".")
	if intPart == "" && fracPart == "" || !allDigits(intPart) || !allDigits(fracPart) {
		return 0, fmt.Errorf("bad duration %q", s)
	}
	limit := uint64(math.MaxInt64)
	if neg {
		limit++ // -2^63 is representable
	}
	var whole uint64
	if intPart != "" {
		var err error
		if whole, err = strconv.ParseUint(intPart, 10, 64); err != nil {
			return 0, fmt.Errorf("bad duration %q: out of range", s)
		}
	}
	fracPart = strings.TrimRight(fracPart, "0")
	var frac uint64
	if fracPart != "" {
		if len(fracPart) > 9 {
			return 0, fmt.Errorf("bad duration %q: finer than a nanosecond", s)
		}
		f, _ := strconv.ParseUint(fracPart, 10, 64)
		pow := uint64(1)
		for range len(fracPart) {
			pow *= 10
		}
		if f*uint64(scale)%pow != 0 {
			return 0, fmt.Errorf("bad duration %q: finer than a nanosecond", s)
		}
		frac = f * uint64(scale) / pow
	}
	if whole > limit/uint64(scale) || frac > limit-whole*uint64(scale) {
		return 0, fmt.Errorf("bad duration %q: out of range", s)
	}
	v := whole*uint64(scale) + frac
	if neg {
		return sim.Duration(-int64(v-1) - 1), nil
	}
	return sim.Duration(v), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
