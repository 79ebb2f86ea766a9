"""The objcg panel: one row per objcg, its memcg pointer (own or parent) and figures."""
from __future__ import annotations

from typing import Literal, Sequence

from rich.text import Text

from tui import world as w
from tui.present.highlight import Highlight
from tui.present.style import DIM, GHOST, OWN, PARENT, STATE_STYLE, SWING, holders_text, put
from tui.world import Record, World


def objcg_rows(world: World, find: str = "", ghosts: frozenset[str] = frozenset()) -> list[str]:
    """Objcg names in creation order: live ones, plus those released by this command."""
    out = []
    for rec in world.objcgs():
        name = rec["name"]
        if rec["state"] == "released" and name not in ghosts:
            continue
        if find and find not in name and find not in rec["memcg"]:
            continue
        out.append(name)
    return out


def pointer_kind(objcg: Record) -> Literal["own", "parent"]:
    """An objcg points at its own creator (same name) or, once reparented, an ancestor."""
    return "own" if objcg["memcg"] == objcg["name"] else "parent"


def objcg_text(world: World, name: str, hl: Highlight, label: int = 8, narrow: bool = False) -> Text:
    rec = world.objcg(name)
    text = Text()
    if rec is None:
        return Text(f"{name}: gone", DIM)
    state = rec["state"]
    ghost = state == "released"
    put(text, name.ljust(label), hl.hit("objcg", name, "*"), GHOST if ghost else "bold")
    swing = hl.swing("objcg", name, "memcg")
    if swing is not None:
        text.append(" ↷ ", SWING)
        text.append(str(swing[0]), "strike " + DIM)
        text.append(" → ", SWING)
        text.append(str(swing[1]), SWING)
    elif pointer_kind(rec) == "own":
        text.append(" ─▶ ", OWN)
        text.append(rec["memcg"], OWN)
        if not narrow:  # the green ─▶ already says it
            text.append(" (own)", DIM)
    else:
        text.append(" ⇧▶ ", PARENT)
        text.append(rec["memcg"], "bold " + PARENT)
        text.append(" (parent)", PARENT)
    text.append(" ")
    put(text, state, hl.hit("objcg", name, "state"), STATE_STYLE.get(state, ""))
    put(text, f" ref {rec['refcnt']}", hl.hit("objcg", name, "refcnt", "holders"))
    put(text, f" left {rec['nr_charged_bytes']}", hl.hit("objcg", name, "nr_charged_bytes"),
         "cyan" if rec["nr_charged_bytes"] else DIM)
    if not narrow:  # holders last: the row may be cut, the leftover bytes must not be
        text.append(" ")
        put(text, holders_text(w.holders(rec)), hl.hit("objcg", name, "holders"), DIM)
    return text


def objcg_label_width(names: Sequence[str], cap: int = 16) -> int:
    return min(cap, max((len(n) for n in names), default=1))
