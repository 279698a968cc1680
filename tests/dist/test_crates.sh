#!/usr/bin/env bash
# The crate packages in dist/crates (`cargo package --no-verify`: they are built here).
# 1. What crates.io shows and needs is in each one, and nothing else: every packaged file is one
#    git tracks at that place (cargo reads no .gitignore where a manifest says `include`: a CI
#    run's node_modules once went into the core's package), besides the four files cargo writes.
# 2. Each one builds on its own, as `cargo publish` would build it: the packages unpacked side by
#    side, the workspace crates each needs taken from the packages (a [patch] of crates.io, where
#    they are not yet), the lock file the CLI's package ships, offline, one `cargo build -p` per
#    crate (so the features of a dependency are those that crate asks for, not the four's union)
#    in one target dir (so a dependency two of them build alike is compiled once). `cargo package`
#    verified each one in a build of its own: 6 min 29 s of a 40-minute CI run.
# Needs git and cargo (the only artifact test that does: a crate is built where it is used).
# Usage: tests/dist/test_crates.sh DIST_CRATES_DIR
source "$(dirname "$0")/lib.sh"
crates_dir=$(cd "$1" && pwd)
python3 - "$crates_dir" "$REPO" <<'PY'
import os, subprocess, sys, tarfile, tomllib
from pathlib import Path

# Where each crate's manifest lives in the repository.
HOMES = {"hookwire": ".", "hookwire-stores": "stores", "hookwire-outbox": "outbox", "hookwire-cli": "cli"}
# What `cargo package` writes itself (the lock file only where there is a binary).
WRITTEN = {"Cargo.toml", "Cargo.toml.orig", ".cargo_vcs_info.json", "Cargo.lock"}

repo = Path(sys.argv[2])
tracked = set(subprocess.run(["git", "-C", str(repo), "ls-files"], check=True, capture_output=True, text=True).stdout.splitlines())
failures = []
crates = sorted(Path(sys.argv[1]).glob("*.crate"))
names = {c.name.rsplit("-", 1)[0] for c in crates}
if names != set(HOMES):
    failures.append(f"the packaged crates are {sorted(names)}")
for crate in crates:
    before = len(failures)
    root = crate.name[: -len(".crate")]
    name = root.rsplit("-", 1)[0]
    with tarfile.open(crate) as tar:
        files = {n[len(root) + 1:] for n in tar.getnames() if tar.getmember(n).isfile()}
        package = tomllib.loads(tar.extractfile(f"{root}/Cargo.toml").read().decode())["package"]
    for key in ("description", "license", "readme", "keywords", "categories", "rust-version", "repository", "homepage"):
        if not package.get(key):
            failures.append(f"{crate.name}: no {key}")
    for need in ("LICENSE-MIT", "LICENSE-APACHE", package.get("readme", "README.md"), "Cargo.lock" if name == "hookwire-cli" else "Cargo.toml"):
        if need not in files:
            failures.append(f"{crate.name}: {need} is not in the package")
    # Each packaged file is the tracked file at its place under the crate's folder, but for the
    # readme, which cargo packages at the top from where the manifest's `readme` points.
    home = Path(HOMES.get(name, name))
    with tarfile.open(crate) as tar:
        original = tomllib.loads(tar.extractfile(f"{root}/Cargo.toml.orig").read().decode())["package"]
    places = {f: os.path.normpath(home / f) for f in files - WRITTEN}
    if isinstance(original.get("readme"), str):
        places[package["readme"]] = os.path.normpath(home / original["readme"])
    untracked = sorted(f for f, place in places.items() if place not in tracked)
    if untracked:
        failures.append(f"{crate.name}: {len(untracked)} files git does not track packaged: {untracked[:5]}")
    # The core ships its library, examples and README (its doctests), not the repository.
    stray = sorted(f for f in files if f.split("/")[0] in ("tests", "fuzz", "bindings", "benches", "target", ".ci", "Makefile"))
    if name == "hookwire" and stray:
        failures.append(f"{crate.name}: repository files packaged: {stray[:5]}")
    print(f"{'FAIL' if len(failures) > before else 'ok  '} {crate.name}: {len(files)} files, {crate.stat().st_size} bytes, rust {package.get('rust-version')}")
if failures:
    sys.exit("\n".join(failures))
PY

scratch
for crate in "$crates_dir"/*.crate; do tar -xzf "$crate" -C "$SCRATCH"; done
cli=$(one "$SCRATCH/hookwire-cli-*/Cargo.lock")
{
  echo '[workspace]'
  echo 'resolver = "2"'
  printf 'members = ['; for dir in "$SCRATCH"/*/; do printf '"%s", ' "$(basename "$dir")"; done; echo ']'
  echo '[patch.crates-io]'
  for dir in "$SCRATCH"/*/; do dir=$(basename "$dir"); echo "${dir%-*} = { path = \"$dir\" }"; done
} > "$SCRATCH/Cargo.toml"
cp "$cli" "$SCRATCH/Cargo.lock"
for name in hookwire hookwire-stores hookwire-outbox hookwire-cli; do
  step "the $name package builds on its own"
  (cd "$SCRATCH" && CARGO_TARGET_DIR="$REPO/target/dist/crates-target" CARGO_PROFILE_DEV_DEBUG=0 \
    cargo build --offline --quiet -p "$name")
  echo "ok   $name"
done
