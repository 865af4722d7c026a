package scenarios

import "github.com/paxossim/paxossim/replica/multipaxos"

// MutantNames lists the mutants of the protocol under test, in catalogue
// order.
func MutantNames() []string {
	var out []string
	for _, m := range multipaxos.Mutants() {
		out = append(out, m.Name)
	}
	return out
}
