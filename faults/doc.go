// Package faults describes what goes wrong in a run and makes it happen.
//
// A Plan is a list of timed faults, sorted by time. It is data: it prints
// one line per fault, round-trips exactly through JSON, and validates
// against a cluster's size, so that a failing run can report its plan, a
// user can edit it, and rapid can shrink it. faults knows no protocol: a
// fault that targets "the leader" is resolved when it fires, through a Roles
// value the harness supplies.
//
// # Fault kinds
//
//	t=1.200s crash n2 disk=tear        crash a server; its unsynced writes are lost
//	                                   (lose-unsynced), partly kept (keep-some) or
//	                                   partly kept with the next write torn (tear);
//	                                   "for=2s" restarts it after 2s
//	t=3.000s restart n2                restart a crashed server from its disk
//	t=1.000s partition {n0,n1} {n2}    only nodes in the same group talk
//	t=1.000s partition {leader} {n0,n1,n2}
//	                                   the leader against the rest (a role's
//	                                   placement wins over a node named too)
//	t=1.000s isolate leader            cut one node (or the leader) off
//	t=1.000s cut n0->n1                drop messages from n0 to n1 only
//	t=1.000s cut leader->n2            the leader is not heard by n2
//	t=1.000s bridge {n0,n1} {n3,n4} via n2
//	                                   two halves that only n2 talks across
//	t=1.000s ring                      majorities ring: each node sees a
//	                                   different majority
//	t=1.000s clog n0->n1 for=250ms     delay messages from n0 to n1 for a while
//	t=1.000s clog last-leader->n0 for=2s
//	                                   hold back what the deposed leader sends
//	t=1.000s heal                      undo every network fault
//	t=1.000s clock n1 skew=-50ms drift=200ppm
//	                                   n1's clock reads true time - 50ms from now
//	                                   on and runs 200ppm fast
//	t=1.000s pause n1 for=2s           stall n1: its timers and messages wait
//	t=10.000s heal-all                 the heal phase (below)
//
// Node faults (crash, restart, clock, pause) target servers; network faults
// may name clients too.
//
// # Roles
//
// A role names a server by the part it plays when the fault fires, through
// a Roles value the harness supplies: "leader", the current leader, and
// "last-leader", the leader before it (the most recent other node the
// harness saw leading; with no current leader, the most recent one). Crash,
// isolate, clock and pause may target a role instead of a node; either end
// of a cut or clog may be a role ("cut leader->n2", "clog
// n1->last-leader"); a partition's or bridge's group may hold roles
// ("{leader,n3}"), and a bridge may be one ("via leader"). A role's
// placement wins over a node the fault also names: the node it resolves to
// leaves any other group. A fault that would mean nothing once resolved
// (a cut from a node to itself, a partition left with one group, two roles
// on one node in two places) is skipped, with a trace note saying why.
//
// If the harness knows no leader when a fault aimed at "leader" fires (or
// passes no Roles), the injector draws a running server from the Sim's
// fault stream, so the choice is still a function of the seed; the trace
// note says which node it picked and why. "last-leader" has no stand-in:
// with none known (before the first change of leader) the fault is
// skipped and noted, and nothing is drawn.
//
// # The heal phase
//
// A run is a safety phase under faults followed by a liveness phase without
// them. Every generated plan ends with one heal-all fault, at Plan.HealAt.
// When it fires the injector heals the network, resets every server's clock
// to true time with no drift (or leaves it alone if within the injector's
// HealSkewMax/HealDriftMax), resumes every paused server and restarts every
// crashed one, in that order; Injector.Healed then reports true. After it,
// the harness may demand that every client operation complete within a
// bounded time. Plan.WithHeal cuts any plan at a time and appends the heal
// phase.
//
// # Generators
//
// Random, Swarm and the named nemeses (Nemesis, Nemeses) draw from a
// *math/rand/v2.Rand the caller passes, usually sim.Sim.FaultRand or a
// stream derived from the seed: the same stream and GenConfig give the same
// plan. Users add named nemeses with RegisterNemesis (a generator),
// NemesisFromPlan or RegisterNemesisFile (a fixed pattern whose times are
// offsets from the start of the fault phase). Random, Swarm and PlanGen
// never draw "last-leader" or role ends and groups, so their plans for a
// seed stay what they were before those existed. PlanGen is the rapid generator; it shrinks towards fewer, earlier
// and shorter faults. All of them track which servers are down, so their
// plans are consistent (a restart names a crashed server; at most
// GenConfig.CrashedMax servers are down at once, a minority by default;
// the majority-crash nemesis exceeds it on purpose) and always pass Validate.
//
// # Clock bounds
//
// A protocol whose safety rests on timing (leader leases) assumes a bound
// on its servers' clocks: ClockBound, a drift rate and a step size. Within
// sets a GenConfig's SkewMax and DriftMax so that every clock fault drawn
// from it stays within a bound; Check follows each server's clock through
// a plan and reports, as ClockExcess values, where it leaves the bound and
// by how much. The drifting-leader-isolation and unsynced-leader-isolation
// nemeses aim at leases: a deposed leader whose clock runs slow, clocks
// that start apart.
//
// # Determinism
//
// Nothing here reads the wall clock, starts a goroutine or uses global
// randomness; no map is iterated where order could reach a plan, a trace
// line or a decision. The injector schedules each fault with sim.Sim.At
// when Inject is called, so plan faults at a time fire before anything the
// injector schedules later for the same time (an automatic restart at the
// end of a crash, the resume at the end of a pause); Validate's consistency
// rule relies on that order.
package faults
