package main

import (
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

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
)

const runSynopsis = `usage: paxossim run -scenario NAME [-protocol NAME] [-seeds N | -seed-start S [-count N]] [flags]

Runs seeds of a scenario in parallel, one simulation per goroutine, with a
progress line, then prints the first failures' reports (replay commands,
the failed check, the trace tail, the porcupine visualization) and a
summary. -protocol picks the system under test (see 'paxossim list'); every
scenario runs every protocol. Without -seeds, -count or -budget it runs 100
seeds from a fresh random base seed, printed first. A sharded sweep
(-shard) needs a fixed range: every shard must get the same -seed-start and
-count. For speed, a sweep raises the garbage collector's target
(GOGC=1000, with a 1 GiB soft memory limit) unless GOGC or GOMEMLIMIT is
set.

Exit status: 0 every seed passed, 1 a seed failed (or the scenario never
reached a probe it exists to exercise), 2 bad usage.`

// defaultSeeds is the sweep size when neither -seeds, -count nor -budget
// says otherwise.
const defaultSeeds = 100

// randomBaseMax keeps a fresh base seed below 2^53, so that tools reading
// the JSON lines' seeds as doubles (jq, JavaScript) keep them exact.
const randomBaseMax = 1 << 53

// runConfig is a parsed and checked "run" command line.
type runConfig struct {
	proto            *protocol.Protocol
	scenario         *scenarios.Scenario
	mutant           string
	start            uint64
	count            int // math.MaxInt: until the budget runs out
	randomBase       bool
	parallel         int
	budget           time.Duration
	jsonPath         string
	shard            shard
	out              string
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
		seeds      = fs.Int("seeds", 0, "run `N` seeds from a fresh random base seed, printed first (default 100)")
		seedStart  seedFlag
		count      = fs.Int("count", 0, "with -seed-start S: run the `N` seeds S, S+1, ..., S+N-1 (default 100, or unbounded with -budget)")
		shardSpec  = fs.String("shard", "", "run only the seeds whose index is i mod n: `i/n`, or env (JOB_COMPLETION_INDEX with -shard-count, or GitLab's CI_NODE_INDEX/CI_NODE_TOTAL)")
		shardCount = fs.Int("shard-count", 0, "the number of shards `n`, for -shard env; alone, it implies -shard env")
	)
	fs.Var(&seedStart, "seed-start", "the first seed `S` of a fixed range, decimal or 0x-hex")
	fs.IntVar(&cfg.parallel, "parallel", runtime.GOMAXPROCS(0), "`P` seeds run at once, one per goroutine; the default is every core")
	fs.StringVar(&cfg.mutant, "mutant", "", "run the protocol with its known-wrong variant `M` (see 'paxossim list')")
	fs.DurationVar(&cfg.budget, "budget", 0, "wall-clock budget: start no new seed after `DURATION` (runs under way finish)")
	fs.StringVar(&cfg.jsonPath, "json", "", "write one JSON line per seed to `FILE`, in seed order")
	fs.StringVar(&cfg.out, "out", "", "write failure artifacts under `DIR` (default: a new temporary directory)")
	fs.IntVar(&cfg.determinismEvery, "determinism-every", 100, "re-run every `K`-th seed and compare trace hashes (0: never)")
	fs.DurationVar(&cfg.progressEvery, "progress", 5*time.Second, "interval of the progress lines when stderr is not a terminal (0: none)")
	fs.IntVar(&cfg.reports, "reports", 5, "print the full report of at most `N` failures")
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return cfg, code, false
	}
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
	switch {
	case cfg.parallel < 1:
		return fail("-parallel %d: must be at least 1", cfg.parallel)
	case fs.given("seeds") && *seeds < 1:
		return fail("-seeds %d: must be at least 1", *seeds)
	case fs.given("count") && *count < 1:
		return fail("-count %d: must be at least 1", *count)
	case cfg.budget < 0:
		return fail("-budget %v: must not be negative", cfg.budget)
	case cfg.determinismEvery < 0:
		return fail("-determinism-every %d: must be at least 0", cfg.determinismEvery)
	case cfg.progressEvery < 0:
		return fail("-progress %v: must not be negative", cfg.progressEvery)
	case cfg.reports < 0:
		return fail("-reports %d: must be at least 0", cfg.reports)
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
			cfg.count = math.MaxInt
		}
	}
	if cfg.randomBase {
		cfg.start = rand.Uint64N(randomBaseMax - uint64(min(cfg.count, randomBaseMax/2)))
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
		cfg.scenario.Name, cfg.proto.Name, orNone(cfg.mutant), describeRange(cfg), cfg.shard, cfg.parallel, scenarios.Revision())

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
	go func() {
		if sig, ok := <-interrupts; ok {
			signal.Stop(interrupts) // a second signal ends the process
			fmt.Fprintf(stderr, "\n%v: finishing the runs under way (interrupt again to quit now)\n", sig)
			stop.stop(fmt.Sprint(sig))
		}
	}()
	defer func() { signal.Stop(interrupts); close(interrupts) }()

	info := sweepInfo{scenario: cfg.scenario.Name, protocol: cfg.proto.Name, mutant: cfg.mutant, start: cfg.start, count: cfg.count, shard: cfg.shard, revision: scenarios.Revision()}
	total := 0
	if cfg.count != math.MaxInt {
		total = cfg.shard.size(cfg.count)
	}
	defer tuneGC()()
	prog := newProgress(stderr, cfg.progressEvery, label, total, cfg.budget)
	sw := scenarios.Sweep{
		Scenario:         cfg.scenario,
		Mutant:           cfg.mutant,
		Start:            cfg.start,
		Count:            cfg.count,
		ShardIndex:       cfg.shard.index,
		ShardCount:       cfg.shard.count,
		Parallel:         cfg.parallel,
		DeterminismEvery: cfg.determinismEvery,
		Done:             stop.done,
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
	if jw != nil {
		if err := errors.Join(jw.close(), jf.Close()); err != nil {
			fmt.Fprintf(stderr, "paxossim run: writing -json %s: %v\n", cfg.jsonPath, err)
		}
	}
	if err != nil {
		return usageErrorf(stderr, "run", "%v", err)
	}

	printFailures(stdout, stderr, sum.Failed, cfg.reports, cfg.out)
	fmt.Fprintln(stdout, "--- summary")
	fmt.Fprint(stdout, sum.String())
	fmt.Fprintf(stdout, "%s shard=%s parallel=%d; this sweep again: %s\n", describeRange(cfg), cfg.shard, cfg.parallel, sweepCommand(cfg))
	if reason := stop.reason(); reason != "" {
		ran := fmt.Sprintf("%d seeds", sum.Runs)
		if total > 0 {
			ran = fmt.Sprintf("%d of %d seeds", sum.Runs, total)
		}
		fmt.Fprintf(stdout, "stopped early: %s after %s; the rest did not run\n", reason, ran)
	}
	if jw != nil {
		fmt.Fprintf(stdout, "json: %s (%d lines)\n", cfg.jsonPath, jw.lines)
	}
	return verdict(stdout, &sum, stop.reason() != "")
}

// verdict prints the last line and returns the exit code.
// A sweep stopped early says so, since it passed only the seeds it ran.
func verdict(w io.Writer, sum *scenarios.Summary, stopped bool) int {
	partial := ""
	if stopped {
		partial = " (stopped early)"
	}
	switch {
	case sum.Failures > 0:
		fmt.Fprintf(w, "FAIL: %d of %d seeds failed (%s)%s\n", sum.Failures, sum.Runs, byCheck(sum.ByCheck), partial)
		return exitFail
	case len(sum.Missing) > 0:
		fmt.Fprintf(w, "FAIL: %d seeds passed, but none reached %v, which this scenario exists to exercise\n", sum.Runs, sum.Missing)
		return exitFail
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
	if cfg.count == math.MaxInt {
		return fmt.Sprintf("seeds=[%d, ...) (until the budget)", cfg.start)
	}
	return fmt.Sprintf("seeds=[%d, %d]", cfg.start, cfg.start+uint64(cfg.count)-1)
}

// sweepCommand is the command line that runs the same seeds again.
func sweepCommand(cfg runConfig) string {
	cmd := fmt.Sprintf("go run ./cmd/paxossim run -scenario %s%s -seed-start %d", cfg.scenario.Name, protocolSuffix(cfg.proto.Name), cfg.start)
	if cfg.count != math.MaxInt {
		cmd += fmt.Sprintf(" -count %d", cfg.count)
	} else {
		cmd += fmt.Sprintf(" -budget %v", cfg.budget)
	}
	if cfg.mutant != "" {
		cmd += " -mutant " + cfg.mutant
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
