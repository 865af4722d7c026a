package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/paxossim/paxossim/scenarios"
)

// progress reports a sweep as it goes: on a terminal, one line rewritten in
// place (\r) a few times a second; otherwise (a CI log, a file) a plain line
// every few seconds. A failing seed is announced at once on a line of its
// own, for the first few. Wall-clock time here measures the harness, never a
// run.
type progress struct {
	w      io.Writer
	tty    bool
	every  time.Duration // plain-line interval; 0: no periodic lines
	label  string        // the scenario (and mutant)
	total  int           // seeds this process will run; 0: unbounded
	budget time.Duration // 0: none

	mu      sync.Mutex
	start   time.Time
	done    int
	failed  int
	lastLen int // the width of the line on screen, to blank it
	stop    chan struct{}
	wg      sync.WaitGroup
}

// liveFailures is how many failures are announced while the sweep runs;
// the summary lists them all.
const liveFailures = 10

// ttyRefresh is how often the terminal line is redrawn.
const ttyRefresh = 250 * time.Millisecond

// isTerminal reports whether w is a character device (a terminal), without
// golang.org/x/term.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func newProgress(w io.Writer, every time.Duration, label string, total int, budget time.Duration) *progress {
	return &progress{w: w, tty: isTerminal(w), every: every, label: label, total: total, budget: budget, stop: make(chan struct{})}
}

// begin starts the clock and the reporting goroutine.
func (p *progress) begin() {
	p.start = time.Now()
	interval := p.every
	if p.tty {
		interval = ttyRefresh
	}
	if interval <= 0 {
		return
	}
	p.wg.Add(1)
	goGuarded(p.w, func() {
		defer p.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.mu.Lock()
				p.show()
				p.mu.Unlock()
			}
		}
	})
}

// observe counts a finished seed; the sweep's collector calls it, one
// result at a time.
func (p *progress) observe(res *scenarios.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if res.Passed() {
		return
	}
	p.failed++
	if p.failed > liveFailures {
		return
	}
	p.clear()
	fmt.Fprintf(p.w, "FAIL seed=%d check=%s\n", res.Params.Seed, res.Failure.Check)
	if p.failed == liveFailures {
		fmt.Fprintf(p.w, "(further failures are counted, not announced)\n")
	}
	if p.tty {
		p.show()
	}
}

// end stops the reporting and leaves the terminal on a fresh line.
func (p *progress) end() {
	close(p.stop)
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.lastLen > 0 {
		p.show()
		fmt.Fprintln(p.w)
		p.lastLen = 0
	}
}

func (p *progress) show() {
	line := p.line(time.Since(p.start))
	if !p.tty {
		fmt.Fprintln(p.w, "progress: "+line)
		return
	}
	pad := ""
	if n := p.lastLen - len(line); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprint(p.w, "\r"+line+pad)
	p.lastLen = len(line)
}

// clear blanks the terminal line so that a message can take its place.
func (p *progress) clear() {
	if p.tty && p.lastLen > 0 {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.lastLen)+"\r")
		p.lastLen = 0
	}
}

func (p *progress) line(elapsed time.Duration) string {
	var b strings.Builder
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(p.done) / s
	}
	fmt.Fprintf(&b, "%s: %d", p.label, p.done)
	if p.total > 0 {
		fmt.Fprintf(&b, "/%d seeds (%.0f%%)", p.total, 100*float64(p.done)/float64(p.total))
	} else {
		b.WriteString(" seeds")
	}
	fmt.Fprintf(&b, "  %.1f seeds/s  %d failed  elapsed %s", rate, p.failed, roundDuration(elapsed))
	if p.total > 0 && rate > 0 && p.done < p.total {
		eta := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
		fmt.Fprintf(&b, "  eta %s", roundDuration(eta))
	}
	if p.budget > 0 {
		fmt.Fprintf(&b, "  budget left %s", roundDuration(max(p.budget-elapsed, 0)))
	}
	return b.String()
}

// roundDuration keeps a tenth of a second under a minute, whole seconds
// above.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
