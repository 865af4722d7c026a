// Package protocol is the contract between paxossim and a system under
// test: what a protocol hands the harness to get every feature paxossim
// has (seed sweeps, replay, artifacts, shrinking, fuzzing, the mutant
// suite, the command line), whether it ships with paxossim or lives in a
// user's own module.
//
// A protocol is a value of type Protocol:
//
//   - Servers: a factory of server nodes (sim.Node, pure event handlers)
//     from a resolved config and a mutant name, and the mutant catalogue,
//     each mutant with a one-line description. Config resolves a config
//     (JSON) with every default filled in, so that a saved run never
//     depends on a default that may change.
//   - The client side: a Codec, which turns an operation of the spec into
//     a request message and classifies what comes back (answered, redirect
//     with a leader hint, not this node), so that the harness's one
//     generic client (closed loop, retries with the same request id,
//     follows hints) drives every protocol. A protocol whose client side a
//     codec cannot express brings its own client node (ClientNode).
//   - The spec: the name of the sequential specification (package spec)
//     the client history is checked against; its operation types are what
//     the codec encodes.
//   - Views for the generic checks: View returns a read-only view of a
//     server node: who leads (for faults aimed at "the leader"), a describe
//     line for reports, and the protocol's coverage probes. A replicated
//     log also implements LogView (decided and executed slots, a digest of
//     the state machine, the promised ballot), which the harness checks for
//     agreement, stability, prefix execution, divergence and promise
//     monotonicity. Durable and DecodeVote decode the protocol's durable
//     promise and votes from the simulated disk's synced records with the
//     protocol's own decoder, so that a bug that forgets to persist cannot
//     hide behind an in-memory claim.
//   - Coverage probes: named counters a node reports through its view;
//     scenarios say which probes a sweep must reach.
//   - Layers (optional): a protocol built in layers declares each with a
//     model of its own; its servers report every call and return of the
//     layers' operations (LayerView), and the harness checks each layer's
//     history against its model, so a bug is named at its layer
//     (layers.go).
//
// Node code imports only sim; the binding (one Protocol value) imports this
// package and its spec. Views must be cheap and allocation-free: the
// harness reads them after every simulation step.
package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/paxossim/paxossim/sim"
	"github.com/paxossim/paxossim/spec"
)

// Protocol is a system under test, as the harness sees it.
type Protocol struct {
	// Name is the registry name, used by -protocol and in params.json.
	Name string
	// Description is one line for `paxossim list`.
	Description string
	// Spec names the sequential specification (spec.Lookup) of the object
	// the protocol serves to its clients.
	Spec string
	// MaxServers bounds the cluster size (at least 1).
	MaxServers int
	// Config resolves a protocol config for a cluster of servers nodes:
	// absent, null or {} means every default; the result names every field
	// with its value, and is what a saved run stores. It returns an error
	// naming the field for an invalid config, and for a saved config that
	// does not name every field.
	Config func(raw json.RawMessage, servers int) (json.RawMessage, error)
	// Servers returns the factory sim.AddNode wants for the servers of a
	// cluster, called at boot and at every restart. Cluster.Mutant is ""
	// or one of Mutants.
	Servers func(c Cluster) (func(sim.NodeID) sim.Node, error)
	// Mutants is the catalogue of known-wrong deviations.
	Mutants []Mutant
	// Codec is the client side for the harness's generic client.
	Codec Codec
	// ClientNode, if set, replaces the generic client with the protocol's
	// own client node (when a codec cannot express the client side). Its
	// nodes must implement Client.
	ClientNode func(c ClientSetup) (func(sim.NodeID) sim.Node, error)
	// View returns the view of a server node of this protocol; the harness
	// never calls it with anything else.
	View func(n sim.Node) View
	// Durable, if set, decodes the durable promise from a disk's synced
	// records (sim.Disk.Durable) with the protocol's own decoder.
	Durable func(d sim.DiskReader) (Durable, error)
	// DecodeVote, if set, decodes one disk record with the protocol's own
	// decoder: ok is false for a record that is not a vote. The harness
	// reads every record as it becomes durable (sim.Disk.SyncedSince) and
	// remembers every vote ever cast, for the check that a decided value
	// was chosen (a majority voted for it at one ballot).
	DecodeVote func(key string, value []byte) (v Vote, ok bool, err error)
	// Probes declares the coverage probes, in report order; View.Probes
	// reports counts in this order.
	Probes []Probe
	// Layers, if set, declares layers whose calls the harness records
	// (the servers' views implement LayerView) and checks, each against
	// its own model (layers.go).
	Layers []Layer
}

// Cluster is what a server factory is built from.
type Cluster struct {
	// Servers are the server node ids (0..n-1 in a harness run).
	Servers []sim.NodeID
	// Config is a config that Protocol.Config resolved.
	Config json.RawMessage
	// Mutant is "" (the correct protocol) or a catalogued mutant.
	Mutant string
}

// Mutant is a known-wrong deviation, which exists to prove the harness
// finds the bug it models.
type Mutant struct {
	Name        string
	Description string
}

// Probe is a named coverage counter: a protocol path that matters (a
// leader change, a recovery, a gap filled).
type Probe struct {
	Name        string
	Description string
}

// Codec is the client side of a protocol, for the generic client.
type Codec interface {
	// Request encodes operation seq of client (input is a value of the
	// protocol's spec) as the message to send to a server. A retry of the
	// operation sends the same (client, seq), so servers can deduplicate.
	Request(client sim.NodeID, seq uint64, input any) sim.Message
	// Reply classifies a message a server sent to a client.
	Reply(msg sim.Message) Reply
}

// ClientSetup is what a protocol's own client node is built from: the
// servers, the client's operation stream, the history recorder and the
// client timing of the run.
type ClientSetup struct {
	Servers []sim.NodeID
	// Next returns the client's next operation (a value of the spec),
	// drawn from r (the client node's own stream), and false when the
	// client's workload is done. The stream survives a client restart.
	Next func(r *rand.Rand, client sim.NodeID) (any, bool)
	// Recorder records the history; the client must call it exactly as
	// its documentation says, or the run fails.
	Recorder Recorder
	// StartAfter delays the first operation of incarnation 0, plus a
	// delay the client draws from [0, StartSpread); a think time drawn
	// from [ThinkMin, ThinkMax] separates an answer from the next
	// operation.
	StartAfter, StartSpread, ThinkMin, ThinkMax sim.Duration
	// RequestTimeout, RedirectBackoff and RetriesMax are the run's client
	// timing (see runner.ClientConfig).
	RequestTimeout, RedirectBackoff sim.Duration
	RetriesMax                      int
}

// Recorder records the client-visible history, at true simulated time.
type Recorder interface {
	// Invoke records that client issued operation seq with input; seq
	// must be new for the client.
	Invoke(client sim.NodeID, seq uint64, input any)
	// Complete records the output of an invoked operation. An operation
	// whose outcome the client never learned is never completed.
	Complete(client sim.NodeID, seq uint64, output any)
}

// Client is what the harness needs of a protocol's own client node.
type Client interface {
	sim.Node
	// Done reports that the workload is exhausted and nothing is
	// outstanding.
	Done() bool
	// Retries counts resends after a timeout in this incarnation (the
	// client-retry probe).
	Retries() uint64
}

// ReplyKind says what a server's message means to a client.
type ReplyKind uint8

const (
	// NotAReply is a message the client ignores (counted and traced).
	NotAReply ReplyKind = iota
	// Answered carries the operation's output.
	Answered
	// Redirect says "not the leader": retry at Hint (if >= 0 and a
	// server), else at the next server.
	Redirect
	// NotMine says this server cannot serve the operation: retry at the
	// next server.
	NotMine
)

// Reply is a classified server message.
type Reply struct {
	Kind ReplyKind
	// Seq is the request's sequence number; a reply to anything but the
	// outstanding operation is ignored.
	Seq uint64
	// Output is the spec's output value (Answered).
	Output any
	// Hint is the server a Redirect names, or -1.
	Hint sim.NodeID
}

// View is a read-only view of one server node. Every method must be cheap,
// allocation-free and side-effect free.
type View interface {
	// Leading reports whether the node believes it leads, and at what
	// ballot; faults aimed at "the leader" hit the running node that leads
	// at the highest ballot.
	Leading() (Ballot, bool)
	// Describe is one line of state for reports ("leader=true ballot=...").
	Describe() string
	// Probes adds this incarnation's coverage counts to counts, in the
	// order of Protocol.Probes.
	Probes(counts []uint64)
}

// LogView is the view of a replicated-log server, for the generic log
// checks. Commands are compared by digest; Command prints one for a report.
type LogView interface {
	View
	// Committed is the length of the decided prefix known here.
	Committed() int
	// Decided returns the digest of the command this node knows was
	// decided in slot.
	Decided(slot int) (uint64, bool)
	// Executed is the length of the prefix applied to the state machine.
	Executed() int
	// ExecutedAt returns the digest of the command executed in slot.
	ExecutedAt(slot int) (uint64, bool)
	// Command prints the command this node holds in slot.
	Command(slot int) string
	// StateDigest digests the state machine after Executed() slots: two
	// nodes that executed the same prefix have the same digest.
	StateDigest() uint64
	// Promised is the highest ballot the node promised.
	Promised() Ballot
}

// Durable is a node's durable state as its decoder reads it.
type Durable struct {
	// Promised is the durable promised ballot (zero: none).
	Promised Ballot
}

// DurableVotes decodes every durable vote on a disk's synced records (in
// key order) with the protocol's DecodeVote: what its acceptor would
// report after a crash.
func (p *Protocol) DurableVotes(d sim.DiskReader) ([]Vote, error) {
	if p.DecodeVote == nil {
		return nil, fmt.Errorf("protocol %s does not decode votes", p.Name)
	}
	var out []Vote
	for _, k := range d.Scan("") {
		v, ok, err := d.Read(k)
		if err != nil || !ok {
			continue
		}
		vote, isVote, err := p.DecodeVote(k, v)
		if err != nil {
			return nil, fmt.Errorf("record %s: %v", k, err)
		}
		if isVote {
			out = append(out, vote)
		}
	}
	return out, nil
}

// Vote is an acceptor's durable vote: the command (by digest, as
// LogView.Decided) it accepted in a slot at a ballot.
type Vote struct {
	Slot    int
	Ballot  Ballot
	Command uint64
}

// Ballot orders leadership attempts: by Round, then by Node. The zero
// Ballot (Round 0) means none.
type Ballot struct {
	Round uint64
	Node  sim.NodeID
}

// Less reports whether b is ordered before c.
func (b Ballot) Less(c Ballot) bool {
	if b.Round != c.Round {
		return b.Round < c.Round
	}
	return b.Node < c.Node
}

// IsZero reports whether b is the "no ballot" value.
func (b Ballot) IsZero() bool { return b.Round == 0 }

// String prints "(3,n1)", or "(0,-)" for none.
func (b Ballot) String() string {
	if b.IsZero() {
		return "(0,-)"
	}
	return "(" + strconv.FormatUint(b.Round, 10) + "," + b.Node.String() + ")"
}

// Validate reports a protocol value the harness cannot use, naming the
// field.
func (p *Protocol) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("protocol %q: "+format, append([]any{p.Name}, args...)...))
	}
	if p.Name == "" || strings.ContainsAny(p.Name, " \t\n,/") {
		bad("Name must be non-empty, without spaces, commas or slashes")
	}
	if _, err := spec.Lookup(p.Spec); err != nil {
		bad("Spec: %v", err)
	}
	if p.MaxServers < 1 {
		bad("MaxServers = %d: must be >= 1", p.MaxServers)
	}
	if p.Config == nil || p.Servers == nil || p.View == nil {
		bad("Config, Servers and View are required")
	}
	if p.Codec == nil && p.ClientNode == nil {
		bad("Codec (or ClientNode) is required")
	}
	seen := map[string]bool{}
	for _, m := range p.Mutants {
		if m.Name == "" || seen[m.Name] || strings.ContainsAny(m.Name, " \t\n,") {
			bad("mutant %q: names must be unique, non-empty, without spaces or commas", m.Name)
		}
		seen[m.Name] = true
	}
	errs = append(errs, p.validateLayers()...)
	seen = map[string]bool{}
	for _, pr := range p.Probes {
		if pr.Name == "" || seen[pr.Name] || pr.Name == ProbeClientRetry {
			bad("probe %q: names must be unique and non-empty (%q is the harness's own)", pr.Name, ProbeClientRetry)
		}
		seen[pr.Name] = true
	}
	return errors.Join(errs...)
}

// ProbeClientRetry is the harness's own probe: a client resent a request
// after a timeout. Every protocol has it.
const ProbeClientRetry = "client-retry"

// ProbeClientRetryDescription describes ProbeClientRetry.
const ProbeClientRetryDescription = "a client resent a request after a timeout (the harness's own probe)"

// ProbeNames lists the protocol's probes and the harness's, in report
// order.
func (p *Protocol) ProbeNames() []string {
	out := make([]string, 0, len(p.Probes)+1)
	for _, pr := range p.Probes {
		out = append(out, pr.Name)
	}
	return append(out, ProbeClientRetry)
}

// MutantNames lists the mutants, in catalogue order.
func (p *Protocol) MutantNames() []string {
	out := make([]string, 0, len(p.Mutants))
	for _, m := range p.Mutants {
		out = append(out, m.Name)
	}
	return out
}

// CheckMutant reports an unknown mutant name ("" is the correct protocol).
func (p *Protocol) CheckMutant(name string) error {
	if name == "" {
		return nil
	}
	for _, m := range p.Mutants {
		if m.Name == name {
			return nil
		}
	}
	have := "none"
	if len(p.Mutants) > 0 {
		have = strings.Join(p.MutantNames(), ", ")
	}
	return fmt.Errorf("protocol %s has no mutant %q (have: %s)", p.Name, name, have)
}

// The registry is per process and may be used by tests in parallel, so it
// is locked; it is never read inside a simulation's hot path.
var (
	registryMu sync.Mutex
	registry   = map[string]*Protocol{}
)

// Register adds a protocol to the registry, for -protocol and saved runs.
// It reports an invalid protocol or a name taken by another protocol;
// registering the same value again is a no-op.
func Register(p *Protocol) error {
	if err := p.Validate(); err != nil {
		return err
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if q, dup := registry[p.Name]; dup && q != p {
		return fmt.Errorf("protocol %q is registered already", p.Name)
	}
	registry[p.Name] = p
	return nil
}

// MustRegister is Register for package init; it panics on an error.
func MustRegister(p *Protocol) {
	if err := Register(p); err != nil {
		panic(err)
	}
}

// Lookup returns the named protocol, or an error listing the ones there
// are.
func Lookup(name string) (*Protocol, error) {
	registryMu.Lock()
	p, ok := registry[name]
	registryMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("unknown protocol %q (have: %s)", name, strings.Join(Names(), ", "))
	}
	return p, nil
}

// Names lists the registered protocols, sorted.
func Names() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
