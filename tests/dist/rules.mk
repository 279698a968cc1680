# Release artifacts (issue 19). Included from the root Makefile, run from the repository root.
#   make dist        every artifact into dist/: crates/ (cargo package), python/ (abi3 wheel +
#                    sdist), node/ (npm pack tarball with the prebuilt addon), kotlin/ (jar with
#                    the generated Kotlin, compiled, and the native library), cli/ (`cargo install`
#                    from a clean copy, as a tarball)
#   make test-dist   the above, then each crate built from its package alone, each other
#                    artifact installed and used in an empty temporary place with cargo and rustc
#                    hidden from PATH (tests/dist/*.sh), and the versions check
#
# The wheel, the addon and the uniffi library are the builds the language suites make (Cargo's
# `bindings` profile, all three in target/<host triple>/bindings): with test-python, test-node
# and test-kotlin run first, building them again here is a no-op for cargo. What test-dist
# compiles of its own: the four crates from their packages (debug, without debug info, in
# target/dist/crates-target), the CLI's release build (its own target dir:
# target/dist/cli-target) and the generated Kotlin once more (kotlinc).

DIST := dist
# The one version (the workspace's); every manifest is checked against it by versions-check.
VERSION := $(shell sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
PUBLISHED_CRATES := hookwire hookwire-stores hookwire-outbox hookwire-cli
# JNA's resource folder for this platform (linux-x86-64, linux-aarch64, darwin-aarch64, ...).
JNA_PREFIX := $(shell uname -s | tr A-Z a-z)-$(subst _,-,$(shell uname -m | sed 's/arm64/aarch64/'))

.PHONY: dist dist-crates dist-python dist-node dist-kotlin dist-cli test-dist versions-check

dist: dist-crates dist-python dist-node dist-kotlin dist-cli
	@echo "== $(DIST)/"; cd $(DIST) && find . -type f | sort | xargs ls -l | awk '{printf "%10d  %s\n", $$5, $$9}'

# One version everywhere: Cargo (workspace and path dependencies), pyproject, package.json and its
# lock, the CHANGELOG's newest entry, and (when built) every artifact's name and metadata.
versions-check:
	python3 tests/dist/check_versions.py

# `cargo package` of the publishable crates in one command: cargo (>= 1.90, where workspace
# packaging is stable; `-Zpackage-workspace` before) packages them in dependency order, writing
# the CLI's Cargo.lock against a temporary local registry overlaying crates.io with the crates
# just packaged (one at a time, `cargo package -p hookwire-stores` fails even with --no-verify:
# the package's Cargo.lock is resolved against crates.io, where there is "no matching package
# named `hookwire`"). --no-verify: test-dist builds each package on its own from the packages
# (tests/dist/test_crates.sh), with one target dir for the four; cargo's verification builds
# each in a build of its own, 6.5 minutes of CI. --allow-dirty: `make dist` in a working tree
# with local edits packages those edits (a release is made from a clean tag; the .crate records
# whether the tree was dirty).
dist-crates:
	rm -rf $(DIST)/crates && mkdir -p $(DIST)/crates
	$(CARGO) package --allow-dirty --locked --no-verify $(addprefix -p ,$(PUBLISHED_CRATES))
	cp $(foreach c,$(PUBLISHED_CRATES),target/package/$(c)-$(VERSION).crate) $(DIST)/crates/

# The same build as test-python (maturin develop, the `bindings` profile): one abi3 wheel for
# CPython >= 3.10.
# Its extension is stripped afterwards (unpacked and packed again by `wheel`, which writes the
# RECORD): `maturin build --strip` would change the link flags and rebuild the crate test-python
# just built.
dist-python: tools-python
	@$(PYTHON) -c 'import maturin, wheel' 2>/dev/null || $(PYTHON) -m pip install --quiet maturin wheel
	rm -rf $(DIST)/python target/dist/python && mkdir -p $(DIST)/python target/dist/python
	cd bindings/python && $(CURDIR)/$(VENV)/bin/maturin build --quiet --profile bindings --target $(HOST_TRIPLE) --out $(CURDIR)/target/dist/python
	$(PYTHON) -m wheel unpack --dest target/dist/python/unpacked target/dist/python/hookwire-$(VERSION)-*.whl
	strip target/dist/python/unpacked/hookwire-$(VERSION)/hookwire/_hookwire.abi3.so
	$(PYTHON) -m wheel pack --dest-dir $(DIST)/python target/dist/python/unpacked/hookwire-$(VERSION)
	cd bindings/python && $(CURDIR)/$(VENV)/bin/maturin sdist --out $(CURDIR)/$(DIST)/python

# The addon test-node builds, packed by `npm pack` from a staging copy: the licenses added, the
# addon stripped (the `bindings` profile keeps line tables for benchmarks: 10 MB instead of 68 MB).
dist-node: build-node
	rm -rf $(DIST)/node target/dist/node && mkdir -p $(DIST)/node target/dist/node
	cd $(NODE_DIR) && cp -r package.json README.md index.js index.mjs index.d.ts native.js lib *.node $(CURDIR)/target/dist/node/
	cp LICENSE-MIT LICENSE-APACHE target/dist/node/
	strip target/dist/node/*.node
	cd target/dist/node && npm pack --silent --pack-destination $(CURDIR)/$(DIST)/node >/dev/null

# The generated Kotlin compiled to classes, its source beside them, the library in JNA's folder
# for this platform: JNA loads it from the jar (it extracts it to a temporary file).
dist-kotlin: tools-kotlin uniffi-kotlin
	rm -rf $(DIST)/kotlin target/dist/kotlin && mkdir -p $(DIST)/kotlin target/dist/kotlin/classes/$(JNA_PREFIX)
	$(KOTLINC) -nowarn -cp $(JNA_JAR) -d target/dist/kotlin/classes $(UNIFFI_OUT)/kotlin/hookwire/hookwire_ffi.kt
	cp $(UNIFFI_OUT)/kotlin/hookwire/hookwire_ffi.kt target/dist/kotlin/classes/hookwire/
	strip -o target/dist/kotlin/classes/$(JNA_PREFIX)/$(notdir $(UNIFFI_LIB)) $(UNIFFI_LIB)
	cp LICENSE-MIT LICENSE-APACHE target/dist/kotlin/classes/
	printf 'Implementation-Title: hookwire\nImplementation-Version: $(VERSION)\n' > target/dist/kotlin/MANIFEST.MF
	jar --create --file $(DIST)/kotlin/hookwire-$(VERSION).jar --manifest target/dist/kotlin/MANIFEST.MF \
	  -C target/dist/kotlin/classes .

# `cargo install --path cli` from a copy of the tracked files (no target/, nothing untracked),
# with the lock file; the installed binary is the artifact, as a tarball.
dist-cli:
	rm -rf $(DIST)/cli target/dist/cli && mkdir -p $(DIST)/cli target/dist/cli/src target/dist/cli/root
	git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C target/dist/cli/src
	CARGO_TARGET_DIR=$(CURDIR)/target/dist/cli-target CARGO_PROFILE_RELEASE_STRIP=symbols \
	  $(CARGO) install --quiet --locked --path target/dist/cli/src/cli --root target/dist/cli/root
	tar -czf $(DIST)/cli/hookwire-cli-$(VERSION)-$(HOST_TRIPLE).tar.gz -C target/dist/cli/root bin/hookwire

test-dist: versions-check dist
	tests/dist/test_crates.sh $(DIST)/crates
	tests/dist/test_python.sh $(DIST)/python
	tests/dist/test_node.sh $(DIST)/node $(NODE_DIR)
	KOTLIN_HOME=$(CURDIR)/$(KOTLIN_HOME) JNA_JAR=$(JNA_JAR) tests/dist/test_kotlin.sh $(DIST)/kotlin
	tests/dist/test_cli.sh $(DIST)/cli
	python3 tests/dist/check_versions.py --artifacts $(DIST)
