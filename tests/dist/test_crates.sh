#!/usr/bin/env bash
# The crate packages in dist/crates (cargo package verified each one already: unpacked and built
# on its own, the workspace crates it needs coming from the packages, not from the checkout).
# Here: what crates.io shows and needs is in each one, and nothing of the repository beside it.
# Usage: tests/dist/test_crates.sh DIST_CRATES_DIR
source "$(dirname "$0")/lib.sh"
python3 - "$1" <<'PY'
import sys, tarfile, tomllib
from pathlib import Path

failures = []
crates = sorted(Path(sys.argv[1]).glob("*.crate"))
names = {c.name.rsplit("-", 1)[0] for c in crates}
if names != {"hookwire", "hookwire-stores", "hookwire-outbox", "hookwire-cli"}:
    failures.append(f"the packaged crates are {sorted(names)}")
for crate in crates:
    root = crate.name[: -len(".crate")]
    with tarfile.open(crate) as tar:
        files = {n[len(root) + 1:] for n in tar.getnames()}
        package = tomllib.loads(tar.extractfile(f"{root}/Cargo.toml").read().decode())["package"]
    for key in ("description", "license", "readme", "keywords", "categories", "rust-version", "repository", "homepage"):
        if not package.get(key):
            failures.append(f"{crate.name}: no {key}")
    for need in ("LICENSE-MIT", "LICENSE-APACHE", package.get("readme", "README.md"), "Cargo.lock" if root.startswith("hookwire-cli") else "Cargo.toml"):
        if need not in files:
            failures.append(f"{crate.name}: {need} is not in the package")
    # The core ships its library, examples and README (its doctests), not the repository.
    stray = sorted(f for f in files if f.split("/")[0] in ("tests", "fuzz", "bindings", "benches", "target", ".ci", "Makefile"))
    if root.startswith("hookwire-0") and stray:
        failures.append(f"{crate.name}: repository files packaged: {stray[:5]}")
    print(f"{'FAIL' if failures else 'ok  '} {crate.name}: {len(files)} files, {crate.stat().st_size} bytes, rust {package.get('rust-version')}")
if failures:
    sys.exit("\n".join(failures))
PY
