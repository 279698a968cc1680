#!/usr/bin/env bash
# Builds HookwireFFI.xcframework next to Package.swift: the static Rust library for iOS devices,
# the iOS simulator (arm64 + x86_64) and macOS (arm64 + x86_64), with Headers/.
# Needs macOS with Xcode and rustup. Run from anywhere:
#   bindings/uniffi/swift/build-xcframework.sh
# Not run on the Linux machine the bindings are generated on.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "${targets[@]}"
for target in "${targets[@]}"; do
  # A static library for Apple platforms (the crate's own types are cdylib + lib).
  cargo rustc --profile bindings -p hookwire-ffi --lib --target "$target" --crate-type staticlib
done

out="target/xcframework"
rm -rf "$out" "$here/HookwireFFI.xcframework"
mkdir -p "$out/ios-sim" "$out/macos"
lib=libhookwire_ffi.a
lipo -create target/aarch64-apple-ios-sim/bindings/$lib target/x86_64-apple-ios/bindings/$lib -output "$out/ios-sim/$lib"
lipo -create target/aarch64-apple-darwin/bindings/$lib target/x86_64-apple-darwin/bindings/$lib -output "$out/macos/$lib"

xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/bindings/$lib -headers "$here/Headers" \
  -library "$out/ios-sim/$lib" -headers "$here/Headers" \
  -library "$out/macos/$lib" -headers "$here/Headers" \
  -output "$here/HookwireFFI.xcframework"
echo "built $here/HookwireFFI.xcframework"
