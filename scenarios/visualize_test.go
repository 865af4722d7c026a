package scenarios

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec/kv"
)

// pageData is the part of porcupine's page data the tests read.
type pageData struct {
	Partitions []struct {
		History []struct {
			ClientId    int
			Start, End  int
			Description string
		}
	}
	Annotations []pageAnnotation
}

type pageAnnotation struct {
	ClientId    int
	Tag         string
	Start, End  int
	Description string
	Details     string
}

// readPage returns a page's HTML and the data porcupine embeds in it.
func readPage(t *testing.T, path string) (string, pageData) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\s*const data = (.*)$`).FindSubmatch(b)
	require.NotNil(t, m, "the page embeds its data")
	var d pageData
	require.NoError(t, json.Unmarshal(m[1], &d))
	return string(b), d
}

// brokenRun is a run of a nemesis that isolates whoever leads, with one
// read changed to a value nobody wrote: a violation the exact checker
// names.
func brokenRun(t *testing.T) (Result, int) {
	t.Helper()
	sc, err := LookupFor(DefaultProtocol, "nemesis-leader-isolation")
	require.NoError(t, err)
	res := Run(sc, 1, "", RunOptions{})
	require.True(t, res.Passed(), "%v", res.Failure)
	bad := -1
	for i, op := range res.History {
		if in, ok := op.Input.(kv.Input); ok && in.Op == kv.Get {
			if _, known := op.Output.(kv.Output); known {
				bad = i
			}
		}
	}
	require.GreaterOrEqual(t, bad, 0)
	res.History[bad].Output = kv.Output{Value: "nobody.wrote;"}
	m, err := modelOf(&res.Params)
	require.NoError(t, err)
	res.Check = lincheck.Judge(m, res.History, lincheck.Options{})
	require.Equal(t, lincheck.Violation, res.Check.Verdict)
	require.Equal(t, lincheck.Exact, res.Check.Checker)
	res.Linearizable = res.Check.Verdict
	res.Failure = &Failure{Check: CheckLinearizability, Fact: res.Check.Explanation}
	return res, bad
}

// TestPageShowsTheBug: the page of a failing run marks the operations
// that prove the violation, shows the verdict and explanation, puts each
// fault on the row of the server a role resolved to, named, and draws a
// fault that lasts until the heal up to the heal.
func TestPageShowsTheBug(t *testing.T) {
	res, bad := brokenRun(t)
	a, err := WriteArtifacts(t.TempDir(), &res)
	require.NoError(t, err)
	html, d := readPage(t, a.Visualization)
	checkPage(t, res, bad, html, d, true)

	// The firings are saved, and recheck draws the same page from the
	// artifacts directory alone.
	saved, err := ReadFirings(a.Dir)
	require.NoError(t, err)
	assert.Equal(t, res.Faults, saved)
	r, err := RecheckPath(a.Dir, RecheckOptions{})
	require.NoError(t, err)
	assert.Equal(t, res.Check.Verdict, r.Result.Verdict)
	assert.Equal(t, res.Check.Ops, r.Result.Ops)
	assert.Equal(t, filepath.Join(a.Dir, "recheck.html"), r.Page)
	assert.Equal(t, "artifacts directory", r.Kind)
	html, d = readPage(t, r.Page)
	checkPage(t, res, bad, html, d, true)

	// Without the firings, the plan is drawn, its roles unresolved.
	require.NoError(t, os.Remove(filepath.Join(a.Dir, faultsFile)))
	r, err = RecheckPath(filepath.Join(a.Dir, "history.json"), RecheckOptions{HTML: filepath.Join(a.Dir, "plan.html")})
	require.NoError(t, err)
	html, d = readPage(t, r.Page)
	checkPage(t, res, bad, html, d, false)
}

func checkPage(t *testing.T, res Result, bad int, html string, d pageData, resolved bool) {
	t.Helper()
	// The verdict, above the history.
	assert.Contains(t, html, `<b id="paxossim-verdict-value" style="color:#c62828">violation</b> (checker: exact`)
	assert.Contains(t, html, "nobody.wrote;")
	assert.Contains(t, html, "<title>paxossim: ")
	assert.Less(t, strings.Index(html, `id="paxossim-verdict"`), strings.Index(html, `<div id="canvas">`))

	// The operation that proves it: marked in its row, and on the
	// violation row with the explanation.
	var marked []string
	for _, p := range d.Partitions {
		for _, h := range p.History {
			if strings.HasPrefix(h.Description, violationMark) {
				marked = append(marked, h.Description)
				assert.Equal(t, res.History[bad].Client, h.ClientId)
			}
		}
	}
	assert.Len(t, marked, len(res.Check.Ops))
	var violation, network []pageAnnotation
	rows := map[int][]pageAnnotation{}
	for _, an := range d.Annotations {
		switch an.Tag {
		case tagViolation:
			violation = append(violation, an)
		case tagNetwork:
			network = append(network, an)
		case "":
			rows[an.ClientId] = append(rows[an.ClientId], an)
		}
	}
	require.Len(t, violation, len(res.Check.Ops))
	assert.Equal(t, res.Check.Explanation, violation[0].Details)
	assert.Contains(t, violation[0].Description, `get("k`)

	// Server rows are used: each labelled, and each isolation of the
	// leader on the row of the server that led, named.
	isolated := map[sim.NodeID]bool{}
	for _, f := range res.Faults {
		if !f.End && res.Params.Plan.Faults[f.Fault].Kind == faults.KindIsolate {
			require.Len(t, f.Nodes, 1)
			isolated[f.Nodes[0]] = true
		}
	}
	require.NotEmpty(t, isolated)
	var heal int
	for _, an := range network {
		if strings.HasPrefix(an.Description, "heal") {
			heal = an.Start
		}
	}
	for id := range res.Params.Servers {
		row := rows[id]
		require.NotEmpty(t, row, "server n%d has a row", id)
		assert.Equal(t, fmt.Sprintf("server n%d", id), row[0].Description)
		var isolations []pageAnnotation
		for _, an := range row {
			if strings.HasPrefix(an.Description, "isolate") {
				isolations = append(isolations, an)
			}
		}
		if !resolved {
			assert.Empty(t, isolations, "the plan alone does not say who led")
			continue
		}
		if !isolated[sim.NodeID(id)] {
			assert.Empty(t, isolations, "n%d never led when an isolation fired", id)
			continue
		}
		require.NotEmpty(t, isolations)
		for _, an := range isolations {
			assert.Equal(t, fmt.Sprintf("isolate n%d (leader)", id), an.Description)
			assert.Contains(t, an.Details, fmt.Sprintf("(leader=n%d)", id))
			assert.Contains(t, an.Details, "in force until the network healed")
			assert.Greater(t, an.End, an.Start, "drawn over its interval, not as a blip")
		}
	}
	if !resolved {
		var roles []pageAnnotation
		for _, an := range network {
			if strings.HasPrefix(an.Description, "isolate leader") {
				roles = append(roles, an)
				assert.Contains(t, an.Details, "drawn from the plan")
			}
		}
		assert.NotEmpty(t, roles)
	}
	assert.NotZero(t, heal)
}

// TestFaultIntervals: each kind of fault is drawn from when it fired to
// when it really ended.
func TestFaultIntervals(t *testing.T) {
	s := sim.Time(sim.Second)
	plan := faults.Plan{Faults: []faults.Fault{
		{At: 1 * s, Kind: faults.KindCrash, Node: 0},                                  // until the restart at 3s
		{At: 2 * s, Kind: faults.KindPartition, Groups: [][]sim.NodeID{{0}, {1, 2}}},  // until the heal at 5s
		{At: 3 * s, Kind: faults.KindRestart, Node: 0},                                // a point
		{At: 4 * s, Kind: faults.KindClog, From: 1, To: 2, Duration: sim.Duration(s)}, // its duration
		{At: 4 * s, Kind: faults.KindClock, Node: 1, Skew: sim.Duration(s)},           // until the next clock fault of n1
		{At: 5 * s, Kind: faults.KindHeal},                                            //
		{At: 6 * s, Kind: faults.KindClock, Node: 1, Skew: -sim.Duration(s)},          // until the heal-all
		{At: 6 * s, Kind: faults.KindPause, Node: 2, Duration: sim.Duration(s) / 2},   // until it resumes
		{At: 7 * s, Kind: faults.KindCrash, Node: 2},                                  // until the heal-all
		{At: 9 * s, Kind: faults.KindHealAll},                                         //
		{At: 10 * s, Kind: faults.KindIsolate, Role: faults.RoleLeader},               // to the end of the run
		{At: 11 * s, Kind: faults.KindCrash, Role: faults.RoleLastLeader},             // skipped: a point
	}}
	firings := []faults.Firing{
		{Fault: 0, At: 1 * s, Nodes: []sim.NodeID{0}, Note: "crash n0"},
		{Fault: 1, At: 2 * s, Nodes: []sim.NodeID{0, 1, 2}, Note: "partition {n0} {n1,n2}"},
		{Fault: 2, At: 3 * s, Nodes: []sim.NodeID{0}, Note: "restart n0"},
		{Fault: 3, At: 4 * s, Nodes: []sim.NodeID{1, 2}, Note: "clog n1->n2"},
		{Fault: 4, At: 4 * s, Nodes: []sim.NodeID{1}, Note: "clock n1"},
		{Fault: 5, At: 5 * s, Note: "heal"},
		{Fault: 6, At: 6 * s, Nodes: []sim.NodeID{1}, Note: "clock n1"},
		{Fault: 7, At: 6 * s, Nodes: []sim.NodeID{2}, Note: "pause n2"},
		{Fault: 7, At: 6*s + s/2, End: true, Nodes: []sim.NodeID{2}, Note: "resume n2"},
		{Fault: 8, At: 7 * s, Nodes: []sim.NodeID{2}, Note: "crash n2"},
		{Fault: 9, At: 9 * s, Nodes: []sim.NodeID{1, 2}, Note: "heal-all"},
		{Fault: 10, At: 10 * s, Nodes: []sim.NodeID{2}, Note: "isolate leader (leader=n2)"},
		{Fault: 11, At: 11 * s, NoEffect: true, Note: "crash last-leader skipped: no last-leader known"},
	}
	end := 12 * s
	want := map[int]sim.Time{0: 3 * s, 1: 5 * s, 2: 3 * s, 3: 5 * s, 4: 6 * s, 5: 5 * s, 6: 9 * s, 7: 6*s + s/2, 9: 9 * s, 10: 9 * s, 11: end, 12: 11 * s}
	for i, w := range want {
		got, how := faultEnd(plan, firings, i, end)
		assert.Equal(t, w, got, "%s: %s", firings[i].Note, how)
	}
	anns := faultAnnotations(plan, firings, 3, end)
	var isolate *struct{ row int }
	for _, an := range anns {
		if strings.HasPrefix(an.Description, "isolate") {
			isolate = &struct{ row int }{an.ClientId}
			assert.Equal(t, "isolate n2 (leader)", an.Description)
			assert.Equal(t, int64(end), an.End)
		}
		if strings.HasPrefix(an.Description, "crash last-leader") {
			assert.Equal(t, tagNetwork, an.Tag)
			assert.Equal(t, an.Start, an.End)
			assert.Contains(t, an.Description, "did nothing")
		}
	}
	require.NotNil(t, isolate)
	assert.Equal(t, 2, isolate.row)

	// The plan alone: a crash with a duration ends after it.
	pf := planFirings(faults.Plan{Faults: []faults.Fault{{At: s, Kind: faults.KindCrash, Node: 1, Duration: sim.Duration(s)}, {At: 5 * s, Kind: faults.KindHealAll}}})
	require.Len(t, pf, 3)
	got, _ := faultEnd(faults.Plan{Faults: []faults.Fault{{At: s, Kind: faults.KindCrash, Node: 1, Duration: sim.Duration(s)}, {At: 5 * s, Kind: faults.KindHealAll}}}, pf, 0, end)
	assert.Equal(t, 2*s, got)
}

// TestRecheckJepsenLog: recheck reads a Jepsen log by its content and
// writes its page next to it.
func TestRecheckJepsenLog(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "stale.log")
	require.NoError(t, os.WriteFile(log, []byte("0\t:invoke\t:write\t1\n0\t:ok\t:write\t1\n1\t:invoke\t:write\t2\n1\t:ok\t:write\t2\n0\t:invoke\t:read\tnil\n0\t:ok\t:read\t1\n"), 0o644))
	r, err := RecheckPath(log, RecheckOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Jepsen log", r.Kind)
	assert.Equal(t, "cas-register", r.Spec)
	assert.Equal(t, lincheck.Violation, r.Result.Verdict)
	assert.Equal(t, filepath.Join(dir, "stale.html"), r.Page)
	html, d := readPage(t, r.Page)
	assert.Contains(t, html, "violation")
	var marked int
	for _, p := range d.Partitions {
		for _, h := range p.History {
			if strings.HasPrefix(h.Description, violationMark) {
				marked++
			}
		}
	}
	assert.Equal(t, len(r.Result.Ops), marked)

	_, err = RecheckPath(log, RecheckOptions{Spec: "nope"})
	assert.ErrorContains(t, err, `unknown spec "nope"`)
	_, err = RecheckPath(filepath.Join(dir, "missing"), RecheckOptions{})
	assert.Error(t, err)
	_, err = RecheckPath(dir, RecheckOptions{})
	assert.ErrorContains(t, err, "an artifacts directory holds a history.json, and there is none")
}
