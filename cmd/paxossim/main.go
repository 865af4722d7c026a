package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/paxossim/paxossim/scenarios"
)

// The exit codes of every command, one per outcome class, so that a
// script or a Kubernetes podFailurePolicy can tell a found bug from a
// mistyped command line or a crash of the harness itself.
const (
	// exitPass: every seed passed (or -h printed the usage).
	exitPass = 0
	// exitCheckFailed: a correctness check failed: a safety invariant,
	// linearizability, determinism, a node's panic, an inconclusive check,
	// a budget, a scenario that never reached a probe it exists to
	// exercise. Also when no-progress failures come with these: a sweep's
	// code is its worst failure's.
	exitCheckFailed = 1
	// exitUsage: bad flags or bad input (an unreadable or impossible
	// file, a value past a limit, shrink given a run that passes):
	// nothing ran, or nothing was merged.
	exitUsage = 2
	// exitNoProgress: the only failures are no-progress ones (liveness:
	// an operation stayed open past the bound after the heal).
	exitNoProgress = 3
	// exitCrash: paxossim itself panicked (a bug in the harness, not in
	// the protocol), in the command or in the harness during a seed
	// (scenarios.CheckHarness); the stack is on stderr or in the report. Go's own exit status for an
	// uncaught panic is 2, which would read as bad usage.
	exitCrash = 4
	// exitIncomplete: no check failed, but results are missing or
	// inconsistent: merge found seeds with no line, an empty or torn
	// shard file, or a seed twice; run could not write its -json file.
	exitIncomplete = 5
)

// exitSeverity orders the outcome classes, for a command that finds
// several: its exit code is the most severe one's. A correctness failure
// outranks everything; an incomplete result outranks no-progress-only,
// since the seeds it lacks may hold any failure; usage and crash codes
// end a command before there is anything to combine.
var exitSeverity = map[int]int{exitPass: 0, exitNoProgress: 1, exitIncomplete: 2, exitCheckFailed: 3, exitUsage: 4, exitCrash: 5}

// worse returns the more severe of two exit codes.
func worse(a, b int) int {
	if exitSeverity[b] > exitSeverity[a] {
		return b
	}
	return a
}

// exitForChecks is the exit code of a set of failures, by check: 3 when
// every one of them is a no-progress failure, 1 when any other check
// failed, 0 when there is none.
func exitForChecks(byCheck map[scenarios.Check]int) int {
	code := exitPass
	for check, n := range byCheck {
		if n > 0 {
			code = worse(code, exitForCheck(check))
		}
	}
	return code
}

// exitForCheck is the exit code of one failed check. Only no-progress is
// a liveness failure and only a harness panic is paxossim's own crash; any
// other check, a future one included, is a correctness failure.
func exitForCheck(check scenarios.Check) int {
	switch check {
	case scenarios.CheckLiveness:
		return exitNoProgress
	case scenarios.CheckHarness:
		return exitCrash
	}
	return exitCheckFailed
}

func main() {
	os.Exit(guard(os.Stderr, func() int { return run(os.Args[1:], os.Stdout, os.Stderr) }))
}

// guard runs a command and turns a panic in it into exit status 4, with
// the stack on stderr. Every command runs under it; the goroutines the
// commands start run under goGuarded.
func guard(stderr io.Writer, command func() int) (code int) {
	defer func() {
		if v := recover(); v != nil {
			reportCrash(stderr, v, debug.Stack())
			code = exitCrash
		}
	}()
	return command()
}

// exitProcess ends the process; a crash in a goroutine cannot return to
// main, so goGuarded exits from where it is.
var exitProcess = os.Exit

// goGuarded runs f on a goroutine of its own, ending the process with exit
// status 4 and the stack on stderr if f panics (a panic on any goroutine
// would otherwise end it with status 2).
func goGuarded(stderr io.Writer, f func()) {
	go func() {
		defer func() {
			if v := recover(); v != nil {
				reportCrash(stderr, v, debug.Stack())
				exitProcess(exitCrash)
			}
		}()
		f()
	}()
}

func reportCrash(stderr io.Writer, v any, stack []byte) {
	fmt.Fprintf(stderr, "paxossim: internal error: panic: %v\n"+
		"This is a bug in paxossim itself, not a finding about the protocol (exit status %d). The stack:\n\n%s",
		v, exitCrash, stack)
}

// command is one subcommand: its name, a one-line summary for the top-level
// usage, and its entry point, which parses its own flags.
type command struct {
	name, summary string
	main          func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run many seeds of a scenario in parallel and summarize", cmdRun},
		{"replay", "replay one seed (or a saved run) exactly, with its trace", cmdReplay},
		{"shrink", "shrink a failing run to a smaller one that fails the same check", cmdShrink},
		{"list", "list protocols (with their mutants and probes), specs, scenarios and nemeses", cmdList},
		{"merge", "merge the JSON lines of sharded runs into one summary", cmdMerge},
		{"recheck", "re-check a saved history or a Jepsen log, and draw its page", cmdRecheck},
		{"bench", "measure the README figures and rewrite them", cmdBench},
		{"explore", "explore every order of events of a tiny configuration (exhaustive mode)", cmdExplore},
	}
}

// run is the whole command, minus the process: tests call it in-process.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[0] == "help" {
			if c, ok := lookupCommand(args[1]); ok {
				return c.main([]string{"-h"}, stdout, stderr)
			}
			return usageErrorf(stderr, "", "unknown command %q", args[1])
		}
		usage(stdout)
		return exitPass
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		return usageErrorf(stderr, "", "unknown command %q", args[0])
	}
	return c.main(args[1:], stdout, stderr)
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// exitStatusHelp is the exit-status paragraph of the top-level usage.
const exitStatusHelp = `Exit status: 0 pass; 1 a correctness check failed; 2 bad usage or bad input;
3 no progress (liveness) failures only; 4 paxossim itself crashed;
5 incomplete (merge: seeds missing, a shard file empty or torn; recheck:
the verdict is unknown).`

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("paxossim: a deterministic simulation harness for Paxos-family protocols\n\n")
	b.WriteString("usage: paxossim COMMAND [flags]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-7s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'paxossim help COMMAND' (or 'paxossim COMMAND -h') for a command's flags.\n")
	b.WriteString(exitStatusHelp + "\n")
	fmt.Fprint(w, b.String())
}
