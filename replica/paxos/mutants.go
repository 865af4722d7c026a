package paxos

// Mutant is a known-wrong deviation, one line at the spot its description
// names, which exists to prove that the harness finds the bug it models.
type Mutant struct {
	Name        string
	Description string
}

type mutant uint8

const (
	mutantNone mutant = iota
	mutantReadLowestRound
	mutantWriteMinority
	mutantAcceptBelowRound
	mutantProposeOwnValue
	mutantReplyBeforeSync
)

var mutants = [...]Mutant{
	mutantReadLowestRound: {Name: "read-lowest-round",
		Description: "read returns the value of the lowest accepted round among the answers instead of the highest (register.onReadReply)"},
	mutantWriteMinority: {Name: "write-minority",
		Description: "write succeeds on a minority: one acknowledgement fewer than a majority (register.quorum)"},
	mutantAcceptBelowRound: {Name: "accept-below-round",
		Description: "an acceptor accepts a write in a round below the one it switched to, breaking the promise a read relied on (acceptor.write)"},
	mutantProposeOwnValue: {Name: "propose-own-value",
		Description: "proposeRC writes its own value even when the read returned one, overwriting a value that may be decided (consensus.readDone)"},
	mutantReplyBeforeSync: {Name: "reply-before-sync",
		Description: "an acceptor answers before its new state is synced (a flush timer syncs later), so a crash forgets a switch or a vote already counted (Server.persistAcceptor)"},
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
