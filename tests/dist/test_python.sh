#!/usr/bin/env bash
# The wheel in dist/python, installed by pip into a fresh virtual environment outside the
# repository with cargo and rustc off PATH, then smoke.py there; the sdist's contents, and that
# its extension crate checks from them alone.
# Usage: tests/dist/test_python.sh DIST_PYTHON_DIR
source "$(dirname "$0")/lib.sh"
scratch
# The tag of pyo3's abi3-py310: one wheel for CPython >= 3.10.
wheel=$(one "$1/hookwire-*-cp310-abi3-*.whl")
sdist=$(one "$1/hookwire-*.tar.gz")
version=$(basename "$wheel" | cut -d- -f2)

step "wheel $(basename "$wheel"): its files"
python3 - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
need = ["hookwire/__init__.py", "hookwire/py.typed", "hookwire/_hookwire.pyi"]
missing = [n for n in need if n not in names]
if not any(n.startswith("hookwire/_hookwire.abi3.") for n in names):
    missing.append("hookwire/_hookwire.abi3.so")
if missing:
    sys.exit(f"missing from the wheel: {missing}")
print(f"ok   {len(names)} files, the extension, py.typed and the stubs among them")
PY

step "sdist $(basename "$sdist"): the binding and the core it builds from"
python3 - "$sdist" <<'PY'
import sys, tarfile
names = tarfile.open(sys.argv[1]).getnames()
root = names[0].split("/")[0]
need = ["pyproject.toml", "PKG-INFO", "bindings/python/Cargo.toml", "bindings/python/src/lib.rs",
        "python/hookwire/_hookwire.pyi", "python/hookwire/py.typed",
        "src/lib.rs", "Cargo.toml", "Cargo.lock"]
present = {n[len(root) + 1:] for n in names}
missing = [n for n in need if n not in present]
if missing:
    sys.exit(f"missing from the sdist: {missing} (has {sorted(present)[:40]})")
print(f"ok   {len(names)} entries")
PY

step "sdist: its extension crate checks on its own (offline: only the sources and lock it ships)"
tar -xzf "$sdist" -C "$SCRATCH"
# Shares the repository's target/ so that the dependencies checked by `make lint` are reused; only
# the sdist's own crates (a new path) are checked again. Cargo is needed here: building an sdist
# is what needs Rust.
CARGO_TARGET_DIR="$REPO/target" cargo check --quiet --offline \
  --manifest-path "$SCRATCH/$(basename "$sdist" .tar.gz)/bindings/python/Cargo.toml"
echo "ok   cargo check of the sdist's bindings/python"

step "a fresh venv, pip install the wheel (no index, no Rust on PATH)"
python3 -m venv "$SCRATCH/venv"
cd "$SCRATCH"
without_rust "$SCRATCH/venv/bin/python" -m pip install --quiet --no-index --no-deps "$wheel"
step "smoke.py in $SCRATCH"
cp "$REPO/tests/dist/smoke.py" "$SCRATCH/"
without_rust "$SCRATCH/venv/bin/python" -I "$SCRATCH/smoke.py" "$version"
