package paxossimtest

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paxossim/paxossim/scenarios"
)

// TestPrintedReplayCommandsRun executes, exactly as a report prints them,
// the replay commands of a failing run: the go test line and the command
// line, by seed and by saved params file (and the plan.json next to it),
// from the module's root, and checks that each reproduces the run's trace
// hash. It builds the scenarios test binary and the command once each.
func TestPrintedReplayCommandsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs go test and go run")
	}
	sc, err := scenarios.Lookup("calm-3")
	require.NoError(t, err)
	res := scenarios.Run(sc, 1, "execute-before-commit", scenarios.RunOptions{})
	require.NotNil(t, res.Failure, "the mutant must fail this seed")
	arts, err := scenarios.WriteArtifacts(t.TempDir(), &res)
	require.NoError(t, err)
	report := scenarios.Report(&res, arts)

	bySeedGo, bySeedCLI := scenarios.ReplayCommands(&res, "")
	require.Contains(t, report, bySeedGo, "the report prints the go test line")
	require.Contains(t, report, bySeedCLI, "the report prints the command line")
	shrunk := res
	shrunk.Params.Scenario = scenarios.RunGenScenario // not in the registry: replays from its file
	byFileGo, byFileCLI := scenarios.ReplayCommands(&shrunk, arts.Params)
	_, byPlanCLI := scenarios.ReplayCommands(&shrunk, filepath.Join(filepath.Dir(arts.Params), "plan.json"))

	want := "trace-hash: " + hex16(res.Hash)
	root := moduleRoot(t)
	for _, line := range []string{bySeedGo, bySeedCLI, byFileGo, byFileCLI, byPlanCLI} {
		t.Run("", func(t *testing.T) {
			out := runLine(t, root, line)
			assert.Contains(t, out, want, "%s\n%s", line, tail(out))
			assert.Contains(t, out, "execute-before-commit", "the replay names the mutant")
		})
	}
}

// TestDocumentedCommandsUseKnownFlags reads the commands the project's docs
// print (README.md and every doc comment) and checks each go test line
// uses only paxossim flags that exist, never one go test would take for
// its own (-trace, -seed, ...).
func TestDocumentedCommandsUseKnownFlags(t *testing.T) {
	root := moduleRoot(t)
	var files []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".go") {
			files = append(files, path)
		}
		return nil
	}))
	goTest := regexp.MustCompile(`go test [^\n` + "`" + `]*`)
	flagRe := regexp.MustCompile(`\s-([a-z][a-z0-9.-]*)`)
	goTestFlags := map[string]bool{"run": true, "v": true, "count": true, "fuzz": true, "fuzztime": true,
		"fuzzminimizetime": true, "bench": true, "benchmem": true, "benchtime": true, "cpu": true, "short": true,
		"timeout": true, "list": true,
		// the scenarios test binary's own maintenance flags (make mutants, the fuzz corpus)
		"update-fuzz-corpus": true, "mutant-table": true, "mutant-reps": true, "update-readme": true}
	checked := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, line := range goTest.FindAllString(string(data), -1) {
			if !strings.Contains(line, "paxossim.") && !strings.Contains(line, "./scenarios") {
				continue
			}
			checked++
			for _, m := range flagRe.FindAllStringSubmatch(line, -1) {
				name, _, _ := strings.Cut(m[1], "=")
				if goTestFlags[name] || strings.HasPrefix(name, "rapid.") {
					continue
				}
				if strings.HasPrefix(name, scenarios.FlagPrefix) {
					assert.NotNil(t, flag.Lookup(name), "%s: %q uses an unknown flag -%s", rel(root, path), line, name)
					continue
				}
				t.Errorf("%s: %q uses -%s, which is not a paxossim flag (paxossim's go test flags start with -%s)", rel(root, path), line, name, scenarios.FlagPrefix)
			}
		}
	}
	assert.Positive(t, checked, "no documented go test line found")
}

func runLine(t *testing.T, dir, line string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PAXOSSIM_OUT="+t.TempDir())
	out, _ := cmd.CombinedOutput() // a replayed failure exits non-zero, as it should
	return string(out)
}

func moduleRoot(t *testing.T) string {
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		require.NotEqual(t, dir, filepath.Dir(dir), "no go.mod above the test")
		dir = filepath.Dir(dir)
	}
}

func rel(root, path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return path
	}
	return r
}

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

func hex16(h uint64) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 16)
	for i := 15; i >= 0; i-- {
		b[i] = digits[h&0xf]
		h >>= 4
	}
	return string(b)
}
