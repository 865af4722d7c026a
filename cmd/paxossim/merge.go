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
the sweep exactly once, naming missing shards (not merged, killed, stopped
by -budget or -stop-after) and the seeds they lack, and seeds found twice
(a file given twice, overlapping shards); a seed found twice with
different trace hashes is reported as nondeterminism. A shard killed
mid-write leaves an empty file or a torn last line: merge reports the file
as incomplete and merges every complete line. It warns when the shards ran
different revisions: a seed replays only at its own.

Exit status: 0 every seed passed and none is missing or duplicated; 1 a
correctness check failed (or nondeterminism, or a probe the scenario exists
to exercise was never reached); 3 the only failures are no-progress ones
(liveness) and nothing is missing; 5 no check failed but the merge is
incomplete (seeds missing or duplicated, a file empty or torn; with
no-progress failures too, 5 wins, since the missing seeds may hold any
failure); 2 bad usage, an unreadable file, or a line that no run writes
(named by FILE:LINE); 4 paxossim itself crashed.`

// sweepKey identifies one sweep among the merged lines: the seeds of a
// sweep are start+index for index in [0, count).
type sweepKey struct {
	scenario, protocol, mutant string
	start                      uint64
	count                      int // 0: bounded by -budget only
}

// seenSeed is what merge keeps of each seed's line: enough to tell a
// duplicate from nondeterminism, and to say where each came from.
type seenSeed struct {
	hash  uint64
	shard shard
	file  int // index into merger.files
}

// shardSeen counts a shard's distinct seeds and the files they came from.
type shardSeen struct {
	seeds int
	files []int // indexes into merger.files, in reading order
}

// Bounds on what merge keeps of each kind of finding, so that its memory
// follows the seeds it read, not the problems in them: every finding is
// counted, the first ones are described.
const (
	keepDuplicates     = 10
	keepNondeterminism = 20
	// showMissingShards bounds the per-shard lines of a missing-seeds
	// report, and showMissingSeeds the seeds named per shard.
	showMissingShards = 20
	showMissingSeeds  = 5
	// keptFactBytes bounds the first line of a failing seed's fact that
	// merge keeps to print.
	keptFactBytes = 300
	// showRevisions bounds the revisions the warning lists.
	showRevisions = 10
)

// mergedSweep adds up the lines of one sweep.
type mergedSweep struct {
	key         sweepKey
	seen        map[int]seenSeed // by index
	shards      map[shard]*shardSeen
	dups        []string
	dupCount    int
	nondet      []string
	nondetCount int
	// failed holds failing lines, trimmed now and then to the show
	// lowest indexes; failures counts them all.
	failed      []record
	failures    int
	byCheck     map[scenarios.Check]int
	coverage    map[string]uint64
	events      uint64
	simSeconds  float64
	wallSeconds float64
}

// merger reads the files and keeps the sweeps.
type merger struct {
	show      int
	files     []fileScan
	sweeps    map[sweepKey]*mergedSweep
	revisions map[string][]string // revision -> files
	lines     int
}

func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge", mergeSynopsis)
	show := fs.intFlag("show", 20, 0, maxShow, "list at most `N` failing seeds per sweep, with their replay commands")
	if code, ok := fs.parse(args, true, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() == 0 {
		return usageErrorf(stderr, "merge", "no files to merge (give the -json files of the shards)")
	}
	m := &merger{show: *show, sweeps: map[sweepKey]*mergedSweep{}, revisions: map[string][]string{}}
	for _, name := range fs.Args() {
		if err := m.readFile(name); err != nil {
			return usageErrorf(stderr, "merge", "%v", err)
		}
	}
	return m.print(stdout)
}

func (m *merger) readFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fileIndex := len(m.files)
	m.files = append(m.files, fileScan{name: name})
	fsc, err := scanRecords(f, name, func(r record) { m.add(r, fileIndex) })
	if err != nil {
		return err
	}
	m.files[fileIndex] = fsc
	m.lines += fsc.lines
	return nil
}

func (m *merger) add(r record, file int) {
	key := sweepKey{r.Scenario, r.Protocol, r.Mutant, r.Seed - uint64(r.Index), r.SweepCount}
	ms := m.sweeps[key]
	if ms == nil {
		ms = &mergedSweep{key: key, seen: map[int]seenSeed{}, shards: map[shard]*shardSeen{},
			byCheck: map[scenarios.Check]int{}, coverage: map[string]uint64{}}
		m.sweeps[key] = ms
	}
	name := m.files[file].name
	ms.add(r, file, name, m.show)
	if !contains(m.revisions[r.Revision], name) {
		m.revisions[r.Revision] = append(m.revisions[r.Revision], name)
	}
}

func (ms *mergedSweep) add(r record, file int, fileName string, show int) {
	sh := r.shardOf()
	hash := r.traceHash()
	if prev, ok := ms.seen[r.Index]; ok {
		if prev.hash != hash {
			ms.nondetCount++
			if len(ms.nondet) < keepNondeterminism {
				ms.nondet = append(ms.nondet, fmt.Sprintf("seed %d: trace hashes %016x (shard %s) and %016x (shard %s, %s)",
					r.Seed, prev.hash, prev.shard, hash, sh, fileName))
			}
		} else {
			ms.dupCount++
			if len(ms.dups) < keepDuplicates {
				ms.dups = append(ms.dups, fmt.Sprintf("seed %d (index %d, shard %s, %s)", r.Seed, r.Index, sh, fileName))
			}
		}
		return
	}
	ms.seen[r.Index] = seenSeed{hash: hash, shard: sh, file: file}
	ss := ms.shards[sh]
	if ss == nil {
		ss = &shardSeen{}
		ms.shards[sh] = ss
	}
	ss.seeds++
	if len(ss.files) == 0 || ss.files[len(ss.files)-1] != file {
		ss.files = append(ss.files, file)
	}
	ms.events += r.Events
	ms.simSeconds += float64(r.SimTimeNS) / 1e9
	ms.wallSeconds += float64(r.WallNS) / 1e9
	for p, n := range r.Coverage {
		ms.coverage[p] += n
	}
	if !r.Passed {
		ms.failures++
		ms.byCheck[scenarios.Check(r.Check)]++
		r.Fact = firstLine(r.Fact, keptFactBytes)
		r.Coverage = nil
		ms.failed = append(ms.failed, r)
		if len(ms.failed) > 2*show+64 {
			ms.trimFailed(show)
		}
	}
}

// trimFailed keeps the show failing lines of lowest index.
func (ms *mergedSweep) trimFailed(show int) {
	sort.Slice(ms.failed, func(i, j int) bool { return ms.failed[i].Index < ms.failed[j].Index })
	if len(ms.failed) > show {
		ms.failed = ms.failed[:show]
	}
}

// firstLine is s up to its first newline, cut to at most n bytes.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = truncateAt(s, n) + " ..."
	}
	return s
}

func (m *merger) print(w io.Writer) int {
	fmt.Fprintf(w, "merged %d files, %d lines, %d sweep(s)\n", len(m.files), m.lines, len(m.sweeps))
	code := exitPass
	for _, f := range m.files {
		switch {
		case f.empty():
			fmt.Fprintf(w, "incomplete: %s is empty: its shard wrote no line (killed before its first seed finished, or never started); its seeds are missing from the merge\n", f.name)
			code = worse(code, exitIncomplete)
		case f.tornLine > 0:
			fmt.Fprintf(w, "incomplete: %s:%d: the last line is torn (%d bytes, no newline): its shard was killed mid-write; its %d complete lines are merged, the seeds it lacks are missing from the merge\n",
				f.name, f.tornLine, f.tornBytes, f.lines)
			code = worse(code, exitIncomplete)
		}
	}
	if len(m.revisions) > 1 {
		fmt.Fprintf(w, "warning: the files come from %d revisions, and a seed replays only at its own:\n", len(m.revisions))
		for i, rev := range sortedKeys(m.revisions) {
			if i == showRevisions {
				fmt.Fprintf(w, "  ... %d more\n", len(m.revisions)-i)
				break
			}
			fmt.Fprintf(w, "  %s: %s\n", rev, strings.Join(m.revisions[rev], " "))
		}
	}
	keys := make([]sweepKey, 0, len(m.sweeps))
	for k := range m.sweeps {
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
	totalSeeds, totalFailed := 0, 0
	byCheckAll := map[scenarios.Check]int{}
	for _, k := range keys {
		ms := m.sweeps[k]
		code = worse(code, ms.print(w, m.show, m.files))
		totalSeeds += len(ms.seen)
		totalFailed += ms.failures
		for c, n := range ms.byCheck {
			byCheckAll[c] += n
		}
	}
	incomplete := ""
	if m.anyIncomplete() {
		incomplete = ", and the merge is incomplete (see above)"
	}
	switch {
	case totalFailed > 0:
		class := ""
		if exitForChecks(byCheckAll) == exitNoProgress {
			class = ", no progress only"
		}
		fmt.Fprintf(w, "FAIL: %d of %d seeds failed (%s%s)%s\n", totalFailed, totalSeeds, byCheck(byCheckAll), class, incomplete)
	case code == exitCheckFailed:
		fmt.Fprintf(w, "FAIL: %d seeds passed, but the merge found nondeterminism or a probe never reached (see above)%s\n", totalSeeds, incomplete)
	case code == exitIncomplete:
		fmt.Fprintf(w, "INCOMPLETE: %d seeds passed, but the merge is incomplete or inconsistent (see above)\n", totalSeeds)
	default:
		fmt.Fprintf(w, "PASS: %d seeds, no failures\n", totalSeeds)
	}
	return code
}

// anyIncomplete reports whether a file or a sweep is incomplete or
// inconsistent, whatever else the merge found.
func (m *merger) anyIncomplete() bool {
	for _, f := range m.files {
		if f.empty() || f.tornLine > 0 {
			return true
		}
	}
	for _, ms := range m.sweeps {
		if ms.dupCount > 0 || (ms.key.count > 0 && len(ms.seen) < ms.key.count) {
			return true
		}
	}
	return false
}

// print writes the sweep's summary and returns its exit code: its
// failures' class, 1 for nondeterminism or a probe never reached, 5 for
// seeds missing or duplicated.
func (ms *mergedSweep) print(w io.Writer, show int, files []fileScan) int {
	k := ms.key
	code := exitForChecks(ms.byCheck)
	runs := len(ms.seen)
	fmt.Fprintf(w, "--- scenario=%s protocol=%s mutant=%s first-seed=%d", k.scenario, k.protocol, orNone(k.mutant), k.start)
	if k.count > 0 {
		fmt.Fprintf(w, " count=%d", k.count)
	} else {
		fmt.Fprint(w, " count=unbounded (-budget)")
	}
	shards := make([]string, 0, len(ms.shards))
	for _, sh := range ms.sortedShards() {
		shards = append(shards, sh.String())
	}
	fmt.Fprintf(w, " shards=%s\n", strings.Join(shards, ","))
	fmt.Fprintf(w, "seeds=%d failures=%d events=%d sim-time=%.1fs run-time=%.1fs\n",
		runs, ms.failures, ms.events, ms.simSeconds, ms.wallSeconds)
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
		code = worse(code, exitCheckFailed)
	}
	if len(ms.failed) > 0 {
		ms.trimFailed(show)
		fmt.Fprintln(w, "failing seeds:")
		for _, r := range ms.failed {
			fmt.Fprintf(w, "  seed=%d check=%s: %s\n    %s\n", r.Seed, r.Check, r.Fact, replayCommand(r))
		}
		if more := ms.failures - len(ms.failed); more > 0 {
			fmt.Fprintf(w, "  ... %d more (-show N lists more)\n", more)
		}
	}
	if k.count > 0 {
		if missing := ms.missing(files); missing != "" {
			fmt.Fprint(w, missing)
			code = worse(code, exitIncomplete)
		}
	}
	if ms.dupCount > 0 {
		code = worse(code, exitIncomplete)
		fmt.Fprintf(w, "duplicated: %d seeds appear more than once (a file given twice, or overlapping shards): %s\n", ms.dupCount, withMore(ms.dups, ms.dupCount))
	}
	if ms.nondetCount > 0 {
		code = worse(code, exitCheckFailed)
		fmt.Fprintf(w, "NONDETERMINISM: %d seeds ran twice with different trace hashes (at one revision, this is a harness bug):\n  %s\n", ms.nondetCount, strings.Join(ms.nondet, "\n  "))
		if more := ms.nondetCount - len(ms.nondet); more > 0 {
			fmt.Fprintf(w, "  ... %d more\n", more)
		}
	}
	return code
}

func (ms *mergedSweep) sortedShards() []shard {
	out := make([]shard, 0, len(ms.shards))
	for sh := range ms.shards {
		out = append(out, sh)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].count != out[j].count {
			return out[i].count < out[j].count
		}
		return out[i].index < out[j].index
	})
	return out
}

// missing describes the seeds of [0, count) that no line covers, by shard
// (naming the files each shard's lines came from) when every line of the
// sweep names the same number of shards. Its work follows the lines
// read, never the counts a line claims: the seeds and shards missing are
// counted by subtraction, and only the first few are looked for.
func (ms *mergedSweep) missing(files []fileScan) string {
	count := ms.key.count
	lack := count - len(ms.seen)
	if lack <= 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "missing: %d of %d seeds have no line (a shard not merged, killed, or stopped by -budget or -stop-after)\n", lack, count)
	n := ms.shardCount()
	if n == 0 {
		fmt.Fprintf(&b, "  seeds: %s\n", ms.missingSeeds(shard{0, 1}, lack))
		return b.String()
	}
	// The shards that lack seeds: every shard without a line that has
	// seeds in the range (the first min(n, count)), and those with lines
	// that lack some.
	lacking := min(n, count) - len(ms.shards)
	for sh, ss := range ms.shards {
		if sh.size(count) > ss.seeds {
			lacking++
		}
	}
	// The first few, in shard order: each step names one, or passes a
	// shard that has all its lines, so the walk takes at most
	// showMissingShards steps more than there are shards with lines.
	shown, shownSeeds := 0, 0
	for s := 0; s < n && s < count && shown < showMissingShards; s++ {
		sh := shard{s, n}
		size := sh.size(count)
		ss := ms.shards[sh]
		if ss == nil {
			fmt.Fprintf(&b, "  shard %s: no lines at all: seeds %s\n", sh, ms.missingSeeds(sh, size))
			shown++
			shownSeeds += size
			continue
		}
		shardLack := size - ss.seeds
		if shardLack <= 0 {
			continue
		}
		var fileNames []string
		for _, f := range ss.files {
			name := files[f].name
			if files[f].tornLine > 0 {
				name += ", its last line torn"
			}
			fileNames = append(fileNames, name)
		}
		fmt.Fprintf(&b, "  shard %s (%s): %d of %d seeds missing: %s\n", sh, strings.Join(fileNames, "; "), shardLack, size, ms.missingSeeds(sh, shardLack))
		shown++
		shownSeeds += shardLack
	}
	if hidden := lacking - shown; hidden > 0 {
		fmt.Fprintf(&b, "  ... %d more shards lack %d seeds\n", hidden, lack-shownSeeds)
	}
	return b.String()
}

// missingSeeds names the first few of the lack seeds of shard sh that no
// line covers. It steps through the shard's indexes until it has found
// them, which takes at most the shard's lines plus showMissingSeeds steps.
func (ms *mergedSweep) missingSeeds(sh shard, lack int) string {
	var seeds []string
	for i := sh.index; i < ms.key.count && len(seeds) < showMissingSeeds; i += sh.count {
		if _, ok := ms.seen[i]; !ok {
			seeds = append(seeds, strconv.FormatUint(ms.key.start+uint64(i), 10))
		}
	}
	return withMore(seeds, lack)
}

// shardCount is the n of the lines' "i/n" shards if they all agree, or 0.
func (ms *mergedSweep) shardCount() int {
	n := 0
	for sh := range ms.shards {
		if n != 0 && sh.count != n {
			return 0
		}
		n = sh.count
	}
	return n
}

// withMore joins the first items of a list of total and says how many
// more there are.
func withMore(items []string, total int) string {
	s := strings.Join(items, ", ")
	if more := total - len(items); more > 0 {
		s += fmt.Sprintf(", ... %d more", more)
	}
	return s
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
