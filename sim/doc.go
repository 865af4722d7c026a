// Package sim is paxossim's deterministic simulation kernel: virtual time,
// one event queue, seeded random streams, node lifecycle, per-node local
// clocks, simulated disks, timers, the trace and its hash, step and time
// budgets, and panic capture. It knows nothing of Paxos, porcupine or the
// network's fault model; those live in other packages and plug in through
// the Node, Env and Transport contracts.
//
// # A seed is the run
//
// Everything nondeterministic in a run is drawn from Config.Seed:
//
//   - Each node's random stream is derived from (seed, node id, incarnation),
//     the network's and the fault injector's from (seed, domain), and a
//     harness component's from (seed, id) via UserRand. Adding a node or a
//     fault does not reshuffle any other stream.
//   - Events are ordered by (time, sequence number); the sequence number
//     increases with every insertion, so events due at the same time run in
//     the order they were scheduled.
//   - Code inside a simulation uses no goroutines, channels, wall clock,
//     global or crypto randomness, and never lets map order reach behaviour.
//     cmd/detlint enforces this mechanically for sim, network, faults, the
//     protocols (replica), the protocol contract, the specs and the run
//     path (runner) (make lint).
//   - Clock arithmetic is integer arithmetic, so every machine computes the
//     same readings.
//
// The same seed and configuration give the same trace, and so the same
// Hash, on any machine, at any GOMAXPROCS, whether runs are sequential or in
// parallel goroutines (one Sim per goroutine). TestDeterminism proves it on
// 1,000 seeds and TestGoldenHashes pins a few.
//
// # The chooser seam
//
// Every ordering choice of a run can be handed to a Chooser (chooser.go):
// which of the events that may run next runs first, whether a
// probabilistic network fault happens, and, for a driver, dropping or
// duplicating a message in flight and crashing or restarting a node. With
// no chooser installed (the default) the kernel runs events in (time,
// sequence) order and the network draws its coins from its stream, on a
// path that never looks at the seam; Seeded is that default made explicit
// and gives the same traces. PCT (pct.go) is priority-based scheduling
// drawn from the seed; Script (schedule.go) replays a list of choices,
// which is how an exhaustive search (package explore) hands back a
// counterexample; Schedule names either in a saved run.
//
// # The node contract
//
// A protocol is a pure event handler (Node): Start at boot and at every
// restart, Receive for a message, Timer for a timer it set. The kernel calls
// one method at a time and never re-enters a node. Sends are buffered and
// handed to the Transport after the method returns; timers and disk
// operations take effect at the call. A node's whole world is its Env: its
// id, its local clock (Now), Send, SetTimer/CancelTimer, its random stream,
// its Disk and Logf.
//
// A crash discards the Node value, its timers and buffered sends, and every
// unsynced disk write (or, with a disk fault, keeps a prefix of them and
// tears the next; see Disk). Messages that arrive while a node is down are
// dropped with CauseDown. Restart builds a new Node from the factory given
// to AddNode and calls Start with a new Env; an Env kept from an earlier
// incarnation panics if used. Pause stalls a node: its timers and incoming
// messages wait, in order, and run when it resumes; its clock keeps running.
//
// A node only ever sees its local clock, which SetClock may skew (also
// backwards) and make drift. Timers run on the local clock: a timer armed
// for d fires when the local clock has advanced by d, and a clock step
// moves the true time at which pending timers fire. History timestamps and
// the trace use true time.
//
// # Budgets and failures
//
// Run stops at a deadline, when the queue is empty, or when the caller's
// stop function says so; these are normal outcomes. StepsMax and TimeMax are
// budgets: hitting one ends the run with OutcomeBudgetSteps or
// OutcomeBudgetTime and an error that names the seed. A panic in a node,
// the transport, a callback or the stop function ends the run with
// OutcomePanic and a *Failure holding the seed, node, event, value and
// stack; it never crashes the process. Bugs are asserted with panics;
// invalid configuration is an error from Validate.
//
// # The trace
//
// Every event is a Record folded into a running 64-bit hash (Hash) without
// being formatted. Text is produced only when asked (Config.Trace for every
// line, Config.TraceTail for the last lines). One line per event:
//
//	t=12.345ms n2 recv Accept{b=(3,n1) slot=7} from n1
//	t=12.345ms n2 drop Accept{b=(3,n1) slot=7} from n1 cause=partition
//	t=15.000ms n0 timer election
//	t=20.000ms n1 crash disk=lose-unsynced
//	t=25.000ms n1 restart incarnation=1
//	t=30.000ms n3 pause / resume / clock skew=5.000ms drift=100ppm
//	t=31.000ms note partition {n0 n1} {n2}
//	t=32.000ms n2 log became leader at ballot (4,n2)
//
// The columns: true simulated time in milliseconds with microsecond
// precision; the node the event happened at (omitted for a note that
// concerns no single node); the kind (recv, drop, timer, start, crash,
// restart, pause, resume, clock, note, log); then the payload: the message
// and its sender (and the drop cause), the timer's name (Node may implement
// TimerNamer), or free text. The hash covers time, kind, nodes, timer tag,
// drop cause, the message's Digest, and the text or log format string (not
// a log line's arguments, which are formatted only on demand).
package sim
