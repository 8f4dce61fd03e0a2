# OverSweep — the two README commands are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libzmq3-dev libopenblas-dev pkg-config iproute2
BIN := .build/release/oversweep
SPEC ?= examples/quick.yaml
OUT ?= out/quick.jsonl

.PHONY: deps build release run test bench bench-deps bench-dispatch cluster-test clean

# Idempotent: installs only what is missing (root on Debian 12; sudo otherwise).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq -o DPkg::Lock::Timeout=300 && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=300 $$missing; \
	else echo "deps: all present"; fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product oversweep

run: release
	@mkdir -p $(dir $(OUT))
	$(BIN) run $(SPEC) --out $(OUT)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Peer benchmarks: numpy and JAX from PyPI into bench/.venv (never in CI).
bench-deps:
	@test -x bench/.venv/bin/python || python3 -m venv bench/.venv
	bench/.venv/bin/pip install -q -r bench/requirements.txt

bench: release bench-deps
	bench/run.sh

# Coordinator dispatch rate, overhead and peak memory (figures: docs/dispatch-benchmark.md).
bench-dispatch: release
	BIN=$(BIN) python3 bench/dispatch.py

clean:
	rm -rf .build out
