# hookwire: `make demo` runs the demo, `make test` runs every test in every language.
# Each target installs what it needs, idempotently.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
VENV ?= .venv
PYTHON := $(VENV)/bin/python
FUZZ_SECONDS ?= 30
FUZZ_LONG_RUNS ?= 10000000
# The bindings' builds (Cargo's `bindings` profile) all name the host triple, as napi's CLI
# always does, so the Python, Node and uniffi libraries share one set of compiled dependencies
# in target/<triple>/bindings.
HOST_TRIPLE := $(shell rustc -vV | sed -n 's/^host: //p')
BINDINGS_DIR := target/$(HOST_TRIPLE)/bindings
FUZZ_TARGETS := verify secret_parse signature_header event_parse retry_after_parse url_guard retry_policy

.PHONY: demo demo-cli test lint readme-check test-rust test-stores test-outbox test-cli test-python vectors vectors-check fuzz-smoke fuzz-long fuzz-seeds bench bench-stores bench-outbox bench-bindings-outbox build-python constant-time tools-python tools-cli tools-fuzz tools-servers testkit

demo:
	$(CARGO) run --quiet --release --example schemes
	@echo
	$(CARGO) run --quiet --release --example events
	@echo
	$(CARGO) run --quiet --release --example deliver
	@echo
	$(CARGO) run --quiet --release -p hookwire-outbox --example ops_center
	@echo
	@$(MAKE) --no-print-directory demo-cli

# The `hookwire` binary: `listen` on a free port, `send` it a signed test event (accepted) and
# one signed with another secret (refused, 401), then stop the listener with Ctrl-C's signal.
DEMO_SECRET := whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
demo-cli:
	$(CARGO) build --quiet --release -p hookwire-cli
	@log=$$(mktemp); trap 'rm -f $$log' EXIT; \
	HOOKWIRE_SECRET=$(DEMO_SECRET) target/release/hookwire listen --port 0 --scheme standard-webhooks 2>$$log & listener=$$!; \
	for _ in $$(seq 100); do grep -q '^listening on' $$log && break; sleep 0.1; done; \
	cat $$log; url=$$(grep -o 'http://[^ ]*' $$log); \
	echo "$$ hookwire send $$url --scheme standard-webhooks --type order.created --allow-private"; \
	HOOKWIRE_SECRET=$(DEMO_SECRET) target/release/hookwire send $$url --scheme standard-webhooks --type order.created --allow-private; \
	echo "$$ hookwire send … --secret <another secret> (refused: exit 1)"; \
	target/release/hookwire send $$url --scheme standard-webhooks --secret whsec_dGhlIG90aGVyIHNlY3JldCwgMzIgYnl0ZXMgbG9uZyE= --data '{"type":"order.created"}' --allow-private || true; \
	sleep 0.2; kill -INT $$listener; wait $$listener; cat $$log | tail -n +2

# Lint and cheap checks first, the long fuzz smoke next, the test suites last.
test: lint readme-check vectors-check versions-check fuzz-smoke test-rust test-stores test-outbox test-cli test-python test-node test-kotlin test-dist

# The bindings' own targets: test-node, bench-node (Node); bench-python (Python); bindings,
# test-kotlin (uniffi).
include bindings/node/rules.mk
include bindings/python/rules.mk
include bindings/uniffi/rules.mk
# The release artifacts: dist, test-dist, versions-check (after the suites, whose release builds
# it packs).
include tests/dist/rules.mk

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --quiet --no-deps -p hookwire -p hookwire-stores -p hookwire-outbox -p hookwire-cli

# The core (README.md's Rust blocks are its doctests) and the README's axum recipe, run over HTTP.
test-rust:
	$(CARGO) test -p hookwire -p hookwire-example-axum

# Every code block of the four READMEs is known to a runner (tests/readme/snippets.py says
# which); the suites run them: doctests, test-python, test-node, test-kotlin.
readme-check:
	python3 tests/readme/snippets.py check

# The replay stores against real servers: hookwire-testkit starts throwaway PostgreSQL clusters
# and Redis servers on loopback (its own tests check that it can).
test-stores: tools-servers
	$(CARGO) test -p hookwire-testkit -p hookwire-stores

# The durable outbox: the conformance suite on SQLite and on a throwaway PostgreSQL, chaos,
# SSRF, migrations.
test-outbox: tools-servers
	$(CARGO) test -p hookwire-outbox

# The `hookwire` binary, as real processes: sign, verify, listen, send (every scheme), the
# providers' Python libraries judging its output, curl running `sign --curl`; the outbox
# commands with kill -9 crash tests and two PostgreSQL worker processes.
test-cli: tools-servers tools-cli
	HOOKWIRE_PYTHON=$(CURDIR)/$(PYTHON) $(CARGO) test -p hookwire-cli

# The binary the Python and Node suites start throwaway PostgreSQL and Redis servers with.
TESTKIT := $(CURDIR)/target/debug/hookwire-testkit
testkit: tools-servers
	$(CARGO) build --quiet -p hookwire-testkit --bin hookwire-testkit

# Builds the extension once (the `bindings` profile, into the venv, sharing target/) and runs
# its suite, interop with the providers' own libraries included; the replay claims on all four
# stores; the outbox on SQLite and PostgreSQL (crash tests included); the Ops Center example
# app (examples/python/ops_center).
test-python: tools-python testkit
	@$(PYTHON) -c 'import maturin, pytest, standardwebhooks, stripe, slack_sdk, fastapi, httpx, flask, django, mypy' 2>/dev/null || \
	  $(PYTHON) -m pip install --quiet maturin pytest standardwebhooks stripe slack_sdk fastapi httpx flask django mypy
	cd bindings/python && VIRTUAL_ENV=$(CURDIR)/$(VENV) $(CURDIR)/$(VENV)/bin/maturin develop --profile bindings --target $(HOST_TRIPLE) --quiet
	HOOKWIRE_TESTKIT=$(TESTKIT) $(PYTHON) -m pytest -q bindings/python/tests
	$(PYTHON) -m pytest -q examples/python/ops_center

# The shared vectors are produced by an independent Python implementation; this checks the
# committed file is exactly what it produces.
vectors-check: tools-python
	$(PYTHON) tests/vectors/generate_signatures.py --check
	$(PYTHON) tests/vectors/generate_events.py --check

vectors: tools-python
	$(PYTHON) tests/vectors/generate_signatures.py
	$(PYTHON) tests/vectors/generate_events.py

# Each target for FUZZ_SECONDS, starting from the committed seeds (fuzz/seeds/<target>).
fuzz-smoke: tools-fuzz
	cd fuzz && for target in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$target ($(FUZZ_SECONDS) s)"; \
	  mkdir -p corpus/$$target seeds/$$target; \
	  $(CARGO) +nightly fuzz run -O $$target corpus/$$target seeds/$$target -- -max_total_time=$(FUZZ_SECONDS) 2>&1 | grep -E '^(Done|#[0-9]+ +DONE)|ERROR|panicked|SUMMARY' ; \
	done

# Not in CI: FUZZ_LONG_RUNS executions per target, one target at a time in one process (one
# core), from the committed seeds; what it finds stays in fuzz/corpus. Then `make fuzz-seeds`.
fuzz-long: tools-fuzz
	cd fuzz && for target in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$target ($(FUZZ_LONG_RUNS) executions)"; \
	  mkdir -p corpus/$$target seeds/$$target; \
	  $(CARGO) +nightly fuzz run -O $$target corpus/$$target seeds/$$target -- -runs=$(FUZZ_LONG_RUNS) -print_final_stats=1 2>&1 | grep -E '^Done|stat::number_of_executed_units|ERROR|panicked|SUMMARY' ; \
	done

# Minimizes each target's corpus together with its seeds (cargo fuzz cmin) and commits the
# result as the new seeds: the smallest set of inputs that reaches the same coverage.
fuzz-seeds: tools-fuzz
	cd fuzz && for target in $(FUZZ_TARGETS); do \
	  mkdir -p corpus/$$target seeds/$$target; \
	  cp -n seeds/$$target/* corpus/$$target/ 2>/dev/null || true; \
	  $(CARGO) +nightly fuzz cmin -O $$target corpus/$$target 2>&1 | grep -E 'MERGE-OUTER: [0-9]+ new files|ERROR|SUMMARY' ; \
	  rm -rf seeds/$$target; mkdir seeds/$$target; cp corpus/$$target/* seeds/$$target/; \
	  echo "$$target: $$(ls seeds/$$target | wc -l) seeds, $$(du -sh seeds/$$target | cut -f1)"; \
	done

# Every row of issue 18's table in one run: the Rust rows (benches/speed.rs: verify against a
# bare HMAC, typed parse against serde_json::Value), then the Python rows (bench-python) and the
# Node rows (bench-node) against freshly built bindings; each beside its figure at filing and
# its goal.
bench: bench-stores
	$(CARGO) bench -p hookwire-benches --bench verify
	$(CARGO) bench -p hookwire-benches --bench speed
	@$(MAKE) --no-print-directory bench-python bench-node

bench-stores: tools-servers
	$(CARGO) bench -p hookwire-stores --bench claims

# Deliveries per second (SQLite, PostgreSQL with one and two workers) beside the ceiling (the
# same client, no store), publish latency, claim cost at 10,000 vs 1,000,000 pending.
bench-outbox: tools-servers
	$(CARGO) bench -p hookwire-outbox --bench throughput

# The outbox from Python and Node beside Rust in one run, both engines: publish cost (goal ≤ 1.5×
# Rust's) and deliveries per second of the worker started from each language (goal: equal).
bench-bindings-outbox: tools-servers build-python build-node
	HOOKWIRE_PYTHON=$(CURDIR)/$(PYTHON) $(CARGO) bench -p hookwire-outbox --bench bindings

# The Python extension, built into the venv (the `bindings` profile, sharing target/).
build-python: tools-python
	@$(PYTHON) -c 'import maturin' 2>/dev/null || $(PYTHON) -m pip install --quiet maturin
	cd bindings/python && VIRTUAL_ENV=$(CURDIR)/$(VENV) $(CURDIR)/$(VENV)/bin/maturin develop --profile bindings --target $(HOST_TRIPLE) --quiet

constant-time:
	$(CARGO) bench -p hookwire-benches --bench constant_time

tools-python:
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	@$(PYTHON) -c 'import cryptography' 2>/dev/null || $(PYTHON) -m pip install --quiet cryptography

# What the CLI suite runs besides the binary: Python with the providers' libraries, and curl.
tools-cli: tools-python
	@$(PYTHON) -c 'import standardwebhooks, stripe, slack_sdk' 2>/dev/null || \
	  $(PYTHON) -m pip install --quiet standardwebhooks stripe slack_sdk
	@command -v curl >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq curl >/dev/null; }

# PostgreSQL (initdb, pg_ctl) and redis-server for the store tests, from Debian when missing.
tools-servers:
	@missing=""; \
	{ command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

tools-fuzz:
	@$(CARGO) +nightly --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install --locked cargo-fuzz
