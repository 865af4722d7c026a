package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/runner"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/spec"
)

const runSynopsis = `usage: paxossim run -scenario NAME [-protocol NAME] [-seeds N | -seed-start S [-count N]] [flags]

Runs seeds of a scenario in parallel, one simulation per goroutine, with a
progress line, then prints the first failures' reports (replay commands,
the failed check, the trace tail, the porcupine visualization) and a
summary. -protocol picks the system under test (see 'paxossim list'); every
scenario runs every protocol. Without -seeds, -count or -budget it runs 100
seeds from a fresh random base seed, printed first. A sharded sweep
(-shard) needs a fixed range: every shard must get the same -seed-start and
-count. -stop-after N stops starting seeds once N have failed, for a hunt
that needs one failure, not all of them. For speed, a sweep raises the
garbage collector's target (GOGC=1000, with a 1 GiB soft memory limit)
unless GOGC or GOMEMLIMIT is set.

Exit status: 0 every seed passed (a sweep stopped early by -budget or an
interrupt passes on the seeds it ran); 1 a correctness check failed (or the
scenario never reached a probe it exists to exercise); 3 the only failures
are no-progress ones (liveness); 2 bad usage; 4 paxossim itself crashed; 5
no check failed but the -json file could not be written.`

// defaultSeeds is the sweep size when neither -seeds, -count nor -budget
// says otherwise.
const defaultSeeds = 100

// randomBaseMax keeps a fresh base seed below 2^53, so that tools reading
// the JSON lines' seeds as doubles (jq, JavaScript) keep them exact.
const randomBaseMax uint64 = 1 << 53

// runConfig is a parsed and checked "run" command line.
type runConfig struct {
	proto    *protocol.Protocol
	scenario *scenarios.Scenario
	mutant   string
	checker  lincheck.Checker
	// clients and workload override the scenario's (0 and "": not).
	clients  int
	workload string
	start    uint64
	count    int
	// untilBudget: only -budget bounds the sweep (count is then maxSeeds,
	// which no budget reaches).
	untilBudget      bool
	randomBase       bool
	parallel         int
	budget           time.Duration
	stopAfter        int
	jsonPath         string
	shard            shard
	out              string
	revision         string
	determinismEvery int
	progressEvery    time.Duration
	reports          int
}

func parseRun(args []string, stdout, stderr io.Writer) (runConfig, int, bool) {
	fs := newFlagSet("run", runSynopsis)
	var (
		cfg        runConfig
		name       = fs.String("scenario", "", "the scenario `NAME` to run (see 'paxossim list')")
		protoName  = protocolFlag(fs)
		seeds      = fs.intFlag("seeds", 0, 1, maxSeeds, "run `N` seeds from a fresh random base seed, printed first (default 100)")
		seedStart  seedFlag
		count      = fs.intFlag("count", 0, 1, maxSeeds, "with -seed-start S: run the `N` seeds S, S+1, ..., S+N-1 (default 100, or unbounded with -budget)")
		shardSpec  = fs.String("shard", "", "run only the seeds whose index is i mod n: `i/n`, or env (JOB_COMPLETION_INDEX with -shard-count, or GitLab's CI_NODE_INDEX/CI_NODE_TOTAL)")
		shardCount = fs.Int("shard-count", 0, "the number of shards `n`, for -shard env; alone, it implies -shard env")
		revision   = revisionFlag(fs)
		parallel   = fs.intFlag("parallel", min(runtime.GOMAXPROCS(0), maxParallel), 1, maxParallel, "`P` seeds run at once, one per goroutine; the default is every core")
		stopAfter  = fs.intFlag("stop-after", 0, 0, maxSeeds, "start no new seed once `N` seeds have failed (0: run them all); the runs under way finish")
		detEvery   = fs.intFlag("determinism-every", 100, 0, maxSeeds, "re-run every `K`-th seed and compare trace hashes (0: never)")
		reports    = fs.intFlag("reports", 5, 0, maxReports, "print the full report of at most `N` failures")
		clients    = fs.intFlag("clients", 0, 1, runner.MaxClients, "run `N` clients instead of the scenario's (failures then replay from their params.json)")
		checker    = fs.String("checker", "auto", "the linearizability `checker`: auto (exact where the spec and values allow, else porcupine's search), exact, or porcupine; the verdict does not depend on it, only the time")
		workload   = fs.String("workload", "", "the spec's workload config as `JSON`, every field named, e.g. '{\"keys\":1,\"get\":2,\"put\":1,\"append\":1,\"cas\":2}' for the kv spec (failures then replay from their params.json)")
	)
	fs.Var(&seedStart, "seed-start", "the first seed `S` of a fixed range, decimal or 0x-hex")
	fs.StringVar(&cfg.mutant, "mutant", "", "run the protocol with its known-wrong variant `M` (see 'paxossim list')")
	fs.DurationVar(&cfg.budget, "budget", 0, "wall-clock budget: start no new seed after `DURATION` (runs under way finish)")
	fs.StringVar(&cfg.jsonPath, "json", "", "write one JSON line per seed to `FILE`, in seed order")
	fs.StringVar(&cfg.out, "out", "", "write failure artifacts under `DIR` (default: a new temporary directory)")
	fs.DurationVar(&cfg.progressEvery, "progress", 5*time.Second, "interval of the progress lines when stderr is not a terminal (0: none)")
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return cfg, code, false
	}
	cfg.parallel, cfg.stopAfter, cfg.determinismEvery, cfg.reports = *parallel, *stopAfter, *detEvery, *reports
	fail := func(format string, args ...any) (runConfig, int, bool) {
		return cfg, usageErrorf(stderr, "run", format, args...), false
	}
	var err error
	if cfg.proto, err = lookupProtocol(*protoName); err != nil {
		return fail("%v", err)
	}
	if cfg.scenario, err = lookupScenario(cfg.proto, *name); err != nil {
		return fail("%v", err)
	}
	if err := checkMutant(cfg.proto, cfg.mutant); err != nil {
		return fail("%v", err)
	}
	if cfg.checker, err = lincheck.ParseChecker(*checker); err != nil {
		return fail("-checker: %v", err)
	}
	if fs.given("clients") || *workload != "" {
		sc := *cfg.scenario // the registry's scenario stays as it is
		if fs.given("clients") {
			sc.Workload.Clients = *clients
			cfg.clients = *clients
		}
		if *workload != "" {
			sp, err := spec.Lookup(cfg.proto.Spec)
			if err != nil {
				return fail("%v", err)
			}
			wl, err := sp.Workload(json.RawMessage(*workload))
			if err != nil {
				return fail("-workload: %v", err)
			}
			sc.Workload.Spec, cfg.workload = wl.Config(), string(wl.Config())
		}
		cfg.scenario = &sc
	}
	if cfg.revision, err = resolveRevision(*revision); err != nil {
		return fail("%v", err)
	}
	switch {
	case cfg.budget < 0:
		return fail("-budget %v: must not be negative", cfg.budget)
	case cfg.budget > maxBudget:
		return fail("-budget %v: must be at most %v", cfg.budget, maxBudget)
	case cfg.progressEvery < 0:
		return fail("-progress %v: must not be negative", cfg.progressEvery)
	case fs.given("seeds") && fs.given("count"):
		return fail("-seeds and -count conflict: use -seeds N (random base seed) or -seed-start S -count N (a fixed range)")
	case fs.given("seeds") && seedStart.set:
		return fail("-seeds and -seed-start conflict: use -seeds N (random base seed) or -seed-start S -count N (a fixed range)")
	case fs.given("count") && !seedStart.set:
		return fail("-count needs -seed-start S (or use -seeds N for a random base seed)")
	}
	if cfg.shard, err = parseShard(*shardSpec, *shardCount, os.LookupEnv); err != nil {
		return fail("%v", err)
	}
	if cfg.shard.count > 1 && !seedStart.set {
		return fail("-shard %s needs a fixed range, -seed-start S -count N: with a random base seed the shards would run different seeds", cfg.shard)
	}
	if seedStart.set {
		cfg.start, cfg.count = seedStart.v, *count
	} else {
		cfg.randomBase, cfg.count = true, *seeds
	}
	if cfg.count == 0 {
		cfg.count = defaultSeeds
		if cfg.budget > 0 {
			// As many seeds as a sweep may have, and no seed past 2^64-1.
			cfg.count, cfg.untilBudget = maxSeeds, true
			if room := math.MaxUint64 - cfg.start; room < maxSeeds-1 {
				cfg.count = int(room) + 1
			}
		}
	}
	// A range that passed 2^64-1 would wrap to seed 0, and its JSON lines
	// would claim a first seed (seed - index) that no sweep has.
	if last := cfg.start + uint64(cfg.count-1); last < cfg.start {
		return fail("-seed-start %d -count %d: the range passes the largest seed, %d", cfg.start, cfg.count, uint64(math.MaxUint64))
	}
	if cfg.randomBase {
		cfg.start = rand.Uint64N(randomBaseMax - uint64(cfg.count))
	}
	return cfg, exitPass, true
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := parseRun(args, stdout, stderr)
	if !ok {
		return code
	}
	label := cfg.scenario.Name
	if cfg.proto.Name != scenarios.DefaultProtocol {
		label += " protocol=" + cfg.proto.Name
	}
	if cfg.mutant != "" {
		label += " mutant=" + cfg.mutant
	}
	var jw *orderedWriter
	var jf *os.File
	if cfg.jsonPath != "" {
		var err error
		if jf, err = os.Create(cfg.jsonPath); err != nil {
			return usageErrorf(stderr, "run", "-json: %v", err)
		}
		jw = newOrderedWriter(jf, cfg.shard)
	}

	if cfg.randomBase {
		fmt.Fprintf(stdout, "base-seed=%d (this sweep again: %s)\n", cfg.start, sweepCommand(cfg))
	}
	fmt.Fprintf(stdout, "scenario=%s protocol=%s mutant=%s %s shard=%s parallel=%d revision=%s\n",
		cfg.scenario.Name, cfg.proto.Name, orNone(cfg.mutant), describeRange(cfg), cfg.shard, cfg.parallel, cfg.revision)

	stop := newStopper()
	if cfg.budget > 0 {
		t := time.AfterFunc(cfg.budget, func() { stop.stop(fmt.Sprintf("the -budget of %v ran out", cfg.budget)) })
		defer t.Stop()
	}
	interrupts := make(chan os.Signal, 1)
	// SIGTERM too: Kubernetes sends it to a pod it deletes, and finishing
	// the runs under way takes well under the default 30s grace period,
	// so the JSON lines of every finished seed are kept.
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)
	goGuarded(stderr, func() {
		if sig, ok := <-interrupts; ok {
			signal.Stop(interrupts) // a second signal ends the process
			fmt.Fprintf(stderr, "\n%v: finishing the runs under way (interrupt again to quit now)\n", sig)
			stop.stop(fmt.Sprint(sig))
		}
	})
	defer func() { signal.Stop(interrupts); close(interrupts) }()

	info := sweepInfo{scenario: cfg.scenario.Name, protocol: cfg.proto.Name, mutant: cfg.mutant, start: cfg.start, count: cfg.count, untilBudget: cfg.untilBudget, shard: cfg.shard, revision: cfg.revision}
	total := 0
	if !cfg.untilBudget {
		total = cfg.shard.size(cfg.count)
	}
	defer tuneGC()()
	prog := newProgress(stderr, cfg.progressEvery, label, total, cfg.budget)
	sw := scenarios.Sweep{
		Scenario:         cfg.scenario,
		Mutant:           cfg.mutant,
		Checker:          cfg.checker,
		Start:            cfg.start,
		Count:            cfg.count,
		ShardIndex:       cfg.shard.index,
		ShardCount:       cfg.shard.count,
		Parallel:         cfg.parallel,
		DeterminismEvery: cfg.determinismEvery,
		StopAfter:        cfg.stopAfter,
		// Keep enough failures for the full reports and the list after
		// them; the rest are counted.
		KeepFailed: cfg.reports + moreFailures,
		Done:       stop.done,
		OnResult: func(res *scenarios.Result) {
			prog.observe(res)
			if jw != nil {
				jw.add(newRecord(res, info))
			}
		},
	}
	prog.begin()
	sum, err := sw.Run()
	prog.end()
	code = exitPass
	if jw != nil {
		if err := errors.Join(jw.close(), jf.Close()); err != nil {
			fmt.Fprintf(stderr, "paxossim run: writing -json %s: %v\n", cfg.jsonPath, err)
			code = exitIncomplete
		}
	}
	if err != nil {
		return usageErrorf(stderr, "run", "%v", err)
	}

	printFailures(stdout, stderr, sum.Failed, sum.Failures, cfg.reports, cfg.out)
	fmt.Fprintln(stdout, "--- summary")
	fmt.Fprint(stdout, sum.String())
	fmt.Fprintf(stdout, "%s shard=%s parallel=%d; this sweep again: %s\n", describeRange(cfg), cfg.shard, cfg.parallel, sweepCommand(cfg))
	reason := stop.reason()
	if reason == "" && sum.Stopped && cfg.stopAfter > 0 && sum.Failures >= cfg.stopAfter {
		reason = fmt.Sprintf("-stop-after %d reached (%d seeds failed)", cfg.stopAfter, sum.Failures)
	}
	if reason != "" {
		ran := fmt.Sprintf("%d seeds", sum.Runs)
		if total > 0 {
			ran = fmt.Sprintf("%d of %d seeds", sum.Runs, total)
		}
		fmt.Fprintf(stdout, "stopped early: %s after %s; the rest did not run\n", reason, ran)
	}
	if jw != nil {
		fmt.Fprintf(stdout, "json: %s (%d lines)\n", cfg.jsonPath, jw.lines)
	}
	return worse(code, verdict(stdout, &sum, reason != ""))
}

// verdict prints the last line and returns the exit code: the failures'
// class (exitForChecks), or exitCheckFailed for a probe never reached.
// A sweep stopped early says so, since it passed only the seeds it ran.
func verdict(w io.Writer, sum *scenarios.Summary, stopped bool) int {
	partial := ""
	if stopped {
		partial = " (stopped early)"
	}
	switch {
	case sum.Failures > 0:
		code := exitForChecks(sum.ByCheck)
		class := ""
		if code == exitNoProgress {
			class = ", no progress only"
		}
		fmt.Fprintf(w, "FAIL: %d of %d seeds failed (%s%s)%s\n", sum.Failures, sum.Runs, byCheck(sum.ByCheck), class, partial)
		return code
	case len(sum.Missing) > 0:
		fmt.Fprintf(w, "FAIL: %d seeds passed, but none reached %v, which this scenario exists to exercise\n", sum.Runs, sum.Missing)
		return exitCheckFailed
	default:
		fmt.Fprintf(w, "PASS: %d seeds, no failures%s\n", sum.Runs, partial)
		return exitPass
	}
}

// byCheck prints failure counts as "check=n" pairs in name order.
func byCheck(m map[scenarios.Check]int) string {
	parts := make([]string, 0, len(m))
	for c, n := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", c, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func describeRange(cfg runConfig) string {
	if cfg.untilBudget {
		return fmt.Sprintf("seeds=[%d, ...) (until the budget)", cfg.start)
	}
	return fmt.Sprintf("seeds=[%d, %d]", cfg.start, cfg.start+uint64(cfg.count)-1)
}

// sweepCommand is the command line that runs the same seeds again.
// -stop-after is left out: which seeds ran before the stop depends on
// -parallel and timing, and the command runs them all.
func sweepCommand(cfg runConfig) string {
	cmd := fmt.Sprintf("go run ./cmd/paxossim run -scenario %s%s -seed-start %d", cfg.scenario.Name, protocolSuffix(cfg.proto.Name), cfg.start)
	if cfg.untilBudget {
		cmd += fmt.Sprintf(" -budget %v", cfg.budget)
	} else {
		cmd += fmt.Sprintf(" -count %d", cfg.count)
	}
	if cfg.mutant != "" {
		cmd += " -mutant " + cfg.mutant
	}
	if cfg.clients > 0 {
		cmd += fmt.Sprintf(" -clients %d", cfg.clients)
	}
	if cfg.workload != "" {
		cmd += " -workload '" + cfg.workload + "'"
	}
	if cfg.shard.count > 1 {
		cmd += " -shard " + cfg.shard.String()
	}
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// stopper closes done once, remembering why: the budget or an interrupt.
type stopper struct {
	done chan struct{}
	once sync.Once
	mu   sync.Mutex
	why  string
}

func newStopper() *stopper { return &stopper{done: make(chan struct{})} }

func (s *stopper) stop(why string) {
	s.once.Do(func() {
		s.mu.Lock()
		s.why = why
		s.mu.Unlock()
		close(s.done)
	})
}

func (s *stopper) reason() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.why
}
