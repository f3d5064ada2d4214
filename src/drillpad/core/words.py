"""Counts in words a second-language reader can parse: "1 item", "4 items" — never "4 item(s)"."""

from __future__ import annotations


def count_text(n: int, singular: str, plural: str | None = None) -> str:
    """"1 item", "0 items", "4 items"; *plural* for nouns that do not just take an "s"."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
