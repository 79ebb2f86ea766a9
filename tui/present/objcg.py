"""The objcg panel: one row per objcg, its memcg pointer (own or parent) and figures."""
from __future__ import annotations

from typing import Literal, Sequence

from rich.text import Text

from tui import world as w
from tui.present.highlight import Highlight
from tui.present.fit import field, fit, name_field
from tui.present.style import (CHANGED, DIM, GHOST, OWN, PARENT, STATE_STYLE, SWING, charged_label,
                               holders_text, styled, hidden)
from tui.world import Record, World


def objcg_rows(world: World, find: str = "", ghosts: frozenset[str] = frozenset()) -> list[str]:
    """Objcg names in creation order: live ones, plus those released by this command."""
    from tui.find import found

    out = []
    keep = found(world, find).objcgs if find else None
    for rec in world.objcgs():
        name = rec["name"]
        if rec["state"] == "released" and name not in ghosts:
            continue
        if keep is not None and name not in keep:
            continue
        out.append(name)
    return out


def pointer_kind(objcg: Record) -> Literal["own", "parent"]:
    """An objcg points at its own creator (same name) or, once reparented, an ancestor."""
    return "own" if objcg["memcg"] == objcg["name"] else "parent"


def objcg_text(world: World, name: str, hl: Highlight, label: int = 8, width: int | None = None) -> Text:
    """One objcg: its memcg pointer, state, refs, nr_charged_bytes and holders, fitted to `width`."""
    rec = world.objcg(name)
    if rec is None:
        return Text(f"{name}: gone", DIM)
    state = rec["state"]
    ghost = state == "released"
    fields = [name_field(name, CHANGED if hl.hit("objcg", name, "*") else (GHOST if ghost else "bold"),
                         pad=label)]
    swing = hl.swing("objcg", name, "memcg")
    hide = hl.hides
    if hide("objcg", name, "memcg"):
        fields.append(field(Text(" ─▶ ", DIM) + hidden()))
    elif swing is not None:
        fields.append(name_field(str(swing[0]), "strike " + DIM, before=Text(" ↷ ", SWING), keep=False))
        fields.append(name_field(str(swing[1]), SWING, before=Text(" → ", SWING), keep=False))
    elif pointer_kind(rec) == "own":
        fields.append(name_field(rec["memcg"], OWN, before=Text(" ─▶ ", OWN), keep=False,
                                 also=(Text.assemble((" ─▶ ", OWN), (rec["memcg"], OWN), (" (own)", DIM)),)))
    else:
        fields.append(name_field(rec["memcg"], "bold " + PARENT, before=Text(" ⇧▶ ", PARENT), keep=False,
                                 also=(Text.assemble((" ⇧▶ ", PARENT), (rec["memcg"], "bold " + PARENT),
                                                     (" (parent)", PARENT)),)))
    if hide("objcg", name, "state"):
        fields.append(field(hidden(" ")))
    else:
        fields.append(field(Text(" ") + styled(state, hl.hit("objcg", name, "state"), STATE_STYLE.get(state, ""))))
    if hide("objcg", name, "refcnt"):  # a masked figure never drops: its '?' says it is asked
        fields.append(field(hidden(" ref ")))
    else:
        fields.append(field(styled(f" ref {rec['refcnt']}", hl.hit("objcg", name, "refcnt", "holders")), drop=2))
    left = rec["nr_charged_bytes"]
    changed = hl.hit("objcg", name, "nr_charged_bytes")
    if hide("objcg", name, "nr_charged_bytes"):
        fields.append(field(*(hidden(f" {lab} ") for lab in charged_label())))
    else:
        fields.append(field(*(styled(f" {lab} {left}", changed, "cyan" if left else DIM)
                              for lab in charged_label()), drop=1))
    holders = w.holders(rec)
    holders_changed = hl.hit("objcg", name, "holders")
    if hide("objcg", name, "holders"):
        fields.append(field(hidden(" {") + Text("}"), drop=3))
    else:
        fields.append(field(*(Text(" ") + styled(holders_text(holders, limit), holders_changed, DIM)
                              for limit in (6, 3, 1)), drop=3))
    return fit(fields, width)


def objcg_label_width(names: Sequence[str], cap: int = 16) -> int:
    return min(cap, max((len(n) for n in names), default=1))
