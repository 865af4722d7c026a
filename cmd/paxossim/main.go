package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// The exit codes of every command.
const (
	exitPass  = 0 // every seed passed
	exitFail  = 1 // a seed failed, or a merge found seeds missing
	exitUsage = 2 // bad flags or input: nothing was run
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

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
		{"list", "list protocols (with their mutants and probes), specs, scenarios and nemeses", cmdList},
		{"merge", "merge the JSON lines of sharded runs into one summary", cmdMerge},
		{"bench", "measure the README figures and rewrite them", cmdBench},
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

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("paxossim: a deterministic simulation harness for Paxos-family protocols\n\n")
	b.WriteString("usage: paxossim COMMAND [flags]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-7s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'paxossim help COMMAND' (or 'paxossim COMMAND -h') for a command's flags.\n")
	b.WriteString("Exit status: 0 all seeds passed, 1 a seed failed, 2 bad usage.\n")
	fmt.Fprint(w, b.String())
}
