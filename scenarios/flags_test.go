package scenarios

import (
	crand "crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The go test interface. Every flag can also come from an environment
// variable (PAXOSSIM_<NAME>, dashes as underscores), so that
// `PAXOSSIM_SEEDS=500 go test ./...` carries it past packages that do not
// define the flag. A flag on the command line wins over the variable.
var (
	flagScenario    = flag.String("scenario", "", "scenario to sweep or replay (default: every base scenario; env PAXOSSIM_SCENARIO)")
	flagSeeds       = flag.String("seeds", "", "seeds per scenario in a sweep (env PAXOSSIM_SEEDS; default 60, 10 with -short)")
	flagBaseSeed    = flag.String("base-seed", "", "first seed of a sweep, decimal or 0x-hex (env PAXOSSIM_BASE_SEED; default: fresh and random, printed first)")
	flagSeed        = flag.String("seed", "", "replay exactly this seed of -scenario (env PAXOSSIM_SEED)")
	flagTrace       = flag.Bool("trace", false, "with -seed: print every trace event (env PAXOSSIM_TRACE=1)")
	flagMutant      = flag.String("mutant", "", "run the protocol with this mutant (env PAXOSSIM_MUTANT)")
	flagOut         = flag.String("out", "", "directory for failure artifacts (env PAXOSSIM_OUT; default: a temp directory)")
	flagPlan        = flag.String("plan", "", "replay the run saved in this JSON file (a params.json or a shrunk counterexample) exactly (env PAXOSSIM_PLAN)")
	flagRecheck     = flag.String("recheck", "", "re-check the history saved in this artifacts directory, without re-running (env PAXOSSIM_RECHECK)")
	flagParallel    = flag.String("parallel-seeds", "", "seeds run at once (env PAXOSSIM_PARALLEL; default GOMAXPROCS)")
	flagDeterminism = flag.String("determinism-every", "", "re-run every k-th seed and compare trace hashes; 0 disables (env PAXOSSIM_DETERMINISM_EVERY; default 10)")
)

// settings are the parsed flags.
type settings struct {
	scenarios        []string
	seeds            int
	baseSeed         uint64
	baseSeedGiven    bool
	seed             uint64
	seedGiven        bool
	trace            bool
	mutant           string
	out              string
	recheck          string
	plan             string
	parallel         int
	determinismEvery int
}

// value returns the flag's value, or the environment variable's.
func value(f *string, name string) string {
	if *f != "" {
		return *f
	}
	return os.Getenv("PAXOSSIM_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
}

func parseSettings() (settings, error) {
	s := settings{seeds: 60, determinismEvery: 10}
	if testing.Short() {
		s.seeds = 10
	}
	if v := value(flagScenario, "scenario"); v != "" {
		for _, name := range strings.Split(v, ",") {
			if _, err := Lookup(name); err != nil {
				return s, err
			}
			s.scenarios = append(s.scenarios, name)
		}
	} else {
		s.scenarios = BaseNames()
	}
	var err error
	if v := value(flagSeeds, "seeds"); v != "" {
		if s.seeds, err = strconv.Atoi(v); err != nil || s.seeds < 1 {
			return s, fmt.Errorf("-seeds=%q: want a positive integer", v)
		}
	}
	if v := value(flagBaseSeed, "base-seed"); v != "" {
		if s.baseSeed, err = ParseSeed(v); err != nil {
			return s, fmt.Errorf("-base-seed: %v", err)
		}
		s.baseSeedGiven = true
	} else {
		var b [8]byte
		_, _ = crand.Read(b[:]) // a fresh base seed, outside any run: every CI run explores new schedules
		s.baseSeed = binary.LittleEndian.Uint64(b[:]) >> 1
	}
	if v := value(flagSeed, "seed"); v != "" {
		if s.seed, err = ParseSeed(v); err != nil {
			return s, fmt.Errorf("-seed: %v", err)
		}
		s.seedGiven = true
		if len(s.scenarios) != 1 {
			return s, fmt.Errorf("-seed needs exactly one -scenario")
		}
	}
	s.trace = *flagTrace || os.Getenv("PAXOSSIM_TRACE") == "1"
	if s.trace && !s.seedGiven {
		return s, fmt.Errorf("-trace needs -seed (a sweep's traces would be enormous)")
	}
	s.mutant = value(flagMutant, "mutant")
	if s.mutant != "" && !knownMutant(s.mutant) {
		return s, fmt.Errorf("-mutant=%q: unknown (have: %s)", s.mutant, strings.Join(MutantNames(), ", "))
	}
	s.out = value(flagOut, "out")
	s.recheck = value(flagRecheck, "recheck")
	s.plan = value(flagPlan, "plan")
	if v := value(flagParallel, "parallel"); v != "" {
		if s.parallel, err = strconv.Atoi(v); err != nil || s.parallel < 1 {
			return s, fmt.Errorf("-parallel-seeds=%q: want a positive integer", v)
		}
	}
	if v := value(flagDeterminism, "determinism-every"); v != "" {
		if s.determinismEvery, err = strconv.Atoi(v); err != nil || s.determinismEvery < 0 {
			return s, fmt.Errorf("-determinism-every=%q: want an integer >= 0", v)
		}
	}
	return s, nil
}

func knownMutant(name string) bool {
	for _, m := range MutantNames() {
		if m == name {
			return true
		}
	}
	return false
}
