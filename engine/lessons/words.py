"""Does a text state a figure's value? A sentence, or a line of the kernel trail, that
names the figure's record (`cpu1`, `/A/B`, `X0`), what of it (`bytes`, `refcnt`,
`points`) and the value, all at once, states it. `lesson check` looks for this in
everything a learner reads before answering (tui.lesson.visibility).
"""
from __future__ import annotations

import re
from typing import Any

from engine.fields import parse_ref

# How a sentence or a trail line names a figure, besides its own field name. A state's
# value names itself (killed, freed), so a state needs no word of its own.
FIELD_WORDS: dict[str, set[str]] = {
    "usage": {"usage", "pg"}, "nr_pages": {"nr_pages", "page", "pages"},
    "nr_bytes": {"nr_bytes", "byte", "bytes"}, "cached_objcg": {"caches", "cached", "byte"},
    "cached": {"caches", "cached", "page"}, "refcnt": {"refcnt", "ref", "refs", "reference", "references"},
    "css_refs": {"css_refs", "refcnt", "ref", "refs", "references"},
    "memcg": {"memcg", "points", "pointing", "parent", "reparented"},
    "objcg": {"objcg", "bound", "records", "charged"}, "state": set(),
    "nr_charged_bytes": {"nr_charged_bytes", "left", "leftover"},
    "objcg_list": {"objcg_list", "list"}, "dead_caches": {"dead", "dead_caches"},
    "slab_bytes": {"slab_bytes", "bytes"}, "pages": {"pages", "page"}}
# Words that put a sentence about the record's name on another record of that name: an
# objcg and its memcg are both called /A, and "css refcnt" is the memcg's.
NOT_ABOUT: dict[tuple[str, str], set[str]] = {("objcg", "refcnt"): {"css", "css_refs"},
                                             ("memcg", "css_refs"): {"objcg"}}


_TOKEN = re.compile(r"/(?:[A-Za-z0-9_#./\-]*[A-Za-z0-9_#])?|[A-Za-z0-9_#]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n\s*[*-]\s+|\n\s*\d+\.\s+")


def tokens(text: str) -> set[str]:
    """Words and cgroup names of a line: 'cpu1's byte stock caches /A/B.' -> cpu1, s,
    byte, stock, caches, /A/B. 'cpu 1' counts as cpu1. A command quoted in backticks
    (`move tA /`) names no figure, and a kind before a name ('memcg /A/B') names no
    field: both are left out."""
    text = re.sub(r"`[^`\n]*\s[^`\n]*`", " ", text)
    text = re.sub(r"\b(?:memcg|objcg)\s+(?=/)", " ", text)
    return set(_TOKEN.findall(re.sub(r"\bcpu (\d+)\b", r"cpu\1", text)))


def names_of(field: str) -> set[str]:
    """How a text names the figure's record."""
    kind, name, fld = parse_ref(field)
    if name is None:
        return {kind, fld}
    if kind == "cpu":
        return {f"cpu{name}"}
    if kind == "cache":
        inside = re.search(r"\((/[^)]*)\)", name)
        return {inside.group(1)} if inside else {name}
    return {name}


def value_words(value: Any) -> list[set[str]]:
    """The words that state a value: each set must be met (a list needs every element)."""
    if value is None:
        return [{"NULL", "none"}]
    if isinstance(value, bool):
        return [{"true", "accounted"} if value else {"false", "unaccounted"}]
    if isinstance(value, (list, tuple)):
        return [{str(v)} for v in value] if value else [{"[]"}]
    if isinstance(value, int):
        return [{str(value), f"{value}B"}]
    return [{str(value)}]


def field_words(field: str) -> set[str]:
    """The words that say which figure of the record a sentence is about (none for a
    state, whose value names itself)."""
    name = parse_ref(field)[2]
    return FIELD_WORDS.get(name, {name, *name.split("_")})


def states(text: str, field: str, value: Any) -> str | None:
    """The first sentence (or line) of `text` that names the figure (its record, and
    what of it) together with the value, or None."""
    names, what, words = names_of(field), field_words(field), value_words(value)
    kind, _, name = parse_ref(field)
    other = NOT_ABOUT.get((kind, name), set())
    for unit in _SENTENCE.split(text):
        found = tokens(unit)
        if found & other:
            continue
        if found & names and (not what or found & what) and all(found & w for w in words):
            return " ".join(unit.split())
    return None
