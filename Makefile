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

# The store's tests check that jq and pandas.read_json(lines=True) read result
# files; shellcheck lints the cluster scripts; the install test renders the
# man page with groff; the live report's page is tested in a headless
# chromium (skipped, saying so, where it cannot be installed).
TEST_APT := jq shellcheck groff-base
.PHONY: test-deps
test-deps: deps
	$(call apt-install,$(TEST_APT))
	$(call apt-install,chromium) || echo "chromium unavailable: the live page's browser test will be skipped"
	@python3 -c "import pandas" 2>/dev/null || python3 -m pip install -q --root-user-action=ignore pandas || echo "pandas unavailable: the pandas check will be skipped"

.PHONY: test
test: test-deps cluster-lint
	$(SWIFT) build --build-tests
	# The install test (CLITests) installs this page; a test cannot run
	# SwiftPM itself, since `swift test` holds the build directory's lock.
	$(MAKE) --no-print-directory manual MANUAL_CONFIG=debug
	# Compute-heavy suites in parallel; then the process/socket suites one at a
	# time, so lease and heartbeat timings are not starved of CPU on 2 cores.
	$(SWIFT) test --skip-build --skip '^(CoordinatorTests|ZeroMQTransportTests)\.'
	$(SWIFT) test --skip-build --no-parallel --filter '^(CoordinatorTests|ZeroMQTransportTests)\.'

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

# Every shell script under cluster/ (-x: shellcheck follows what they source).
CLUSTER_SCRIPTS := $(wildcard cluster/*/*.sh cluster/slurm/*.sbatch) cluster/tests/fake-oversweep

.PHONY: cluster-lint
cluster-lint:
	$(call apt-install,shellcheck)
	shellcheck -x $(CLUSTER_SCRIPTS)

.PHONY: cluster-test
cluster-test: cluster-deps cluster-lint build
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

# The store at a million real-shaped records (about 9 GB): resume load,
# status and report timed with their peers (figures in docs/result-format.md).
# Not part of `make test`; RECORDS=, DIR= narrow or move it.
.PHONY: bench-store-scale
bench-store-scale: release
	BIN=$(BIN) bench/store-scale.sh

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

# Install: the release binary, a man page generated from the command
# definitions (swift-argument-parser's generate-manual plugin) and bash, zsh
# and fish completions (the binary's --generate-completion-script).
#   make install PREFIX=$$HOME/.local      make uninstall PREFIX=$$HOME/.local
# DESTDIR stages into a root for packaging. `install-files` copies what is
# built without building (BIN= picks the binary; the test uses the debug one).
PREFIX ?= /usr/local
DESTDIR ?=
MANUAL_CONFIG ?= release
MANPAGE := .build/man/oversweep.1
COMPLETIONS := .build/completions
INSTALL_BIN := $(DESTDIR)$(PREFIX)/bin
INSTALL_MAN := $(DESTDIR)$(PREFIX)/share/man/man1
INSTALL_BASH := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
INSTALL_ZSH := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
INSTALL_FISH := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d

# The page is dated by the last commit (today outside git), so a rebuild of
# one revision gives the same page; mdoc wants `.Pp`, not an empty line,
# between paragraphs of a command's discussion.
.PHONY: manual
manual:
	$(SWIFT) package generate-manual --configuration $(MANUAL_CONFIG) \
	  --date "$$(git log -1 --format=%cs 2>/dev/null || date +%F)"
	@mkdir -p $(dir $(MANPAGE))
	sed 's/^$$/.Pp/' .build/plugins/GenerateManual/outputs/oversweep/oversweep.1 > $(MANPAGE)

.PHONY: install
install: release manual
	@$(MAKE) --no-print-directory install-files

.PHONY: install-files
install-files:
	@test -x $(BIN) || { echo "$(BIN) is not built: run make install"; exit 1; }
	@test -f $(MANPAGE) || { echo "$(MANPAGE) is not generated: run make install (or make manual)"; exit 1; }
	@mkdir -p $(COMPLETIONS)
	$(BIN) --generate-completion-script bash > $(COMPLETIONS)/oversweep
	$(BIN) --generate-completion-script zsh > $(COMPLETIONS)/_oversweep
	$(BIN) --generate-completion-script fish > $(COMPLETIONS)/oversweep.fish
	install -d $(INSTALL_BIN) $(INSTALL_MAN) $(INSTALL_BASH) $(INSTALL_ZSH) $(INSTALL_FISH)
	install -m 755 $(BIN) $(INSTALL_BIN)/oversweep
	install -m 644 $(MANPAGE) $(INSTALL_MAN)/oversweep.1
	install -m 644 $(COMPLETIONS)/oversweep $(INSTALL_BASH)/oversweep
	install -m 644 $(COMPLETIONS)/_oversweep $(INSTALL_ZSH)/_oversweep
	install -m 644 $(COMPLETIONS)/oversweep.fish $(INSTALL_FISH)/oversweep.fish

.PHONY: uninstall
uninstall:
	rm -f $(INSTALL_BIN)/oversweep $(INSTALL_MAN)/oversweep.1 $(INSTALL_BASH)/oversweep \
	  $(INSTALL_ZSH)/_oversweep $(INSTALL_FISH)/oversweep.fish

.PHONY: clean
clean:
	rm -rf .build out
