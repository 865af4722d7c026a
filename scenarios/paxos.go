package scenarios

import (
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/replica/paxos"
)

// Single-decree Paxos (replica/paxos, whose import here registers it): its
// expectations per scenario and its mutant targets, measured as
// MultiPaxos's were.
func init() {
	builtin[paxos.Name] = true
	expectations[paxos.Name] = paxosExpectations
	mutantTargets = append(mutantTargets, paxosMutantTargets...)
}

// paxosExpectations: each window n comes from the share of seeds that
// reach the path, measured over 1,500 seeds of the scenario (seeds
// 9000001..9001500), so that a correct protocol misses it with probability
// below 1e-9: n >= 20.7 / -ln(1 - share), and at least 20. Measured
// shares: contention 0.85-0.98 everywhere; round-retry 0.83-0.99; adopted
// value 0.10 (calm), 0.18 (clocks, n=107), 0.34 (partitions, n=51), 0.38
// (lossy, n=43), 0.45 (chaos, n=35), 0.67 (leader isolation), 0.71
// (crashes); disk recovery 0.33 (chaos, n=52), 0.995-1.0 (crashes, majority
// crash, rolling restart); client retry 0.99 (lossy).
var paxosExpectations = map[string][]Expectation{
	"calm":       expect(20, paxos.ProbeContention, paxos.ProbeRetry),
	"lossy":      append(expect(20, protocol.ProbeClientRetry, paxos.ProbeContention), expect(60, paxos.ProbeAdopted)...),
	"partitions": append(expect(20, paxos.ProbeContention, paxos.ProbeRetry), expect(60, paxos.ProbeAdopted)...),
	"crashes":    expect(20, paxos.ProbeContention, paxos.ProbeAdopted, paxos.ProbeDiskRecovery),
	"clocks":     append(expect(20, paxos.ProbeContention), expect(120, paxos.ProbeAdopted)...),
	"chaos": append(append(expect(20, paxos.ProbeContention, paxos.ProbeRetry),
		expect(40, paxos.ProbeAdopted)...), expect(60, paxos.ProbeDiskRecovery)...),
	"nemesis-leader-isolation": expect(20, paxos.ProbeAdopted),
	"nemesis-majority-crash":   expect(20, paxos.ProbeDiskRecovery),
	"nemesis-rolling-restart":  expect(20, paxos.ProbeDiskRecovery),
}

// paxosMutantTargets come from measurement: each mutant swept over every
// named scenario (1,000 seeds each, seeds 7000001..7001000); the best pair
// was then measured over seeds 7000001..7005000: the share of failing
// seeds and, in brackets, the most seeds it took from any of those seeds
// (and from 21 fresh base seeds) to reach a failure, the worst detection
// seen. Two mutants are caught at once by the chosen check (a value
// decided without a durable majority vote); their budgets come from
// measurement without it, so that they hold whichever checks run:
//
//	read-lowest-round   partitions-3                2.4%  [309]  (partitions 2.1%, chaos-3 1.4%; caught by agreement, rarely the register layer)
//	write-minority      chaos-3                     100%  [1]    (7.6% [102] without the chosen check: agreement, register layer)
//	accept-below-round  nemesis-clock-chaos-5       34%   [26]   (calm-5 31%; two in three at the register layer)
//	propose-own-value   nemesis-leader-isolation-3  63%   [9]    (rolling-restart-3 99%, by agreement only; here one in three at the consensus layer)
//	reply-before-sync   crashes-3                   97%   [2]    (4.8% [88] without the chosen check: promise-monotonic)
//
// propose-own-value hunts where its bug shows at its own layer too, not
// only as two servers' decisions that differ, at some cost in rate.
var paxosMutantTargets = []MutantTarget{
	{Protocol: paxos.Name, Mutant: "read-lowest-round", Scenario: "partitions-3", Budget: 2000, Rate: 0.024},
	{Protocol: paxos.Name, Mutant: "write-minority", Scenario: "chaos-3", Budget: 600, Rate: 1},
	{Protocol: paxos.Name, Mutant: "accept-below-round", Scenario: "nemesis-clock-chaos-5", Budget: 150, Rate: 0.341},
	{Protocol: paxos.Name, Mutant: "propose-own-value", Scenario: "nemesis-leader-isolation-3", Budget: 50, Rate: 0.632},
	{Protocol: paxos.Name, Mutant: "reply-before-sync", Scenario: "crashes-3", Budget: 800, Rate: 0.975},
}
