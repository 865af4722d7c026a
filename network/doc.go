// Package network is the simulated network: it decides when, whether and
// how many times each message between two nodes is delivered. It implements
// sim.Transport and knows nothing of protocols or histories.
//
// # Model
//
// Every directed link from -> to is independent. A message sent on it is, in
// this order of decisions:
//
//  1. a self-send (from == to): local loopback, delivered after
//     LoopbackLatency; never lost, duplicated, cut, clogged or
//     capacity-limited;
//  2. dropped at send with sim.CausePartition if the link is cut;
//  3. lost with probability Config.LossProb (sim.CauseLoss);
//  4. duplicated with probability Config.DupProb (two copies, each with its
//     own latency and its own capacity check);
//  5. per copy, dropped with sim.CauseOverflow if Config.CapacityPerLink
//     copies are already in flight on the link;
//  6. per copy, held if the link is clogged, else scheduled after a latency
//     of LatencyMin + uniform[0, LatencyJitter) + (with probability
//     TailProb) a heavy-tailed extra delay of up to TailMax.
//
// When a scheduled copy comes due, the kernel calls Arrive, which drops it
// with sim.CauseCut if its link was cut at any moment since it was sent
// (even if it has healed since: the cut black-holed it), else with
// sim.CauseDown if the receiver is crashed, else delivers it. A paused
// receiver's deliveries wait in the kernel and meet Arrive when it resumes.
//
// # Ordering
//
// Without Config.FIFO, latency variance reorders messages on a link. With
// it, a copy's delivery time is the later of its drawn time and the last
// time scheduled on the link, so no message overtakes an earlier one on the
// same directed link (the kernel breaks ties in scheduling order); a clog's
// release keeps send order too. Links are independent: FIFO says nothing
// about messages from different senders.
//
// # Partitions and clogs
//
// Partition, Isolate, CutOneWay, Bridge and MajoritiesRing cut links; cuts
// accumulate until Heal reconnects everything. Clog holds a link's new
// messages until a time, then releases them in a bunch; Unclog and Heal
// release early. Every control call writes a "net ..." note to the trace.
//
// # Servers and clients
//
// Nodes 0..Config.Servers-1 are servers and the rest are clients (Servers =
// 0: all are servers). Isolate and MajoritiesRing cut links between servers
// only, because a partition in a real deployment separates the replicas
// while clients, like Jepsen's control node, can usually reach some of them;
// a client's links are cut only when a call names it (Partition, Bridge,
// CutOneWay, Isolate of the client itself).
//
// # Determinism
//
// The network draws only from sim.Sim.NetworkRand, uses no maps, goroutines
// or wall-clock time, and computes latencies in integer arithmetic (see
// Network.latency for why). Send and Arrive allocate nothing in steady
// state: link state lives in a slice indexed by from*nodes+to.
//
// # Statistics
//
// Stats counts per directed link and in total: Sent, Duplicated, Delivered,
// Dropped by cause and InFlight, with Sent + Duplicated = Delivered +
// dropped + InFlight at all times.
package network
