# paxossim — the commands a user and CI run. Everything the targets need is
# fetched through go.mod (pinned); nothing else is installed by hand.

GO        ?= go
# Packages that run inside a simulation and must stay deterministic: the
# kernel, the network, the faults, the protocols, the contract, the specs
# and the run path.
DET_PKGS  := ./sim/... ./network/... ./faults/... ./replica/... ./protocol/... ./spec/... ./runner/...
# Modules of their own that use paxossim as a user would.
EXAMPLES  := examples/toy examples/etcdraft examples/etcdraft36
SUMMARY   := $(CURDIR)/.paxossim-summary.txt
SCENARIO  ?= chaos
SEED      ?=
# PROTOCOL picks the system under test for make sim and make replay
# (default: the paxossim command's, multipaxos).
PROTOCOL  ?=
SEEDS     ?= 2000
FUZZTIME  ?= 60s
BENCHTIME ?= 1s
BENCH_SEEDS ?= 100000
MUTANT    ?=
MUTANT_REPS ?= 5
# UPDATE=1 lets make bench and make mutants rewrite their tables in
# README.md; without it they only print them, and the tree stays clean.
UPDATE    ?=

.PHONY: all test lint vet fmt-check detlint unit examples fuzz-ci fuzz-decoders bench sim replay fuzz mutants help etcdraft-sweep

all: test

help:
	@echo "make test    lint + unit tests + bounded seed sweeps (what CI runs)"
	@echo "make lint    gofmt, go vet, and the determinism linter"
	@echo "make examples vet and test the example modules ($(EXAMPLES))"
	@echo "make bench   Go benchmarks"
	@echo "make sim     the default seed sweep (SCENARIO=$(SCENARIO) SEEDS=$(SEEDS))"
	@echo "make replay  replay one seed: make replay SCENARIO=chaos SEED=123"
	@echo "make fuzz    coverage-guided fuzzing for FUZZTIME=$(FUZZTIME)"
	@echo "make fuzz-decoders  fuzz the saved-run, plan, history, JSON-line and Jepsen-log decoders for FUZZTIME each"
	@echo "make etcdraft-sweep  every scenario and the etcd#20418 hunt on etcd raft v3.7.0 (ETCD_SEEDS=5000 each), the hunt on v3.6.0 (300 seeds)"
	@echo "make mutants the mutant detection table (MUTANT_REPS=$(MUTANT_REPS) base seeds each); UPDATE=1 writes it into the README"

test: lint unit examples fuzz-ci

lint: fmt-check vet detlint

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# In the examples, -deps also warns (exit 0) about the clock or randomness
# in the libraries they run: etcd raft's crypto/rand, which they neutralize.
detlint:
	$(GO) run ./cmd/detlint $(DET_PKGS)
	@for d in $(EXAMPLES); do (cd $$d && $(GO) tool detlint ./... && $(GO) tool detlint -deps ./...) || exit 1; done

# The sweeps' summary lines (scenario, fresh base seed, failures, how to run
# it again) are printed after the tests: go test shows a passing package's
# output only with -v.
unit:
	@rm -f $(SUMMARY)
	PAXOSSIM_SUMMARY=$(SUMMARY) $(GO) test -count=1 ./...
	@echo "== sweeps run by the tests"; cat $(SUMMARY) 2>/dev/null; rm -f $(SUMMARY)

# Each example is a module of its own (its go.mod points at this checkout):
# vetted and tested as a user's module would be.
examples:
	@for d in $(EXAMPLES); do \
		echo "== $$d"; \
		(cd $$d && $(GO) vet ./... && $(GO) test -count=1 ./...) || exit 1; \
	done

# A short coverage-guided fuzz run, part of CI. The minimize budget keeps
# the fuzzer fuzzing instead of shrinking each new input for a minute. CI
# counts executions rather than seconds: Go 1.26's fuzz coordinator can
# fail a duration-bounded run with a spurious "context deadline exceeded"
# at the deadline on a loaded machine (golang/go#75804, fixed in Go 1.27);
# a count has no deadline to race. About 20 s and 5 s each on 2 cores.
fuzz-ci:
	$(GO) test ./scenarios -run '^$$' -fuzz '^FuzzCluster$$' -fuzztime 15000x -fuzzminimizetime 100x
	$(MAKE) fuzz-decoders FUZZTIME=40000x

# The decoders of everything a user hands paxossim (saved runs, plans,
# histories, merge's JSON lines): "an error or a valid value, never a panic,
# never unbounded memory". Go fuzzes one target per invocation. FUZZTIME is
# a duration (60s) or a count of executions (40000x).
fuzz-decoders:
	$(GO) test ./runner -run '^$$' -fuzz '^FuzzDecodeParams$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x
	$(GO) test ./runner -run '^$$' -fuzz '^FuzzParsePlan$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x
	$(GO) test ./scenarios -run '^$$' -fuzz '^FuzzDecodeHistory$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x
	$(GO) test ./cmd/paxossim -run '^$$' -fuzz '^FuzzReadRecords$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x
	$(GO) test ./jepsenlog -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...
	$(GO) run ./cmd/paxossim bench -seeds $(BENCH_SEEDS) $(if $(UPDATE),-readme README.md)

sim:
	$(GO) run ./cmd/paxossim run -scenario $(SCENARIO) -seeds $(SEEDS) $(if $(PROTOCOL),-protocol $(PROTOCOL))

replay:
	@if [ -z "$(SEED)" ]; then echo "usage: make replay SEED=N [SCENARIO=$(SCENARIO)] [PROTOCOL=name] [MUTANT=name]"; exit 2; fi
	$(GO) run ./cmd/paxossim replay -scenario $(SCENARIO) -seed $(SEED) $(if $(PROTOCOL),-protocol $(PROTOCOL)) $(if $(MUTANT),-mutant $(MUTANT)) -trace

fuzz:
	$(GO) test ./scenarios -run '^$$' -fuzz '^FuzzCluster$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x

# The long sweeps of the etcd raft examples: every scenario and the
# etcd#20418 hunt on v3.7.0 (ETCD_SEEDS each, all must pass), and the hunt
# on v3.6.0, which finds the stale read in about 3 seeds of 10.
ETCD_SEEDS ?= 5000
etcdraft-sweep:
	cd examples/etcdraft && $(GO) test -count=1 -timeout 120m -v -run '^(TestEveryScenario|TestHunt)$$' . -paxossim.seeds=$(ETCD_SEEDS) -etcdraft.hunt=$(ETCD_SEEDS)
	cd examples/etcdraft36 && $(GO) test -count=1 -timeout 120m -v -run '^TestHunt$$' . -etcdraft36.hunt=300

mutants:
	$(GO) test ./scenarios -run '^TestMutantTable$$' -count=1 -v -mutant-table -mutant-reps $(MUTANT_REPS) $(if $(UPDATE),-update-readme)
