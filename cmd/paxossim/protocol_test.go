package main

import (
	"github.com/paxossim/paxossim/protocol"
	"github.com/paxossim/paxossim/replica/multipaxos"
)

// twinName is a second protocol, registered for the tests only, so that
// they can show that nothing in the command is welded to the default one:
// the reference MultiPaxos under another name, with a one-line description
// of its own. The paxossim command does not know it (its replay commands
// are go test ones), as it would not know a user's protocol.
const twinName = "multipaxos-twin"

func init() {
	twin := *multipaxos.Protocol
	twin.Name = twinName
	twin.Description = "the reference MultiPaxos, registered again under another name by the tests of cmd/paxossim"
	protocol.MustRegister(&twin)
}
