"""Find the line of a field in a TOML text, for error messages.

tomllib parses but does not report where values were. Validation errors come back as a
path (``("criterion", 1, "cues")``); this maps such a path to the line that set it by
reading the table headers and ``key =`` lines. It is a locator, not a parser: when it
cannot tell, it answers the nearest enclosing line it knows, or None.
"""

from __future__ import annotations

import re
from collections import defaultdict

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_key(dotted: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def line_index(text: str) -> dict[Path, int]:
    """Map each table/array-of-tables/key path in *text* to its 1-based line."""
    index: dict[Path, int] = {}
    arrays: dict[Path, int] = defaultdict(lambda: -1)  # array-of-tables path -> last index
    array_paths: set[tuple[str, ...]] = set()
    current: Path = ()
    in_multiline: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = _split_key(header.group(2))
            resolved: list[str | int] = []
            for i, name in enumerate(names):
                resolved.append(name)
                plain = tuple(names[: i + 1])
                is_last = i == len(names) - 1
                if header.group(1) == "[[" and is_last:
                    array_paths.add(plain)
                    arrays[tuple(resolved)] += 1
                if plain in array_paths:
                    resolved.append(arrays[tuple(resolved)])
            current = tuple(resolved)
            index.setdefault(current, lineno)
            # the array itself points at its first element
            if header.group(1) == "[[":
                index.setdefault(current[:-1], lineno)
            continue
        key = _KEY.match(line)
        if key:
            path = current + tuple(_split_key(key.group(1)))
            index.setdefault(path, lineno)
            rest = line[key.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_multiline = quote
                    break
    return index


def locate(index: dict[Path, int], path: Path) -> int | None:
    """The line of *path*, or of its nearest ancestor that has one."""
    for end in range(len(path), 0, -1):
        if path[:end] in index:
            return index[path[:end]]
    return None
