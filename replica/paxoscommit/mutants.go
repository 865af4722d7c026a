package paxoscommit

// Mutant is a known-wrong deviation, one line at the spot its description
// names, which exists to prove that the harness finds the bug it models.
type Mutant struct {
	Name        string
	Description string
}

type mutant uint8

const (
	mutantNone mutant = iota
	mutantCommitOnSilence
	mutantQuorumMinusOne
	mutantRecoverPrepared
	mutantUnilateralAbort
	mutantForgetPromise
)

var mutants = [...]Mutant{
	mutantCommitOnSilence: {Name: "commit-on-silence",
		Description: "on a retry the leader decides Commit when no instance chose aborted, counting an instance with no chosen value as prepared (Server.retry)"},
	mutantQuorumMinusOne: {Name: "quorum-minus-one",
		Description: "the leader counts a phase-2b majority with one acceptor too few (Server.quorum2b)"},
	mutantRecoverPrepared: {Name: "recover-prepared",
		Description: "a new leader proposes prepared for an instance whose phase-1b majority showed nothing accepted; it must propose aborted (Server.on1b)"},
	mutantUnilateralAbort: {Name: "unilateral-abort",
		Description: "an RM that prepared and waits too long for the outcome aborts on its own, as a two-phase-commit participant may not (Server.tickRMs)"},
	mutantForgetPromise: {Name: "forget-promise",
		Description: "a restarted acceptor keeps the value it accepted but forgets the ballot it promised, so it takes ballot 0 again (Server.load)"},
}

// Mutants lists the known mutants, in a fixed order.
func Mutants() []Mutant { return append([]Mutant(nil), mutants[1:]...) }

func mutantByName(name string) mutant {
	for i := 1; i < len(mutants); i++ {
		if mutants[i].Name == name {
			return mutant(i)
		}
	}
	return mutantNone
}
