#!/usr/bin/env bash
# The `hookwire` binary that `cargo install --path cli` put in dist/cli (from a clean copy of the
# repository), unpacked into an empty folder and run there with cargo and rustc off PATH:
# `--version`, then a request signed by `sign` and checked by `verify`.
# Usage: tests/dist/test_cli.sh DIST_CLI_DIR
source "$(dirname "$0")/lib.sh"
scratch
tarball=$(one "$1/hookwire-cli-*.tar.gz")
version=$(basename "$tarball"); version=${version#hookwire-cli-}; version=${version%%-*}
tar -xzf "$tarball" -C "$SCRATCH"
cd "$SCRATCH"

step "$(basename "$tarball"): bin/hookwire --version"
out=$(without_rust bin/hookwire --version)
[ "$out" = "hookwire $version" ] || { echo "--version said '$out', not 'hookwire $version'" >&2; exit 1; }
echo "ok   $out"

step "sign, then verify what it signed"
secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
printf '{"type":"order.created","data":{"id":1001}}' > body.json
HOOKWIRE_SECRET=$secret without_rust bin/hookwire sign --scheme standard-webhooks --data @body.json > headers.txt
cat headers.txt
HOOKWIRE_SECRET=$secret without_rust bin/hookwire verify --scheme standard-webhooks --header @headers.txt --data @body.json
printf '{}' > other.json
if HOOKWIRE_SECRET=$secret without_rust bin/hookwire verify --scheme standard-webhooks --header @headers.txt --data @other.json; then
  echo "another body verified" >&2; exit 1
fi
echo "ok   the installed binary signs and verifies, and refuses another body"
