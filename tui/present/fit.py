"""Fitting a row into its width without ever cutting a figure.

A row is a list of `Field`s, each with one or more renderings, longest first. When the
row is too wide, labels shorten first (the next rendering), then whole fields drop, the
least important first, and a `…` at the end says something was left out. A field is
never cut in the middle, so a number is on screen whole or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

MORE = "…"  # something was dropped to fit
MORE_STYLE = "bold"
PAD = 10  # `shrink` of alignment padding: it goes before anything else


@dataclass(frozen=True)
class Field:
    """One piece of a row. `drop`: 0 never drops, else higher drops first; `shrink`:
    higher takes its shorter rendering first; `quiet`: dropping it hides nothing the
    row doesn't say otherwise (a zero, a restatement), so no `…` is needed."""

    variants: tuple[Text, ...]
    drop: int = 0
    shrink: int = 0
    quiet: bool = False


def field(*variants: Text | str, drop: int = 0, shrink: int = 0, quiet: bool = False,
          style: str = "") -> Field:
    texts = tuple(v if isinstance(v, Text) else Text(v, style) for v in variants)
    return Field(texts, drop, shrink, quiet)


def fit(fields: list[Field], width: int | None) -> Text:
    """The row at its longest that fits in `width` cells (None: no limit)."""
    choice = [0] * len(fields)
    alive = [True] * len(fields)

    def length() -> int:
        used = sum(f.variants[c].cell_len for f, c, a in zip(fields, choice, alive) if a)
        return used + (len(MORE) + 1 if _marked(fields, alive) else 0)

    if width is not None:
        # what the row can lose silently, then padding, then labels, then figures
        steps = (lambda: _drop(fields, alive, quiet=True),
                 lambda: _shorten(fields, choice, alive, PAD),
                 lambda: _shorten(fields, choice, alive, 0),
                 lambda: _drop(fields, alive, quiet=False))
        while length() > width:
            if not any(step() for step in steps):
                break  # only fields that never drop are left: the caller's width is too small
    text = Text()
    for f, c, a in zip(fields, choice, alive):
        if a:
            text.append_text(f.variants[c])
    if _marked(fields, alive):
        text.append(" " + MORE, MORE_STYLE)
    return text


def _marked(fields: list[Field], alive: list[bool]) -> bool:
    return any(not a and not f.quiet for f, a in zip(fields, alive))


def _shorten(fields: list[Field], choice: list[int], alive: list[bool], least: int) -> bool:
    best = None
    for i, f in enumerate(fields):
        if alive[i] and f.shrink >= least and choice[i] < len(f.variants) - 1:
            if best is None or f.shrink >= fields[best].shrink:
                best = i
    if best is None:
        return False
    choice[best] += 1
    return True


def _drop(fields: list[Field], alive: list[bool], quiet: bool) -> bool:
    best = None
    for i, f in enumerate(fields):
        if alive[i] and f.drop and (f.quiet or not quiet) and (best is None or f.drop >= fields[best].drop):
            best = i
    if best is None:
        return False
    alive[best] = False
    return True
