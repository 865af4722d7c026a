// Package jepsenlog reads a history written as Jepsen and Knossos write
// them, so that paxossim's checkers (package lincheck) can judge a history
// recorded outside paxossim: `paxossim recheck FILE` reads one.
//
// A log has one operation event a line, in either of Jepsen's forms:
//
//	{:type :invoke, :f :cas, :value [1 2], :process 3, :time 123}   an EDN map (history.edn)
//	INFO  jepsen.util - 3	:invoke	:cas	[1 2]                      a jepsen.util log line (jepsen.log)
//
// The logged form is process, type, f and value, separated by tabs (or
// spaces), after any prefix the logger wrote; anything after the value (an
// error) is ignored. The maps may also be wrapped in one vector, one map a
// line (a history printed as one EDN vector). Other lines (the rest of a
// jepsen.log, blank lines, ';' comments) are skipped; a line that looks like
// an event but cannot be read is an error naming the line.
//
// Events pair as Knossos pairs them: each completion with its process's
// open invoke. :ok completes it; :fail says it definitely did not happen,
// and it is dropped; :info says its outcome is unknown, and it stays open
// to the end of the history, as does an invoke that never completes. A
// process that crashed (:info) is never reused by Jepsen, but a log that
// reuses one is read all the same; a process that invokes while its last
// invoke is still open is an error. Events of a process that is not a
// number (the nemesis) are skipped.
//
// Times come from :time when the log has it (nanoseconds; every event must
// then have it, and it must not go backwards), else from line numbers, line
// n at n milliseconds, so that the times an explanation prints read as line
// numbers. Either way each event gets a distinct time, later events later,
// so that a process's completion is strictly before its next invoke.
package jepsenlog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/casregister"
)

// MaxLineBytes bounds one line: an event is a few hundred bytes, and a
// source with no newline (/dev/zero) fails here instead of filling memory.
const MaxLineBytes = 1 << 20

// LineTime is the time of line 1 of a log without :time, and the time
// between two lines.
const LineTime int64 = 1_000_000 // a millisecond

// Event is one line of a log.
type Event struct {
	Line    int
	Process int
	Type    string // invoke, ok, fail or info
	F       string // the operation, without ':'
	Value   Value
	Time    int64
	HasTime bool
}

// Converter turns a paired operation into a spec's input and output: the
// invoke's value, the completion's (when done is true; otherwise the
// outcome is unknown and Convert returns spec.Unknown as the output).
type Converter func(f string, invoke, completion Value, done bool) (input, output any, err error)

// converters are the specs a log can be read for.
var converters = map[string]Converter{casregister.Name: CASRegister}

// Specs lists the specs a log can be read for.
func Specs() []string {
	out := make([]string, 0, len(converters))
	for name := range converters {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Looks reports whether data reads as a Jepsen log rather than JSON: its
// first event line is an EDN map or a tab-separated event.
func Looks(data []byte) bool {
	for _, line := range strings.SplitN(string(data[:min(len(data), 1<<16)]), "\n", 200) {
		line = unwrap(strings.TrimSpace(line))
		switch {
		case line == "", strings.HasPrefix(line, ";"):
			continue
		case strings.HasPrefix(line, "{:"):
			return true
		case eventAt(strings.Fields(line)) >= 0:
			return true
		case strings.HasPrefix(line, "{") || strings.HasPrefix(line, "["):
			return false
		}
	}
	return false
}

// Read reads a log for the named spec.
func Read(r io.Reader, specName string) ([]spec.Operation, error) {
	conv, ok := converters[specName]
	if !ok {
		return nil, fmt.Errorf("a Jepsen log is read for spec %s, not %q", strings.Join(Specs(), ", "), specName)
	}
	evs, err := Events(r)
	if err != nil {
		return nil, err
	}
	return Pair(evs, conv)
}

// Events reads the events of a log, with their times set.
func Events(r io.Reader) ([]Event, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var evs []Event
	for n := 1; ; n++ {
		line, err := readLine(br)
		if errors.Is(err, errLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes: not an event Jepsen writes", n, MaxLineBytes)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		if ev, ok, perr := parseLine(line); perr != nil {
			return nil, fmt.Errorf("line %d: %v", n, perr)
		} else if ok {
			ev.Line = n
			evs = append(evs, ev)
		}
		if err != nil {
			break
		}
	}
	if len(evs) == 0 {
		return nil, errors.New("no Jepsen events: want lines like {:type :invoke, :f :read, :value nil, :process 0} or \"0\t:invoke\t:read\tnil\"")
	}
	if err := setTimes(evs); err != nil {
		return nil, err
	}
	return evs, nil
}

var errLong = errors.New("line too long")

func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(b)+len(chunk) > MaxLineBytes {
			return "", errLong
		}
		b = append(b, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return strings.TrimRight(string(b), "\r\n"), err
	}
}

// types are the event types, as Jepsen writes them.
var types = map[string]bool{"invoke": true, "ok": true, "fail": true, "info": true}

// eventAt finds the event type in a logged line, "... 3 :invoke :cas
// [1 2]": the index of the type among the line's words, which a process (a
// number, or a keyword such as :nemesis) precedes and a keyword follows;
// -1 if the line is no event.
func eventAt(words []string) int {
	for k := 1; k+1 < len(words); k++ {
		if !strings.HasPrefix(words[k], ":") || !types[words[k][1:]] || !strings.HasPrefix(words[k+1], ":") {
			continue
		}
		if p := words[k-1]; strings.HasPrefix(p, ":") || strings.Trim(p, "0123456789") == "" {
			return k
		}
	}
	return -1
}

// parseLine reads one line: ok is false for a line that is not an event
// (or an event of the nemesis).
func parseLine(line string) (ev Event, ok bool, err error) {
	trimmed := unwrap(strings.TrimSpace(line))
	switch {
	case trimmed == "", strings.HasPrefix(trimmed, ";"):
		return ev, false, nil
	case strings.HasPrefix(trimmed, "{"):
		return parseMap(trimmed)
	}
	words := strings.Fields(line)
	if k := eventAt(words); k >= 0 {
		return parseText(line, words, k)
	}
	return ev, false, nil
}

// unwrap takes a map out of the vector that an older history.edn wraps
// the whole history in, one map a line: "[{...}", "{...}]", "[" and "]".
func unwrap(line string) string {
	switch {
	case line == "[" || line == "]":
		return ""
	case strings.HasPrefix(line, "[{"):
		line = line[1:]
	}
	if strings.HasPrefix(line, "{") && strings.HasSuffix(line, "}]") {
		line = line[:len(line)-1]
	}
	return line
}

func parseMap(line string) (ev Event, ok bool, err error) {
	m, err := parseEDN(line)
	if err != nil {
		return ev, false, err
	}
	if m.Kind != Map {
		return ev, false, fmt.Errorf("a %s, not a map", m.Kind)
	}
	get := func(key string) (Value, error) {
		v, ok := m.Get(key)
		if !ok {
			return v, fmt.Errorf("no :%s in %s", key, clip(line))
		}
		return v, nil
	}
	proc, err := get("process")
	if err != nil {
		return ev, false, err
	}
	if proc.Kind != Int {
		return ev, false, nil // the nemesis, or another process that is no client
	}
	if ev.Process, err = processNumber(proc.Text); err != nil {
		return ev, false, err
	}
	typ, err := get("type")
	if err != nil {
		return ev, false, err
	}
	if ev.Type, err = eventType(typ); err != nil {
		return ev, false, err
	}
	f, err := get("f")
	if err != nil {
		return ev, false, err
	}
	if f.Kind != Keyword && f.Kind != Symbol && f.Kind != String {
		return ev, false, fmt.Errorf(":f is %s, want a keyword such as :read", f)
	}
	ev.F = f.Text
	ev.Value, _ = m.Get("value") // absent is nil
	if t, has := m.Get("time"); has {
		if t.Kind != Int {
			return ev, false, fmt.Errorf(":time is %s, want an integer (nanoseconds)", t)
		}
		if ev.Time, err = strconv.ParseInt(t.Text, 10, 64); err != nil {
			return ev, false, fmt.Errorf(":time %s: %v", t.Text, err)
		}
		ev.HasTime = true
	}
	return ev, true, nil
}

// parseText reads a logged line: process, type, f and value separated
// by tabs (jepsen.util) or spaces, after the logger's prefix; anything
// after the value (an error) is ignored.
func parseText(line string, words []string, k int) (ev Event, ok bool, err error) {
	proc := words[k-1]
	if strings.HasPrefix(proc, ":") {
		return ev, false, nil // :nemesis
	}
	if ev.Process, err = processNumber(proc); err != nil {
		return ev, false, err
	}
	ev.Type, ev.F = words[k][1:], words[k+1][1:]
	if ev.F == "" {
		return ev, false, fmt.Errorf("an empty :f: %s", clip(line))
	}
	// The value starts after the f word.
	rest := line
	for _, w := range words[:k+2] {
		rest = rest[strings.Index(rest, w)+len(w):]
	}
	rest = strings.TrimLeft(rest, " \t")
	if strings.TrimSpace(rest) == "" {
		return ev, false, fmt.Errorf("no value after :%s %s (nil if none): %s", ev.Type, words[k+1], clip(line))
	}
	p := &ednParser{s: rest}
	if ev.Value, err = p.value(0); err != nil {
		return ev, false, fmt.Errorf("the value %q: %v", strings.TrimSpace(rest), err)
	}
	return ev, true, nil
}

func processNumber(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 0 || p > 1<<30 {
		return 0, fmt.Errorf("process %q: want a number from 0 to %d, or a keyword such as :nemesis", s, 1<<30)
	}
	return p, nil
}

func eventType(v Value) (string, error) {
	if v.Kind != Keyword || !types[v.Text] {
		return "", fmt.Errorf(":type %s: want :invoke, :ok, :fail or :info", v)
	}
	return v.Text, nil
}

// clip shortens a line for an error message.
func clip(line string) string {
	if len(line) > 120 {
		return line[:120] + "..."
	}
	return line
}

// setTimes gives every event a distinct time, later events later: :time
// if every event has it (nudged by a nanosecond where two are equal), else
// the line number in milliseconds.
func setTimes(evs []Event) error {
	with := evs[0].HasTime
	for i := range evs {
		e := &evs[i]
		if e.HasTime != with {
			has := map[bool]string{true: "has a :time", false: "has no :time"}
			return fmt.Errorf("line %d %s and line %d %s: times come from every event or none", e.Line, has[e.HasTime], evs[0].Line, has[with])
		}
		if !with {
			e.Time = int64(e.Line) * LineTime
			continue
		}
		if i > 0 && e.Time < evs[i-1].Time && evs[i-1].HasTime {
			return fmt.Errorf("line %d: :time %d is before the %d of line %d: a history's times never go back", e.Line, e.Time, evs[i-1].Time, evs[i-1].Line)
		}
	}
	if with {
		for i := 1; i < len(evs); i++ {
			evs[i].Time = max(evs[i].Time, evs[i-1].Time+1)
		}
	}
	return nil
}

// Pair pairs each completion with its process's open invoke and converts
// the operations, in the order of their invokes.
func Pair(evs []Event, conv Converter) ([]spec.Operation, error) {
	type pending struct {
		invoke     Event
		completion *Event
	}
	var all []pending
	openOf := map[int]int{} // process -> index in all of its open invoke
	for i := range evs {
		e := &evs[i]
		j, isOpen := openOf[e.Process]
		if e.Type == "invoke" {
			if isOpen {
				prev := all[j].invoke
				return nil, fmt.Errorf("line %d: process %d invokes :%s while its :%s of line %d is still open (no :ok, :fail or :info)", e.Line, e.Process, e.F, prev.F, prev.Line)
			}
			openOf[e.Process] = len(all)
			all = append(all, pending{invoke: *e})
			continue
		}
		if !isOpen {
			return nil, fmt.Errorf("line %d: process %d completes (:%s :%s) with no open invoke", e.Line, e.Process, e.Type, e.F)
		}
		if inv := all[j].invoke; inv.F != e.F {
			return nil, fmt.Errorf("line %d: process %d completes :%s, but its open invoke (line %d) is :%s", e.Line, e.Process, e.F, inv.Line, inv.F)
		}
		all[j].completion = e
		delete(openOf, e.Process)
	}
	end := evs[len(evs)-1].Time
	var ops []spec.Operation
	for _, p := range all {
		c := p.completion
		if c != nil && c.Type == "fail" {
			continue // it did not happen
		}
		done := c != nil && c.Type == "ok"
		var cv Value
		if c != nil {
			cv = c.Value
		}
		in, out, err := conv(p.invoke.F, p.invoke.Value, cv, done)
		if err != nil {
			at := p.invoke.Line
			if c != nil {
				return nil, fmt.Errorf("lines %d and %d: process %d: %v", at, c.Line, p.invoke.Process, err)
			}
			return nil, fmt.Errorf("line %d: process %d: %v", at, p.invoke.Process, err)
		}
		op := spec.Operation{Client: p.invoke.Process, Input: in, Output: out, Call: p.invoke.Time, Return: end}
		if done {
			op.Return = c.Time
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// CASRegister converts an operation of Jepsen's cas-register workload:
// :read (nil, or the value read), :write v, :cas [old new].
func CASRegister(f string, invoke, completion Value, done bool) (any, any, error) {
	var out any = spec.Unknown{}
	switch f {
	case "read":
		if done {
			v, err := registerValue(completion, true)
			if err != nil {
				return nil, nil, fmt.Errorf("read returned %v", err)
			}
			out = casregister.Output{Value: v}
		}
		return casregister.Input{Op: casregister.Read}, out, nil
	case "write":
		v, err := registerValue(invoke, false)
		if err != nil {
			return nil, nil, fmt.Errorf("write of %v", err)
		}
		if done && completion.Kind != Nil && completion.String() != invoke.String() {
			return nil, nil, fmt.Errorf("write of %s completed as a write of %s", invoke, completion)
		}
		if done {
			out = casregister.Output{}
		}
		return casregister.Input{Op: casregister.Write, Value: v}, out, nil
	case "cas":
		if invoke.Kind != Vector || len(invoke.Items) != 2 {
			return nil, nil, fmt.Errorf("cas of %s: want [expected new]", invoke)
		}
		old, err := registerValue(invoke.Items[0], true)
		if err != nil {
			return nil, nil, fmt.Errorf("cas expecting %v", err)
		}
		v, err := registerValue(invoke.Items[1], false)
		if err != nil {
			return nil, nil, fmt.Errorf("cas to %v", err)
		}
		if done && completion.Kind != Nil && completion.String() != invoke.String() {
			return nil, nil, fmt.Errorf("cas %s completed as cas %s", invoke, completion)
		}
		if done {
			out = casregister.Output{OK: true} // a CAS that did not swap is a :fail
		}
		return casregister.Input{Op: casregister.CAS, Expect: old, Value: v}, out, nil
	}
	return nil, nil, fmt.Errorf(":%s is not an operation of the cas-register (:read, :write, :cas)", f)
}

// registerValue reads a register value: a number, string or keyword as
// written ("3"); nil is "" where allowNil, an error otherwise.
func registerValue(v Value, allowNil bool) (string, error) {
	switch v.Kind {
	case Nil:
		if allowNil {
			return "", nil
		}
		return "", errors.New("nil: nothing writes nil, the register's initial state")
	case Int, Float, Keyword, Symbol, Bool:
		return v.String(), nil
	case String:
		if v.Text == "" {
			return "", errors.New(`"": the empty string stands for nil here`)
		}
		return v.Text, nil
	}
	return "", fmt.Errorf("%s: a register value is a number, string or nil", v)
}
