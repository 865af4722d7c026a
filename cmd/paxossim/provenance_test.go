package main

import (
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRevisionOf: the revision comes from the binary's VCS stamp, with
// +dirty for a modified tree.
func TestRevisionOf(t *testing.T) {
	assert.Equal(t, "", revisionOf(nil))
	assert.Equal(t, "abc123", revisionOf([]debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"}}))
	assert.Equal(t, "abc123+dirty", revisionOf([]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}, {Key: "vcs.revision", Value: "abc123"}}))
	assert.Equal(t, "", revisionOf([]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}), "no revision, no +dirty")
}

// TestResolveRevision: -revision names the revision of a binary without
// a stamp; a stamped binary records its own, and refuses a -revision that
// contradicts it.
func TestResolveRevision(t *testing.T) {
	full := "4eca532869adf29536ce6a6d030987b854f12eed"
	ok := []struct{ flag, built, want string }{
		{"", "", unknownRevision},
		{"", full, full},
		{"v1.2.3", "", "v1.2.3"},
		{"4eca532", "", "4eca532"},
		{"4eca532", full, full},
		{full, full + "+dirty", full + "+dirty"},
		{"abc+dirty", "", "abc+dirty"},
	}
	for _, c := range ok {
		got, err := resolveRevisionFrom(c.flag, c.built)
		require.NoError(t, err, "%+v", c)
		assert.Equal(t, c.want, got, "%+v", c)
	}
	bad := []struct{ flag, built, want string }{
		{"deadbeef", full, "-revision deadbeef disagrees with the revision this binary was built from, " + full},
		{"has space", "", `-revision "has space": want a commit hash`},
		{"-x", "", `-revision "-x": want a commit hash`},
		{strings.Repeat("a", maxRevisionLen+1), "", "of at most 100 characters"},
	}
	for _, c := range bad {
		_, err := resolveRevisionFrom(c.flag, c.built)
		if assert.Error(t, err, "%+v", c) {
			assert.Contains(t, err.Error(), c.want)
		}
	}
}

// TestRevisionNotFromWorkingDirectory: the revision the commands record
// comes from the binary, never from the git repository of the directory
// they run in. A go test binary carries no VCS stamp: run in a git
// checkout, it records "unknown", or the -revision given, in its header,
// its JSON lines and its reports.
func TestRevisionNotFromWorkingDirectory(t *testing.T) {
	require.Empty(t, buildRevision(), "a test binary has no VCS stamp")
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git to make a repository with")
	}
	repo := t.TempDir()
	for _, args := range [][]string{{"init", "-q"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "x"}} {
		cmd := exec.Command(git, args...)
		cmd.Dir = repo
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	head, err := exec.Command(git, "-C", repo, "rev-parse", "HEAD").Output()
	require.NoError(t, err)
	t.Chdir(repo)

	path := filepath.Join(t.TempDir(), "lines.jsonl")
	code, stdout, _ := invoke(t, "run", "-scenario", "calm", "-seed-start", "1", "-count", "1", "-json", path, "-progress", "0")
	require.Equal(t, exitPass, code, stdout)
	assert.Contains(t, stdout, " revision=unknown\n")
	assert.Equal(t, "unknown", readJSONL(t, path)[0].Revision)

	code, stdout, _ = invoke(t, "run", "-scenario", "calm", "-seed-start", "1", "-count", "1", "-json", path, "-revision", "v9.9.9", "-progress", "0")
	require.Equal(t, exitPass, code, stdout)
	assert.Contains(t, stdout, " revision=v9.9.9\n")
	assert.Equal(t, "v9.9.9", readJSONL(t, path)[0].Revision)

	code, stdout, _ = invoke(t, "replay", "-scenario", "calm-3", "-seed", "1", "-mutant", "execute-before-commit", "-revision", "v9.9.9", "-out", t.TempDir())
	require.Equal(t, exitCheckFailed, code, stdout)
	assert.Contains(t, stdout, "\nrevision: v9.9.9\n")
	assert.NotContains(t, stdout, strings.TrimSpace(string(head)))
}
