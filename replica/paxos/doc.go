// Package paxos is single-decree Paxos, deconstructed into the three
// layers of García Pérez, Gotsman, Meshman and Sergey's "Paxos Consensus,
// Deconstructed and Abstracted" (after Boichat et al.'s deconstruction),
// each a small event handler that reads line by line against its
// pseudo-code, and each checked against its own specification:
//
//   - the round-based register (acceptor.go, register.go): read(k)
//     switches a majority of acceptors to round k and returns the value
//     accepted at the highest round among them (undef if none), or fails;
//     write(k, v) succeeds only if a majority accepts v at round k;
//   - round-based consensus (consensus.go): proposeRC(k, v0) reads at k,
//     keeps the value read if there is one, else takes v0, and writes it
//     at k;
//   - Paxos (paxos.go): proposeP(v0) runs proposeRC at higher and higher
//     rounds until one succeeds, a randomized wait on the local clock
//     between attempts standing in for the leader-election oracle.
//
// A Server (server.go) is an acceptor and a proposer. It serves a
// write-once register (package spec/register) to clients: a Put proposes
// its value and is answered with the decision; a Get is answered with the
// decision, or, when this server knows none, proposes undef, which
// decides nothing and learns either the decision or that there is none
// yet. Once a server knows the decision it tells the others (Decided) and
// answers at once from then on.
//
// # Durability
//
// The acceptor's state (the round it switched to, the value it last
// accepted and its round) is written and synced before the answer that
// depends on it; the highest round the server proposed at is synced
// before a read at it goes out, so a restarted server never reuses a
// round. A restart rebuilds everything else: the decision is learned
// again, and clients retry.
//
// # Layer checks
//
// Every call and return of read, write, proposeRC and proposeP is logged
// (layers.go) and handed to the harness through the view, which stamps
// each with true time: each layer's history must be linearizable with
// respect to the atomic, nondeterministic object of the paper (models.go),
// so a layer's bug is reported at that layer.
//
// # The harness
//
// protocol.go binds the servers to the harness as protocol "paxos": the
// config, the client codec, the view (a replicated log of one slot, so
// that agreement, stability and promise monotonicity apply), the durable
// decoders, the probes, the layers and the mutants (mutants.go). The
// servers' own code imports only sim.
package paxos
