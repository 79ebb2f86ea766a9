"""Which figures a prediction hides until the learner answers, and which the explorer
cannot hide.

A predict step without `commands` asks about the state on screen, so the player masks
the queried field (`?`) in every panel and in the trail until the learner answers. The
mask is a set of (kind, name, field) keys; the presentation layer draws any figure
whose key is in it as `?` (tui.present honours it, see `Highlight.hides`).

Some figures cannot be masked, because the layout itself gives them away: a freed
memcg or a released objcg leaves the screen, and an objcg_list is drawn as rows. A
prediction about such a figure must run the commands that change it (`lesson check`
reports one that does not).
"""
from __future__ import annotations

from typing import Any, Iterable

from engine.fields import parse_ref

MaskKey = tuple[str, str, str]  # (kind, name, field), kind as in field references

# Every field the explorer draws, by kind. Fields not listed are not on screen at all.
SHOWN: dict[str, frozenset[str]] = {
    "memcg": frozenset({"usage", "max", "failcnt", "css_refs", "state", "nr_dying_descendants",
                        "objcg", "objcg_list"}),
    "objcg": frozenset({"memcg", "state", "refcnt", "nr_charged_bytes", "holders"}),
    "cpu": frozenset({"cached", "nr_pages", "cached_objcg", "nr_bytes"}),
    "object": frozenset({"size", "objcg", "accounted", "charged", "memcg", "order"}),
}
# Drawn, but as rows or the absence of a row: no `?` can stand in for them.
UNMASKABLE: frozenset[tuple[str, str]] = frozenset({
    ("memcg", "objcg_list"), ("objcg", "holders"), ("object", "size"), ("object", "charged"),
    ("object", "order")})
# Values that make a row disappear (or appear greyed) whatever the mask says.
LAYOUT_VALUES: dict[tuple[str, str], frozenset[str]] = {
    ("memcg", "state"): frozenset({"freed"}), ("objcg", "state"): frozenset({"released"})}
# Masking one field must hide the figures that show the same thing another way.
ALSO: dict[tuple[str, str], tuple[str, ...]] = {
    ("objcg", "refcnt"): ("holders",),  # the holder names can be counted
    ("memcg", "css_refs"): ("holders",),  # a step that takes or drops one changes these
    ("object", "objcg"): ("accounted",),  # "unaccounted" is drawn in the objcg's place
    ("object", "accounted"): ("objcg", "memcg"),
    ("object", "memcg"): ("accounted",),  # a page block names its memcg instead
}


def mask_for(ref: str) -> frozenset[MaskKey]:
    """The keys to hide for a prediction about `ref`: ('cpu', 'cpu1', 'nr_bytes') for
    'cpu 1 nr_bytes', plus the figures that show the same thing (ALSO)."""
    kind, name, field = parse_ref(ref)
    if kind in ("config", "cache") or name is None:  # the explorer draws neither (nor slab)
        return frozenset()
    if kind == "cpu":
        name = f"cpu{name}"  # records (and what a step changed) name CPUs 'cpu1'
    fields = (field, *ALSO.get((kind, field), ()))
    return frozenset((kind, name, f) for f in fields)


def with_relatives(mask: frozenset[MaskKey], state: dict[str, Any]) -> frozenset[MaskKey]:
    """A memcg's usage is also told by its relatives: page counters are hierarchical, so
    the root of a tree with one child holds that child's pages. Hiding a memcg's usage
    hides its ancestors' and descendants' too (`state`: the JSON state)."""
    asked = [name for kind, name, field in mask if (kind, field) == ("memcg", "usage")]
    if not asked:
        return mask
    parent = {m["name"]: m["parent"] for m in state["memcgs"]}

    def line(name: str | None) -> set[str]:
        out = set()
        while name is not None:
            out.add(name)
            name = parent.get(name)
        return out

    related = {other for name in asked for other in parent
               if other in line(name) or name in line(other)}
    return mask | frozenset(("memcg", name, "usage") for name in related)


def unmaskable_reason(ref: str, value: Any) -> str | None:
    """Why the answer to a prediction about `ref` would be on screen even with the mask
    (None when the mask hides it, or the explorer does not draw it at all)."""
    try:
        kind, _name, field = parse_ref(ref)
    except ValueError:
        return None  # reported as a bad field elsewhere
    if field not in SHOWN.get(kind, frozenset()):
        return None
    if (kind, field) in UNMASKABLE:
        return f"the explorer draws {kind} {field} as rows, which no '?' can hide"
    if isinstance(value, str) and value in LAYOUT_VALUES.get((kind, field), frozenset()):
        return f"a {kind} that is {value} leaves the screen, which gives the answer away"
    return None


def hidden(mask: Iterable[MaskKey], kind: str, name: str, *fields: str) -> bool:
    """Is any of `fields` of this record masked?"""
    keys = set(mask)
    return any((kind, name, f) in keys for f in fields)
