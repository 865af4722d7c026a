package scenarios

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/sim"
)

// Artifacts are the files a failure leaves behind, so that a person can
// look at the run and a fixed checker or model can re-check it offline
// without re-running it (Recheck).
type Artifacts struct {
	Dir           string
	Visualization string // porcupine's HTML of the history, with fault intervals
	Trace         string // the full trace, one event per line
	History       string // the client history as JSON
	Params        string // the drawn run (parameters and fault plan) as JSON
	Plan          string // the fault plan alone as JSON
	Report        string // the text report
}

func (a *Artifacts) String() string {
	var b strings.Builder
	for _, f := range []struct{ name, path string }{
		{"visualization", a.Visualization}, {"trace", a.Trace}, {"history", a.History},
		{"params", a.Params}, {"plan", a.Plan}, {"report", a.Report},
	} {
		if f.path != "" {
			fmt.Fprintf(&b, "%-13s %s\n", f.name+":", f.path)
		}
	}
	return b.String()
}

// WriteArtifacts writes a run's artifacts under dir (created if needed) in
// a directory named after the scenario and seed, re-running the seed with
// the full trace going to a file. It returns what it wrote.
func WriteArtifacts(dir string, res *Result) (*Artifacts, error) {
	p := &res.Params
	a := &Artifacts{Dir: filepath.Join(dir, fmt.Sprintf("%s-seed%d", p.Scenario, p.Seed))}
	if p.Protocol.Mutant != "" {
		a.Dir += "-" + p.Protocol.Mutant
	}
	if err := os.MkdirAll(a.Dir, 0o755); err != nil {
		return nil, err
	}
	a.Trace = filepath.Join(a.Dir, "trace.txt")
	f, err := os.Create(a.Trace)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(f)
	again := RunParams(*p, RunOptions{Trace: w, SkipLinearizability: true})
	err = errors.Join(w.Flush(), f.Close())
	if err != nil {
		return nil, err
	}
	if again.Hash != res.Hash {
		return nil, fmt.Errorf("re-running seed %d for its trace gave hash %016x, not %016x: the run is not deterministic", p.Seed, again.Hash, res.Hash)
	}
	a.History = filepath.Join(a.Dir, "history.json")
	if err := writeJSON(a.History, EncodeHistory(res.History)); err != nil {
		return nil, err
	}
	a.Params = filepath.Join(a.Dir, "params.json")
	if err := writeJSON(a.Params, p); err != nil {
		return nil, err
	}
	a.Plan = filepath.Join(a.Dir, "plan.json")
	if err := writeJSON(a.Plan, p.Plan); err != nil {
		return nil, err
	}
	a.Visualization = filepath.Join(a.Dir, "history.html")
	if err := Visualize(a.Visualization, res.History, p.Plan, p.Checks.CheckTimeout); err != nil {
		return nil, err
	}
	a.Report = filepath.Join(a.Dir, "report.txt")
	if err := os.WriteFile(a.Report, []byte(Report(res, a)), 0o644); err != nil {
		return nil, err
	}
	return a, nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// LoadParams reads a run saved as JSON (an artifacts directory's
// params.json, or a shrunk counterexample) and validates it.
func LoadParams(path string) (Params, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Params{}, err
	}
	var p Params
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Params{}, fmt.Errorf("%s: %v", path, err)
	}
	if err := p.Validate(); err != nil {
		return Params{}, fmt.Errorf("%s: %v", path, err)
	}
	return p, nil
}

// Visualize writes porcupine's HTML visualization of the history, with each
// fault of the plan as an annotation on the timeline.
func Visualize(path string, history []porcupine.Operation, plan faults.Plan, timeout time.Duration) error {
	_, info := CheckKV(history, orDefault(timeout, DefaultCheckTimeout))
	info.AddAnnotations(faultAnnotations(plan, history))
	return porcupine.VisualizePath(KVModel(), info, path)
}

func faultAnnotations(plan faults.Plan, history []porcupine.Operation) []porcupine.Annotation {
	end := int64(0)
	for _, op := range history {
		end = max(end, op.Return)
	}
	var out []porcupine.Annotation
	for _, f := range plan.Faults {
		start := int64(f.At)
		stop := start + int64(f.Duration)
		if f.Duration == 0 {
			stop = start + int64(sim.Millisecond)
		}
		out = append(out, porcupine.Annotation{
			Tag:             "faults",
			Start:           start,
			End:             min(max(stop, start+1), max(end, start+1)),
			Description:     f.Kind.String(),
			Details:         f.String(),
			BackgroundColor: "#f4c7c3",
		})
	}
	return out
}

// historyOp is the JSON form of one operation.
type historyOp struct {
	Client  int    `json:"client"`
	Op      string `json:"op"`
	Key     string `json:"key"`
	Value   string `json:"value,omitempty"`
	Call    int64  `json:"call_ns"`
	Return  int64  `json:"return_ns"`
	Output  string `json:"output,omitempty"`
	Unknown bool   `json:"unknown,omitempty"`
}

// EncodeHistory converts a history to its JSON form.
func EncodeHistory(ops []porcupine.Operation) []historyOp {
	out := make([]historyOp, len(ops))
	for i, op := range ops {
		in, o := op.Input.(KVInput), op.Output.(KVOutput)
		out[i] = historyOp{Client: op.ClientId, Op: in.Op.String(), Key: in.Key, Value: in.Value,
			Call: op.Call, Return: op.Return, Output: o.Value, Unknown: o.Unknown}
	}
	return out
}

// DecodeHistory reads a history written by WriteArtifacts.
func DecodeHistory(data []byte) ([]porcupine.Operation, error) {
	var raw []historyOp
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("history: %v", err)
	}
	out := make([]porcupine.Operation, len(raw))
	for i, h := range raw {
		var op KVOp
		for _, o := range []KVOp{KVGet, KVPut, KVAppend} {
			if o.String() == h.Op {
				op = o
			}
		}
		if op == 0 {
			return nil, fmt.Errorf("history: operation %d: unknown op %q", i, h.Op)
		}
		if h.Call > h.Return {
			return nil, fmt.Errorf("history: operation %d: call %d after return %d", i, h.Call, h.Return)
		}
		out[i] = porcupine.Operation{ClientId: h.Client, Input: KVInput{Op: op, Key: h.Key, Value: h.Value},
			Call: h.Call, Return: h.Return, Output: KVOutput{Value: h.Output, Unknown: h.Unknown}}
	}
	return out, nil
}

// Recheck re-runs the linearizability check on the history saved in an
// artifacts directory, without re-running the simulation: for a fixed
// checker or model.
func Recheck(dir string, timeout time.Duration) (Verdict, string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "history.json"))
	if err != nil {
		return "", "", err
	}
	ops, err := DecodeHistory(data)
	if err != nil {
		return "", "", err
	}
	timeout = orDefault(timeout, DefaultCheckTimeout)
	v, _ := CheckKV(ops, timeout)
	fact := ""
	if v == VerdictViolation {
		fact = firstBadKey(ops, timeout)
	}
	return v, fact, nil
}
