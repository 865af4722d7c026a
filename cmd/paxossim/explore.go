package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paxossim/paxossim/explore"
	"github.com/paxossim/paxossim/runner"
)

const exploreSynopsis = `usage: paxossim explore -protocol NAME [-mutant M] [-servers N] [-clients N] [-ops N]
       [-max-round R] [-timers N] [-drops N] [-dups N] [-crashes N] [-client-timers] [-no-layers] [-progress]
       [-max-depth N] [-max-states N] [-no-snapshots] [-no-reduction] [-seed S] [-out DIR]

Explores every order of events of a tiny configuration over the real node
code, breadth first, with time abstracted away: any pending message may be
delivered next and any armed server timer may fire next (at most -timers
firings on a path); message drops, duplications and server crashes (each
crashed server may restart later) are choices too, within their budgets.
Every check of a run is made at every state. A state in which a server
promised a ballot above -max-round is checked but not expanded. Progress
goes to stderr every few seconds.

It prints the unique states, the transitions, the depth, the states per
second and, for a violation, the shortest path to it, and writes it as a
params.json that 'paxossim replay -plan' runs again through the ordinary
run path.

Exit status: 0 the whole bounded space was explored and passed; 1 a check
failed (the counterexample is written); 3 -progress found that no path
within the bounds lets every client finish; 5 the search was cut by
-max-depth or -max-states before it finished, with no violation found; 2
bad usage.`

func cmdExplore(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("explore", exploreSynopsis)
	protoName := protocolFlag(fs)
	mutant := fs.String("mutant", "", "the mutant `M` to explore")
	servers := fs.Int("servers", 3, "the number of servers")
	clients := fs.Int("clients", 2, "the number of clients")
	ops := fs.Int("ops", 1, "the operations each client issues, one after the other")
	workload := fs.String("workload", "", "the spec's workload config as `JSON` (default: the spec's default mix)")
	config := fs.String("config", "", "the protocol's config as `JSON` (default: its defaults)")
	var seed seedFlag
	fs.Var(&seed, "seed", "the seed `S` of the nodes' random streams and the clients' draws (default 1)")
	maxRound := fs.Uint64("max-round", 1, "expand no state in which a server promised a ballot above this round (0: no bound)")
	timers := fs.Int("timers", 0, "server timer firings a path may have (-1: no bound; 0: servers never time out, as in stateright's Paxos model)")
	drops := fs.Int("drops", 0, "messages a path may lose")
	dups := fs.Int("dups", 0, "messages a path may duplicate")
	crashes := fs.Int("crashes", 0, "server crashes a path may have")
	clientTimers := fs.Bool("client-timers", false, "let client timeouts fire (retries)")
	progress := fs.Bool("progress", false, "also fail if no path within the bounds lets every client finish (bounded liveness)")
	noLayers := fs.Bool("no-layers", false, "leave a layered protocol's layer histories out of the checks and the state (far fewer states)")
	maxDepth := fs.Int("max-depth", 0, "stop paths at this length (0: no bound)")
	maxStates := fs.Int("max-states", 2_000_000, "stop after this many unique states (0: no bound; the search holds some 100 bytes per state seen, and the heap may grow to a few times that)")
	noSnapshots := fs.Bool("no-snapshots", false, "re-execute every state's path from the start instead of copying worlds (what a protocol whose nodes cannot be copied gets)")
	noReduction := fs.Bool("no-reduction", false, "take every choice of every state: without it the snapshot search skips the choices its sleep sets prove lead to a state it has found (the same states, fewer choices)")
	out := fs.String("out", "", "write the counterexample's params.json under `DIR` (default: a new temporary directory)")
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return code
	}
	if _, err := lookupProtocol(*protoName); err != nil {
		return usageErrorf(stderr, "explore", "%v", err)
	}
	su := explore.Setup{Protocol: *protoName, Mutant: *mutant, Servers: *servers, Clients: *clients, Ops: *ops, Seed: 1}
	if seed.set {
		su.Seed = seed.v
	}
	for _, raw := range []struct {
		name, text string
		dst        *json.RawMessage
	}{{"workload", *workload, &su.Workload}, {"config", *config, &su.Config}} {
		if raw.text == "" {
			continue
		}
		if !json.Valid([]byte(raw.text)) {
			return usageErrorf(stderr, "explore", "-%s is not valid JSON: %q", raw.name, raw.text)
		}
		*raw.dst = json.RawMessage(raw.text)
	}
	p, err := su.Params()
	if err != nil {
		return usageErrorf(stderr, "explore", "%v", err)
	}
	cfg := explore.Config{Params: p, MaxRound: *maxRound, Timers: *timers, Drops: *drops, Dups: *dups, Crashes: *crashes,
		ClientTimers: *clientTimers, NoLayers: *noLayers, Progress: *progress, MaxDepth: *maxDepth, MaxStates: *maxStates,
		NoSnapshots: *noSnapshots, NoReduction: *noReduction}
	last := time.Now()
	cfg.OnProgress = func(r explore.Result) {
		if time.Since(last) >= 5*time.Second {
			last = time.Now()
			fmt.Fprintf(stderr, "explore: %d states, %d transitions, depth %d, a finished state seen: %v\n", r.States, r.Transitions, r.Depth, r.Finished)
		}
	}
	res, err := explore.Explore(cfg)
	if err != nil {
		return usageErrorf(stderr, "explore", "%v", err)
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	fmt.Fprintf(w, "explore protocol=%s mutant=%q servers=%d clients=%d ops=%d seed=%d max_round=%d timers=%d drops=%d dups=%d crashes=%d\n",
		p.Protocol, p.Mutant, p.Servers, p.Workload.Clients, p.Workload.Ops, p.Seed, *maxRound, *timers, *drops, *dups, *crashes)
	fmt.Fprintf(w, "states=%d transitions=%d depth=%d pruned=%d finished=%v steps=%d wall=%v states/s=%.0f\n",
		res.States, res.Transitions, res.Depth, res.Pruned, res.Finished, res.Steps, res.Wall.Round(1e6), res.StatesPerSecond())
	switch {
	case res.Snapshots:
		fmt.Fprintf(w, "snapshots: %d worlds copied, %d choices taken again, %d choices asleep (skipped)\n", res.Clones, res.Redone, res.Slept)
	case res.Fallback != "":
		fmt.Fprintf(w, "re-executed every path: %s\n", res.Fallback)
	}
	v := res.Violation
	if v == nil {
		if !res.Complete {
			fmt.Fprintln(w, "INCOMPLETE: the search was cut by -max-depth or -max-states; no violation within what it explored")
			return exitIncomplete
		}
		fmt.Fprintln(w, "PASS: every state within the bounds was explored")
		return exitPass
	}
	choices := make([]string, len(v.Path))
	for i, c := range v.Path {
		choices[i] = c.String()
	}
	if v.Failure.Check == runner.CheckLiveness {
		// No path is the counterexample: every one within the bounds was
		// explored and none finished. The replay judges the world in time.
		fmt.Fprintf(w, "FAIL check=%s on the closed space (no single path is the counterexample)\n%s\n", v.Failure.Check, v.Failure.Fact)
	} else {
		fmt.Fprintf(w, "FAIL check=%s after %d choices (a shortest path): %s\n%s\n", v.Failure.Check, len(v.Path), strings.Join(choices, " "), v.Failure.Fact)
	}
	dir := *out
	if dir == "" {
		if dir, err = os.MkdirTemp("", "paxossim-explore-"); err != nil {
			fmt.Fprintf(w, "cannot write the counterexample: %v\n", err)
			return exitCheckFailed
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(w, "cannot write the counterexample: %v\n", err)
		return exitCheckFailed
	}
	data, err := json.MarshalIndent(v.Params, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "params.json"), append(data, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(w, "cannot write the counterexample: %v\n", err)
		return exitCheckFailed
	}
	fmt.Fprintf(w, "counterexample: %s\nreplay: paxossim replay -plan %s -trace\n", filepath.Join(dir, "params.json"), filepath.Join(dir, "params.json"))
	if v.Failure.Check == runner.CheckLiveness {
		return exitNoProgress
	}
	return exitCheckFailed
}
