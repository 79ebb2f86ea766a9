"""Counts in messages: "1 chapter", "2 chapters"."""
from __future__ import annotations


def counted(n: int, word: str, many: str | None = None) -> str:
    """`n` and `word`, plural unless n is 1 (`many`: an irregular plural)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
