package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/scenarios"
)

// usageErrorf prints a one-line error naming the problem, then a hint at
// the usage, and returns exitUsage. Every bad input ends here, never in a
// panic.
func usageErrorf(stderr io.Writer, cmd, format string, args ...any) int {
	prefix, hint := "paxossim", "paxossim help"
	if cmd != "" {
		prefix, hint = "paxossim "+cmd, "paxossim "+cmd+" -h"
	}
	msg := oneLine(fmt.Sprintf(format, args...))
	fmt.Fprintf(stderr, "%s: %s\nRun '%s' for usage.\n", prefix, msg, hint)
	return exitUsage
}

// oneLine joins the lines of a message with "; ": a joined error (a params
// file with several bad fields) stays one line.
func oneLine(msg string) string {
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// flagSet is a subcommand's flags with its synopsis: the flag package only
// parses; printing usage and errors is ours, so that an error is one line.
type flagSet struct {
	*flag.FlagSet
	synopsis string // the usage line(s) and a paragraph, printed by -h
}

func newFlagSet(name, synopsis string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, synopsis: synopsis}
}

// parse parses args. It returns ok=false with the exit code when the
// command must stop: after -h (usage on stdout, exit 0), or on a bad flag
// or a stray argument (one line on stderr, exit 2). Positional arguments
// are an error unless positional is set.
func (fs *flagSet) parse(args []string, positional bool, stdout, stderr io.Writer) (int, bool) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.printUsage(stdout)
		return exitPass, false
	}
	if err != nil {
		return usageErrorf(stderr, fs.Name(), "%v", err), false
	}
	if !positional && fs.NArg() > 0 {
		return usageErrorf(stderr, fs.Name(), "unexpected argument %q (flags go before arguments, as -name value)", fs.Arg(0)), false
	}
	return exitPass, true
}

func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintln(w, strings.TrimRight(fs.synopsis, "\n"))
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprint(w, "\nflags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// given reports whether the flag was set on the command line.
func (fs *flagSet) given(name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// seedFlag is a seed flag parsed by scenarios.ParseSeed (decimal or 0x-hex),
// so that a mistyped seed is an error, never a different run.
type seedFlag struct {
	v   uint64
	set bool
}

func (s *seedFlag) String() string {
	if s == nil || !s.set {
		return ""
	}
	return fmt.Sprint(s.v)
}

func (s *seedFlag) Set(v string) error {
	seed, err := scenarios.ParseSeed(v)
	if err != nil {
		return err
	}
	s.v, s.set = seed, true
	return nil
}

// protocolFlag adds the -protocol flag every command that runs seeds has.
func protocolFlag(fs *flagSet) *string {
	return fs.String("protocol", scenarios.DefaultProtocol, "the protocol `NAME` to run (see 'paxossim list')")
}

// lookupProtocol finds a registered protocol by name with a one-line
// error naming the ones there are.
func lookupProtocol(name string) (*protocol.Protocol, error) {
	if name == "" {
		return nil, fmt.Errorf("-protocol is empty (have: %s)", strings.Join(protocol.Names(), ", "))
	}
	return protocol.Lookup(name)
}

// lookupScenario finds a scenario by name, running proto, with a one-line
// error.
func lookupScenario(proto *protocol.Protocol, name string) (*scenarios.Scenario, error) {
	if name == "" {
		return nil, errors.New("-scenario is required (see 'paxossim list')")
	}
	if _, err := scenarios.Lookup(name); err != nil {
		return nil, fmt.Errorf("unknown scenario %q (have: %s; each also as NAME-3 and NAME-5)", name, strings.Join(scenarios.BaseNames(), ", "))
	}
	return scenarios.LookupFor(proto.Name, name)
}

// checkMutant accepts "" (the correct protocol) or a mutant of proto's
// catalogue.
func checkMutant(proto *protocol.Protocol, name string) error {
	if proto.CheckMutant(name) == nil {
		return nil
	}
	have := "none"
	if names := proto.MutantNames(); len(names) > 0 {
		have = strings.Join(names, ", ")
	}
	return fmt.Errorf("unknown mutant %q of protocol %s (have: %s)", name, proto.Name, have)
}

// protocolSuffix is " -protocol NAME" for a protocol other than the
// default, for the command lines the commands print.
func protocolSuffix(name string) string {
	if name == "" || name == scenarios.DefaultProtocol {
		return ""
	}
	return " -protocol " + name
}
