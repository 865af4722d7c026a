// Package paxoscommit is Paxos Commit (Gray and Lamport, "Consensus on
// Transaction Commit"), a non-blocking atomic commit protocol, under the
// harness.
//
// A transaction names its resource managers (RMs) and what each will
// vote. Each RM's vote, prepared or aborted, is decided by a Paxos
// instance of its own among the acceptors, ballot 0 being reserved for
// the RM's own proposal of its vote. The leader (the transaction manager)
// asks the RMs to prepare (coord.go) and decides Commit once every
// instance chose prepared, Abort as soon as one chose aborted. An
// instance whose RM stays silent is recovered by the leader: phase 1 at a
// ballot of its own, then phase 2 with the value phase 1 found, or aborted
// if it found none. Because the votes live with a majority of acceptors,
// not with the coordinator, a leader that crashes mid-transaction blocks
// nothing: the next leader, asked by a client's retry or by a prepared RM
// (Help), finishes the transaction. That is the case two-phase commit
// blocks in, and the point of the protocol.
//
// Every server is an acceptor of every instance, a candidate leader
// (elected by timeouts; safety never depends on the election), and the
// host of the RMs whose number is its position modulo the cluster size.
// The client is answered once every RM's host made the outcome durable.
//
// # Durability
//
// An RM's vote and final state, an acceptor's promise and acceptance, and
// the highest ballot round a server used are synced before anything that
// depends on them goes out (persist.go). A restarted server rebuilds from
// its disk alone; coordinators are not durable: clients retry, and
// prepared RMs ask for help.
//
// # Checks
//
// The client history is checked per transaction against the commit spec
// (package spec/commit): commit only if every RM votes prepare, one
// outcome. The servers report every vote, promise, acceptance, decision
// and final state (events.go), and the harness checks each transaction's
// events against a model of the protocol's invariants (models.go):
// consistency across RMs, validity, stability across restarts, and each
// instance's Paxos safety, with "chosen" computed from the acceptors'
// durable acceptances.
//
// protocol.go binds the servers to the harness as protocol "paxoscommit";
// mutants.go lists the known-wrong variants. The servers' own code imports
// only sim.
package paxoscommit
