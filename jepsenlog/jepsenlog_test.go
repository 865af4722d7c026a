package jepsenlog_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/jepsenlog"
	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/spec"
	cr "github.com/paxossim/paxossim/spec/casregister"
)

func read(t *testing.T, log string) []spec.Operation {
	t.Helper()
	ops, err := jepsenlog.Read(strings.NewReader(log), cr.Name)
	require.NoError(t, err)
	return ops
}

func readErr(t *testing.T, log string) string {
	t.Helper()
	_, err := jepsenlog.Read(strings.NewReader(log), cr.Name)
	require.Error(t, err)
	return err.Error()
}

// The jepsen.util form, with the logger's prefix, a nemesis, a :fail that
// is dropped, an :info that stays open, and an invoke never completed.
const utilLog = `2017-03-01 12:00:00,001{GMT}	INFO	[jepsen worker 0] jepsen.util: 0	:invoke	:read	nil
INFO  jepsen.util - 1	:invoke	:write	3
INFO  jepsen.core - Running test
INFO  jepsen.util - :nemesis	:info	:start	nil
INFO  jepsen.util - 1	:ok	:write	3
INFO  jepsen.util - 0	:ok	:read	3
INFO  jepsen.util - 2	:invoke	:cas	[3 4]
INFO  jepsen.util - 1	:invoke	:cas	[1 2]
INFO  jepsen.util - 1	:fail	:cas	[1 2]
INFO  jepsen.util - 2	:info	:cas	[3 4]	:timed-out
INFO  jepsen.util - 0	:invoke	:write	5
`

const ms = jepsenlog.LineTime

func TestUtilLog(t *testing.T) {
	ops := read(t, utilLog)
	want := []spec.Operation{
		{Client: 0, Input: cr.Input{Op: cr.Read}, Output: cr.Output{Value: "3"}, Call: 1 * ms, Return: 6 * ms},
		{Client: 1, Input: cr.Input{Op: cr.Write, Value: "3"}, Output: cr.Output{}, Call: 2 * ms, Return: 5 * ms},
		{Client: 2, Input: cr.Input{Op: cr.CAS, Expect: "3", Value: "4"}, Output: spec.Unknown{}, Call: 7 * ms, Return: 11 * ms},
		{Client: 0, Input: cr.Input{Op: cr.Write, Value: "5"}, Output: spec.Unknown{}, Call: 11 * ms, Return: 11 * ms},
	}
	assert.Equal(t, want, ops, "times are line numbers in ms; the :fail cas is dropped; :info and the open write end the history")
	assert.True(t, jepsenlog.Looks([]byte(utilLog)))
	// Spaces instead of tabs read the same.
	assert.Equal(t, want, read(t, strings.ReplaceAll(utilLog, "\t", "  ")))
}

const ednLog = `{:type :invoke, :f :write, :value 1, :process 0, :time 100, :index 0}
{:type :invoke, :f :read, :value nil, :process 1, :time 120}
{:process :nemesis, :type :info, :f :start, :value nil, :time 125}
{:type :ok, :f :write, :value 1, :process 0, :time 130}
{:type :ok, :f :read, :value nil, :process 1, :time 130}
; a comment
{:type :invoke, :f :cas, :value [1 "two"], :process 0, :time 140}
{:type :ok, :f :cas, :value [1 "two"], :process 0, :time 150, :error nil}
{:type :invoke, :f :read, :value nil, :process 1, :time 160}
{:type :ok, :f :read, :value "two", :process 1, :time 170}
`

func TestEDNLog(t *testing.T) {
	ops := read(t, ednLog)
	want := []spec.Operation{
		{Client: 0, Input: cr.Input{Op: cr.Write, Value: "1"}, Output: cr.Output{}, Call: 100, Return: 130},
		{Client: 1, Input: cr.Input{Op: cr.Read}, Output: cr.Output{}, Call: 120, Return: 131},
		{Client: 0, Input: cr.Input{Op: cr.CAS, Expect: "1", Value: "two"}, Output: cr.Output{OK: true}, Call: 140, Return: 150},
		{Client: 1, Input: cr.Input{Op: cr.Read}, Output: cr.Output{Value: "two"}, Call: 160, Return: 170},
	}
	assert.Equal(t, want, ops, "equal times are nudged apart, later lines later")
	assert.True(t, jepsenlog.Looks([]byte(ednLog)))
	assert.False(t, jepsenlog.Looks([]byte(`{"schema": 2, "ops": []}`)))
	assert.False(t, jepsenlog.Looks([]byte("{\n  \"schema\": 2\n}")))

	m := cr.Spec{}.Model()
	r := lincheck.Judge(m, ops, lincheck.Options{})
	assert.Equal(t, lincheck.Ok, r.Verdict, r.Explanation)

	// An older history.edn wraps the maps in one vector.
	lines := strings.Split(strings.TrimSpace(ednLog), "\n")
	wrapped := "[" + strings.Join(lines, "\n ") + "]\n"
	assert.True(t, jepsenlog.Looks([]byte(wrapped)))
	assert.Equal(t, want, read(t, wrapped))
	assert.Equal(t, want, read(t, "[\n"+ednLog+"]\n"))
}

// TestStaleRead: a read of an overwritten value, after the write that
// overwrote it completed, is a violation, found exactly when the values
// are unique and by the search when they repeat.
func TestStaleRead(t *testing.T) {
	m := cr.Spec{}.Model()
	log := `0	:invoke	:write	1
0	:ok	:write	1
1	:invoke	:write	2
1	:ok	:write	2
0	:invoke	:read	nil
0	:ok	:read	1
`
	r := lincheck.Judge(m, read(t, log), lincheck.Options{})
	assert.Equal(t, lincheck.Violation, r.Verdict)
	assert.Equal(t, lincheck.Exact, r.Checker)
	r = lincheck.Judge(m, read(t, log+"2\t:invoke\t:write\t1\n2\t:ok\t:write\t1\n"), lincheck.Options{})
	assert.Equal(t, lincheck.Violation, r.Verdict)
	assert.Equal(t, lincheck.Porcupine, r.Checker)
}

func TestBadLogs(t *testing.T) {
	cases := []struct{ log, want string }{
		{"", "no Jepsen events"},
		{"hello\nworld\n", "no Jepsen events"},
		{"0\t:invoke\t:read\tnil\n0\t:invoke\t:read\tnil\n", "line 2: process 0 invokes :read while its :read of line 1 is still open"},
		{"0\t:ok\t:read\t3\n", "line 1: process 0 completes (:ok :read) with no open invoke"},
		{"0\t:invoke\t:read\tnil\n0\t:ok\t:write\t3\n", "line 2: process 0 completes :write, but its open invoke (line 1) is :read"},
		{"0\t:invoke\t:add\t3\n", "line 1: process 0: :add is not an operation of the cas-register"},
		{"0\t:invoke\t:write\tnil\n", "line 1: process 0: write of nil"},
		{"0\t:invoke\t:cas\t[1]\n", "cas of [1]: want [expected new]"},
		{"0\t:invoke\t:cas\t[1 2\n", "line 1: the value \"[1 2\": column 5: the line ends before the vector is closed"},
		{"0\t:invoke\t:write\t1\n0\t:ok\t:write\t2\n", "lines 1 and 2: process 0: write of 1 completed as a write of 2"},
		{"0\t:invoke\t:read\tnil\n0\t:ok\t:read\t[1 2]\n", "read returned [1 2]: a register value is a number, string or nil"},
		{"0\t:invoke\t:write\t\"\"\n", `the empty string stands for nil`},
		{"0\t:invoke\t:read\n", "line 1: no value after :invoke :read"},
		{"{:type :invoke, :f :read, :process 0}\n{:type :ok, :f :read, :value 1}\n", "line 2: no :process"},
		{"{:type :invoke :f :read :process 0 :time 5}\n{:type :ok :f :read :process 0}\n", "line 2 has no :time and line 1 has a :time"},
		{"{:type :invoke :f :read :process 0 :time 5}\n{:type :ok :f :read :process 0 :time 4}\n", "line 2: :time 4 is before the 5 of line 1"},
		{"{:type :begin :f :read :process 0}\n", "line 1: :type :begin: want :invoke, :ok, :fail or :info"},
		{"{:type :invoke :f :read :process 0\n", "line 1: column 35: the line ends before the map is closed"},
		{"{:type :invoke :f :read :process -1}\n", `line 1: process "-1": want a number`},
		{"{:type :invoke :f :read :process 0} x\n", `line 1: column 37: unexpected "x" after the value`},
		{"{:type :invoke :f :read :process}\n", "a map with a key and no value"},
		{"[1 2]\n", "no Jepsen events"},
		{"{:type :invoke :f :read :process 0 :time \"x\"}\n", `:time is "x", want an integer`},
		{strings.Repeat("[", 200) + "\n", "no Jepsen events"},
		{"{:a " + strings.Repeat("[", 200) + "}\n", "nested more than 100 deep"},
	}
	for _, c := range cases {
		assert.Contains(t, readErr(t, c.log), c.want, "%q", c.log)
	}
	_, err := jepsenlog.Read(strings.NewReader(utilLog), "kv")
	assert.ErrorContains(t, err, `a Jepsen log is read for spec cas-register, not "kv"`)
	long := "0\t:invoke\t:write\t" + strings.Repeat("1", jepsenlog.MaxLineBytes) + "\n"
	assert.Contains(t, readErr(t, long), "line 1: longer than 1048576 bytes")
}

// TestReusedProcess: Jepsen never reuses a process after :info, but a log
// that does is read: the crashed operation stays open to the end.
func TestReusedProcess(t *testing.T) {
	ops := read(t, "0\t:invoke\t:write\t1\n0\t:info\t:write\t1\n0\t:invoke\t:read\tnil\n0\t:ok\t:read\t1\n")
	require.Len(t, ops, 2)
	assert.Equal(t, spec.Unknown{}, ops[0].Output)
	assert.Equal(t, 4*ms, ops[0].Return)
	assert.Equal(t, cr.Output{Value: "1"}, ops[1].Output)
}

func TestEDNValues(t *testing.T) {
	ev, err := jepsenlog.Events(strings.NewReader(`{:type :invoke :f :x :process 0 :value [1 2N 3.5 -4 "a\"b" \c :k sym true nil #{1} (1 2) #inst "2020" #_ 9 7]}` + "\n"))
	require.NoError(t, err)
	assert.Equal(t, `[1 2 3.5 -4 "a\"b" \c :k sym true nil #{1} (1 2) #inst "2020" 7]`, ev[0].Value.String())
	assert.Equal(t, "x", ev[0].F)
	ev, err = jepsenlog.Events(strings.NewReader(`{:type :invoke, :f :x, :process 0, :value {:a {:b [] }, :c "\u00e9"}}` + "\n"))
	require.NoError(t, err)
	assert.Equal(t, `{:a {:b []}, :c "é"}`, ev[0].Value.String())
}

// FuzzRead: whatever the bytes, the reader returns operations or an
// error, never panics, and what it returns is a valid cas-register history.
func FuzzRead(f *testing.F) {
	for _, s := range []string{utilLog, ednLog, "0\t:invoke\t:cas\t[1 2\n", "{:a #_ #_ 1}", "\\", "\"\\u12"} {
		f.Add(s)
	}
	m := cr.Spec{}.Model()
	f.Fuzz(func(t *testing.T, log string) {
		ops, err := jepsenlog.Read(strings.NewReader(log), cr.Name)
		if err != nil {
			return
		}
		for _, op := range ops {
			require.NoError(t, m.Valid(op.Input, op.Output))
			require.LessOrEqual(t, op.Call, op.Return)
		}
	})
}
