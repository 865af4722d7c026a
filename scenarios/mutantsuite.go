package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// The mutant detection suite proves that the harness finds real bugs: for
// every mutant of the protocol it sweeps fresh seeds of the scenario that
// catches it best until the first failure, within a budget of seeds. A
// mutant that escapes its budget is a harness that lost its teeth.

// MutantTarget is how the suite hunts one mutant.
type MutantTarget struct {
	// Protocol is the protocol the mutant belongs to.
	Protocol string
	Mutant   string
	// Scenario is the scenario that catches the mutant best: the highest
	// share of failing seeds per unit of work, from measurement.
	Scenario string
	// Budget is how many seeds a sweep may take to catch it. It is at least
	// five times the most seeds a measured detection took, and
	// large enough that, at the measured Rate, an escape has probability
	// (1-Rate)^Budget < 1e-15.
	Budget int
	// Rate is the measured share of seeds that fail (5000 consecutive
	// seeds), for the record.
	Rate float64
}

// mutantTargets come from measurement: each mutant swept over the six base
// scenarios (500 seeds each), the -3/-5 variants of chaos, crashes and
// partitions and the nemesis scenarios (1000 seeds each); the best pair was
// then measured over seeds 7000001..7005000: the share of failing seeds,
// and in brackets the most seeds it ever took to reach the next failure
// (the worst detection seen):
//
//	quorum-minus-one       nemesis-leader-isolation-3  97.6% [3]   (chaos 29.9% [33], partitions-3 51%)
//	no-accept-reply        calm                        100%  [1]   (every scenario: 100%)
//	reply-before-sync      crashes-3                   13.4% [42]  (crashes-5 7%, chaos 1.5-2%, partitions 0%)
//	accept-lower-ballot    partitions-3                17.6% [39]  (chaos 15%, leader-isolation-3 10%, crashes 0%)
//	ignore-accepted-values nemesis-leader-isolation-3  83.4% [5]   (crashes-3 74%, chaos 50%)
//	execute-before-commit  calm                        100%  [1]   (every scenario: 100%)
//
// (Those rates predate the chosen check, which now catches quorum-minus-one
// and reply-before-sync at their first unsupported commit: both are caught
// by the first seed of their scenario in the mutant table.)
//
// The two mutants added with the chosen and divergence checks, measured the
// same way over seeds 9000000..9002999, and without their check (what the
// harness caught before it had them):
//
//	count-duplicate-acks          partitions-5  23.8% [30] by chosen     (chaos 13% [26], lossy-5 10.7%;
//	                                                                      without chosen: partitions-5 3.3%, chaos 3.7%, lossy-5 0%)
//	follower-reapplies-duplicates unhealed       1.2% [280] by divergence (chaos 1.1% [201];
//	                                                                      without divergence: 0 of 1000 in chaos and in unhealed)
//
// count-stale-promises was added with the held-messages fault (the
// deaf-server nemesis: every link into one server clogged for seconds, the
// server paused in the middle, so answers to its old candidacy reach it
// after another leader chose values), over seeds 9000000..9002999:
//
//	count-stale-promises  nemesis-deaf-server-3  29.8% [22] by agreement (deaf-server 32.9% [21], deaf-server-5 33.3% [20];
//	                                                                     chaos, which lays deaf-server over 1 seed in 12: 0.83% [539];
//	                                                                     without the nemesis: 0 of 1000 in chaos, partitions,
//	                                                                     crashes, leader-isolation and stale-leader-clog)
//
// abandon-unacked-accepts was added with the role-targeted asymmetric
// faults (an end of a one-way cut or clog aimed at the leader or the last
// leader; the leader-one-way nemesis): a leader that is heard but hears
// nothing is never replaced, gives its proposals up, and stalls for good
// once the cut heals. Over seeds 9000000..9002999, with the role targets
// on and off (faults.GenConfig.FixedEnds: fixed ends drawn at random, and
// leader-one-way aimed at a random server each round), by no-progress:
//
//	abandon-unacked-accepts  nemesis-leader-one-way-3  40.7% [17]  (aimed at a random server 18.1% [40];
//	                                                                 leader-one-way-5 38.2%, aimed at a random server 10.6%;
//	                                                                 chaos 1.57% [263], with fixed ends and no overlay 0.40% [684];
//	                                                                 before role targets: leader-isolation 1.1% [319],
//	                                                                 partitions 0.30% (fixed ends 0.23%), lossy 0.10%)
//
// Hunted in chaos from 21 base seeds, one seed at a time, it takes a
// median of 39 seeds (0.14 s); with fixed ends and no overlay, 204 (0.82 s).
//
// The in-flight-at-cut choice (network.Config.InFlightSurvivesCut: what is
// in flight or held on a link when it is cut arrives instead of being
// dropped) has no mutant of its own. In this MultiPaxos the one reply
// whose late arrival does harm is a Promise for an earlier ballot, which
// is count-stale-promises; a late AcceptReply from an earlier ballot of a
// re-elected leader vouches, with the leader's own vote at that ballot,
// for a value already chosen with 3 servers (a leader that counts them
// failed 0 of 300 seeds of partitions-5, chaos-5 and deaf-server-5 either
// way), and late Accepts reach acceptors through a deposed leader's
// retransmissions anyway. Drawn per seed, the choice changes runs but not
// what they catch: count-stale-promises fails 0 and 0 of 3000 seeds of
// partitions with it on and off, 0.97% and 0.80% of chaos. The
// cut-off-candidate nemesis isolates a candidate while the answers to its
// Prepares are held, and there it decides everything:
//
//	count-stale-promises  nemesis-cut-off-candidate-3  in flight delivered 54.2% [10]; dropped 0 of 3000
//
// (FAULT_CONTRAST_SEEDS=3000 go test ./scenarios -run '^TestFaultClassContrast$' -v
// measures both classes.)
var mutantTargets = []MutantTarget{
	{Protocol: DefaultProtocol, Mutant: "quorum-minus-one", Scenario: "nemesis-leader-isolation-3", Budget: 50, Rate: 0.976},
	{Protocol: DefaultProtocol, Mutant: "no-accept-reply", Scenario: "calm", Budget: 10, Rate: 1},
	{Protocol: DefaultProtocol, Mutant: "reply-before-sync", Scenario: "crashes-3", Budget: 300, Rate: 0.134},
	{Protocol: DefaultProtocol, Mutant: "accept-lower-ballot", Scenario: "partitions-3", Budget: 300, Rate: 0.176},
	{Protocol: DefaultProtocol, Mutant: "ignore-accepted-values", Scenario: "nemesis-leader-isolation-3", Budget: 50, Rate: 0.834},
	{Protocol: DefaultProtocol, Mutant: "execute-before-commit", Scenario: "calm", Budget: 10, Rate: 1},
	{Protocol: DefaultProtocol, Mutant: "count-duplicate-acks", Scenario: "partitions-5", Budget: 150, Rate: 0.238},
	{Protocol: DefaultProtocol, Mutant: "follower-reapplies-duplicates", Scenario: "unhealed", Budget: 3000, Rate: 0.012},
	{Protocol: DefaultProtocol, Mutant: "count-stale-promises", Scenario: "nemesis-deaf-server-3", Budget: 150, Rate: 0.298},
	{Protocol: DefaultProtocol, Mutant: "abandon-unacked-accepts", Scenario: "nemesis-leader-one-way-3", Budget: 100, Rate: 0.407},
}

// MutantTargets lists how the suite hunts each mutant of the built-in
// protocols, in catalogue order.
func MutantTargets() []MutantTarget { return slices.Clone(mutantTargets) }

// MutantTargetsFor lists the targets of one protocol.
func MutantTargetsFor(protocolName string) []MutantTarget {
	var out []MutantTarget
	for _, t := range mutantTargets {
		if t.Protocol == protocolName {
			out = append(out, t)
		}
	}
	return out
}

// Detection is the outcome of hunting one mutant from one base seed.
type Detection struct {
	Mutant   string
	Scenario string
	Base     uint64
	Budget   int
	// Caught is false if every seed of the budget passed: an escape.
	Caught bool
	// Seeds is how many seeds ran up to and including the first failing
	// one (1: the base seed itself failed); the budget if it escaped.
	Seeds int
	// Seed, Check and Hash describe the first failing run.
	Seed  uint64
	Check Check
	Hash  uint64
	// Wall is the wall time from the start of the sweep to the first
	// failure (or to the end of the budget).
	Wall time.Duration
}

// DetectMutant sweeps seeds base, base+1, ... of sc with the mutant, one
// at a time, until the first failure or budget seeds.
func DetectMutant(sc *Scenario, mutant string, base uint64, budget int) (Detection, error) {
	d := Detection{Mutant: mutant, Scenario: sc.Name, Base: base, Budget: budget, Seeds: budget}
	var start time.Time
	sw := Sweep{
		Scenario: sc, Mutant: mutant, Start: base, Count: budget,
		// One seed at a time, so that the wall time to detection is the
		// time a person waits, and nothing runs past the first failure.
		Parallel: 1, StopAfter: 1,
		OnResult: func(res *Result) {
			if d.Caught || res.Failure == nil {
				return
			}
			d.Caught, d.Wall = true, time.Since(start)
			d.Seed, d.Check, d.Hash = res.Params.Seed, res.Failure.Check, res.Hash
			d.Seeds = int(res.Params.Seed-base) + 1
		},
	}
	start = time.Now()
	sum, err := sw.Run()
	if err != nil {
		return d, err
	}
	if !d.Caught {
		d.Wall = sum.Wall
	}
	return d, nil
}

// MutantRow is a target hunted from several base seeds.
type MutantRow struct {
	Target     MutantTarget
	Detections []Detection
}

// HuntMutants hunts every target from each of the base seeds.
func HuntMutants(targets []MutantTarget, bases []uint64) ([]MutantRow, error) {
	var rows []MutantRow
	for _, tg := range targets {
		sc, err := LookupFor(orDefault(tg.Protocol, DefaultProtocol), tg.Scenario)
		if err != nil {
			return nil, err
		}
		row := MutantRow{Target: tg}
		for _, base := range bases {
			d, err := DetectMutant(sc, tg.Mutant, base, tg.Budget)
			if err != nil {
				return nil, err
			}
			row.Detections = append(row.Detections, d)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// Escapes counts the base seeds from which the mutant was not caught.
func (r *MutantRow) Escapes() int {
	n := 0
	for _, d := range r.Detections {
		if !d.Caught {
			n++
		}
	}
	return n
}

// MedianSeeds is the median number of seeds to detection (an escape counts
// as its whole budget).
func (r *MutantRow) MedianSeeds() float64 {
	xs := make([]float64, len(r.Detections))
	for i, d := range r.Detections {
		xs[i] = float64(d.Seeds)
	}
	return median(xs)
}

// MedianWall is the median wall time to detection.
func (r *MutantRow) MedianWall() time.Duration {
	xs := make([]float64, len(r.Detections))
	for i, d := range r.Detections {
		xs[i] = float64(d.Wall)
	}
	return time.Duration(median(xs))
}

// Checks lists the checks that caught the mutant, the most frequent first.
func (r *MutantRow) Checks() string {
	count := map[Check]int{}
	for _, d := range r.Detections {
		if d.Caught {
			count[d.Check]++
		}
	}
	checks := make([]Check, 0, len(count))
	for c := range count {
		checks = append(checks, c)
	}
	sort.Slice(checks, func(i, j int) bool {
		if count[checks[i]] != count[checks[j]] {
			return count[checks[i]] > count[checks[j]]
		}
		return checks[i] < checks[j]
	})
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = string(c)
	}
	if len(names) == 0 {
		return "ESCAPED"
	}
	return strings.Join(names, ", ")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// MutantTable formats the rows as a Markdown table: for each mutant, the
// scenario that hunts it, the checks that caught it, the median seeds and
// wall time to detection, and the budget.
func MutantTable(rows []MutantRow) string {
	var b strings.Builder
	b.WriteString("| mutant | scenario | caught by | median seeds to detection | median wall time to detection | budget (seeds) | escapes |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	for i := range rows {
		r := &rows[i]
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s | %d | %d/%d |\n",
			r.Target.Mutant, r.Target.Scenario, r.Checks(), formatMedian(r.MedianSeeds()),
			formatWall(r.MedianWall()), r.Target.Budget, r.Escapes(), len(r.Detections))
	}
	return b.String()
}

func formatMedian(x float64) string {
	if x == float64(int64(x)) {
		return fmt.Sprintf("%d", int64(x))
	}
	return fmt.Sprintf("%.1f", x)
}

// formatWall prints a wall time with three significant digits, in ms below
// a second.
func formatWall(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.3g ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.3g s", d.Seconds())
}
