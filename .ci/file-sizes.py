#!/usr/bin/env python3
"""Fails when a Rust or TypeScript source file holds more than 400 lines of
code outside its tests. Tests (`*_tests.rs`, `tests/`, `*.test.ts(x)`, a
trailing `#[cfg(test)] mod tests`), generated code and migrations are not
counted: they read top to bottom and are not where a reader gets lost."""
import pathlib
import re
import sys

LIMIT = 400
ROOT = pathlib.Path(__file__).resolve().parent.parent
SKIP_DIRS = {"tests", "migrations", "node_modules", "target", "dist", "e2e"}
GENERATED = {"apps/web/src/api/schema.ts"}


def counted(path: pathlib.Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".rs":
        for i, line in enumerate(lines):
            # An inline test module at the end is tests; a `mod tests;` line
            # pointing at a file of its own is code and counts.
            if line.strip() == "#[cfg(test)]" and i + 1 < len(lines) and lines[i + 1].strip() == "mod tests {":
                return i
    return len(lines)


def main() -> int:
    over = []
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if not path.is_file() or set(rel.parts) & SKIP_DIRS or str(rel) in GENERATED:
            continue
        if path.suffix not in {".rs", ".ts", ".tsx"} or path.name.endswith("_tests.rs") or ".test." in path.name:
            continue
        n = counted(path)
        if n > LIMIT:
            over.append((n, rel))
    for n, rel in over:
        print(f"{rel}: {n} lines of code (at most {LIMIT}); split it", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
