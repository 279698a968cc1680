# Kotlin and Swift bindings (uniffi). Included from the root Makefile, run from the repo root;
# CARGO is defined there.
#   make bindings      build the cdylib (`bindings` profile) and generate Kotlin
#                      (target/uniffi/kotlin) and Swift (bindings/uniffi/swift, committed)
#   make test-kotlin   the above, the crate's Rust tests (surface of every binding), then compile
#                      and run the Kotlin suite with the README's Kotlin blocks (Readme.kt drives
#                      them); also checks that the committed Swift is what the library generates

UNIFFI_DIR := bindings/uniffi
UNIFFI_LIB := $(BINDINGS_DIR)/libhookwire_ffi.so
# uniffi's generator, a crate of its own (bindgen/) built in the dev profile: it reads the
# library's metadata, so it need not be built as the library is.
UNIFFI_BINDGEN := target/debug/uniffi-bindgen
UNIFFI_OUT := target/uniffi
UNIFFI_SWIFT := $(UNIFFI_DIR)/swift
KOTLIN_HOME := .tools/kotlin/node_modules/kotlin-compiler
KOTLINC := $(KOTLIN_HOME)/bin/kotlinc
JNA_JAR := /usr/share/java/jna.jar

.PHONY: bindings uniffi-lib uniffi-kotlin uniffi-swift-check test-kotlin tools-kotlin

# The library in the `bindings` profile (the one the jar ships), the generator beside it.
uniffi-lib:
	$(CARGO) build --quiet --profile bindings --target $(HOST_TRIPLE) -p hookwire-ffi
	$(CARGO) build --quiet -p hookwire-uniffi-bindgen

uniffi-kotlin: uniffi-lib
	rm -rf $(UNIFFI_OUT)/kotlin
	$(UNIFFI_BINDGEN) generate --library $(UNIFFI_LIB) --language kotlin --no-format --metadata-no-deps --out-dir $(UNIFFI_OUT)/kotlin

# Swift is generated into a scratch folder, then laid out as SwiftPM expects: the Swift source
# in Sources/Hookwire, the C header and module map (for the XCFramework) in Headers/.
define uniffi_swift
	rm -rf $(1) && mkdir -p $(1)/gen $(1)/Sources/Hookwire $(1)/Headers
	$(UNIFFI_BINDGEN) generate --library $(UNIFFI_LIB) --language swift --no-format --metadata-no-deps --out-dir $(1)/gen
	mv $(1)/gen/Hookwire.swift $(1)/Sources/Hookwire/Hookwire.swift
	mv $(1)/gen/HookwireFFI.h $(1)/Headers/HookwireFFI.h
	mv $(1)/gen/HookwireFFI.modulemap $(1)/Headers/module.modulemap
	rmdir $(1)/gen
endef

bindings: uniffi-kotlin
	$(call uniffi_swift,$(UNIFFI_OUT)/swift)
	rm -rf $(UNIFFI_SWIFT)/Sources $(UNIFFI_SWIFT)/Headers
	cp -r $(UNIFFI_OUT)/swift/Sources $(UNIFFI_OUT)/swift/Headers $(UNIFFI_SWIFT)/

# The committed Swift must be what this library generates (run `make bindings` after changing
# the Rust API).
uniffi-swift-check: uniffi-lib
	$(call uniffi_swift,$(UNIFFI_OUT)/swift)
	@diff -r $(UNIFFI_OUT)/swift/Sources $(UNIFFI_SWIFT)/Sources && diff -r $(UNIFFI_OUT)/swift/Headers $(UNIFFI_SWIFT)/Headers \
	  || { echo "bindings/uniffi/swift is out of date: run make bindings" >&2; exit 1; }

tools-kotlin:
	@test -x $(KOTLINC) || npm install --prefix .tools/kotlin --no-audit --no-fund kotlin-compiler
	@test -f $(JNA_JAR) || { apt-get update && apt-get install -y libjna-java; }

# The crate's Rust tests (error codes, payload records, the surface of every binding) in the dev
# profile: they read the names and types the library exports from its uniffi metadata, which the
# proc-macros write the same in every profile; the Kotlin suite below runs the `bindings` build.
# (In the `bindings` profile each test binary was a whole-program link with uniffi's generator.)
test-kotlin: tools-kotlin uniffi-kotlin uniffi-swift-check
	$(CARGO) test --quiet -p hookwire-ffi
	rm -rf $(UNIFFI_OUT)/kotlin-classes $(UNIFFI_OUT)/readme
	python3 tests/readme/snippets.py extract kotlin $(UNIFFI_OUT)/readme
	$(KOTLINC) -nowarn -cp $(JNA_JAR) -d $(UNIFFI_OUT)/kotlin-classes \
	  $$(find $(UNIFFI_OUT)/kotlin -name '*.kt') $(UNIFFI_OUT)/readme/*.kt $(UNIFFI_DIR)/kotlin/*.kt
	WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw REPLAY_STORE=sqlite://$(abspath $(UNIFFI_OUT))/readme/replay.db java -Djna.library.path=$(BINDINGS_DIR) \
	  -cp $(UNIFFI_OUT)/kotlin-classes:$(JNA_JAR):$(KOTLIN_HOME)/lib/kotlin-stdlib.jar \
	  hookwire.tests.MainKt tests/vectors
