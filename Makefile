# chaosgate — `make setup` then `make test` on a fresh machine; `make chaos` for the main job.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV      ?= .venv
PY        := $(VENV)/bin/python
CHAOSGATE := $(VENV)/bin/chaosgate
PYTHON    ?= python3
# Debian packages the harness and its tests use (servers run on loopback only).
DEB_PACKAGES := git docker.io redis-server wrk nginx-light debootstrap chromium
# Tools to build in `make setup` (all pinned tools by default; see versions.toml).
TOOLS ?=

.PHONY: help setup deb venv go-deps tools schemas heart node images test test-python test-go test-kind test-scenarios test-scenarios-local lint chart-lint bench bench-kind chaos clean

help:
	@echo "make setup   install everything the tests need (Debian packages, .venv, pinned tools)"
	@echo "make test    lint + all test tiers"
	@echo "make chaos   run every scenario on the best provider available"
	@echo "make heart   build heart/bin/heart-display"
	@echo "make images  build the heart stack's images and the offline kind node image (starts dockerd)"
	@echo "make test-kind  the kind tier: a real kind cluster from the offline node image"
	@echo "make test-scenarios  every scenario on kind + the gate (in make test); -local: on kwok"
	@echo "make bench   run the benchmarks and print figures (make bench-kind: the kind ones)"
	@echo "make clean   remove build outputs (not the tool cache: rm -rf ~/.cache/chaosgate)"

setup: deb venv go-deps tools schemas heart node

deb:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	PYTHONPATH=src $(PYTHON) -m chaosgate.versions > $(VENV)/constraints.txt
	$(PY) -m pip install -q -c $(VENV)/constraints.txt -e '.[dev]'

go-deps:
	cd heart && go mod download

# chaosgate-runc (dockerd's runtime on hosts that cannot grant every capability)
# and the pause process of the offline kind node image.
node:
	cd node && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/ ./cmd/...

# junit-10.xsd (the Jenkins xunit plugin's schema) from the pinned pytest's sdist, for the
# report tests; cached in ~/.cache/chaosgate/schemas.
schemas: venv
	$(PY) tests/report/junit_schema.py

tools: venv
	$(CHAOSGATE) tools build $(TOOLS)

heart:
	cd heart && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/heart-display ./cmd/heart-display

images: heart node
	$(CHAOSGATE) images build

test: lint test-go test-python chart-lint test-kind test-scenarios

lint:
	$(VENV)/bin/ruff check src tests suites bench
	$(VENV)/bin/ruff format --check src tests suites bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	for m in heart node; do \
	  (cd $$m && test -z "$$(gofmt -l .)" || { echo "gofmt needed on: $$(gofmt -l .)"; exit 1; }); \
	  (cd $$m && go vet ./...); \
	done
	bash -n node/image/rootfs/usr/local/bin/entrypoint
	bash -n node/image/pod-network/chaosgate-pod-network

test-go:
	cd heart && go test -race -count=1 ./...
	cd node && go test -count=1 ./...

test-python:
	$(VENV)/bin/pytest

# Where kind's node image comes from: local (built here, nothing pulled) or official.
KIND_IMAGES ?= local

# Real kind nodes, kubelets and pods from the node image built here; nothing pulled.
test-kind: heart node
	CHAOSGATE_KIND_IMAGES=$(KIND_IMAGES) $(CHAOSGATE) images build
	CHAOSGATE_KIND_IMAGES=$(KIND_IMAGES) $(VENV)/bin/pytest -m kind tests/kind

chart-lint:
	$(CHAOSGATE) lint --chart gitops/charts/heart-display
	$(CHAOSGATE) lint --chart gitops/charts/heart-display --values gitops/values/local.yaml
	$(CHAOSGATE) lint --chart gitops/charts/heart-display --values gitops/values/existing.yaml
	# kind's budget allows one disruption at a time, so the zone drain meets a real 429;
	# a whole zone lost at once would exceed it, which the zone-loss rule says (and we accept).
	$(CHAOSGATE) lint --chart gitops/charts/heart-display --values gitops/values/kind.yaml \
	  --allow zone-loss

# Every scenario once, on kind (real pods under locust load; one worker per zone fits
# two cores) and on the stack runtime, then the release gate on the JUnit it wrote: the
# whole chain a release gate relies on. tests/kube keeps the local provider's API-level checks.
SCENARIO_REPORTS := reports/make-test
test-scenarios: heart node
	CHAOSGATE_KIND_IMAGES=$(KIND_IMAGES) $(CHAOSGATE) images build
	CHAOSGATE_KIND_IMAGES=$(KIND_IMAGES) $(CHAOSGATE) run --provider kind --nodes-per-zone 1 \
	  --cluster-name cg-make-test --junit $(SCENARIO_REPORTS)/junit.xml --report $(SCENARIO_REPORTS)
	$(CHAOSGATE) gate $(SCENARIO_REPORTS)/junit.xml --policy gate.yaml

# The same chain on the local provider (kwok pods: what it simulates is said in each testcase).
test-scenarios-local:
	$(CHAOSGATE) run --provider local --cluster-name cg-make-test-local \
	  --junit reports/make-test-local/junit.xml --report reports/make-test-local
	$(CHAOSGATE) gate reports/make-test-local/junit.xml --policy gate.yaml

bench: heart
	$(PY) bench/bench_heart_http.py
	$(PY) bench/bench_observe_latency.py

# kind cluster up against `kind create` alone, time to Synced, and (CHAOS=1) the whole kind run.
bench-kind: heart node
	CHAOSGATE_KIND_IMAGES=local $(CHAOSGATE) images build
	CHAOSGATE_KIND_IMAGES=local $(PY) bench/bench_kind.py $(if $(CHAOS),--chaos)

# kind where Docker and its node image are available, else the local provider.
PROVIDER ?= auto
chaos:
	$(CHAOSGATE) run --provider $(PROVIDER) --junit reports/junit.xml --report reports

clean:
	rm -rf heart/bin reports .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
