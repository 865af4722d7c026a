package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/scenarios"
)

const mergeSynopsis = `usage: paxossim merge [-show N] FILE...

Joins the JSON lines written by the shards of a sweep (run -json) into one
summary: seeds, failures by check, coverage, and the failing seeds with
their replay commands. Lines of different sweeps (another scenario,
protocol, mutant or range of seeds) are never added up: each sweep gets a
summary of its own. It checks that the shards together ran every seed of
the sweep exactly once, naming missing shards (not merged, crashed, stopped
by -budget) and seeds found twice (a file given twice, overlapping shards);
a seed found twice with different trace hashes is reported as
nondeterminism. It warns when the shards ran different revisions: a seed
replays only at its own.

Exit status: 0 every seed passed and none is missing or duplicated, 1
otherwise, 2 bad usage or an unreadable file.`

// sweepKey identifies one sweep among the merged lines: the seeds of a
// sweep are start+index for index in [0, count).
type sweepKey struct {
	scenario, protocol, mutant string
	start                      uint64
	count                      int // 0: bounded by -budget only
}

// mergedSweep adds up the lines of one sweep.
type mergedSweep struct {
	key       sweepKey
	seen      map[int]record // by index
	dups      []string
	nondet    []string
	shards    map[string]int // "i/n" -> lines
	failed    []record
	byCheck   map[scenarios.Check]int
	coverage  map[string]uint64
	events    uint64
	simTimeNS int64
	wallNS    int64
}

func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge", mergeSynopsis)
	show := fs.Int("show", 20, "list at most `N` failing seeds with their replay commands")
	if code, ok := fs.parse(args, true, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() == 0 {
		return usageErrorf(stderr, "merge", "no files to merge (give the -json files of the shards)")
	}
	if *show < 0 {
		return usageErrorf(stderr, "merge", "-show %d: must be at least 0", *show)
	}
	sweeps := map[sweepKey]*mergedSweep{}
	revisions := map[string][]string{}
	lines := 0
	for _, name := range fs.Args() {
		recs, err := readFile(name)
		if err != nil {
			return usageErrorf(stderr, "merge", "%v", err)
		}
		for _, r := range recs {
			key := sweepKey{r.Scenario, r.Protocol, r.Mutant, r.Seed - uint64(r.Index), r.SweepCount}
			ms := sweeps[key]
			if ms == nil {
				ms = &mergedSweep{key: key, seen: map[int]record{}, shards: map[string]int{},
					byCheck: map[scenarios.Check]int{}, coverage: map[string]uint64{}}
				sweeps[key] = ms
			}
			ms.add(r, name)
			if !contains(revisions[r.Revision], name) {
				revisions[r.Revision] = append(revisions[r.Revision], name)
			}
		}
		lines += len(recs)
	}
	fmt.Fprintf(stdout, "merged %d files, %d lines, %d sweep(s)\n", fs.NArg(), lines, len(sweeps))
	if len(revisions) > 1 {
		fmt.Fprintf(stdout, "warning: the files come from %d revisions, and a seed replays only at its own:\n", len(revisions))
		for _, rev := range sortedKeys(revisions) {
			fmt.Fprintf(stdout, "  %s: %s\n", rev, strings.Join(revisions[rev], " "))
		}
	}
	keys := make([]sweepKey, 0, len(sweeps))
	for k := range sweeps {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.scenario != b.scenario {
			return a.scenario < b.scenario
		}
		if a.protocol != b.protocol {
			return a.protocol < b.protocol
		}
		if a.mutant != b.mutant {
			return a.mutant < b.mutant
		}
		if a.start != b.start {
			return a.start < b.start
		}
		return a.count < b.count
	})
	code := exitPass
	totalSeeds, totalFailed := 0, 0
	for _, k := range keys {
		ms := sweeps[k]
		if !ms.print(stdout, *show) {
			code = exitFail
		}
		totalSeeds += len(ms.seen)
		totalFailed += len(ms.failed)
	}
	switch {
	case totalFailed > 0:
		fmt.Fprintf(stdout, "FAIL: %d of %d seeds failed\n", totalFailed, totalSeeds)
	case code != exitPass:
		fmt.Fprintf(stdout, "FAIL: %d seeds passed, but the merge is incomplete or inconsistent (see above)\n", totalSeeds)
	default:
		fmt.Fprintf(stdout, "PASS: %d seeds, no failures\n", totalSeeds)
	}
	return code
}

func readFile(name string) ([]record, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readRecords(f, name)
}

func (ms *mergedSweep) add(r record, file string) {
	if prev, ok := ms.seen[r.Index]; ok {
		if prev.TraceHash != r.TraceHash {
			ms.nondet = append(ms.nondet, fmt.Sprintf("seed %d: trace hashes %s (shard %s) and %s (shard %s, %s)",
				r.Seed, prev.TraceHash, prev.Shard, r.TraceHash, r.Shard, file))
		} else {
			ms.dups = append(ms.dups, fmt.Sprintf("seed %d (index %d, shard %s, %s)", r.Seed, r.Index, r.Shard, file))
		}
		return
	}
	ms.seen[r.Index] = r
	ms.shards[r.Shard]++
	ms.events += r.Events
	ms.simTimeNS += r.SimTimeNS
	ms.wallNS += r.WallNS
	for p, n := range r.Coverage {
		ms.coverage[p] += n
	}
	if !r.Passed {
		ms.failed = append(ms.failed, r)
		ms.byCheck[scenarios.Check(r.Check)]++
	}
}

// print writes the sweep's summary and reports whether it is clean: no
// failure, no seed missing or duplicated, every expected probe reached.
func (ms *mergedSweep) print(w io.Writer, show int) bool {
	k := ms.key
	clean := true
	runs := len(ms.seen)
	fmt.Fprintf(w, "--- scenario=%s protocol=%s mutant=%s first-seed=%d", k.scenario, k.protocol, orNone(k.mutant), k.start)
	if k.count > 0 {
		fmt.Fprintf(w, " count=%d", k.count)
	} else {
		fmt.Fprint(w, " count=unbounded (-budget)")
	}
	fmt.Fprintf(w, " shards=%s\n", strings.Join(sortedKeys(ms.shards), ","))
	fmt.Fprintf(w, "seeds=%d failures=%d events=%d sim-time=%.1fs run-time=%.1fs\n",
		runs, len(ms.failed), ms.events, float64(ms.simTimeNS)/1e9, float64(ms.wallNS)/1e9)
	if len(ms.byCheck) > 0 {
		fmt.Fprintf(w, "failures by check: %s\n", byCheck(ms.byCheck))
	}
	var cov []string
	for _, name := range ms.probeNames() {
		cov = append(cov, fmt.Sprintf("%s=%d", name, ms.coverage[name]))
	}
	fmt.Fprintf(w, "coverage: %s\n", strings.Join(cov, " "))
	if missing := ms.missingProbes(runs); len(missing) > 0 {
		fmt.Fprintf(w, "never reached (this scenario exists to exercise them): %v\n", missing)
		clean = false
	}
	if len(ms.failed) > 0 {
		clean = false
		sort.Slice(ms.failed, func(i, j int) bool { return ms.failed[i].Index < ms.failed[j].Index })
		fmt.Fprintln(w, "failing seeds:")
		for i, r := range ms.failed {
			if i == show {
				fmt.Fprintf(w, "  ... %d more (-show N lists more)\n", len(ms.failed)-i)
				break
			}
			fact, _, _ := strings.Cut(r.Fact, "\n")
			fmt.Fprintf(w, "  seed=%d check=%s: %s\n    %s\n", r.Seed, r.Check, fact, replayCommand(r))
		}
	}
	if k.count > 0 {
		if missing := ms.missing(); missing != "" {
			fmt.Fprint(w, missing)
			clean = false
		}
	}
	if len(ms.dups) > 0 {
		clean = false
		fmt.Fprintf(w, "duplicated: %d seeds appear more than once (a file given twice, or overlapping shards): %s\n", len(ms.dups), firstFew(ms.dups))
	}
	if len(ms.nondet) > 0 {
		clean = false
		fmt.Fprintf(w, "NONDETERMINISM: %d seeds ran twice with different trace hashes (at one revision, this is a harness bug):\n  %s\n", len(ms.nondet), strings.Join(ms.nondet, "\n  "))
	}
	return clean
}

// missing describes the seeds of [0, count) that no line covers, by shard
// when every line of the sweep names the same number of shards.
func (ms *mergedSweep) missing() string {
	var idx []int
	for i := 0; i < ms.key.count; i++ {
		if _, ok := ms.seen[i]; !ok {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "missing: %d of %d seeds have no line (a shard not merged, failed, or stopped by -budget)\n", len(idx), ms.key.count)
	n := ms.shardCount()
	if n == 0 {
		var s []string
		for _, i := range idx {
			s = append(s, strconv.Itoa(i))
		}
		fmt.Fprintf(&b, "  indexes: %s\n", firstFew(s))
		return b.String()
	}
	per := make([]int, n)
	for _, i := range idx {
		per[i%n]++
	}
	sh := shard{count: n}
	for s := 0; s < n; s++ {
		sh.index = s
		if per[s] == 0 {
			continue
		}
		if per[s] == sh.size(ms.key.count) {
			fmt.Fprintf(&b, "  shard %s: no lines at all\n", sh)
		} else {
			fmt.Fprintf(&b, "  shard %s: %d of %d seeds missing\n", sh, per[s], sh.size(ms.key.count))
		}
	}
	return b.String()
}

// shardCount is the n of the lines' "i/n" shards if they all agree, or 0.
func (ms *mergedSweep) shardCount() int {
	n := 0
	for s := range ms.shards {
		_, c, ok := strings.Cut(s, "/")
		count, err := strconv.Atoi(c)
		if !ok || err != nil || count < 1 || (n != 0 && count != n) {
			return 0
		}
		n = count
	}
	return n
}

// probeNames lists the probes to print for the sweep: its protocol's, in
// report order, then any other name the lines carry (a protocol this
// binary does not know), sorted.
func (ms *mergedSweep) probeNames() []string {
	var names []string
	if proto, err := protocol.Lookup(ms.key.protocol); err == nil {
		names = proto.ProbeNames()
	}
	for _, name := range sortedKeys(ms.coverage) {
		if !contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// missingProbes lists the scenario's expected probes that the merged seeds
// never reached, as a single unsharded run would (correct protocol only).
func (ms *mergedSweep) missingProbes(runs int) []string {
	if ms.key.mutant != "" {
		return nil
	}
	sc, err := scenarios.LookupFor(ms.key.protocol, ms.key.scenario)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range sc.Expect {
		if runs >= e.Within && ms.coverage[e.Probe] == 0 {
			out = append(out, e.Probe)
		}
	}
	return out
}

// replayCommand is the command that replays a failing seed of a line: the
// paxossim command line, or, for a protocol this command does not know,
// the go test one.
func replayCommand(r record) string {
	// The seed's run, drawn again: scenarios.ReplayCommands replays by seed
	// only a run that its scenario draws from its seed.
	p := scenarios.Params{Scenario: r.Scenario, Protocol: r.Protocol, Mutant: r.Mutant, Seed: r.Seed}
	if sc, err := scenarios.LookupFor(r.Protocol, r.Scenario); err == nil {
		if drawn, err := sc.Params(r.Seed, r.Mutant); err == nil {
			p = drawn
		}
	}
	res := scenarios.Result{Result: runner.Result{Params: p}}
	goTest, cli := scenarios.ReplayCommands(&res, "")
	if cli == "" {
		return goTest
	}
	return cli
}

func firstFew(s []string) string {
	const n = 10
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + fmt.Sprintf(", ... %d more", len(s)-n)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
