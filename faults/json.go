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
//	  {"at":"4500ms","kind":"clog","from":"n0","to":"n1","for":"250ms"},
//	  {"at":"5s","kind":"cut","from":"leader","to":"n2"},
//	  {"at":"5500ms","kind":"clog","from":"last-leader","to":"n0","for":"2s"},
//	  {"at":"6s","kind":"partition","groups":[["leader"],["n0","n1","n2"]]},
//	  {"at":"7s","kind":"bridge","groups":[["leader","n0"],["n3","n4"]],"node":"n2"},
//	  {"at":"8s","kind":"bridge","groups":[["n0","n1"],["n3","n4"]],"role":"last-leader"}]}
//
// Times and durations are strings with a unit (ns, us, ms, s); the encoder
// picks the largest unit that divides the value exactly and the decoder
// parses decimals exactly, so every value round-trips bit for bit. Node ids
// are written as in the trace ("n2"). A role takes the place of a node:
// "role" for a node fault's or a bridge's target, a role's name for either
// end of a cut or clog ("from":"leader"), and a role's name as a member of
// a group, written before the group's nodes. A field a kind uses is always
// written; any other field is written only when it is not zero, so that
// even an invalid fault survives a round trip and Validate can name its
// mistake. The exceptions are what JSON has one place for: an end of a
// link that names both a node and a role, more GroupRoles than Groups, or
// RoleNone in GroupRoles cannot be encoded. Decoding gives GroupRoles in
// one form: nil if no group names a role, else ending at the last group
// that does, with nil for a group without roles; a group of roles only has
// nil nodes.

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
	for _, e := range []struct {
		name string
		id   sim.NodeID
		role Role
	}{{"From", f.From, f.FromRole}, {"To", f.To, f.ToRole}} {
		if e.role >= numRoles {
			return nil, fmt.Errorf("faults: cannot encode %sRole = %v", e.name, e.role)
		}
		if e.role != RoleNone && e.id != 0 {
			return nil, fmt.Errorf("faults: cannot encode %s = %v with %sRole = %v: JSON has one %q for both", e.name, e.id, e.name, e.role, strings.ToLower(e.name))
		}
	}
	if len(f.GroupRoles) > len(f.Groups) {
		return nil, fmt.Errorf("faults: cannot encode GroupRoles = %s: more entries than the %d groups", formatGroupRoles(f.GroupRoles), len(f.Groups))
	}
	for i, rs := range f.GroupRoles {
		for _, r := range rs {
			if r == RoleNone || r >= numRoles {
				return nil, fmt.Errorf("faults: cannot encode GroupRoles[%d] = %s", i, formatGroupRoles([][]Role{rs}))
			}
		}
	}
	u := f.Kind.uses()
	j := faultJSON{At: formatDuration(sim.Duration(f.At)), Kind: f.Kind.String(), Role: f.Role.String()}
	if (u.node && f.Role == RoleNone) || f.Node != 0 {
		s := f.Node.String()
		j.Node = &s
	}
	if u.groups || f.Groups != nil || f.GroupRoles != nil {
		g := groupsToJSON(f.Groups, f.GroupRoles)
		j.Groups = &g
	}
	if u.fromTo || f.From != 0 || f.FromRole != RoleNone {
		s := endName(f.From, f.FromRole)
		j.From = &s
	}
	if u.fromTo || f.To != 0 || f.ToRole != RoleNone {
		s := endName(f.To, f.ToRole)
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
	if j.Node != nil {
		if g.Node, err = parseNodeID(*j.Node); err != nil {
			return fmt.Errorf("faults: fault %s: node: %w", data, err)
		}
	}
	ends := []struct {
		name string
		s    *string
		id   *sim.NodeID
		role *Role
	}{{"from", j.From, &g.From, &g.FromRole}, {"to", j.To, &g.To, &g.ToRole}}
	for _, e := range ends {
		if e.s == nil {
			continue
		}
		if *e.id, *e.role, err = parseMember(*e.s); err != nil {
			return fmt.Errorf("faults: fault %s: %s: %w", data, e.name, err)
		}
	}
	if j.Groups != nil {
		if g.Groups, g.GroupRoles, err = groupsFromJSON(*j.Groups); err != nil {
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

// groupsToJSON writes each group as its roles' names, then its nodes. The
// caller has checked that rs is no longer than gs.
func groupsToJSON(gs [][]sim.NodeID, rs [][]Role) [][]string {
	if gs == nil {
		return nil
	}
	out := make([][]string, len(gs))
	for i, g := range gs {
		var roles []Role
		if i < len(rs) {
			roles = rs[i]
		}
		if g == nil && len(roles) == 0 {
			continue
		}
		out[i] = make([]string, 0, len(roles)+len(g))
		for _, r := range roles {
			out[i] = append(out[i], r.String())
		}
		for _, id := range g {
			out[i] = append(out[i], id.String())
		}
	}
	return out
}

// groupsFromJSON splits each group into its nodes and its roles, in the
// one form the package documents (see the top of this file).
func groupsFromJSON(gs [][]string) ([][]sim.NodeID, [][]Role, error) {
	if gs == nil {
		return nil, nil, nil
	}
	out := make([][]sim.NodeID, len(gs))
	var roles [][]Role
	for i, g := range gs {
		if g == nil {
			continue
		}
		var ids []sim.NodeID
		if len(g) == 0 {
			ids = []sim.NodeID{} // "[]" stays an empty group, for Validate to name
		}
		for _, s := range g {
			id, r, err := parseMember(s)
			if err != nil {
				return nil, nil, fmt.Errorf("groups[%d]: %w", i, err)
			}
			if r == RoleNone {
				ids = append(ids, id)
				continue
			}
			for len(roles) <= i {
				roles = append(roles, nil)
			}
			roles[i] = append(roles[i], r)
		}
		out[i] = ids
	}
	return out, roles, nil
}

// parseMember parses what may stand for a node in a link or a group: a node
// id ("n2") or a role's name ("leader").
func parseMember(s string) (sim.NodeID, Role, error) {
	if r, err := ParseRole(s); err == nil {
		return 0, r, nil
	}
	id, err := parseNodeID(s)
	if err != nil {
		return 0, RoleNone, fmt.Errorf("%w or a role (%s)", err, strings.Join(roleNames[1:], ", "))
	}
	return id, RoleNone, nil
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
