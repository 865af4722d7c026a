package paxossimtest

import (
	crand "crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
)

// The go test flags. Every one is prefixed "paxossim." (-paxossim.seed),
// so that none collides with go test's own flags (-trace, -run, -v,
// -parallel, ...) or another package's. Every one can also come from an
// environment variable, PAXOSSIM_<NAME> with dashes as underscores
// (PAXOSSIM_SEEDS=500), which `go test ./...` carries to every package; a
// flag on the command line wins over the variable.
var (
	flagProtocol    = flag.String(scenarios.FlagPrefix+"protocol", "", "protocol to test, when the test offers more than one (env PAXOSSIM_PROTOCOL)")
	flagScenario    = flag.String(scenarios.FlagPrefix+"scenario", "", "scenario(s) to sweep or replay, comma-separated (default: every base scenario but those built to fail; env PAXOSSIM_SCENARIO)")
	flagSeeds       = flag.String(scenarios.FlagPrefix+"seeds", "", "seeds per scenario in a sweep (env PAXOSSIM_SEEDS; default 60, 10 with -short)")
	flagBaseSeed    = flag.String(scenarios.FlagPrefix+"base-seed", "", "first seed of a sweep, decimal or 0x-hex (env PAXOSSIM_BASE_SEED; default: fresh and random, printed first)")
	flagSeed        = flag.String(scenarios.FlagPrefix+"seed", "", "replay exactly this seed of -paxossim.scenario (env PAXOSSIM_SEED)")
	flagTrace       = flag.Bool(scenarios.FlagPrefix+"trace", false, "with -paxossim.seed or -paxossim.plan: print every trace event (env PAXOSSIM_TRACE=1)")
	flagMutant      = flag.String(scenarios.FlagPrefix+"mutant", "", "run the protocol with this mutant (env PAXOSSIM_MUTANT)")
	flagOut         = flag.String(scenarios.FlagPrefix+"out", "", "directory for failure artifacts (env PAXOSSIM_OUT; default: a temp directory)")
	flagPlan        = flag.String(scenarios.FlagPrefix+"plan", "", "replay the run saved in this params.json (or the plan.json next to one) exactly (env PAXOSSIM_PLAN)")
	flagRecheck     = flag.String(scenarios.FlagPrefix+"recheck", "", "re-check the history saved in this artifacts directory, without re-running (env PAXOSSIM_RECHECK)")
	flagParallel    = flag.String(scenarios.FlagPrefix+"parallel-seeds", "", "seeds run at once (env PAXOSSIM_PARALLEL_SEEDS; default GOMAXPROCS)")
	flagDeterminism = flag.String(scenarios.FlagPrefix+"determinism-every", "", "re-run every k-th seed and compare trace hashes; 0 disables (env PAXOSSIM_DETERMINISM_EVERY; default 10)")
	flagSummary     = flag.String(scenarios.FlagPrefix+"summary", "", "append each sweep's summary line (scenario, base seed, seeds, failures, how to run it again) to this file, which go test shows even for a passing package without -v (env PAXOSSIM_SUMMARY)")
)

// Settings are the parsed flags of one test.
type Settings struct {
	Protocol         *protocol.Protocol
	Scenarios        []string
	Seeds            int
	BaseSeed         uint64
	BaseSeedGiven    bool
	Seed             uint64
	SeedGiven        bool
	Trace            bool
	Mutant           string
	Out              string
	Recheck          string
	Plan             string
	Parallel         int
	DeterminismEvery int
	Summary          string
}

// value returns the flag's value, or the environment variable's.
func value(f *string, name string) string {
	if *f != "" {
		return *f
	}
	return os.Getenv("PAXOSSIM_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
}

// ParseSettings reads the flags for a test of o's protocol. Bad flags are
// an error naming the flag, never a default.
func ParseSettings(o Options) (Settings, error) {
	nameTestedRevision()
	s := Settings{Seeds: 60, DeterminismEvery: 10}
	if err := checkEnvironment(); err != nil {
		return s, err
	}
	if o.Seeds > 0 {
		s.Seeds = o.Seeds
	}
	if testing.Short() {
		s.Seeds = max(1, s.Seeds/6)
	}
	proto, err := o.protocol()
	if err != nil {
		return s, err
	}
	if v := value(flagProtocol, "protocol"); v != "" && v != proto.Name {
		if o.Protocol != nil {
			return s, fmt.Errorf("-%sprotocol=%q: this test runs protocol %s", scenarios.FlagPrefix, v, proto.Name)
		}
		if proto, err = protocol.Lookup(v); err != nil {
			return s, fmt.Errorf("-%sprotocol: %v", scenarios.FlagPrefix, err)
		}
	}
	s.Protocol = proto
	if v := value(flagScenario, "scenario"); v != "" {
		for _, name := range strings.Split(v, ",") {
			if _, err := scenarios.LookupFor(proto.Name, name); err != nil {
				return s, fmt.Errorf("-%sscenario: %v", scenarios.FlagPrefix, err)
			}
			s.Scenarios = append(s.Scenarios, name)
		}
	} else if len(o.Scenarios) > 0 {
		s.Scenarios = o.Scenarios
	} else {
		s.Scenarios = scenarios.SweepNames()
	}
	if v := value(flagSeeds, "seeds"); v != "" {
		if s.Seeds, err = strconv.Atoi(v); err != nil || s.Seeds < 1 || s.Seeds > 1<<30 {
			return s, fmt.Errorf("-%sseeds=%q: want a positive integer", scenarios.FlagPrefix, v)
		}
	}
	if v := value(flagBaseSeed, "base-seed"); v != "" {
		if s.BaseSeed, err = scenarios.ParseSeed(v); err != nil {
			return s, fmt.Errorf("-%sbase-seed: %v", scenarios.FlagPrefix, err)
		}
		s.BaseSeedGiven = true
	} else {
		var b [8]byte
		_, _ = crand.Read(b[:]) // a fresh base seed, outside any run: every CI run explores new schedules
		s.BaseSeed = binary.LittleEndian.Uint64(b[:]) >> 1
	}
	if v := value(flagSeed, "seed"); v != "" {
		if s.Seed, err = scenarios.ParseSeed(v); err != nil {
			return s, fmt.Errorf("-%sseed: %v", scenarios.FlagPrefix, err)
		}
		s.SeedGiven = true
		if len(s.Scenarios) != 1 {
			return s, fmt.Errorf("-%sseed needs exactly one -%sscenario", scenarios.FlagPrefix, scenarios.FlagPrefix)
		}
	}
	s.Plan = value(flagPlan, "plan")
	s.Recheck = value(flagRecheck, "recheck")
	s.Summary = value(flagSummary, "summary")
	s.Trace = *flagTrace || os.Getenv("PAXOSSIM_TRACE") == "1"
	if s.Trace && !s.SeedGiven && s.Plan == "" {
		return s, fmt.Errorf("-%strace needs -%sseed or -%splan (a sweep's traces would be enormous)", scenarios.FlagPrefix, scenarios.FlagPrefix, scenarios.FlagPrefix)
	}
	s.Mutant = value(flagMutant, "mutant")
	if err := proto.CheckMutant(s.Mutant); err != nil {
		return s, fmt.Errorf("-%smutant: %v", scenarios.FlagPrefix, err)
	}
	s.Out = value(flagOut, "out")
	if v := value(flagParallel, "parallel-seeds"); v != "" {
		if s.Parallel, err = strconv.Atoi(v); err != nil || s.Parallel < 1 || s.Parallel > 4096 {
			return s, fmt.Errorf("-%sparallel-seeds=%q: want an integer in 1..4096", scenarios.FlagPrefix, v)
		}
	}
	if v := value(flagDeterminism, "determinism-every"); v != "" {
		if s.DeterminismEvery, err = strconv.Atoi(v); err != nil || s.DeterminismEvery < 0 {
			return s, fmt.Errorf("-%sdeterminism-every=%q: want an integer >= 0", scenarios.FlagPrefix, v)
		}
	}
	return s, nil
}

// envNames are the PAXOSSIM_ variables the flags read.
var envNames = []string{"PROTOCOL", "SCENARIO", "SEEDS", "BASE_SEED", "SEED", "TRACE", "MUTANT", "OUT", "PLAN",
	"RECHECK", "PARALLEL_SEEDS", "DETERMINISM_EVERY", "SUMMARY"}

// checkEnvironment refuses a PAXOSSIM_ variable no flag reads: a misspelt
// PAXOSSIM_SEDS=5000 must not silently run the default sweep.
func checkEnvironment() error {
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, "PAXOSSIM_")
		if !ok || slices.Contains(envNames, rest) {
			continue
		}
		return fmt.Errorf("environment variable %s: not a paxossim setting (have PAXOSSIM_%s)", name, strings.Join(envNames, ", PAXOSSIM_"))
	}
	return nil
}
