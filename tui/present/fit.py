"""Fitting a row into its width without ever cutting a figure.

A row is a list of `Field`s, each with one or more renderings, longest first. When the
row is too wide: fields that say nothing new go, alignment padding goes, labels
shorten (the next rendering), names shorten in the middle down to a readable floor
(tui.present.names), then whole fields drop, the least important first, and a `…` at
the end says something was left out. Only then do names shorten further, and a row
still too wide drops its last figures too, with the same `…`. A field is never cut in
the middle, so a number is on screen whole or not at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rich.text import Text

from tui.present.names import NAME_FLOOR, NAME_LEAST, squeezer

MORE = "…"  # something was dropped to fit
MORE_STYLE = "bold"
PAD = 10  # `shrink` of alignment padding: it goes before anything else


@dataclass(frozen=True)
class Field:
    """One piece of a row. `drop`: 0 drops only when nothing else is left to give, else
    higher drops first; `shrink`: higher takes its shorter rendering first; `quiet`:
    dropping it hides nothing the row doesn't say otherwise (a zero, a restatement), so
    no `…` is needed. `squeeze` (a name): the field in at most N cells, used past its
    last rendering, down to `floor` cells before figures drop and `least` after;
    `keep`: what the row is about (its name), never dropped."""

    variants: tuple[Text, ...]
    drop: int = 0
    shrink: int = 0
    quiet: bool = False
    squeeze: Callable[[int], Text] | None = None
    floor: int = 0
    least: int = 0
    keep: bool = False
    first: bool = False  # squeezed before the names (a tree's guides)
    group: int = 0  # fields that go together when one must (a label, its name, its figure)


def field(*variants: Text | str, drop: int = 0, shrink: int = 0, quiet: bool = False,
          style: str = "", keep: bool = False) -> Field:
    texts = tuple(v if isinstance(v, Text) else Text(v, style) for v in variants)
    return Field(texts, drop, shrink, quiet, keep=keep)


def name_field(name: str, style: str, *, before: Text | None = None, after: Text | None = None,
               pad: int = 0, drop: int = 0, keep: bool = True, also: tuple[Text, ...] = ()) -> Field:
    """`before` + `name` + `after`, the name shortened in the middle when room is short
    (padded to `pad` cells while there is room; `also`: longer renderings tried first)."""
    before = before if before is not None else Text()
    plain = Text.assemble(before, (name, style), after or "")  # each piece in its own style
    variants = (*also, plain)
    if pad > len(name):
        variants = (*also, Text.assemble(plain, " " * (pad - len(name))), plain)
    fixed = plain.cell_len - len(name)
    return Field(variants, drop=drop, shrink=PAD if pad > len(name) else 0, keep=keep,
                 squeeze=squeezer(before, name, style, after),
                 floor=fixed + min(len(name), NAME_FLOOR), least=fixed + min(len(name), NAME_LEAST))


def fit(fields: list[Field], width: int | None) -> Text:
    """The row at its longest that fits in `width` cells (None: no limit)."""
    row = _Row(fields)
    if width is not None:
        steps = (lambda: row.drop(quiet=True),
                 lambda: row.shorten(PAD),
                 lambda: row.shorten(0),
                 lambda: row.squeeze(width, last=False),
                 lambda: row.drop(quiet=False),
                 lambda: row.squeeze(width, last=True),
                 row.drop_last)
        while row.length() > width:
            if not any(step() for step in steps):
                break  # only the names are left: the caller's width is too small
        row.restore(width)
    return row.text()


class _Row:
    """The renderings chosen so far for each field of a row being fitted."""

    def __init__(self, fields: list[Field]) -> None:
        self.fields = fields
        self.choice = [0] * len(fields)
        self.alive = [True] * len(fields)
        self.squeezed: list[Text | None] = [None] * len(fields)
        self.dropped: list[list[int]] = []  # what went, in the order it went (a group at once)

    def rendering(self, i: int) -> Text:
        squeezed = self.squeezed[i]
        return squeezed if squeezed is not None else self.fields[i].variants[self.choice[i]]

    def marked(self) -> bool:
        return any(not a and not f.quiet for f, a in zip(self.fields, self.alive))

    def length(self) -> int:
        used = sum(self.rendering(i).cell_len for i, a in enumerate(self.alive) if a)
        return used + (len(MORE) + 1 if self.marked() else 0)

    def text(self) -> Text:
        text = Text()
        for i, a in enumerate(self.alive):
            if a:
                text.append_text(self.rendering(i))
        if self.marked():
            text.append(" " + MORE, MORE_STYLE)
        return text

    def shorten(self, least: int) -> bool:
        best = None
        for i, f in enumerate(self.fields):
            if self.alive[i] and f.shrink >= least and self.choice[i] < len(f.variants) - 1:
                if best is None or f.shrink >= self.fields[best].shrink:
                    best = i
        if best is None:
            return False
        self.choice[best] += 1
        return True

    def squeeze(self, width: int, last: bool) -> bool:
        """Shorten the names by what the row is over, the widest first (down to a
        common length), none below its floor (or, `last`, its least)."""
        over = self.length() - width
        names = []
        for i, f in enumerate(self.fields):
            limit, now = (f.least if last else f.floor), self.rendering(i).cell_len
            if self.alive[i] and f.squeeze is not None and now > limit:
                names.append((i, now, limit))
        if any(self.fields[i].first for i, _, _ in names):
            names = [name for name in names if self.fields[name[0]].first]
        level, gained = max((now for _, now, _ in names), default=0), 0
        while gained < over and level > 0:
            level -= 1
            gained = sum(now - max(limit, min(now, level)) for _, now, limit in names)
        shortened = False
        for i, now, limit in names:
            target = max(limit, min(now, level))
            shorter = self.fields[i].squeeze(target) if target < now else None  # type: ignore[misc]
            if shorter is not None and shorter.cell_len < now:
                self.squeezed[i] = shorter
                shortened = True
        return shortened

    def drop(self, quiet: bool) -> bool:
        best = None
        for i, f in enumerate(self.fields):
            if (self.alive[i] and f.drop and (f.quiet or not quiet)
                    and (best is None or f.drop >= self.fields[best].drop)):
                best = i
        if best is None:
            return False
        self.alive[best] = False
        self.dropped.append([best])
        return True

    def restore(self, width: int) -> None:
        """A field dropped early may fit again once later ones went: back it comes."""
        for went in reversed(self.dropped[:-1]):
            groups = {self.fields[i].group for i in went} - {0}
            if any(not self.alive[j] and f.group in groups and j not in went
                   for j, f in enumerate(self.fields)):
                continue  # part of a group that went together: not without the rest
            for i in went:
                self.alive[i] = True
            if self.length() > width:
                for i in went:
                    self.alive[i] = False
        order = sorted(range(len(self.fields)), key=lambda i: self.fields[i].first)
        for i in order:  # names take back the room left, then the guides
            squeezed = self.squeezed[i]
            if squeezed is not None and self.alive[i]:
                f, slack = self.fields[i], width - self.length()
                longer = f.variants[-1] if f.variants[-1].cell_len <= squeezed.cell_len + slack \
                    else f.squeeze(squeezed.cell_len + slack)  # type: ignore[misc]
                if squeezed.cell_len < longer.cell_len <= squeezed.cell_len + slack:
                    self.squeezed[i] = longer if longer is not f.variants[-1] else None
                    if longer is f.variants[-1]:
                        self.choice[i] = len(f.variants) - 1

    def drop_last(self) -> bool:
        """Nothing else to give: the last field that is not the row's name goes."""
        for i in reversed(range(len(self.fields))):
            if self.alive[i] and not self.fields[i].keep:
                group = self.fields[i].group
                went = [j for j, f in enumerate(self.fields)
                        if self.alive[j] and (j == i or (group and f.group == group))]
                for j in went:
                    self.alive[j] = False
                self.dropped.append(went)
                return True
        return False
