#!/usr/bin/env python3
"""The code blocks of the four READMEs, exactly as a reader sees them: found, classified,
checked and written out for the runner of their language. Standard library only.

Every fenced block has a kind, from its language and the marker on the line just before it
(an HTML comment, which GitHub does not render but the README's source shows):

    <!-- snippet: NAME -->        names a program; blocks with the same name are one program, in
                                  order (fragments of a bigger one). Unnamed blocks are a program
                                  each, named after their README and line.
    <!-- snippet: file=PATH -->   the block is the whole file PATH, which a crate builds and tests
                                  (the axum recipe); checked to be equal, byte for byte.
    <!-- snippet: run -->         (sh) a cheap command, run by the Python suite.
    <!-- snippet: commands -->    (sh) commands to read, not run here (installs, `make test`).
    <!-- snippet: gradle -->      (kotlin) a Gradle build script: no Gradle here; its JNA version
                                  is checked against the one the Kotlin suite runs with.

| language | run by |
|---|---|
| rust   | rustdoc: README.md is the core's doctests (`cargo test -p hookwire`); `file=` blocks by their crate |
| python | `bindings/python/tests/test_readme.py` (pytest): every program runs; companions drive the frameworks |
| js, ts | `bindings/node/__test__/readme.test.mjs`: `tsc` (strict) for ts, node for both; companions |
| kotlin | `make test-kotlin`: compiled with the suite, driven by `bindings/uniffi/kotlin/Readme.kt` |
| swift  | no Swift toolchain here: every name it uses is checked against the generated Swift |
| sh     | `run` blocks by the Python suite; `commands` are not run |
| text   | not code (a synopsis, an output) |

`check` fails on a block the runners do not know (a new language, an sh block without a marker,
a Rust block outside README.md, rustdoc's hidden `#` lines, which GitHub shows verbatim), a
`file=` block that differs from its file, a relative link to nothing, and a stated vector count
that is not the vectors'.

Usage (from anywhere):
    python3 tests/readme/snippets.py check
    python3 tests/readme/snippets.py extract LANGUAGE OUT_DIR   # writes the programs and manifest.json
    python3 tests/readme/snippets.py list
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
READMES = ["README.md", "bindings/python/README.md", "bindings/node/README.md", "bindings/uniffi/README.md"]
LANGUAGES = {"rust", "python", "js", "ts", "kotlin", "swift", "sh", "text"}
MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(`{3,})(.*)$")
# rustdoc hides `# code` and a lone `#`; attributes (`#[...]`, `#![...]`) are code.
HIDDEN_RUST = re.compile(r"^\s*#(\s|$)")


@dataclass
class Block:
    readme: str
    line: int  # of the opening fence, 1-based
    info: str
    marker: Optional[str]
    text: str

    @property
    def lang(self) -> str:
        return re.split(r"[,\s]", self.info.strip(), maxsplit=1)[0] if self.info.strip() else ""

    @property
    def attributes(self) -> List[str]:
        return [a for a in re.split(r"[,\s]+", self.info.strip())[1:] if a]

    @property
    def file(self) -> Optional[str]:
        if self.marker and self.marker.startswith("file="):
            return self.marker[len("file="):]
        return None

    @property
    def name(self) -> str:
        if self.marker and self.marker not in ("run", "commands", "gradle") and not self.file:
            return self.marker
        slug = Path(self.readme).parent.name or "root"
        return f"{slug}_readme_line_{self.line}"

    @property
    def where(self) -> str:
        return f"{self.readme}:{self.line}"


@dataclass
class Program:
    """One runnable unit: a block, or the fragments sharing a name, joined in order."""

    name: str
    lang: str
    blocks: List[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)

    @property
    def esm(self) -> bool:
        return bool(re.search(r"^(import|export) ", self.text, re.M))

    @property
    def extension(self) -> str:
        if self.lang == "python":
            return ".py"
        if self.lang == "js":
            return ".mjs" if self.esm else ".cjs"
        if self.lang == "ts":
            return ".mts" if self.esm else ".cts"
        if self.lang == "kotlin":
            return ".kt"
        return "." + self.lang


def blocks(readmes: List[str] = READMES) -> List[Block]:
    """Every fenced code block of the READMEs, with the marker just before it."""
    found = []
    for readme in readmes:
        lines = (ROOT / readme).read_text(encoding="utf-8").split("\n")
        i = 0
        while i < len(lines):
            opening = FENCE.match(lines[i])
            if not opening:
                i += 1
                continue
            indent, fence, info = opening.groups()
            start = i
            body = []
            i += 1
            while i < len(lines) and not re.match(r"^\s*" + fence + r"\s*$", lines[i]):
                line = lines[i]
                body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
                i += 1
            if i == len(lines):
                raise SystemExit(f"{readme}:{start + 1}: a code block is never closed")
            marker = MARKER.match(lines[start - 1]) if start > 0 else None
            found.append(Block(readme, start + 1, info.strip(), marker.group(1) if marker else None,
                               "\n".join(body) + "\n"))
            i += 1
    return found


def programs(lang: str, all_blocks: Optional[List[Block]] = None) -> List[Program]:
    """The programs of one language (fragments joined), in README order."""
    out: Dict[str, Program] = {}
    for block in all_blocks if all_blocks is not None else blocks():
        if block.lang != lang or block.file or block.marker in ("run", "commands", "gradle"):
            continue
        program = out.setdefault(block.name, Program(block.name, lang))
        if program.lang != block.lang:
            raise SystemExit(f"{block.where}: `{block.name}` mixes languages")
        program.blocks.append(block)
    return list(out.values())


def extract(lang: str, out_dir: Path) -> List[dict]:
    """Writes each program of `lang` to OUT_DIR/<name><ext>; returns (and writes) the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = []
    for program in programs(lang):
        path = out_dir / (program.name + program.extension)
        path.write_text(program.text, encoding="utf-8")
        manifest.append({
            "name": program.name,
            "file": path.name,
            "where": [b.where for b in program.blocks],
        })
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


# What a Swift block may use that the generated Swift does not define: the language and the
# standard library, Foundation, and the block's own names.
SWIFT_OWN = {
    "import", "let", "var", "func", "do", "try", "catch", "switch", "case", "default", "break",
    "return", "as", "nil", "print", "Foundation", "Data", "String", "UInt16", "ProcessInfo",
    "processInfo", "environment", "Hookwire", "receive", "message", "order", "envelope", "data", "error",
    "verifier",
}
SWIFT_GENERATED = "bindings/uniffi/swift/Sources/Hookwire/Hookwire.swift"


def swift_unknown_names(block: Block) -> List[str]:
    """Names a Swift block calls, reads or labels that the generated bindings do not define."""
    code = re.sub(r'"(\\.|[^"\\])*"', '""', block.text)
    code = re.sub(r"//.*", "", code)
    used = set(re.findall(r"\.([A-Za-z_]\w*)", code))  # members and enum cases
    used |= set(re.findall(r"\b([A-Za-z_]\w*)\s*\(", code))  # calls and initializers
    used |= set(re.findall(r"\b([A-Za-z_]\w*):(?!:)", code))  # argument labels
    used |= set(re.findall(r"\b([A-Z]\w*)\b", code))  # types
    generated = set(re.findall(r"\b[A-Za-z_]\w*\b", (ROOT / SWIFT_GENERATED).read_text(encoding="utf-8")))
    return sorted(name for name in used - SWIFT_OWN if name not in generated)


# Counts the READMEs state, and where the numbers come from.
COUNTS = [
    ("README.md", r"`tests/vectors/signatures.json`: (\d+) cross-language cases", "signatures.json"),
    ("README.md", r"`tests/vectors/events.json` \((\d+) cases", "events.json"),
    ("bindings/python/README.md", r"\((\d+) signature,\s+\d+\s+event\s+cases\)", "signatures.json"),
    ("bindings/python/README.md", r"\(\d+\s+signature,\s+(\d+)\s+event\s+cases\)", "events.json"),
]


def problems() -> List[str]:
    found = []
    all_blocks = blocks()
    for block in all_blocks:
        where, lang = block.where, block.lang
        if lang not in LANGUAGES:
            found.append(f"{where}: a ```{block.info} block: no runner knows this language "
                         f"(known: {', '.join(sorted(LANGUAGES))})")
            continue
        if block.file:
            path = ROOT / block.file
            if not path.is_file():
                found.append(f"{where}: file={block.file} does not exist")
            elif path.read_text(encoding="utf-8") != block.text:
                found.append(f"{where}: the block differs from {block.file} (copy one onto the other)")
        if lang == "sh" and block.marker not in ("run", "commands"):
            found.append(f"{where}: an sh block needs `<!-- snippet: run -->` (cheap, run by the tests) "
                         "or `<!-- snippet: commands -->` (not run) on the line before it")
        if lang == "kotlin" and block.marker == "gradle" and "jna:" not in block.text:
            found.append(f"{where}: the Gradle block names no JNA dependency to check")
        if lang == "rust":
            if block.readme != "README.md" and not block.file:
                found.append(f"{where}: Rust blocks outside README.md are never compiled (use file=)")
            if "ignore" in block.attributes and not block.file:
                found.append(f"{where}: `rust,ignore` is compiled nowhere: make it a doctest or a file= block")
            for offset, line in enumerate(block.text.split("\n")):
                if HIDDEN_RUST.match(line):
                    found.append(f"{block.readme}:{block.line + 1 + offset}: a hidden rustdoc line "
                                 "(GitHub shows it verbatim): write a complete program")
        if lang == "swift":
            for name in swift_unknown_names(block):
                found.append(f"{where}: `{name}` is not in the generated {SWIFT_GENERATED}")
        if block.marker in ("run", "commands") and lang != "sh":
            found.append(f"{where}: `{block.marker}` marks sh blocks only")
    for lang in ("python", "js", "ts", "kotlin"):
        programs(lang, all_blocks)  # raises on a name shared across languages
    for readme in READMES:
        text = (ROOT / readme).read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            if not (ROOT / readme).parent.joinpath(target).exists():
                found.append(f"{readme}: the link ({target}) leads nowhere")
    for readme, pattern, vectors in COUNTS:
        stated = re.search(pattern, (ROOT / readme).read_text(encoding="utf-8"))
        actual = len(json.loads((ROOT / "tests" / "vectors" / vectors).read_text())["cases"])
        if not stated:
            found.append(f"{readme}: no count of {vectors} cases matching {pattern!r}")
        elif int(stated.group(1)) != actual:
            found.append(f"{readme}: says {stated.group(1)} cases of {vectors}, there are {actual}")
    return found


def main(argv: List[str]) -> int:
    if argv[1:2] == ["check"]:
        found = problems()
        for problem in found:
            print(problem, file=sys.stderr)
        count = len(blocks())
        print(f"README snippets: {count} blocks, {len(found)} problems")
        return 1 if found else 0
    if argv[1:2] == ["extract"] and len(argv) == 4:
        manifest = extract(argv[2], Path(argv[3]))
        print(f"{len(manifest)} {argv[2]} programs in {argv[3]}")
        return 0
    if argv[1:2] == ["list"]:
        for block in blocks():
            print(f"{block.where:42} {block.info or '(none)':14} {block.marker or ''}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
