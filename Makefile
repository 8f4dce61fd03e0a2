# OverSweep — the two README commands are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libzmq3-dev libopenblas-dev pkg-config iproute2
BIN := .build/release/oversweep
SPEC ?= examples/quick.yaml
OUT ?= out/quick.jsonl



# $(call apt-install,PACKAGES): installs those not yet installed (root on
# Debian 12; sudo otherwise). Idempotent.
define apt-install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq -o DPkg::Lock::Timeout=300 && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=300 $$missing; \
	else echo "apt: $(1): all present"; fi
endef

.PHONY: deps
deps:
	$(call apt-install,$(APT_PACKAGES))

.PHONY: build
build: deps
	$(SWIFT) build

.PHONY: release
release: deps
	$(SWIFT) build -c release --product oversweep

.PHONY: run
run: release
	@mkdir -p $(dir $(OUT))
	$(BIN) run $(SPEC) --out $(OUT) --resume

# The store's tests check that jq and pandas.read_json(lines=True) read result files.
.PHONY: test-deps
test-deps: deps
	$(call apt-install,jq)
	@python3 -c "import pandas" 2>/dev/null || python3 -m pip install -q --root-user-action=ignore pandas || echo "pandas unavailable: the pandas check will be skipped"

.PHONY: test
test: test-deps
	$(SWIFT) build --build-tests
	# Compute-heavy suites in parallel; then the process/socket suites one at a
	# time, so lease and heartbeat timings are not starved of CPU on 2 cores.
	$(SWIFT) test --skip-build --skip '^(CoordinatorTests|WireTests)\.'
	$(SWIFT) test --skip-build --no-parallel --filter '^(CoordinatorTests|WireTests)\.'

# Peer benchmarks: numpy and JAX from PyPI into bench/.venv (never in CI).
.PHONY: bench-deps
bench-deps:
	@test -x bench/.venv/bin/python || python3 -m venv bench/.venv
	bench/.venv/bin/pip install -q -r bench/requirements.txt

# W1–W4 against numpy and JAX, with OpenBLAS pinned (Haswell) and unpinned, in one
# run; rewrites bench/RESULTS.md (REPEAT=3, PINS, WORKLOADS narrow it).
.PHONY: bench
bench: release bench-deps
	bench/run.sh

# Cluster launchers (cluster/): real sshd, single-node SLURM, netns; needs root.
# OVERSWEEP=path runs them against that binary; default: the debug build.
CLUSTER_APT := slurm-wlm munge openssh-server shellcheck iproute2 systemd
CLUSTER_BIN ?= $(CURDIR)/.build/debug/oversweep

.PHONY: cluster-deps
cluster-deps:
	$(call apt-install,$(CLUSTER_APT))

.PHONY: cluster-lint
cluster-lint: cluster-deps
	shellcheck -x cluster/ssh/*.sh cluster/slurm/*.sh cluster/slurm/*.sbatch cluster/netns/*.sh cluster/tests/*.sh cluster/tests/fake-oversweep

.PHONY: cluster-test
cluster-test: cluster-lint build
	CLUSTER_BIN=$(CLUSTER_BIN) cluster/tests/run.sh

# Planning a 1,000,000-trial spec: wall time and peak memory (docs/spec-format.md).
.PHONY: bench-plan
bench-plan: release
	bench/plan.sh

# Result store: write throughput (group commit) and resume-set load of a
# 1,000,000-line file. Figures in docs/result-format.md.
BENCH_STORE_RECORDS ?= 1000000
.PHONY: bench-store
bench-store: release
	$(BIN) store-tool bench --records $(BENCH_STORE_RECORDS)

# Coordinator dispatch rate, overhead and peak memory (figures: docs/dispatch-benchmark.md).
.PHONY: bench-dispatch
bench-dispatch: release
	BIN=$(BIN) python3 bench/dispatch.py

# The reference experiments E1–E7 (docs/experiments.md) at laptop scale:
# each examples/eN-*.yaml through `oversweep run` and `oversweep report`
# into out/experiments/, then the must-hold checks on the examples as shipped
# (release build with testing enabled). EXPERIMENTS=e1 narrows the set.
EXPERIMENTS ?= e1 e2 e3 e4 e5 e6 e7
.PHONY: experiments
experiments: release
	@mkdir -p out/experiments
	@for e in $(EXPERIMENTS); do \
	  spec=$$(ls examples/$$e-*.yaml) || exit 1; name=$$(basename $$spec .yaml); \
	  echo "== $$name"; \
	  $(BIN) run $$spec --workers 2 --out out/experiments/$$name.jsonl --resume || exit 1; \
	  $(BIN) report out/experiments/$$name.jsonl -o out/experiments/$$name || exit 1; \
	done
	OVERSWEEP_SCIENCE_FULL=1 $(SWIFT) test -c release -Xswiftc -enable-testing --filter ReferenceExperimentTests

.PHONY: clean
clean:
	rm -rf .build out
