package scenarios

import (
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/replica/paxoscommit"
)

// Paxos Commit (replica/paxoscommit, whose import here registers it): its
// expectations per scenario and its mutant targets.
func init() {
	builtin[paxoscommit.Name] = true
	expectations[paxoscommit.Name] = paxosCommitExpectations
	mutantTargets = append(mutantTargets, paxosCommitMutantTargets...)
}

// paxosCommitExpectations: each window n comes from the share of seeds
// that reach the path, measured over 200 seeds of the scenario (seeds
// 9000001..9000200), so that a correct protocol misses it with probability
// below 1e-9: n >= 20.7 / -ln(1 - share), and at least 20. Measured
// shares: forced-abort 1.0 everywhere (the default workload votes abort
// once in 12); chaos leader-change 0.90, coordinator-change 0.85,
// instance-recovery 0.90, recovered-abort 0.88, rm-rescue 0.89,
// disk-recovery 0.37 (n=60); crashes coordinator-change 0.55 (crashes-3
// 0.43, n=40), the rest >= 0.88; partitions and clocks >= 0.80; lossy
// instance-recovery 0.51 and rm-rescue 0.58 (n=30); the nemeses' paths
// >= 0.80 (majority-crash coordinator-change 0.30 is not expected).
var paxosCommitExpectations = map[string][]Expectation{
	"calm": expect(20, paxoscommit.ProbeForcedAbort),
	"lossy": append(expect(20, protocol.ProbeClientRetry, paxoscommit.ProbeForcedAbort),
		expect(30, paxoscommit.ProbeRecovery, paxoscommit.ProbeRescued)...),
	"partitions": expect(20, paxoscommit.ProbeLeaderChange, paxoscommit.ProbeCoordChange, paxoscommit.ProbeRecovery,
		paxoscommit.ProbeRecoveredAbort, paxoscommit.ProbeRescued, paxoscommit.ProbeForcedAbort),
	"crashes": append(expect(20, paxoscommit.ProbeLeaderChange, paxoscommit.ProbeDiskRecovery, paxoscommit.ProbeRecovery,
		paxoscommit.ProbeRecoveredAbort, paxoscommit.ProbeRescued, paxoscommit.ProbeForcedAbort),
		expect(40, paxoscommit.ProbeCoordChange)...),
	"clocks": expect(20, paxoscommit.ProbeLeaderChange, paxoscommit.ProbeCoordChange, paxoscommit.ProbeForcedAbort),
	"chaos": append(expect(20, paxoscommit.ProbeLeaderChange, paxoscommit.ProbeCoordChange, paxoscommit.ProbeRecovery,
		paxoscommit.ProbeRecoveredAbort, paxoscommit.ProbeRescued, paxoscommit.ProbeForcedAbort),
		expect(60, paxoscommit.ProbeDiskRecovery)...),
	"nemesis-leader-isolation": expect(20, paxoscommit.ProbeCoordChange, paxoscommit.ProbeRescued),
	"nemesis-majority-crash":   expect(20, paxoscommit.ProbeDiskRecovery, paxoscommit.ProbeRescued),
	"nemesis-rolling-restart":  expect(20, paxoscommit.ProbeDiskRecovery, paxoscommit.ProbeRescued),
}

// paxosCommitMutantTargets come from measurement: each mutant swept over
// calm-3, lossy-3, crashes-3, chaos-3, partitions-3, clocks-3 and
// nemesis-leader-isolation-3 (60 seeds each; forget-promise over the
// crash scenarios and unhealed, 100 each); the best pair was then measured
// over seeds 7000001..7000300: the share of failing seeds and, in
// brackets, the most seeds it took to reach the next failure:
//
//	commit-on-silence   crashes-3                   99.3% [2]   (every faulty scenario >= 88%; calm 0: no RM is ever slow there)
//	quorum-minus-one    chaos-3                     98.7% [2]   (calm-3 30%: a coordinator's own acceptor answers first)
//	recover-prepared    crashes-3                   99.0% [2]   (lossy-3 33%, calm 0: no instance is recovered there)
//	unilateral-abort    nemesis-leader-isolation-3  99.3% [2]   (partitions-3 63%, crashes-3 48%)
//	forget-promise      crashes-3                   27.3% [15]  (chaos-3 10%, majority-crash-3 11%, crashes-5 13%)
//
// Budgets hold an escape below 1e-15 at the measured rate, and at least
// five times the worst detection seen.
var paxosCommitMutantTargets = []MutantTarget{
	{Protocol: paxoscommit.Name, Mutant: "commit-on-silence", Scenario: "crashes-3", Budget: 30, Rate: 0.993},
	{Protocol: paxoscommit.Name, Mutant: "quorum-minus-one", Scenario: "chaos-3", Budget: 30, Rate: 0.987},
	{Protocol: paxoscommit.Name, Mutant: "recover-prepared", Scenario: "crashes-3", Budget: 30, Rate: 0.990},
	{Protocol: paxoscommit.Name, Mutant: "unilateral-abort", Scenario: "nemesis-leader-isolation-3", Budget: 30, Rate: 0.993},
	{Protocol: paxoscommit.Name, Mutant: "forget-promise", Scenario: "crashes-3", Budget: 150, Rate: 0.273},
}
