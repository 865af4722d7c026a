package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/jepsenlog"
	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
	"github.com/paxossim/paxossim/spec/casregister"
)

// Page is what the HTML page of a history shows besides the history
// itself: the verdict, which operations prove a violation, and the faults,
// each over the interval it really lasted, on the rows of the nodes it hit.
type Page struct {
	// Title names the run ("scenario=chaos protocol=multipaxos seed=3"),
	// or the file a history came from.
	Title string
	// Failure is the run's failure, if any (any check, not only
	// linearizability).
	Failure *Failure
	// Check is the verdict of record (lincheck.Judge's), with the
	// operations that prove a violation; a zero Check means the history
	// was not judged.
	Check lincheck.Result
	// Plan is the run's fault plan (empty for a history from elsewhere).
	Plan faults.Plan
	// Firings are what the injector did, roles resolved (runner.Result's
	// Faults); nil draws the plan alone, with its roles unresolved.
	Firings []faults.Firing
	// Servers is the number of servers, nodes 0..Servers-1: their rows of
	// the page carry the faults that hit them (clients are the nodes
	// after them).
	Servers int
	// End is when the run ended: a fault still in force then is drawn to
	// it (0: the end of the history).
	End sim.Time
	// Budget bounds porcupine's search for the partial linearizations the
	// page shows (0: lincheck.DefaultBudget), and Timeout, if set, bounds
	// it in wall time too; the verdict is Check's.
	Budget  int64
	Timeout time.Duration
}

// Visualize writes the HTML page of a run: its history, the
// linearizability verdict with the operations that prove a violation
// marked, and its faults.
func Visualize(path string, res *Result) error {
	p := &res.Params
	m, err := modelOf(p)
	if err != nil {
		return err
	}
	return WritePage(path, m, res.History, RunPage(res))
}

// RunPage is the page of a run.
func RunPage(res *Result) Page {
	p := &res.Params
	title := fmt.Sprintf("scenario=%s protocol=%s seed=%d", p.Scenario, p.Protocol, p.Seed)
	if p.Mutant != "" {
		title += " mutant=" + p.Mutant
	}
	return Page{Title: title, Failure: res.Failure, Check: res.Check, Plan: p.Plan, Firings: res.Faults,
		Servers: p.Servers, End: res.SimTime, Budget: p.Checks.CheckBudget}
}

// WritePage writes the page of history, judged against m, to path.
func WritePage(path string, m spec.Model, history []spec.Operation, pg Page) error {
	var buf bytes.Buffer
	if err := renderPage(&buf, m, history, pg); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func renderPage(buf *bytes.Buffer, m spec.Model, history []spec.Operation, pg Page) error {
	marked := markedOps(pg.Check)
	wm := markModel(m, marked)
	wrapped := make([]spec.Operation, len(history))
	for i, op := range history {
		op.Input = markedInput{idx: i, in: op.Input}
		wrapped[i] = op
	}
	info := lincheck.CheckVerbose(wm, wrapped, lincheck.Options{Budget: pg.Budget, Timeout: pg.Timeout})
	end := pg.End
	for _, op := range history {
		end = max(end, sim.Time(op.Return))
	}
	var notes []porcupine.Annotation
	notes = append(notes, violationAnnotations(m, history, pg.Check, end)...)
	notes = append(notes, serverLabels(pg.Servers)...)
	notes = append(notes, faultAnnotations(pg.Plan, pg.Firings, pg.Servers, end)...)
	info.AddAnnotations(notes)
	var page bytes.Buffer
	if err := porcupine.Visualize(lincheck.Model(wm), info, &page); err != nil {
		return err
	}
	return injectBanner(buf, page.Bytes(), pg)
}

// markedInput carries an operation's history index through porcupine, so
// that the page can mark the operations that prove a violation.
type markedInput struct {
	idx int
	in  any
}

// violationMark starts the description of an operation that proves a
// violation.
const violationMark = "✗ "

// markedOps are the operations the page marks: the few the exact checker
// names. A violation the search found names its whole partition, which
// porcupine's own display (the longest partial linearization and where it
// fails) explains better than marking every operation.
func markedOps(r lincheck.Result) map[int]bool {
	out := map[int]bool{}
	if r.Verdict == lincheck.Violation && r.Checker == lincheck.Exact {
		for _, i := range r.Ops {
			out[i] = true
		}
	}
	return out
}

func markModel(m spec.Model, marked map[int]bool) spec.Model {
	un := func(in any) any { return in.(markedInput).in }
	w := m
	w.Step = func(state, input, output any) (bool, any) { return m.Step(state, un(input), output) }
	if m.PartitionKey != nil {
		w.PartitionKey = func(input any) string { return m.PartitionKey(un(input)) }
	}
	w.DescribeOperation = func(input, output any) string {
		s := m.DescribeOperation(un(input), output)
		if marked[input.(markedInput).idx] {
			s = violationMark + s
		}
		return s
	}
	if m.Valid != nil {
		w.Valid = func(input, output any) error {
			mi, ok := input.(markedInput)
			if !ok {
				return fmt.Errorf("input is %T, not marked", input)
			}
			return m.Valid(mi.in, output)
		}
	}
	w.Access = nil
	return w
}

// The rows and colours of the page's annotations. Porcupine draws a tag
// as a row of its own below the clients, in sorted order.
const (
	tagViolation   = "! violation"
	tagNetwork     = "network"
	colorViolation = "#ff8a80"
	colorFault     = "#f4c7c3"
	colorNoEffect  = "#e0e0e0"
	colorServer    = "#fff59d"
)

// violationAnnotations mark a violation on a row of its own: each
// operation the exact checker names over its interval, or, for one the
// search found, the span of the partition, with the explanation.
func violationAnnotations(m spec.Model, history []spec.Operation, r lincheck.Result, end sim.Time) []porcupine.Annotation {
	if r.Verdict != lincheck.Violation || len(r.Ops) == 0 {
		return nil
	}
	ret := func(op spec.Operation) int64 {
		if _, unknown := op.Output.(spec.Unknown); unknown {
			return int64(end)
		}
		return op.Return
	}
	if r.Checker != lincheck.Exact {
		lo, hi := history[r.Ops[0]].Call, int64(0)
		for _, i := range r.Ops {
			lo, hi = min(lo, history[i].Call), max(hi, ret(history[i]))
		}
		what := "the history"
		if r.Key != "" {
			what = fmt.Sprintf("key %q", r.Key)
		}
		return []porcupine.Annotation{{Tag: tagViolation, Start: lo, End: hi, BackgroundColor: colorViolation,
			Description: what + " is not linearizable (" + string(r.Checker) + ")", Details: r.Explanation}}
	}
	var out []porcupine.Annotation
	for _, i := range r.Ops {
		op := history[i]
		out = append(out, porcupine.Annotation{Tag: tagViolation, Start: op.Call, End: ret(op), BackgroundColor: colorViolation,
			Description: fmt.Sprintf("%sn%d %s", violationMark, op.Client, m.DescribeOperation(op.Input, op.Output)),
			Details:     r.Explanation})
	}
	return out
}

// serverLabels name the server rows (porcupine numbers rows by node id,
// and clients come after the servers).
func serverLabels(servers int) []porcupine.Annotation {
	out := make([]porcupine.Annotation, servers)
	for id := range servers {
		out[id] = porcupine.Annotation{ClientId: id, Start: 0, End: 0, BackgroundColor: colorServer,
			Description: fmt.Sprintf("server n%d", id), Details: fmt.Sprintf("row %d is server n%d: the faults that hit it are on it", id, id)}
	}
	return out
}

// faultAnnotations draw the faults: a fault on a node (crash, pause,
// clock, isolate, restart) on that server's row, one on the network
// (partition, bridge, ring, cut, clog, heal) on the network row, each
// labelled with the nodes it hit and drawn from when it fired to when it
// ended: a crash until its node restarted, a pause until it resumed, a
// partition until the network healed, a clock fault until the clock was
// reset, and anything still in force until the end of the run. Without
// firings (a history saved without them) the plan is drawn with its roles
// unresolved.
func faultAnnotations(plan faults.Plan, firings []faults.Firing, servers int, end sim.Time) []porcupine.Annotation {
	resolved := firings != nil
	if !resolved {
		firings = planFirings(plan)
	}
	var out []porcupine.Annotation
	for i, f := range firings {
		if f.End || f.Fault < 0 || f.Fault >= len(plan.Faults) {
			continue
		}
		fault := plan.Faults[f.Fault]
		stop, how := faultEnd(plan, firings, i, end)
		nodes := formatNodes(f.Nodes)
		details := fmt.Sprintf("%s\nplanned: %s\nfired at %v, %s", f.Note, fault.String(), f.At, how)
		if !resolved {
			details += "\n(drawn from the plan: the run's record of which nodes its roles resolved to is missing)"
		}
		a := porcupine.Annotation{Start: int64(f.At), End: int64(stop), BackgroundColor: colorFault, Details: details}
		if f.NoEffect {
			a.End, a.BackgroundColor = a.Start, colorNoEffect
		}
		switch fault.Kind {
		case faults.KindCrash, faults.KindPause, faults.KindClock, faults.KindIsolate, faults.KindRestart:
			label := fault.Kind.String()
			if f.NoEffect {
				label += " (did nothing)"
			}
			if len(f.Nodes) == 0 {
				// A role nobody played: the fault hit no node.
				a.Tag, a.Description = tagNetwork, label+" "+roleTarget(fault)+": no node"
				out = append(out, a)
				continue
			}
			if fault.Role != faults.RoleNone {
				label += fmt.Sprintf(" %s (%s)", nodes, fault.Role)
			} else {
				label += " " + nodes
			}
			for _, id := range f.Nodes {
				if id < 0 || int(id) >= servers {
					continue // not a server: no row of the page is its
				}
				b := a
				b.ClientId, b.Description = int(id), label
				out = append(out, b)
			}
		default:
			a.Tag = tagNetwork
			a.Description = f.Note
			if f.NoEffect {
				a.Description += " (did nothing)"
			} else if len(f.Nodes) > 0 && fault.Kind != faults.KindHealAll {
				a.Description += " on " + nodes
			}
			out = append(out, a)
		}
	}
	return out
}

func roleTarget(f faults.Fault) string {
	if f.Role != faults.RoleNone {
		return f.Role.String()
	}
	return f.Node.String()
}

func formatNodes(ids []sim.NodeID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return strings.Join(parts, ",")
}

// faultEnd is when the fault firings[i] stopped being in force, and how.
func faultEnd(plan faults.Plan, firings []faults.Firing, i int, end sim.Time) (sim.Time, string) {
	f := firings[i]
	fault := plan.Faults[f.Fault]
	switch {
	case f.NoEffect:
		return f.At, "it did nothing"
	case fault.Kind == faults.KindRestart || fault.Kind == faults.KindHeal || fault.Kind == faults.KindHealAll:
		return f.At, "at once"
	}
	kindOf := func(g faults.Firing) faults.Kind {
		if g.Fault < 0 || g.Fault >= len(plan.Faults) {
			return 0
		}
		return plan.Faults[g.Fault].Kind
	}
	on := func(g faults.Firing) bool {
		for _, id := range f.Nodes {
			if slices.Contains(g.Nodes, id) {
				return true
			}
		}
		return false
	}
	if fault.Kind == faults.KindClog {
		end = min(end, f.At.Add(fault.Duration))
	}
	for _, g := range firings[i+1:] {
		if g.NoEffect {
			continue
		}
		k := kindOf(g)
		if k == faults.KindHealAll && !g.End {
			return g.At, fmt.Sprintf("in force until the heal phase at %v", g.At)
		}
		if fault.Kind == faults.KindClog && g.At >= end {
			break
		}
		switch fault.Kind {
		case faults.KindCrash:
			if on(g) && (g.End && k == faults.KindCrash || !g.End && k == faults.KindRestart) {
				return g.At, fmt.Sprintf("down until it restarted at %v", g.At)
			}
		case faults.KindPause:
			if on(g) && g.End && k == faults.KindPause {
				return g.At, fmt.Sprintf("paused until it resumed at %v", g.At)
			}
		case faults.KindClock:
			if on(g) && !g.End && k == faults.KindClock {
				return g.At, fmt.Sprintf("in force until the next clock fault at %v", g.At)
			}
		case faults.KindPartition, faults.KindIsolate, faults.KindCut, faults.KindBridge, faults.KindRing, faults.KindClog:
			if k == faults.KindHeal {
				return g.At, fmt.Sprintf("in force until the network healed at %v", g.At)
			}
		}
	}
	if fault.Kind == faults.KindClog {
		return end, fmt.Sprintf("for %v", fault.Duration)
	}
	return end, fmt.Sprintf("still in force at the end of the run (%v)", end)
}

// planFirings stands in for a run's firings when only the plan is known:
// each fault fires at its time on the nodes it names (none for a role),
// and a crash or pause with a duration ends after it.
func planFirings(plan faults.Plan) []faults.Firing {
	var out []faults.Firing
	for i, f := range plan.Faults {
		g := faults.Firing{Fault: i, At: f.At, Note: strings.SplitN(f.String(), " ", 2)[1]}
		switch f.Kind {
		case faults.KindCrash, faults.KindPause, faults.KindClock, faults.KindIsolate, faults.KindRestart:
			if f.Role == faults.RoleNone {
				g.Nodes = []sim.NodeID{f.Node}
			}
		case faults.KindCut, faults.KindClog:
			if f.FromRole == faults.RoleNone {
				g.Nodes = append(g.Nodes, f.From)
			}
			if f.ToRole == faults.RoleNone {
				g.Nodes = append(g.Nodes, f.To)
			}
		case faults.KindPartition, faults.KindBridge:
			g.Nodes = slices.Concat(f.Groups...)
		}
		out = append(out, g)
		if (f.Kind == faults.KindCrash || f.Kind == faults.KindPause) && f.Duration > 0 {
			out = append(out, faults.Firing{Fault: i, At: f.At.Add(f.Duration), End: true, Nodes: g.Nodes})
		}
	}
	slices.SortStableFunc(out, func(a, b faults.Firing) int {
		if a.At != b.At {
			return int(a.At - b.At)
		}
		return 0
	})
	return out
}

// injectBanner writes porcupine's page with a banner above the history:
// the run, its verdict and checker, the explanation, and a legend of the
// marks.
func injectBanner(buf *bytes.Buffer, page []byte, pg Page) error {
	var b strings.Builder
	b.WriteString(`<div id="paxossim-verdict" style="margin:50px 10px 0 10px;font-family:Helvetica,Arial,sans-serif;font-size:14px">`)
	fmt.Fprintf(&b, "<div><b>%s</b></div>", html.EscapeString(pg.Title))
	if pg.Failure != nil {
		fmt.Fprintf(&b, `<div>failed: <b>%s</b></div>`, html.EscapeString(string(pg.Failure.Check)))
	}
	r := pg.Check
	switch {
	case r.Verdict == "":
		b.WriteString("<div>linearizability: not checked</div>")
	default:
		color := map[lincheck.Verdict]string{lincheck.Ok: "#2e7d32", lincheck.Violation: "#c62828", lincheck.Unknown: "#ef6c00"}[r.Verdict]
		fmt.Fprintf(&b, `<div>linearizability: <b id="paxossim-verdict-value" style="color:%s">%s</b> (checker: %s`, color, r.Verdict, html.EscapeString(string(r.Checker)))
		if r.Key != "" {
			fmt.Fprintf(&b, ", key %s", html.EscapeString(fmt.Sprintf("%q", r.Key)))
		}
		b.WriteString(")</div>")
		if r.Explanation != "" {
			fmt.Fprintf(&b, `<pre id="paxossim-explanation" style="white-space:pre-wrap;background:#fff3f3;padding:6px">%s</pre>`, html.EscapeString(r.Explanation))
		}
	}
	rows := "Rows: clients by process number"
	if pg.Servers > 0 {
		rows = fmt.Sprintf("Rows: nodes by id, servers n0 to n%d first, each with the faults that hit it, then the clients; "+
			"the <i>%s</i> row holds network faults", pg.Servers-1, tagNetwork)
	}
	fmt.Fprintf(&b, `<div style="color:#555">%s; the <i>%s</i> row and a leading %s mark the operations that prove a violation. Hover over anything for details.</div>`,
		rows, html.EscapeString(tagViolation), html.EscapeString(violationMark))
	b.WriteString("</div>\n")
	const canvas = `<div id="canvas">`
	const title = "<title>Porcupine</title>"
	s := string(page)
	i := strings.Index(s, canvas)
	if i < 0 {
		return errors.New("visualize: porcupine's page has no canvas to put the verdict above (has its template changed?)")
	}
	s = s[:i] + b.String() + s[i:]
	s = strings.Replace(s, title, "<title>paxossim: "+html.EscapeString(pg.Title)+"</title>", 1)
	buf.WriteString(s)
	return nil
}

// faultsFile is the name of the file WriteArtifacts keeps a run's firings
// in, so that recheck can draw the faults with their roles resolved.
const faultsFile = "faults.json"

// writeFirings saves a run's firings next to its history.
func writeFirings(dir string, firings []faults.Firing) (string, error) {
	path := filepath.Join(dir, faultsFile)
	if firings == nil {
		firings = []faults.Firing{}
	}
	return path, writeJSON(path, firings)
}

// ReadFirings reads the firings saved in an artifacts directory; a
// directory without them (saved before they were) gives nil, no error.
func ReadFirings(dir string) ([]faults.Firing, error) {
	data, err := os.ReadFile(filepath.Join(dir, faultsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []faults.Firing
	if err := spec.DecodeStrict(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, faultsFile), err)
	}
	if out == nil {
		out = []faults.Firing{}
	}
	return out, nil
}

// MaxRecheckFile bounds a history or log that recheck reads: a history of
// a million operations is a few hundred MB.
const MaxRecheckFile = 4 << 30

// ErrPage is the error of a recheck that judged the history but could not
// write its page.
var ErrPage = errors.New("the HTML page could not be written")

// RecheckOptions say how to re-check a saved history.
type RecheckOptions struct {
	Check lincheck.Options
	// Spec is the spec a Jepsen log is read for ("": cas-register); a
	// history.json names its own, which Spec, if set, must match.
	Spec string
	// HTML is where to write the page ("": next to the input, see
	// RecheckPath).
	HTML string
}

// Rechecked is the outcome of a re-check.
type Rechecked struct {
	Kind   string // what was read: "artifacts directory", "history.json" or "Jepsen log"
	Spec   string
	Ops    int
	Result lincheck.Result
	Page   string // the HTML page written
}

// RecheckPath re-checks a saved history without re-running anything:
// an artifacts directory (its history.json, with its params.json and
// faults.json to draw the faults), a history.json, or a Jepsen log (told
// apart by content), and always writes the HTML page: by default
// recheck.html in the directory of an artifacts directory or history.json,
// or the log's name with .html for a log. A bad input is an error; the
// verdict, whatever it is, is in Result.
func RecheckPath(path string, o RecheckOptions) (Rechecked, error) {
	var out Rechecked
	dir, file := "", path
	fi, err := os.Stat(path)
	if err != nil {
		return out, err
	}
	if fi.IsDir() {
		dir, file, out.Kind = path, filepath.Join(path, "history.json"), "artifacts directory"
		if fi, err = os.Stat(file); errors.Is(err, os.ErrNotExist) {
			return out, fmt.Errorf("%s: an artifacts directory holds a history.json, and there is none", path)
		} else if err != nil {
			return out, err
		}
	}
	if !fi.Mode().IsRegular() {
		return out, fmt.Errorf("%s: not a regular file: recheck reads a history.json or a Jepsen log", file)
	}
	if fi.Size() > MaxRecheckFile {
		return out, fmt.Errorf("%s: %d bytes, more than the limit of %d for a history", file, fi.Size(), int64(MaxRecheckFile))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return out, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return out, fmt.Errorf("%s is empty: there is no history to check", file)
	}
	var (
		ops []spec.Operation
		m   spec.Model
		pg  = Page{Title: "recheck of " + path, Budget: o.Check.Budget, Timeout: o.Check.Timeout}
	)
	if dir == "" && jepsenlog.Looks(data) {
		out.Kind, out.Spec = "Jepsen log", o.Spec
		if out.Spec == "" {
			out.Spec = casregister.Name
		}
		sp, err := spec.Lookup(out.Spec)
		if err != nil {
			return out, err
		}
		if ops, err = jepsenlog.Read(bytes.NewReader(data), out.Spec); err != nil {
			return out, fmt.Errorf("%s: %v", file, err)
		}
		m = sp.Model()
	} else {
		if out.Kind == "" {
			out.Kind, dir = "history.json", filepath.Dir(file)
		}
		var hf HistoryFile
		if err := json.Unmarshal(data, &hf); err == nil {
			out.Spec = hf.Spec
		}
		if o.Spec != "" && out.Spec != "" && o.Spec != out.Spec {
			return out, fmt.Errorf("%s holds a history of spec %s, not %s", file, out.Spec, o.Spec)
		}
		if ops, m, err = DecodeHistory(data); err != nil {
			return out, fmt.Errorf("%s: %v", file, err)
		}
		// The run beside a history draws its faults; a history alone has
		// none to draw.
		if params := filepath.Join(dir, "params.json"); fileExists(params) {
			p, err := LoadParams(params)
			if err != nil {
				return out, err
			}
			pg.Title = "recheck of " + RunPage(&Result{Result: runner.Result{Params: p}}).Title
			pg.Plan, pg.Servers = p.Plan, p.Servers
			if pg.Firings, err = ReadFirings(dir); err != nil {
				return out, err
			}
		}
	}
	out.Ops = len(ops)
	out.Result = lincheck.Judge(m, ops, o.Check)
	pg.Check = out.Result
	out.Page = o.HTML
	if out.Page == "" {
		out.Page = filepath.Join(dir, "recheck.html")
		if out.Kind == "Jepsen log" {
			out.Page = strings.TrimSuffix(file, filepath.Ext(file)) + ".html"
		}
	}
	if err := WritePage(out.Page, m, ops, pg); err != nil {
		return out, fmt.Errorf("%w: %v", ErrPage, err)
	}
	return out, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
