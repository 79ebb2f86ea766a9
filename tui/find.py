"""Find: what a search text keeps on screen. A match is shown with its context: an
object with its objcg, an objcg with the memcg it points at, every memcg with its
ancestors (the tree stays a tree), so a match is never an orphan line."""
from __future__ import annotations

from dataclasses import dataclass

from tui import world as w
from tui.world import World


@dataclass(frozen=True)
class Found:
    memcgs: frozenset[str]  # matches, the memcgs of matched objcgs, and all their ancestors
    objcgs: frozenset[str]  # matches, the objcgs of matched objects and of matched memcgs
    objects: frozenset[str]  # matches, and the objects of matched objcgs
    matches: int  # names that contain the text themselves

    def __bool__(self) -> bool:
        return self.matches > 0


def found(world: World, needle: str) -> Found:
    """Everything `needle` keeps in view at this state."""
    memcgs: set[str] = set()
    objcgs: set[str] = set()
    objects: set[str] = set()
    matches = 0
    for rec, _depth in world.walk():
        if needle in rec["name"]:
            matches += 1
            memcgs.add(rec["name"])
            if rec["objcg"]:
                objcgs.add(rec["objcg"])
            objcgs.update(w.objcg_list(rec))  # the objcgs reparented to it
    for rec in world.objcgs():
        if rec["state"] == "released":
            continue
        if needle in rec["name"]:
            matches += 1
            objcgs.add(rec["name"])
    for rec in world.objects():
        if needle in rec["name"]:
            matches += 1
            objects.add(rec["name"])
            if rec["objcg"]:
                objcgs.add(rec["objcg"])
        elif rec["objcg"] in objcgs:
            objects.add(rec["name"])
    for name in objcgs:
        rec = world.objcg(name)
        if rec is not None:
            memcgs.add(rec["memcg"])
    for name in list(memcgs):  # ancestors
        node = world.memcg(name)
        while node is not None and node["parent"] is not None and node["parent"] not in memcgs:
            memcgs.add(node["parent"])
            node = world.memcg(node["parent"])
    return Found(frozenset(memcgs), frozenset(objcgs), frozenset(objects), matches)
