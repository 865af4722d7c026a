package scenarios

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/spec"
)

// Artifacts are the files a failure leaves behind, so that a person can
// look at the run and a fixed checker or model can re-check it offline
// without re-running it (Recheck).
type Artifacts struct {
	Dir           string
	Visualization string // the HTML page of the history (visualize.go)
	Trace         string // the full trace, one event per line
	History       string // the client history as JSON
	Params        string // the drawn run (parameters and fault plan) as JSON
	Plan          string // the fault plan alone as JSON
	Faults        string // what each fault did, roles resolved, as JSON
	Report        string // the text report
}

func (a *Artifacts) String() string {
	var b strings.Builder
	for _, f := range []struct{ name, path string }{
		{"visualization", a.Visualization}, {"trace", a.Trace}, {"history", a.History},
		{"params", a.Params}, {"plan", a.Plan}, {"faults", a.Faults}, {"report", a.Report},
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
	if p.Protocol != DefaultProtocol {
		a.Dir += "-" + p.Protocol
	}
	if p.Mutant != "" {
		a.Dir += "-" + p.Mutant
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
	// A header names the run, so a trace file read alone says what it is.
	fmt.Fprintf(w, "# paxossim trace: scenario=%s protocol=%s seed=%d mutant=%s revision=%s trace_hash=%016x\n",
		p.Scenario, p.Protocol, p.Seed, orNone(p.Mutant), Revision(), res.Hash)
	again := RunParams(*p, RunOptions{Trace: w, SkipLinearizability: true})
	err = errors.Join(w.Flush(), f.Close())
	if err != nil {
		return nil, err
	}
	if again.Hash != res.Hash {
		return nil, fmt.Errorf("re-running seed %d for its trace gave hash %016x, not %016x: the run is not deterministic", p.Seed, again.Hash, res.Hash)
	}
	a.History = filepath.Join(a.Dir, "history.json")
	hist, err := EncodeHistory(p.Protocol, res.History)
	if err != nil {
		return nil, err
	}
	if err := writeJSON(a.History, hist); err != nil {
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
	if a.Faults, err = writeFirings(a.Dir, res.Faults); err != nil {
		return nil, err
	}
	a.Visualization = filepath.Join(a.Dir, "history.html")
	if err := Visualize(a.Visualization, res); err != nil {
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

// LoadParams reads a saved run (a params.json, or the plan.json next to
// one) and validates it in full.
func LoadParams(path string) (Params, error) { return runner.LoadParams(path) }

// HistorySchema is the version of history.json's format, which is its own:
// params.json's schema may change without it.
const HistorySchema = 1

// HistoryFile is the JSON form of a history (history.json): the spec names
// how to read each operation's input and output.
type HistoryFile struct {
	Schema   int         `json:"schema"`
	Protocol string      `json:"protocol"`
	Spec     string      `json:"spec"`
	Ops      []HistoryOp `json:"ops"`
}

// HistoryOp is one operation of a HistoryFile.
type HistoryOp struct {
	Client  int             `json:"client"`
	Call    int64           `json:"call_ns"`
	Return  int64           `json:"return_ns"`
	Input   json.RawMessage `json:"input"`
	Output  json.RawMessage `json:"output,omitempty"`
	Unknown bool            `json:"unknown,omitempty"`
}

// EncodeHistory converts a history of a protocol's run to its JSON form.
func EncodeHistory(protocolName string, ops []spec.Operation) (HistoryFile, error) {
	proto, err := protocol.Lookup(protocolName)
	if err != nil {
		return HistoryFile{}, err
	}
	f := HistoryFile{Schema: HistorySchema, Protocol: protocolName, Spec: proto.Spec, Ops: make([]HistoryOp, len(ops))}
	for i, op := range ops {
		h := HistoryOp{Client: op.Client, Call: op.Call, Return: op.Return}
		if h.Input, err = json.Marshal(op.Input); err != nil {
			return HistoryFile{}, fmt.Errorf("history: operation %d: %v", i, err)
		}
		if _, h.Unknown = op.Output.(spec.Unknown); !h.Unknown {
			if h.Output, err = json.Marshal(op.Output); err != nil {
				return HistoryFile{}, fmt.Errorf("history: operation %d: %v", i, err)
			}
		}
		f.Ops[i] = h
	}
	return f, nil
}

// DecodeHistory reads a history written by WriteArtifacts, and returns it
// with the model of its spec.
func DecodeHistory(data []byte) ([]spec.Operation, spec.Model, error) {
	var f HistoryFile
	if err := spec.DecodeStrict(data, &f); err != nil {
		return nil, spec.Model{}, fmt.Errorf("history: %v", err)
	}
	if f.Schema != HistorySchema {
		return nil, spec.Model{}, fmt.Errorf("history: schema %d: this paxossim reads schema %d", f.Schema, HistorySchema)
	}
	sp, err := spec.Lookup(f.Spec)
	if err != nil {
		return nil, spec.Model{}, fmt.Errorf("history: %v", err)
	}
	// A protocol this binary knows must serve the spec the file names; one
	// it does not know (a user's) is read by its spec alone.
	if proto, err := protocol.Lookup(f.Protocol); err == nil && proto.Spec != f.Spec {
		return nil, spec.Model{}, fmt.Errorf("history: protocol %s serves spec %s, not %s", f.Protocol, proto.Spec, f.Spec)
	}
	out := make([]spec.Operation, len(f.Ops))
	for i, h := range f.Ops {
		in, err := sp.DecodeInput(h.Input)
		if err != nil {
			return nil, spec.Model{}, fmt.Errorf("history: operation %d: %v", i, err)
		}
		var o any = spec.Unknown{}
		if !h.Unknown {
			if o, err = sp.DecodeOutput(h.Output); err != nil {
				return nil, spec.Model{}, fmt.Errorf("history: operation %d: %v", i, err)
			}
		}
		if h.Call > h.Return {
			return nil, spec.Model{}, fmt.Errorf("history: operation %d: call %d after return %d", i, h.Call, h.Return)
		}
		m := sp.Model()
		if m.Valid != nil {
			if err := m.Valid(in, o); err != nil {
				return nil, spec.Model{}, fmt.Errorf("history: operation %d: %v", i, err)
			}
		}
		out[i] = spec.Operation{Client: h.Client, Input: in, Output: o, Call: h.Call, Return: h.Return}
	}
	return out, sp.Model(), nil
}

// Recheck re-runs the linearizability check on the history saved in an
// artifacts directory, without re-running the simulation: for a fixed
// checker or model. It writes the directory's recheck.html (RecheckPath).
func Recheck(dir string, opts lincheck.Options) (lincheck.Result, error) {
	r, err := RecheckPath(dir, RecheckOptions{Check: opts})
	return r.Result, err
}
