# paxossim — the commands a user and CI run. Everything the targets need is
# fetched through go.mod (pinned); nothing else is installed by hand.

GO        ?= go
# Packages that run inside a simulation and must stay deterministic.
DET_PKGS  := ./sim/... ./network/... ./faults/... ./replica/...
SCENARIO  ?= chaos
SEED      ?=
SEEDS     ?= 2000
FUZZTIME  ?= 60s
BENCHTIME ?= 1s

.PHONY: all test lint vet fmt-check detlint unit bench sim replay fuzz help

all: test

help:
	@echo "make test    lint + unit tests + bounded seed sweeps (what CI runs)"
	@echo "make lint    gofmt, go vet, and the determinism linter"
	@echo "make bench   Go benchmarks"
	@echo "make sim     the default seed sweep (SCENARIO=$(SCENARIO) SEEDS=$(SEEDS))"
	@echo "make replay  replay one seed: make replay SCENARIO=chaos SEED=123"
	@echo "make fuzz    coverage-guided fuzzing for FUZZTIME=$(FUZZTIME)"

test: lint unit

lint: fmt-check vet detlint

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

detlint:
	$(GO) run ./cmd/detlint $(DET_PKGS)

unit:
	$(GO) test -count=1 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

sim:
	@echo "make sim: not yet — the seed sweep lands with the scenarios and the paxossim command (issues 4 and 6)"

replay:
	@echo "make replay: not yet — replay lands with the scenarios and the paxossim command (issues 4 and 6)"

fuzz:
	@echo "make fuzz: not yet — fuzzing lands with issue 5"
