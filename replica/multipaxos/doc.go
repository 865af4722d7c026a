// Package multipaxos is the reference system under test: a practical,
// SMR-style MultiPaxos key-value store (Get, Put, Append), written as a pure
// event handler on sim.Node, with its binding to the harness (Protocol), an
// inspection API, and a catalogue of known-wrong mutants. Clients are not
// part of it: the harness's generic client (package runner) drives it
// through the binding's codec.
//
// # The protocol
//
// N replicas agree on a log of commands, one per slot, and every replica
// executes the log in slot order into the same key-value state. Agreement on
// each slot is single-decree Paxos; MultiPaxos runs Phase 1 once for all
// open slots and then one Phase 2 round trip per command.
//
// Ballots. A ballot is (round, replica id), ordered by round, then id, so no
// two replicas ever share one. Each replica durably promises ballots; a
// promise of b means it will never vote in a lower ballot.
//
// Election. The leader sends heartbeats every HeartbeatInterval. A follower
// that hears from no leader (or candidate) for a randomized election timeout
// drawn from its own random stream becomes a candidate with a ballot above
// every one it has seen. A candidate that does not win within another
// randomized timeout retries with a higher ballot; the randomness is the
// backoff that ends duels.
//
// Phase 1 (Prepare/Promise). The candidate promises its own ballot and sends
// one Prepare{b, from} covering every slot from its first uncommitted slot
// onwards. An acceptor that has promised nothing higher promises b and
// replies with every vote (slot, ballot, command) it holds at or above from,
// every command it knows was decided there, and its commit point. With
// promises from a majority (its own included), the candidate is leader. For
// each slot from its commit point up to the highest slot reported, it
// adopts a reported decision if there is one; otherwise it re-proposes the
// command of the highest-ballot vote (that command may already be chosen, so
// nothing else is safe); otherwise it proposes a no-op to fill the hole, so
// that later slots can execute.
//
// Phase 2 (Accept/AcceptReply). The leader appends each client command to
// its log and sends Accept{b, slot, cmd, commit} to every peer, keeping at
// most Window slots in flight beyond its commit point. An acceptor that has
// promised nothing higher than b votes: it writes the vote to disk, syncs,
// and only then replies AcceptReply. The leader votes for its own proposals
// the same way and counts its vote only once synced. A slot whose proposal
// has votes from a majority at b is committed; the leader tells followers
// its commit point on every Accept and heartbeat. A follower commits a slot
// below that point only if it voted there at the leader's own ballot (the
// leader proposes one command per slot per ballot); otherwise it asks.
//
// Execution and clients. Every replica executes committed slots strictly in
// slot order. The leader replies to a client after its own execution of the
// slot. Reads are commands in the log too, hence linearizable without leases.
// Each client command carries (client id, sequence number); the state
// machine keeps, per client, the last sequence number executed and its
// result (the dedup table), so a retried command takes effect once, however
// many times it is delivered, proposed or re-proposed by later leaders. The
// table is part of the replicated state and is rebuilt by re-execution.
//
// Step-down. A candidate or leader that sees a higher ballot (a Prepare,
// Accept, heartbeat, or a Nack naming the acceptor's promise) stops. Clients
// waiting on a deposed leader get a Redirect with a leader hint; their
// commands may still be executed later, so a leader never replies with a
// failure.
//
// Retransmission and catch-up. Messages get lost. A candidate resends its
// Prepare, and a leader its Accepts, to the peers that have not answered
// after a whole RetryInterval, so progress resumes when faults heal without
// any client's help. A replica that learns from a commit notice that it is
// behind but cannot commit the slots itself sends LearnRequest{from} and
// gets the decided commands in batches of LearnBatch (Learn), one request
// outstanding at a time.
//
// Durability and restart. The disk holds exactly the acceptor's state: the
// promised ballot and the latest vote per slot, in checksummed records. Each
// handler writes what it changed and syncs once, at its end, before the
// Promises and AcceptReplies (and Prepares, and the leader's self-votes)
// that depend on those writes are released (Replica.endEvent). A restarted
// replica rebuilds from its disk alone; a torn or corrupt record is counted
// and treated as absent, which is safe because no reply depended on an
// unsynced write. The commit point, the decided log and the state machine
// are volatile and are learned again from the leader, or recovered by Phase 1
// when every replica restarted.
//
// # Leader leases (multipaxos-lease)
//
// With Config.Lease on (the protocol multipaxos-lease, LeaseProtocol), the
// leader answers a Get from its own executed state, without a slot or a
// round trip, while it holds a lease. The lease's safety rests on a
// declared clock bound, part of the config: over any interval of true
// time T, every server clock advances by T ± (ρ·T + σ), where ρ is
// Lease.DriftPPM (drift) and σ is Lease.Step (the most a clock's reading
// may jump in total, forward or back, within the interval). Clocks need
// not agree with each other: only durations, each measured on one clock,
// are trusted.
//
// Grants. The leader's heartbeat is a LeaseRequest carrying its own clock
// reading s at the send. A replica that accepts the leader's ballot grants:
// it notes grantUntil = its clock now + D (Lease.Duration) and replies
// LeaseGrant echoing s. Its promise is to report what is left of the grant
// in every Promise it sends (LeaseLeft) until its clock passes grantUntil.
//
// The leader's lease. A grant for the request sent at s is trusted until
// the leader's clock reads s + held, with held = (D-σ)(1-ρ)/(1+ρ) - σ. The
// grant was made at or after the send and lasts at least (D-σ)/(1+ρ) of
// true time; the leader's clock, slow and set back, reads s + held no later
// than (held+σ)/(1-ρ) = (D-σ)/(1+ρ) after the send. So the leader trusts a
// grant only while the grantor still honours it. The lease is valid while
// the grants of a majority (the leader counting as one) are trusted.
//
// A new leader. Its Phase 1 majority shares a replica with the majority
// behind any lease an earlier leader may still hold. That replica either is
// the earlier leader, which stepped down on promising (and serves nothing
// more), or reported its grant in its Promise: left on its own clock. The
// new leader waits out every reported grant, (left+σ)(1+ρ)/(1-ρ) + σ on
// its own clock (the longest the grant can still run, measured by the
// fastest clock the bound allows), and its own grant, before it proposes
// anything or reads locally. After its promise, a replica refuses the
// earlier ballot's requests, so no grant extends an earlier lease past the
// wait. Until the wait is over no new write commits, so every local read of
// the earlier leader saw every committed write.
//
// Local reads. The leader answers a Get from its state only if its lease
// is valid, its wait is over, and it has executed every slot Phase 1
// reported (a write an earlier leader committed may be among them). No
// other leader can then commit a write it has not executed: a read is
// linearized at the moment the leader answers it. Otherwise the Get goes
// through the log as in plain MultiPaxos (after the lease runs out, for
// example).
//
// Crashes. The leader's lease is volatile: a restarted replica holds none
// (the mutant lease-survives-restart shows why). The grantor's promise must
// survive a crash: a restarted replica does not know what it granted, so
// it acts as if it had granted at boot, reporting up to D left for D after
// every restart (not after its first boot, when it has granted nothing;
// the mutant lease-grant-forgotten-on-restart shows why). Nothing about
// leases is written to disk.
//
// # Bad input
//
// A message of an unknown type, a protocol message from a non-replica, a
// ballot of round 0 or above MaxRound or not owned by a replica (or not by
// the sender where it must be), a slot MaxSlotsAhead or more past the
// receiver's commit point, and a malformed command or field are counted
// (Replica.Rejects), traced with env.Logf and ignored, never a panic.
// Panics are reserved for states the protocol makes impossible (for example
// an AcceptReply at our ballot for a slot we never proposed, or two
// different decisions for one slot); the kernel reports them as the run's
// failure.
//
// # Using it
//
// The harness finds the protocol in the registry (package protocol) under
// Name: Protocol (protocol.go) resolves its config (Settings, every field
// named), builds the replicas, encodes the spec's (spec/kv) operations as
// Requests and classifies Replies and Redirects for the generic client,
// gives the harness's checks a view of each replica (protocol.LogView) and
// decodes a replica's synced disk for the promise-monotonicity check.
// Scenarios, seed sweeps, replay and the mutant suite run it by name.
//
// Outside the harness, a cluster is a factory for sim.AddNode:
//
//	f, err := multipaxos.New(multipaxos.Config{N: 3})
//	for i := 0; i < 3; i++ { s.AddNode(f) }          // replicas get ids 0..2
//
// and any node that sends Requests (Cmd.Client its own id, Cmd.Seq growing
// with each operation and the same on every retry of it) is a client. Tests read a replica
// through s.Node(id).(*multipaxos.Replica): see inspect.go. Mutants are
// selected by Config.Mutant: see Mutants.
//
// # Implementation notes
//
// Deviations from the TLA+ specification of practical SMR-style MultiPaxos
// (and its Rust implementation in Summerset) and from the classic
// multi-decree write-up with no-op gap filling:
//
//   - Unbounded log and ballots, crash-recovery instead of crash-stop, and
//     real clients with retries and deduplication; the spec has a fixed set
//     of commands, at most MaxBallot ballots, one key, and no restarts.
//   - Ballots are unique by construction, (round, id), as in Summerset's
//     make_unique_ballot, instead of the spec's "no Prepare with this ballot
//     yet" clause.
//   - One command per slot; no request batching.
//   - Replies to Prepare carry only slots at or above the candidate's commit
//     point, as Summerset's trigger_slot does, in one message (Summerset
//     sends one reply per slot and relies on TCP ordering).
//   - Commits are not limited to the next slot in order (the spec's
//     W.L.O.G. simplification): any slot with a majority commits, and
//     execution waits for the prefix.
//   - A commit notice is applied only to slots the follower voted for at
//     the notice's ballot. The spec's CommitNotice carries no ballot and
//     commits whatever the follower holds, which is safe there only because
//     of its other simplifications.
//   - Catch-up exists (LearnRequest/Learn); Summerset's MultiPaxos has no
//     fetch path for a follower that missed a committed Accept.
//   - Reads go through the log, unless leader leases are on (above); there
//     are no quorum reads.
//   - Followers do not re-arm the election timer on every message; they note
//     that they heard a leader and the timer checks the note, so silence is
//     detected after one to two timeouts (one queued event per timeout
//     instead of one per message).
//   - A deposed leader's Redirect names the owner of the higher ballot it
//     saw, which may be a candidate that has not won yet; clients follow
//     hints but back off once hints go in circles.
//   - No snapshots or log compaction: the log stays in memory and a
//     restarted replica re-learns and re-executes it from slot 0.
//   - The commit point and executed state are volatile, as the brief allows;
//     after every replica restarts, Phase 1 re-proposes every voted slot.
package multipaxos
