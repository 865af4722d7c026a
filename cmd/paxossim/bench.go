package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/sim"
)

const benchSynopsis = `usage: paxossim bench [-seeds N] [-scenario NAME] [-protocol NAME] [-readme README.md]

Measures the figures the README keeps and prints them as a Markdown table:
the kernel's events/s and allocations per event (the go test benchmarks
^BenchmarkKernel of ./sim, run with the go tool from the module root); the
seeds/s of a scenario (-scenario) of a protocol (-protocol) at one core and
at every core and the scaling between them; simulated seconds per wall
second and the porcupine share of run time; and memory over a long sweep
(-seeds), sampled as it goes, to show that it does not grow with the number
of seeds. With -readme it rewrites the region between
<!-- figures:start --> and <!-- figures:end --> in that file.

Exit status: 0 measured (a missed target is reported, not an error); 1 a
seed failed a correctness check; 3 seeds failed the no-progress check
only; 5 a measurement could not be taken or the README not rewritten; 2
bad usage; 4 paxossim itself crashed.`

// benchConfig is a parsed "bench" command line.
type benchConfig struct {
	proto        *protocol.Protocol
	scenario     *scenarios.Scenario
	seeds        int
	scalingSeeds int
	start        uint64
	readme       string
	benchtime    string
	kernel       bool
}

// The project's performance targets, for a 2-core machine; the scaling
// target is 90% of linear at any core count.
const (
	targetKernelEvents = 3e6
	targetSeedsPerSec  = 100
	targetScaling      = 0.9     // times the number of cores
	targetLiveGrowth   = 2 << 20 // bytes: the runs under way at either sample differ
)

// scalingRounds is how many times the scaling sweeps alternate.
const (
	scalingRounds = 3
)

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", benchSynopsis)
	var cfg benchConfig
	var start seedFlag
	name := fs.String("scenario", defaultBenchScenario, "the scenario `NAME` whose seeds are measured")
	protoName := protocolFlag(fs)
	seeds := fs.intFlag("seeds", 100000, 1, maxSeeds, "run `N` seeds in the long sweep that samples memory")
	scalingSeeds := fs.intFlag("scaling-seeds", 2000, 1, maxSeeds, "`N` seeds per round at one core and at every core, for the scaling figure")
	revision := revisionFlag(fs)
	fs.Var(&start, "seed-start", "the first seed `S` of every sweep (default 1)")
	fs.StringVar(&cfg.readme, "readme", "", "rewrite the figures region of this `FILE` (default: print only)")
	fs.StringVar(&cfg.benchtime, "benchtime", "10000000x", "go test -benchtime for the kernel benchmarks")
	fs.BoolVar(&cfg.kernel, "kernel", true, "run the kernel benchmarks (needs the go tool and the module source)")
	if code, ok := fs.parse(args, false, stdout, stderr); !ok {
		return code
	}
	cfg.seeds, cfg.scalingSeeds = *seeds, *scalingSeeds
	var err error
	if cfg.proto, err = lookupProtocol(*protoName); err != nil {
		return usageErrorf(stderr, "bench", "%v", err)
	}
	if cfg.scenario, err = lookupScenario(cfg.proto, *name); err != nil {
		return usageErrorf(stderr, "bench", "%v", err)
	}
	rev, err := resolveRevision(*revision)
	if err != nil {
		return usageErrorf(stderr, "bench", "%v", err)
	}
	cfg.start = 1
	if start.set {
		cfg.start = start.v
	}

	load, loadOK := loadAverage()
	if loadOK && load > 0.5*float64(runtime.NumCPU()) {
		fmt.Fprintf(stderr, "bench: warning: load average %.2f on %d cores: other processes are running, and the figures will be low\n", load, runtime.NumCPU())
	}
	var figs []figure
	cpuModel := ""
	if cfg.kernel {
		fmt.Fprintf(stderr, "bench: %s\n", kernelCommand(cfg.benchtime))
		lines, cpu, err := runKernelBench(cfg.benchtime, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "paxossim bench: kernel benchmarks: %v\n", err)
			return exitIncomplete
		}
		cpuModel = cpu
		figs = append(figs, kernelFigures(lines, cfg.benchtime)...)
	}
	restore := tuneGC() // the settings "paxossim run" uses
	sweepFigs, code := benchSweeps(cfg, stderr)
	restore()
	figs = append(figs, sweepFigs...)

	header := fmt.Sprintf("Measured by `paxossim bench -seeds %d%s` (`make bench`) on %s/%s, %d cores%s, %s, revision %s, %s",
		cfg.seeds, benchFlags(cfg), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuSuffix(cpuModel), runtime.Version(),
		shortRevision(rev), time.Now().UTC().Format("2006-01-02"))
	if loadOK {
		header += fmt.Sprintf(", load average %.1f at the start", load)
	}
	header += "."
	table := renderFigures(header, figs)
	fmt.Fprint(stdout, table)
	for _, f := range figs {
		if f.met != nil && !*f.met {
			fmt.Fprintf(stderr, "bench: missed target: %s = %s (target %s)\n", f.name, f.value, f.target)
		}
	}
	if cfg.readme != "" {
		if err := rewriteRegion(cfg.readme, table); err != nil {
			fmt.Fprintf(stderr, "paxossim bench: %v (the table is above)\n", err)
			return worse(code, exitIncomplete)
		}
		fmt.Fprintf(stderr, "bench: rewrote the figures in %s\n", cfg.readme)
	}
	return code
}

// defaultBenchScenario is the scenario bench measures unless -scenario
// says otherwise: every fault kind, the heaviest runs.
const defaultBenchScenario = "chaos"

// benchFlags are the flags of a bench command line that select what was
// measured, beyond the defaults, for the commands the figures print.
func benchFlags(cfg benchConfig) string {
	s := ""
	if cfg.scenario.Name != defaultBenchScenario {
		s += " -scenario " + cfg.scenario.Name
	}
	s += protocolSuffix(cfg.proto.Name)
	if cfg.start != 1 {
		s += fmt.Sprintf(" -seed-start %d", cfg.start)
	}
	return s
}

func kernelFigures(lines []benchLine, benchtime string) []figure {
	cmd := "`" + kernelCommand(benchtime) + "`"
	var figs []figure
	var allocs []string
	allZero := true
	for _, l := range lines {
		what := map[string]string{
			"BenchmarkKernel":        "kernel events/s (one core, 5 nodes, default transport)",
			"BenchmarkKernelNetwork": "kernel events/s through the simulated network (latency, reordering)",
		}[l.name]
		if what == "" {
			continue
		}
		ev := l.metrics["events/s"]
		figs = append(figs, figure{name: what, value: humanCount(ev), target: "≥ 3 M", met: met(ev >= targetKernelEvents), command: cmd})
		a := l.metrics["allocs/op"] // b.N is events: allocs/op is allocs per event
		allocs = append(allocs, fmt.Sprintf("%g", a))
		allZero = allZero && a == 0
	}
	if len(allocs) > 0 {
		figs = append(figs, figure{name: "kernel allocations per event (same benchmarks)", value: strings.Join(allocs, " / "), target: "0", met: met(allZero), command: "same"})
	}
	return figs
}

// benchSweeps measures the scenario's sweeps: the same seeds at one core
// and at every core, then the long sweep with memory sampled. code is the
// class of the failures if a seed failed (the figures of a failing
// protocol mean little), exitPass otherwise.
func benchSweeps(cfg benchConfig, stderr io.Writer) ([]figure, int) {
	cores := runtime.GOMAXPROCS(0)
	name := cfg.scenario.Name
	cmd := fmt.Sprintf("`paxossim bench -scaling-seeds %d%s`", cfg.scalingSeeds, benchFlags(cfg))
	code := exitPass

	// One core means GOMAXPROCS=1, not just one seed at a time: porcupine
	// checks a history's keys on goroutines of its own, and the garbage
	// collector would use the other cores too. The two settings alternate,
	// and each keeps its best round, so that a load that comes and goes on
	// a shared machine skews the ratio less.
	var r1, rn float64
	cpu1, cpuN := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64) // CPU time per seed, best round
	cpuKnown := true
	for round := 1; round <= scalingRounds; round++ {
		fmt.Fprintf(stderr, "bench: round %d/%d: %s, %d seeds at 1 core, then at %d cores\n", round, scalingRounds, name, cfg.scalingSeeds, cores)
		prev := runtime.GOMAXPROCS(1)
		one, c1, ok1 := cpuSweep(cfg, cfg.scalingSeeds, 1, stderr)
		runtime.GOMAXPROCS(prev)
		all, cN, okN := cpuSweep(cfg, cfg.scalingSeeds, cores, stderr)
		code = worse(code, worse(exitForChecks(one.ByCheck), exitForChecks(all.ByCheck)))
		r1, rn = max(r1, rate(&one)), max(rn, rate(&all))
		cpu1, cpuN, cpuKnown = min(cpu1, c1), min(cpuN, cN), cpuKnown && ok1 && okN
	}
	scaling := rn / r1
	// On a machine shared with other work the wall-clock ratio says more
	// about the neighbours than about the harness; the CPU time per seed
	// does not depend on them, and its ratio is the scaling the same work
	// would show with every core to itself.
	cpuScaling := ""
	if cpuKnown && cpuN > 0 {
		cpuScaling = fmt.Sprintf("; from CPU time per seed (%v at 1 core, %v at %d): %.2f×", cpu1.Round(time.Microsecond), cpuN.Round(time.Microsecond), cores, float64(cores)*float64(cpu1)/float64(cpuN))
	}
	figs := []figure{
		{name: fmt.Sprintf("`%s` seeds/s, 1 core (GOMAXPROCS=1, best of %d)", name, scalingRounds), value: fmt.Sprintf("%.1f", r1), command: cmd},
		{name: fmt.Sprintf("`%s` seeds/s, %d cores (best of %d)", name, cores, scalingRounds), value: fmt.Sprintf("%.1f", rn), target: fmt.Sprintf("≥ %d", targetSeedsPerSec), met: met(rn >= targetSeedsPerSec), command: "same"},
		{name: fmt.Sprintf("scaling, 1 → %d cores", cores), value: fmt.Sprintf("%.2f× wall clock%s", scaling, cpuScaling), target: fmt.Sprintf("≥ %.1f×", targetScaling*float64(cores)), met: met(scaling >= targetScaling*float64(cores)), command: "same"},
	}

	fmt.Fprintf(stderr, "bench: %s, %d seeds at %d cores, memory sampled\n", name, cfg.seeds, cores)
	mem := newMemSampler(cfg.seeds)
	long := timedSweep(cfg, cfg.seeds, cores, stderr, mem)
	mem.finish()
	code = worse(code, exitForChecks(long.ByCheck))
	secs := long.Wall.Seconds()
	simSecs := float64(long.SimTime) / float64(sim.Second)
	perCore := simSecs / (long.SimWall + long.CheckWall).Seconds()
	cmd = fmt.Sprintf("`paxossim bench -seeds %d%s`", cfg.seeds, benchFlags(cfg))
	liveGrowth := int64(mem.live100) - int64(mem.live10)
	var tenths []string
	for _, v := range mem.peakInuse {
		tenths = append(tenths, fmt.Sprintf("%.0f", float64(v)/(1<<20)))
	}
	figs = append(figs,
		figure{name: fmt.Sprintf("`%s` seeds/s over %d seeds, %d cores", name, long.Runs, cores), value: fmt.Sprintf("%.1f (%d failures)", rate(&long), long.Failures), target: fmt.Sprintf("≥ %d", targetSeedsPerSec), met: met(rate(&long) >= targetSeedsPerSec && long.Failures == 0), command: cmd},
		figure{name: "simulated seconds per wall second", value: fmt.Sprintf("%.0f (%.0f per core)", simSecs/secs, perCore), command: "same"},
		figure{name: "events/s in whole runs (protocol, network, checks)", value: humanCount(float64(long.Events) / secs), command: "same"},
		figure{name: "linearizability check share of run time", value: fmt.Sprintf("%.1f%%", 100*long.CheckShare()), command: "same"},
		figure{name: "live heap after a GC at 10% / 100% of the sweep", value: fmt.Sprintf("%s / %s", mib(mem.live10), mib(mem.live100)), target: "no growth (< +2 MiB)", met: met(liveGrowth < targetLiveGrowth), command: "same"},
		figure{name: "heap in use, peak in each tenth of the sweep (MiB)", value: strings.Join(tenths, " "), command: "same"},
		figure{name: "memory from the OS (Sys), peak", value: mib(peak(mem.peakSys)), command: "same"},
	)
	return figs, code
}

// timedSweep runs count seeds of the scenario at the given parallelism,
// with plain progress lines on stderr.
func timedSweep(cfg benchConfig, count, parallel int, stderr io.Writer, mem *memSampler) scenarios.Summary {
	prog := newProgress(stderr, 10*time.Second, cfg.scenario.Name, count, 0)
	sw := scenarios.Sweep{
		Scenario: cfg.scenario,
		Start:    cfg.start,
		Count:    count,
		Parallel: parallel,
		OnResult: func(res *scenarios.Result) {
			prog.observe(res)
			if mem != nil {
				mem.observe()
			}
		},
	}
	if mem != nil {
		mem.begin()
	}
	prog.begin()
	sum, err := sw.Run()
	prog.end()
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
	}
	return sum
}

// cpuSweep is timedSweep with the process's CPU time per seed.
func cpuSweep(cfg benchConfig, count, parallel int, stderr io.Writer) (scenarios.Summary, time.Duration, bool) {
	before, ok1 := processCPU()
	sum := timedSweep(cfg, count, parallel, stderr, nil)
	after, ok2 := processCPU()
	if !ok1 || !ok2 || sum.Runs == 0 {
		return sum, 0, false
	}
	return sum, (after - before) / time.Duration(sum.Runs), true
}

func rate(sum *scenarios.Summary) float64 {
	if s := sum.Wall.Seconds(); s > 0 {
		return float64(sum.Runs) / s
	}
	return 0
}

func humanCount(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1f M", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f k", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func cpuSuffix(model string) string {
	if model == "" {
		return ""
	}
	return " (" + model + ")"
}

func shortRevision(rev string) string {
	if len(rev) > 12 && !strings.HasPrefix(rev, "unknown") {
		dirty := strings.HasSuffix(rev, "+dirty")
		rev = rev[:12]
		if dirty {
			rev += "+dirty"
		}
	}
	return rev
}

// loadAverage is the one-minute load average (Linux only), to tell a
// reader of the figures whether other work shared the machine.
func loadAverage() (float64, bool) {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(f[0], 64)
	return v, err == nil
}
