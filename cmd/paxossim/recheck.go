package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paxossim/paxossim/jepsenlog"
	"github.com/paxossim/paxossim/lincheck"
	"github.com/paxossim/paxossim/scenarios"
	"github.com/paxossim/paxossim/spec"
)

const recheckSynopsis = `usage: paxossim recheck [-budget N] [-timeout D] [-checker auto|exact|porcupine] [-spec NAME] [-html PATH] [-allow-unknown] DIR|FILE

Re-checks a saved history for linearizability without re-running anything:
an artifacts directory (the history.json and params.json that 'run' and
'replay' write for a failure), a history.json, or a Jepsen or Knossos log
(one event a line, as an EDN map or a jepsen.util log line; -spec names
what it is a history of). A file is told apart by its content.

The fast check runs first (the exact checker where the history allows it,
porcupine's search bounded by -budget elsewhere); a verbose search then
draws the HTML page, which recheck always writes: the history, the verdict
and its explanation, the operations that prove a violation marked, and for
an artifacts directory the faults on the rows of the nodes they hit. It
prints the verdict, the checker, the explanation and the page's path.

-budget bounds the search in model steps, so that the verdict is the same
on every machine. -timeout adds a bound in wall time, for an interactive
look at a history the budget cannot finish: a verdict it cuts short
depends on the machine and its load, so no saved run uses one.

Exit status: 0 linearizable; 1 not linearizable (a violation); 5 unknown
(the search ran out of budget or time; 0 with -allow-unknown); 2 bad usage
or an unreadable or invalid input; 4 paxossim itself crashed.`

// maxRecheckTimeout bounds -timeout.
const maxRecheckTimeout = maxBudget

func cmdRecheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("recheck", recheckSynopsis)
	budget := &int64Flag{v: lincheck.DefaultBudget, min: 1, max: lincheck.MaxBudget}
	fs.Var(budget, "budget", "bound porcupine's search to `N` model steps per partition")
	timeout := fs.Duration("timeout", 0, "also bound the search to `D` of wall time (0: none); a verdict it cuts short depends on the machine")
	checker := fs.String("checker", string(lincheck.Auto), "the `checker`: auto (exact where it applies, else porcupine), exact, or porcupine")
	specName := fs.String("spec", "", "the spec `NAME` a Jepsen log is a history of (default "+jepsenlog.Specs()[0]+"; a history.json names its own)")
	html := fs.String("html", "", "write the page to `PATH` (default: recheck.html in the directory, or the log's name with .html)")
	allowUnknown := fs.Bool("allow-unknown", false, "exit 0, not 5, when the verdict is unknown")
	if code, ok := fs.parse(args, true, stdout, stderr); !ok {
		return code
	}
	switch {
	case fs.NArg() == 0:
		return usageErrorf(stderr, "recheck", "give an artifacts directory, a history.json or a Jepsen log to re-check")
	case fs.NArg() > 1:
		return usageErrorf(stderr, "recheck", "unexpected argument %q: recheck takes one DIR or FILE (flags go before it)", fs.Arg(1))
	case *timeout < 0:
		return usageErrorf(stderr, "recheck", "-timeout %v: must not be negative", *timeout)
	case *timeout > maxRecheckTimeout:
		return usageErrorf(stderr, "recheck", "-timeout %v: must be at most %v", *timeout, maxRecheckTimeout)
	}
	ch, err := lincheck.ParseChecker(*checker)
	if err != nil {
		return usageErrorf(stderr, "recheck", "-checker: %v", err)
	}
	if *specName != "" {
		if _, err := spec.Lookup(*specName); err != nil {
			return usageErrorf(stderr, "recheck", "-spec: %v", err)
		}
	}
	if *html != "" {
		if fi, err := os.Stat(filepath.Dir(*html)); err != nil || !fi.IsDir() {
			return usageErrorf(stderr, "recheck", "-html %s: no directory %s to write it in", *html, filepath.Dir(*html))
		}
	}
	path := fs.Arg(0)
	r, err := scenarios.RecheckPath(path, scenarios.RecheckOptions{
		Check: lincheck.Options{Checker: ch, Budget: budget.v, Timeout: *timeout},
		Spec:  *specName, HTML: *html,
	})
	if err != nil && !errors.Is(err, scenarios.ErrPage) {
		return usageErrorf(stderr, "recheck", "%v", err)
	}
	res := r.Result
	fmt.Fprintf(stdout, "recheck: %s (%s, spec %s, %d operations)\n", path, r.Kind, r.Spec, r.Ops)
	fmt.Fprintf(stdout, "linearizability: %s\n", res.Verdict)
	where := string(res.Checker)
	if res.Key != "" {
		where += fmt.Sprintf(", key %q", res.Key)
	}
	if where != "" {
		fmt.Fprintf(stdout, "checker: %s (%d partitions judged exactly, %d searched in %d model steps)\n", where, res.Exact, res.Searched, res.Steps)
	}
	if res.Verdict != lincheck.Ok {
		why := res.Explanation
		if why == "" {
			why = "(the checker gave no reason)"
		}
		fmt.Fprintf(stdout, "explanation: %s\n", strings.ReplaceAll(why, "\n", "\n  "))
	}
	code := exitPass
	switch res.Verdict {
	case lincheck.Violation:
		code = exitCheckFailed
	case lincheck.Unknown:
		if !*allowUnknown {
			code = exitIncomplete
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "paxossim recheck: %v\n", err)
		return worse(code, exitIncomplete)
	}
	fmt.Fprintf(stdout, "page: %s\n", r.Page)
	return code
}

// int64Flag is an int64 flag with its allowed range (a budget passes an
// int on a 32-bit build).
type int64Flag struct {
	v        int64
	min, max int64
}

func (f *int64Flag) String() string {
	if f == nil {
		return "0"
	}
	return strconv.FormatInt(f.v, 10)
}

func (f *int64Flag) Set(s string) error {
	v, err := strconv.ParseInt(s, 0, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) && strings.HasPrefix(s, "-"), err == nil && v < f.min:
		return fmt.Errorf("must be at least %d", f.min)
	case errors.Is(err, strconv.ErrRange), err == nil && v > f.max:
		return fmt.Errorf("must be at most %d", f.max)
	case err != nil:
		return fmt.Errorf("not an integer")
	}
	f.v = v
	return nil
}
