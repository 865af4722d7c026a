package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
)

// invoke runs the command in-process, as main does, and returns its exit
// code and output.
func invoke(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsage(t *testing.T) {
	code, _, stderr := invoke(t)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "usage: paxossim COMMAND")

	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		code, stdout, _ := invoke(t, args...)
		assert.Equal(t, exitPass, code, args)
		for _, c := range commands() {
			assert.Contains(t, stdout, "  "+c.name+" ", args)
		}
	}
	for _, c := range commands() {
		code, stdout, _ := invoke(t, "help", c.name)
		assert.Equal(t, exitPass, code, c.name)
		assert.Contains(t, stdout, "usage: paxossim "+c.name, c.name)
		code, stdout2, _ := invoke(t, c.name, "-h")
		assert.Equal(t, exitPass, code, c.name)
		assert.Equal(t, stdout, stdout2, c.name)
	}
}

// TestUnknownProtocol: -protocol names a registered protocol; any other
// name is one line naming the ones there are, and exit status 2, before
// anything runs.
func TestUnknownProtocol(t *testing.T) {
	for _, cmd := range [][]string{
		{"run", "-scenario", "calm", "-seed-start", "1", "-count", "1"},
		{"replay", "-scenario", "calm", "-seed", "1"},
		{"bench", "-kernel=false", "-seeds", "1", "-scaling-seeds", "1"},
	} {
		code, stdout, stderr := invoke(t, append(cmd, "-protocol", "paxos-made-wrong")...)
		assert.Equal(t, exitUsage, code, cmd)
		assert.Empty(t, stdout, cmd)
		want := fmt.Sprintf("paxossim %s: unknown protocol \"paxos-made-wrong\" (have: %s)\nRun 'paxossim %s -h' for usage.\n",
			cmd[0], strings.Join(protocol.Names(), ", "), cmd[0])
		assert.Equal(t, want, stderr, cmd)
		assert.Contains(t, stderr, scenarios.DefaultProtocol)
	}
}
