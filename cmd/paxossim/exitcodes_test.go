package main

import (
	"bytes"
	"errors"
	"fmt"
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

// envTestProcess makes the test binary act as the paxossim binary (see
// TestMain): "main" runs main() on its arguments; "panic" and
// "goroutine-panic" run a command that panics, on the main goroutine or
// on another one.
const envTestProcess = "PAXOSSIM_TEST_PROCESS"

func TestMain(m *testing.M) {
	switch os.Getenv(envTestProcess) {
	case "main":
		main()
	case "panic":
		os.Exit(guard(os.Stderr, func() int { panic("injected by the test") }))
	case "goroutine-panic":
		os.Exit(guard(os.Stderr, func() int {
			goGuarded(os.Stderr, func() { panic("injected by the test, on a goroutine") })
			select {}
		}))
	}
	os.Exit(m.Run())
}

// process runs the test binary as the paxossim binary, in the given
// mode, and returns its exit status and output.
func process(t *testing.T, mode string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envTestProcess+"="+mode)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	require.NoError(t, err)
	return 0, stdout.String(), stderr.String()
}

// TestExitForChecks: no-progress failures alone are exit 3; any other
// failed check, alone or with no-progress ones, is exit 1.
func TestExitForChecks(t *testing.T) {
	cases := []struct {
		byCheck map[scenarios.Check]int
		want    int
	}{
		{nil, exitPass},
		{map[scenarios.Check]int{scenarios.CheckLiveness: 0}, exitPass},
		{map[scenarios.Check]int{scenarios.CheckLiveness: 3}, exitNoProgress},
		{map[scenarios.Check]int{scenarios.CheckAgreement: 1}, exitCheckFailed},
		{map[scenarios.Check]int{scenarios.CheckLiveness: 5, scenarios.CheckAgreement: 1}, exitCheckFailed},
		{map[scenarios.Check]int{scenarios.CheckLiveness: 5, scenarios.CheckLinearizability: 1}, exitCheckFailed},
		{map[scenarios.Check]int{scenarios.CheckUnknown: 1}, exitCheckFailed},
		{map[scenarios.Check]int{"a-check-from-a-newer-version": 1}, exitCheckFailed},
		// A panic in paxossim's own code during a seed is its crash, not
		// the protocol's failure (a node's panic is CheckPanic: exit 1).
		{map[scenarios.Check]int{scenarios.CheckHarness: 1, scenarios.CheckAgreement: 2}, exitCrash},
		{map[scenarios.Check]int{scenarios.CheckPanic: 1}, exitCheckFailed},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, exitForChecks(c.byCheck), "%v", c.byCheck)
	}
	// Severity: correctness > incomplete > no progress > pass.
	assert.Equal(t, exitCheckFailed, worse(exitNoProgress, exitCheckFailed))
	assert.Equal(t, exitCheckFailed, worse(exitIncomplete, exitCheckFailed))
	assert.Equal(t, exitIncomplete, worse(exitNoProgress, exitIncomplete))
	assert.Equal(t, exitNoProgress, worse(exitPass, exitNoProgress))
	assert.Equal(t, exitPass, worse(exitPass, exitPass))
}

// TestExitCodes: each outcome class has its exit status, as the process
// exits with it (the test binary acting as the paxossim binary).
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	torn := filepath.Join(dir, "torn.jsonl")
	require.NoError(t, os.WriteFile(torn, []byte(jsonLine(t, nil)+"\n{\"scenario\":\"ca"), 0o644))
	mixed := filepath.Join(dir, "mixed.jsonl")
	require.NoError(t, os.WriteFile(mixed, []byte(strings.Join([]string{
		jsonLine(t, map[string]any{"sweep_count": 2, "passed": false, "check": "no-progress"}),
		jsonLine(t, map[string]any{"sweep_count": 2, "seed": 101, "index": 1, "passed": false, "check": "agreement"}),
	}, "\n")+"\n"), 0o644))
	stalled := filepath.Join(dir, "stalled.jsonl")
	require.NoError(t, os.WriteFile(stalled, []byte(strings.Join([]string{
		jsonLine(t, map[string]any{"sweep_count": 2, "passed": false, "check": "no-progress"}),
		jsonLine(t, map[string]any{"sweep_count": 2, "seed": 101, "index": 1}),
	}, "\n")+"\n"), 0o644))
	stalledPartial := filepath.Join(dir, "stalled-partial.jsonl")
	require.NoError(t, os.WriteFile(stalledPartial, []byte(
		jsonLine(t, map[string]any{"sweep_count": 2, "passed": false, "check": "no-progress"})+"\n"), 0o644))

	cases := []struct {
		name string
		mode string
		args []string
		want int
		out  string // a part of stdout or stderr
	}{
		{"pass", "main", []string{"run", "-scenario", "calm", "-seed-start", "1", "-count", "2", "-progress", "0"}, exitPass, "PASS: 2 seeds, no failures"},
		{"correctness", "main", []string{"run", "-scenario", "calm-3", "-mutant", "execute-before-commit", "-seed-start", "1", "-count", "1", "-reports", "0", "-progress", "0"}, exitCheckFailed, "FAIL: 1 of 1 seeds failed"},
		{"no progress only", "main", []string{"run", "-scenario", "chaos", "-mutant", "no-accept-reply", "-seed-start", "1", "-count", "3", "-reports", "0", "-progress", "0"}, exitNoProgress, "no progress only"},
		{"safety and liveness: correctness", "main", []string{"merge", mixed}, exitCheckFailed, "FAIL: 2 of 2 seeds failed (agreement=1 no-progress=1)"},
		{"liveness, complete", "main", []string{"merge", stalled}, exitNoProgress, "FAIL: 1 of 2 seeds failed (no-progress=1, no progress only)"},
		{"liveness, incomplete: incomplete", "main", []string{"merge", stalledPartial}, exitIncomplete, "(no-progress=1, no progress only), and the merge is incomplete"},
		{"usage", "main", []string{"run", "-scenario", "calm", "-parallel", "0"}, exitUsage, "must be at least 1"},
		{"incomplete", "main", []string{"merge", torn}, exitIncomplete, "the last line is torn"},
		{"crash", "panic", nil, exitCrash, "panic: injected by the test"},
		{"crash on a goroutine", "goroutine-panic", nil, exitCrash, "panic: injected by the test, on a goroutine"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := process(t, c.mode, c.args...)
			assert.Equal(t, c.want, code, "%s\n%s", stdout, stderr)
			assert.Contains(t, stdout+stderr, c.out)
			if c.want == exitCrash {
				assert.Contains(t, stderr, "This is a bug in paxossim itself")
				assert.Contains(t, stderr, "goroutine ", "the stack")
				assert.Contains(t, stderr, "exitcodes_test.go", "the stack reaches the panic")
			}
		})
	}
}

// TestGuard: a panic in a command is exit status 4 with the stack, in
// process too; a command that returns is its own status.
func TestGuard(t *testing.T) {
	var stderr bytes.Buffer
	assert.Equal(t, exitCrash, guard(&stderr, func() int { panic("boom") }))
	assert.Contains(t, stderr.String(), "paxossim: internal error: panic: boom\n")
	assert.Contains(t, stderr.String(), "runtime/debug.Stack")
	stderr.Reset()
	assert.Equal(t, exitNoProgress, guard(&stderr, func() int { return exitNoProgress }))
	assert.Empty(t, stderr.String())
}

// TestRunJSONUnwritable: a sweep that cannot write its -json file exits
// 5 when no check failed, since merge will find its seeds missing.
func TestRunJSONUnwritable(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	code, stdout, stderr := invoke(t, "run", "-scenario", "calm", "-seed-start", "1", "-count", "2", "-json", "/dev/full", "-progress", "0")
	assert.Equal(t, exitIncomplete, code, "%s\n%s", stdout, stderr)
	assert.Contains(t, stderr, "paxossim run: writing -json /dev/full: ")
	assert.Contains(t, stdout, "PASS: 2 seeds, no failures")
}

// TestUsageNamesExitCodes: the top-level usage and every command's -h
// document the exit codes the command uses.
func TestUsageNamesExitCodes(t *testing.T) {
	_, stdout, _ := invoke(t, "help")
	for _, want := range []string{"0 pass", "1 a correctness check failed", "2 bad usage", "3 no progress", "4 paxossim itself crashed", "5 incomplete"} {
		assert.Contains(t, collapse(stdout), want)
	}
	codes := map[string][]int{
		"run":     {exitPass, exitCheckFailed, exitUsage, exitNoProgress, exitCrash, exitIncomplete},
		"replay":  {exitPass, exitCheckFailed, exitUsage, exitNoProgress, exitCrash},
		"shrink":  {exitCheckFailed, exitUsage, exitNoProgress, exitCrash, exitIncomplete},
		"merge":   {exitPass, exitCheckFailed, exitUsage, exitNoProgress, exitCrash, exitIncomplete},
		"bench":   {exitPass, exitCheckFailed, exitUsage, exitNoProgress, exitCrash, exitIncomplete},
		"recheck": {exitPass, exitCheckFailed, exitUsage, exitCrash, exitIncomplete},
	}
	for c, want := range codes {
		_, stdout, _ := invoke(t, c, "-h")
		_, status, ok := strings.Cut(collapse(stdout), "Exit status: ")
		require.True(t, ok, c)
		for _, code := range want {
			assert.Regexp(t, fmt.Sprintf(`(^|; )%d `, code), status, "%s -h documents exit status %d", c, code)
		}
	}
}

// TestJobManifestExitCodes: the Kubernetes Job fails an index on the exit
// codes of results and crashes, and the whole Job only on bad usage.
func TestJobManifestExitCodes(t *testing.T) {
	data, err := os.ReadFile("../../deploy/k8s/paxossim-job.yaml")
	require.NoError(t, err)
	values := func(action string) string {
		m := regexp.MustCompile(`(?s)- action: ` + action + `\s+onExitCodes:.*?values: \[([^\]]*)\]`).FindStringSubmatch(string(data))
		require.NotNil(t, m, "no %s rule on exit codes", action)
		return m[1]
	}
	assert.Equal(t, fmt.Sprintf("%d, %d, %d", exitCheckFailed, exitNoProgress, exitCrash), values("FailIndex"))
	assert.Equal(t, fmt.Sprint(exitUsage), values("FailJob"))
}
