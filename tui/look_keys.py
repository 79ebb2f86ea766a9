"""The explorer's ways of looking around: objects panel, zoom, find's clearing, and
what selecting or activating a row in a panel does."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tui.present import Row, TreeOptions
from tui.session import Session
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.rowlist import RowList
from tui.widgets.trail import Trail

if TYPE_CHECKING:
    from tui.drawing import Drawing as _Base
else:
    _Base = object


class LookKeys(_Base):
    """Mixed into ExplorerApp (after Drawing): o, z, escape, and the panels' messages."""

    session: Session
    tree_options: TreeOptions
    find_text: str
    objects_shown: bool | None
    selected_objcg: str | None
    picked: bool

    def action_objects(self) -> None:
        self.objects_shown = not self.query_one(ObjectList).display
        self._place_objects()
        self.redraw(relayout=True)

    def action_zoom(self) -> None:
        row = self.query_one(MemcgTree).selected
        zoom = None if self.tree_options.zoom or row is None else row.memcg
        self.tree_options = replace(self.tree_options, zoom=zoom)
        self.redraw(relayout=True)
        self.say(f"showing the subtree of {zoom} (z again: whole tree)" if zoom else "whole tree")

    def action_trail_future(self) -> None:
        shown = self.query_one(Trail).toggle_future()
        self.say("the trail shows the rest of the command, dimmed (t hides it)" if shown
                 else "the trail shows only what has run (t shows the rest)")

    def action_pins(self) -> None:
        """Who pins the selected memcg (tree) or objcg (objcgs panel, or an objcg row of
        the tree)? Every chain of references keeping it alive, in a screen of its own."""
        from engine.pins import pins
        from tui.widgets.pins_screen import PinsScreen

        target = self.pins_target()
        if target is None:
            self.say("select a memcg in the tree or an objcg first, then p", error=True)
            return
        self.push_screen(PinsScreen(pins(self.session.machine.snapshot(), target)))

    def pins_target(self) -> str | None:
        objcgs, tree = self.query_one(ObjcgList), self.query_one(MemcgTree)
        if objcgs.has_focus and self.selected_objcg is not None:
            return f"objcg:{self.selected_objcg}"
        row = tree.selected
        if row is None:
            return None
        return f"memcg:{row.memcg}" if row.kind == "memcg" or not row.objcg else f"objcg:{row.objcg}"

    def action_clear(self) -> None:
        self.find_text = ""
        self.tree_options = replace(self.tree_options, zoom=None)
        self.redraw(relayout=True)
        self.say("")

    def on_row_list_moved(self, message: RowList.Moved) -> None:
        row = message.row
        self.picked = True
        if isinstance(message.rowlist, ObjcgList):
            self.selected_objcg = str(row)
        elif isinstance(message.rowlist, MemcgTree) and isinstance(row, Row):
            rec = self.session.world().memcg(row.memcg)
            self.selected_objcg = row.objcg or (rec["objcg"] if rec else None) or self.selected_objcg
        self._draw_invariant()

    def on_row_list_activated(self, message: RowList.Activated) -> None:
        row = message.row
        if isinstance(row, Row):
            opts = self.tree_options
            if row.kind == "memcg":
                opts = replace(opts, toggled=opts.toggled ^ {row.memcg})
            else:
                opts = replace(opts, expanded_lists=opts.expanded_lists ^ {row.memcg})
            self.tree_options = opts
            self.redraw(relayout=True)
        elif isinstance(message.rowlist, ObjcgList):
            rec = self.session.world().objcg(str(row))
            tree = self.query_one(MemcgTree)
            if rec is not None and tree.select_key(("memcg", rec["memcg"], None)):
                tree.focus()
