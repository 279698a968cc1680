#!/usr/bin/env python3
"""One version for everything a release publishes: the workspace's `[workspace.package] version`.

Checked: every crate that is published or becomes a package (the core, stores, outbox, CLI, the
three binding crates, whose version maturin, napi and the jar take) inherits it; every path
dependency between workspace crates asks for it; pyproject.toml takes it from Cargo (dynamic) or
states the same; package.json and package-lock.json state it; CHANGELOG.md's newest entry is it.
With --artifacts DIR, the artifacts `make dist` wrote carry it too (names and metadata).

Usage: python3 tests/dist/check_versions.py [--artifacts dist]
"""

from __future__ import annotations

import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    sys.exit("check_versions.py needs Python >= 3.11 (tomllib)")

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = {"hookwire", "hookwire-stores", "hookwire-outbox", "hookwire-cli"}
BINDINGS = {"hookwire-py", "hookwire-node", "hookwire-ffi"}


def load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def check_manifests(problems: list[str]) -> str:
    root = load(ROOT / "Cargo.toml")
    version = root["workspace"]["package"]["version"]
    members = [ROOT / m / "Cargo.toml" for m in root["workspace"]["members"]]
    names = {load(m)["package"]["name"] for m in members}
    for manifest in members:
        where = manifest.relative_to(ROOT)
        data = load(manifest)
        package = data["package"]
        name = package["name"]
        published = package.get("publish", True) is not False
        if published and name not in PUBLISHED:
            problems.append(f"{where}: {name} is publishable but not in the release's crates {sorted(PUBLISHED)}")
        if name in PUBLISHED and not published:
            problems.append(f"{where}: {name} is a release crate but has publish = false")
        if (name in PUBLISHED or name in BINDINGS) and package.get("version") != {"workspace": True}:
            problems.append(f"{where}: {name} must have `version.workspace = true`, has {package.get('version')!r}")
        if not published:
            continue
        for section in ("dependencies", "build-dependencies"):
            for dep, spec in data.get(section, {}).items():
                if not isinstance(spec, dict) or "path" not in spec or dep not in names:
                    continue
                if spec.get("version", "").lstrip("=^") != version:
                    problems.append(f"{where}: [{section}] {dep} asks for version {spec.get('version')!r}, "
                                    f"the workspace is {version}")

    pyproject = load(ROOT / "bindings/python/pyproject.toml")["project"]
    if "version" in pyproject and pyproject["version"] != version:
        problems.append(f"bindings/python/pyproject.toml: version {pyproject['version']}, the workspace is {version}")
    if "version" not in pyproject and "version" not in pyproject.get("dynamic", []):
        problems.append("bindings/python/pyproject.toml: no version and not dynamic")

    package_json = json.loads((ROOT / "bindings/node/package.json").read_text(encoding="utf-8"))
    if package_json["version"] != version:
        problems.append(f"bindings/node/package.json: version {package_json['version']}, the workspace is {version}")
    lock_path = ROOT / "bindings/node/package-lock.json"
    if lock_path.exists():
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
        for where, found in (("version", lock.get("version")), ('packages[""].version', lock.get("packages", {}).get("", {}).get("version"))):
            if found is not None and found != version:
                problems.append(f"bindings/node/package-lock.json: {where} {found}, the workspace is {version}")

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    entries = re.findall(r"^## \[?(\d+\.\d+\.\d+[^\]\s]*)", changelog, re.M)
    if not entries or entries[0] != version:
        problems.append(f"CHANGELOG.md: newest entry {entries[0] if entries else None}, the workspace is {version}")
    return version


def check_artifacts(dist: Path, version: str, problems: list[str]) -> None:
    def one(pattern: str) -> Path | None:
        found = sorted(dist.glob(pattern))
        if len(found) != 1:
            problems.append(f"{dist}/{pattern}: expected one artifact, found {[p.name for p in found]}")
            return None
        return found[0]

    for crate in sorted(PUBLISHED):
        path = one(f"crates/{crate}-[0-9]*.crate")
        if path and path.name != f"{crate}-{version}.crate":
            problems.append(f"{path}: not version {version}")
        if path:
            with tarfile.open(path) as tar:
                manifest = tomllib.loads(tar.extractfile(f"{crate}-{version}/Cargo.toml").read().decode())
            if manifest["package"]["version"] != version:
                problems.append(f"{path}: Cargo.toml says {manifest['package']['version']}")

    wheel = one("python/hookwire-*.whl")
    if wheel:
        with zipfile.ZipFile(wheel) as zf:
            meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            stated = re.search(r"^Version: (.*)$", zf.read(meta).decode(), re.M).group(1)
        if stated != version or not wheel.name.startswith(f"hookwire-{version}-"):
            problems.append(f"{wheel.name}: version {stated}, the workspace is {version}")
    sdist = one("python/hookwire-*.tar.gz")
    if sdist and sdist.name != f"hookwire-{version}.tar.gz":
        problems.append(f"{sdist.name}: not version {version}")

    tgz = one("node/hookwire-*.tgz")
    if tgz:
        with tarfile.open(tgz) as tar:
            stated = json.load(tar.extractfile("package/package.json"))["version"]
        if stated != version or tgz.name != f"hookwire-{version}.tgz":
            problems.append(f"{tgz.name}: package.json says {stated}, the workspace is {version}")

    jar = one("kotlin/hookwire-*.jar")
    if jar:
        with zipfile.ZipFile(jar) as zf:
            manifest = zf.read("META-INF/MANIFEST.MF").decode()
        if f"Implementation-Version: {version}" not in manifest or jar.name != f"hookwire-{version}.jar":
            problems.append(f"{jar.name}: its manifest does not say {version}")

    cli = one("cli/hookwire-cli-*.tar.gz")
    if cli and not cli.name.startswith(f"hookwire-cli-{version}-"):
        problems.append(f"{cli.name}: not version {version}")


def main() -> None:
    problems: list[str] = []
    version = check_manifests(problems)
    if "--artifacts" in sys.argv:
        check_artifacts(Path(sys.argv[sys.argv.index("--artifacts") + 1]), version, problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(f"{len(problems)} version problem(s)")
    print(f"one version everywhere: {version}" + (" (manifests and artifacts)" if "--artifacts" in sys.argv else ""))


if __name__ == "__main__":
    main()
