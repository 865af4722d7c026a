package runner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sync"

	"github.com/paxossim/paxossim/faults"
	"github.com/paxossim/paxossim/network"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// Schema is the version of the saved-run format (params.json). A file of
// another version is refused with an error, never read as this one, except
// schema 1, which is migrated on load (see DecodeParams).
const Schema = 2

// Params is one run, fully drawn and fully resolved: everything a run needs
// besides the low-level noise (latencies, election timeouts) that the
// kernel's streams draw from Seed as the run goes. Every value is explicit:
// nothing means "the default", so a saved run replays the same run after a
// default changes. It is what a report prints as the seed= block and what
// params.json holds.
type Params struct {
	Schema   int    `json:"schema"`
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	// Protocol names a registered protocol; Mutant is "" or one of its
	// mutants.
	Protocol string `json:"protocol"`
	Mutant   string `json:"mutant"`
	// Servers is the cluster size: servers are nodes 0..Servers-1, clients
	// the nodes after them.
	Servers int `json:"servers"`
	// Config is the protocol's config, as its Config resolved it.
	Config   json.RawMessage `json:"config"`
	Workload Workload        `json:"workload"`
	Client   ClientConfig    `json:"client"`
	Network  network.Config  `json:"network"`
	Plan     faults.Plan     `json:"plan"`
	Checks   Checks          `json:"checks"`
	// HealAt is when the heal phase starts (the plan's heal-all), or, in
	// correctness-only mode, when the fault phase ends.
	HealAt sim.Time `json:"heal_at"`
	// Schedule, when present, replaces the seeded default order of events
	// (PCT, or a script an exhaustive search found).
	Schedule *sim.Schedule `json:"schedule,omitempty"`
}

// Workload says what the simulated clients do: Clients closed-loop
// clients, each issuing Ops operations that the spec's workload draws
// (Spec, the spec's resolved workload config), pausing a think time drawn
// from [ThinkMin, ThinkMax] between a response and the next call.
type Workload struct {
	Clients  int          `json:"clients"`
	Ops      int          `json:"ops_per_client"`
	ThinkMin sim.Duration `json:"think_min"`
	ThinkMax sim.Duration `json:"think_max"`
	// StartAfter is when clients issue their first operation. Starting
	// after the cluster's first election keeps operations from spanning
	// it: an operation open for hundreds of milliseconds next to many
	// short ones is what makes a history expensive for the checker.
	StartAfter sim.Duration `json:"start_after"`
	// StartSpread staggers the clients' first operations: each client
	// starts at StartAfter plus a delay drawn from [0, StartSpread) of its
	// own stream, so the first operations of every client do not all
	// overlap. 0: every client starts at StartAfter.
	StartSpread sim.Duration    `json:"start_spread"`
	Spec        json.RawMessage `json:"spec"`
}

// ClientConfig holds the generic client's timeouts.
type ClientConfig struct {
	// RequestTimeout is how long a client waits for a response before it
	// retries at the next server.
	RequestTimeout sim.Duration `json:"request_timeout"`
	// RedirectBackoff is the pause before following a redirect once an
	// operation was redirected more times than there are servers (no
	// leader yet: the hints go round in circles).
	RedirectBackoff sim.Duration `json:"redirect_backoff"`
	// RetriesMax bounds the timeouts per operation; past it the operation
	// is abandoned with its outcome unknown. 0 retries until the run ends,
	// which is what a liveness check wants.
	RetriesMax int `json:"retries_max"`
}

// Client defaults.
const (
	DefaultRequestTimeout  = 200 * sim.Millisecond
	DefaultRedirectBackoff = 10 * sim.Millisecond
)

// DefaultClient is the client config a scenario gets when it names none.
func DefaultClient() ClientConfig {
	return ClientConfig{RequestTimeout: DefaultRequestTimeout, RedirectBackoff: DefaultRedirectBackoff}
}

// Checks configures how a run is judged.
type Checks struct {
	// CheckBudget bounds the linearizability search (porcupine), in model
	// steps per partition; past it the verdict is "unknown". Steps, not
	// wall time, so that a verdict is the same on every machine. (The exact
	// checker, which judges the KV workloads, needs no bound.)
	CheckBudget int64 `json:"check_budget"`
	// AllowUnknown lets an "unknown" verdict pass. Off by default: a check
	// that could not finish is never reported as a pass.
	AllowUnknown bool `json:"allow_unknown"`
	// Liveness bounds, in simulated time, how long any client operation
	// may stay open after the heal phase starts.
	Liveness sim.Duration `json:"liveness"`
	// CorrectnessOnly runs the fault plan without a heal phase and expects
	// no progress: only safety is checked.
	CorrectnessOnly bool `json:"correctness_only"`
	// InvariantEvery checks the safety invariants after every k-th step
	// (1: every step). The end of the run is always checked in full.
	InvariantEvery int `json:"invariant_every"`
}

// Defaults for Checks.
const (
	DefaultLiveness = 5 * sim.Second
	// DefaultCheckBudget is lincheck.DefaultBudget (a test keeps them
	// equal; the run path does not import the checker).
	DefaultCheckBudget = 20_000_000
	// MaxCheckBudget is lincheck.MaxBudget.
	MaxCheckBudget = 1 << 40
)

// DefaultChecks are the checks a scenario gets when it names none.
func DefaultChecks() Checks {
	return Checks{CheckBudget: DefaultCheckBudget, Liveness: DefaultLiveness, InvariantEvery: 1}
}

// Bounds on a run's size, so that a hand-edited or hostile params file is
// an error rather than an attempt to allocate terabytes.
const (
	MaxClients   = 1000
	MaxOps       = 1_000_000 // per client
	MaxTotalOps  = 10_000_000
	MaxSimulated = 24 * 3600 * sim.Second
)

// Validate reports everything that makes p unable to run, each error naming
// its field and value: a saved or hand-edited run is validated in full
// before it is replayed.
func (p *Params) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("params: "+format, args...)) }
	if p.Schema != Schema {
		bad("schema = %d: this paxossim reads schema %d", p.Schema, Schema)
	}
	proto, err := protocol.Lookup(p.Protocol)
	if err != nil {
		bad("protocol: %v", err)
	} else {
		if err := proto.CheckMutant(p.Mutant); err != nil {
			bad("mutant: %v", err)
		}
		if p.Servers < 1 || p.Servers > proto.MaxServers {
			bad("servers = %d: protocol %s runs 1 to %d servers", p.Servers, proto.Name, proto.MaxServers)
		} else if err := checkResolved(fmt.Sprintf("config\x00%s\x00%d", proto.Name, p.Servers), p.Config,
			func(raw json.RawMessage) (json.RawMessage, error) { return proto.Config(raw, p.Servers) }); err != nil {
			bad("config: %v", err)
		}
		if err := p.Workload.validate(proto.Spec); err != nil {
			errs = append(errs, err)
		}
	}
	if err := p.Client.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := p.Checks.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		nodes := p.Servers + p.Workload.Clients
		if err := p.Network.Validate(nodes); err != nil {
			errs = append(errs, fmt.Errorf("params: network: %v", err))
		}
		if p.Network.Servers != p.Servers {
			bad("network.servers = %d: must equal servers = %d", p.Network.Servers, p.Servers)
		}
		if err := p.Plan.Validate(nodes, p.Servers); err != nil {
			errs = append(errs, fmt.Errorf("params: plan: %v", err))
		}
	}
	if p.HealAt < 0 || sim.Duration(p.HealAt) > MaxSimulated {
		bad("heal_at = %v: must be in [0, %v]", p.HealAt, MaxSimulated)
	}
	if p.Schedule != nil {
		if err := p.Schedule.Validate(); err != nil {
			bad("%v", err)
		}
	}
	return errors.Join(errs...)
}

// checkResolved reports a config that its resolver changes: a saved config
// must be the resolved one (every field named, nothing left to a default).
// Configs found resolved are remembered (by kind and text), since a sweep
// validates the same few configs once per seed.
func checkResolved(kind string, raw json.RawMessage, resolve func(json.RawMessage) (json.RawMessage, error)) error {
	if spec.IsDefault(raw) {
		return errors.New("empty: a saved run names every value (resolve it from a scenario)")
	}
	key := kind + "\x00" + string(raw)
	resolvedMu.Lock()
	_, known := resolvedOK[key]
	resolvedMu.Unlock()
	if known {
		return nil
	}
	got, err := resolve(raw)
	if err != nil {
		return err
	}
	// Compare as values: a hand-edited file may order or space its fields
	// differently and still say exactly the same.
	var a, b any
	if json.Unmarshal(raw, &a) != nil || json.Unmarshal(got, &b) != nil || !reflect.DeepEqual(a, b) {
		return fmt.Errorf("%s is not in resolved form (want %s)", raw, got)
	}
	resolvedMu.Lock()
	if len(resolvedOK) < maxResolvedMemo {
		resolvedOK[key] = struct{}{}
	}
	resolvedMu.Unlock()
	return nil
}

// maxResolvedMemo bounds the memo of resolved configs.
const maxResolvedMemo = 4096

var (
	resolvedMu sync.Mutex
	resolvedOK = map[string]struct{}{}
)

func (w *Workload) validate(specName string) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("params: workload: "+format, args...))
	}
	if w.Clients < 1 || w.Clients > MaxClients {
		bad("clients = %d: need 1 to %d", w.Clients, MaxClients)
	}
	if w.Ops < 0 || w.Ops > MaxOps {
		bad("ops_per_client = %d: need 0 to %d", w.Ops, MaxOps)
	} else if w.Clients >= 1 && w.Clients*w.Ops > MaxTotalOps {
		bad("clients x ops_per_client = %d: at most %d operations in a run", w.Clients*w.Ops, MaxTotalOps)
	}
	if w.ThinkMin < 0 || w.ThinkMax < w.ThinkMin || w.ThinkMax > MaxSimulated {
		bad("think time [%v, %v]: need 0 <= think_min <= think_max <= %v", w.ThinkMin, w.ThinkMax, MaxSimulated)
	}
	if w.StartAfter < 0 || w.StartAfter > MaxSimulated {
		bad("start_after = %v: need 0 to %v", w.StartAfter, MaxSimulated)
	}
	if w.StartSpread < 0 || w.StartSpread > MaxSimulated {
		bad("start_spread = %v: need 0 to %v", w.StartSpread, MaxSimulated)
	}
	sp, err := spec.Lookup(specName)
	if err != nil {
		bad("%v", err)
	} else if err := checkResolved("workload\x00"+specName, w.Spec, func(raw json.RawMessage) (json.RawMessage, error) {
		wl, err := sp.Workload(raw)
		if err != nil {
			return nil, err
		}
		return wl.Config(), nil
	}); err != nil {
		bad("spec: %v", err)
	}
	return errors.Join(errs...)
}

// Validate names the first bad field.
func (c ClientConfig) Validate() error {
	switch {
	case c.RequestTimeout <= 0 || c.RequestTimeout > MaxSimulated:
		return fmt.Errorf("params: client: request_timeout = %v: must be in (0, %v]", c.RequestTimeout, MaxSimulated)
	case c.RedirectBackoff <= 0 || c.RedirectBackoff > MaxSimulated:
		return fmt.Errorf("params: client: redirect_backoff = %v: must be in (0, %v]", c.RedirectBackoff, MaxSimulated)
	case c.RetriesMax < 0:
		return fmt.Errorf("params: client: retries_max = %d: must be >= 0", c.RetriesMax)
	}
	return nil
}

// Validate names the first bad field.
func (c Checks) Validate() error {
	switch {
	case c.CheckBudget <= 0 || c.CheckBudget > MaxCheckBudget:
		return fmt.Errorf("params: checks: check_budget = %d: must be in 1..%d", c.CheckBudget, int64(MaxCheckBudget))
	case c.Liveness <= 0 || c.Liveness > MaxSimulated:
		return fmt.Errorf("params: checks: liveness = %v: must be in (0, %v]", c.Liveness, MaxSimulated)
	case c.InvariantEvery < 1:
		return fmt.Errorf("params: checks: invariant_every = %d: must be >= 1", c.InvariantEvery)
	}
	return nil
}

// MaxParamsFile bounds a params file, so that /dev/zero or a huge file is
// an error rather than a hang.
const MaxParamsFile = 64 << 20

// LoadParams reads a saved run and validates it in full. path may be a
// params.json, or the plan.json next to one (an artifacts directory's),
// which replays its params.json. Unknown fields are errors.
func LoadParams(path string) (Params, error) {
	plan := ""
	if filepath.Base(path) == "plan.json" {
		plan, path = path, filepath.Join(filepath.Dir(path), "params.json")
	}
	f, err := os.Open(path)
	if err != nil {
		if plan != "" && errors.Is(err, os.ErrNotExist) {
			return Params{}, fmt.Errorf("%s: a plan.json replays the params.json next to it, and there is none (%s)", plan, path)
		}
		return Params{}, err
	}
	defer f.Close()
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(f, MaxParamsFile+1))
	if err != nil {
		return Params{}, fmt.Errorf("%s: %v", path, err)
	}
	if n > MaxParamsFile {
		return Params{}, fmt.Errorf("%s: larger than %d bytes: not a params file", path, MaxParamsFile)
	}
	p, err := DecodeParams(buf.Bytes())
	if err != nil {
		return Params{}, fmt.Errorf("%s: %v", path, err)
	}
	return p, nil
}

// DecodeParams decodes and validates a saved run.
func DecodeParams(data []byte) (Params, error) {
	data, err := migrate(data)
	if err != nil {
		return Params{}, err
	}
	var p Params
	if err := spec.DecodeStrict(data, &p); err != nil {
		return Params{}, err
	}
	if err := p.Validate(); err != nil {
		return Params{}, err
	}
	// Keep the configs in the one form the harness writes them in, however
	// the file spaced them, so that a loaded run equals the saved one.
	for _, raw := range []*json.RawMessage{&p.Config, &p.Workload.Spec} {
		var b bytes.Buffer
		if err := json.Compact(&b, *raw); err != nil {
			return Params{}, err
		}
		*raw = b.Bytes()
	}
	return p, nil
}

// migrate rewrites a schema-1 params.json as schema 2. Schema 1 bounded the
// linearizability check by wall time (checks.check_timeout); schema 2 bounds
// the search by model steps (checks.check_budget), so the migrated run gets
// the default budget. Everything else is unchanged, so the run replays the
// same (the verdict of its history can only become more certain: the exact
// checker needs no bound). Any other schema is left for Validate to refuse.
func migrate(data []byte) ([]byte, error) {
	var head struct {
		Schema int             `json:"schema"`
		Checks json.RawMessage `json:"checks"`
	}
	if json.Unmarshal(data, &head) != nil || head.Schema != 1 {
		return data, nil
	}
	var all map[string]json.RawMessage
	var checks map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(head.Checks, &checks); err != nil || checks == nil {
		return nil, fmt.Errorf("params: schema 1: checks: not an object")
	}
	if _, ok := checks["check_timeout"]; !ok {
		return nil, fmt.Errorf("params: schema 1: checks: missing field check_timeout")
	}
	if _, ok := checks["check_budget"]; ok {
		return nil, fmt.Errorf("params: schema 1 has no check_budget (it came with schema 2)")
	}
	delete(checks, "check_timeout")
	checks["check_budget"] = json.RawMessage(fmt.Sprint(DefaultCheckBudget))
	all["checks"], _ = json.Marshal(checks)
	all["schema"] = json.RawMessage(fmt.Sprint(Schema))
	return json.Marshal(all)
}
