# Node binding (bindings/node): included from the root Makefile, run from the repository root.
#   make test-node    install npm dev dependencies when needed, build the addon (`bindings`
#                     profile, shared target/, only -p hookwire-node) and hookwire-testkit (the
#                     suite's PostgreSQL and Redis servers), run `npm test` (node --test + tsc;
#                     the outbox suite on both engines), then the AuraConnect example app
#                     (examples/node/auraconnect)
#   make bench-node   the verify and typed-parse benchmarks (bench/verify.mjs, bench/parse.mjs)
NODE_DIR := bindings/node
NODE_STAMP := $(NODE_DIR)/node_modules/.install-stamp
AURACONNECT_DIR := examples/node/auraconnect
AURACONNECT_STAMP := $(AURACONNECT_DIR)/node_modules/.install-stamp
NODE_ADDON_SOURCES := $(wildcard $(NODE_DIR)/src/*.rs) $(NODE_DIR)/Cargo.toml $(NODE_DIR)/scripts/gen-dts.mjs \
  $(NODE_DIR)/lib/api.d.ts bindings/payload_fields.json bindings/names.json $(wildcard src/*.rs src/*/*.rs) Cargo.toml \
  $(wildcard stores/src/*.rs) stores/Cargo.toml $(wildcard outbox/src/*.rs outbox/src/*/*.rs) outbox/Cargo.toml

.PHONY: test-node bench-node build-node

# npm install only when node_modules is missing or package.json / package-lock.json changed.
$(NODE_STAMP): $(NODE_DIR)/package.json $(wildcard $(NODE_DIR)/package-lock.json)
	cd $(NODE_DIR) && npm install --no-audit --no-fund
	@touch $@

# The addon is rebuilt when the Rust sources (binding or core) change; cargo itself is
# incremental, so a rebuild with nothing changed is quick.
$(NODE_DIR)/.addon-stamp: $(NODE_STAMP) $(NODE_ADDON_SOURCES)
	cd $(NODE_DIR) && CARGO="$(CARGO)" npm run --silent build
	@touch $@

build-node: $(NODE_DIR)/.addon-stamp

test-node: build-node testkit $(AURACONNECT_STAMP)
	cd $(NODE_DIR) && HOOKWIRE_TESTKIT=$(TESTKIT) npm test
	cd $(AURACONNECT_DIR) && npm test

# The example's own dependencies (express, supertest; hookwire linked from bindings/node).
$(AURACONNECT_STAMP): $(AURACONNECT_DIR)/package.json $(AURACONNECT_DIR)/package-lock.json
	cd $(AURACONNECT_DIR) && npm install --no-audit --no-fund
	@touch $@

bench-node: build-node
	cd $(NODE_DIR) && npm run --silent bench
