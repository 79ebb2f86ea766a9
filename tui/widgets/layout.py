"""Sharing the terminal's rows between the panels by what they hold.

The memcg tree and the right column (stocks, objcgs, objects) get the rows their
content needs, the kernel trail what the current command needs; rows left over go to
the trail, then to the objcgs and objects. When there is not enough, every panel keeps
a few rows (its "more below" marker says what is hidden) and the rest is shared in
proportion to need. Heights only change when a need changes, so the screen does not
jump from one micro-step to the next.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widget import Widget

from tui.widgets.explanation import Explanation
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.stocks import CpuStocks
from tui.widgets.trail import Trail

if TYPE_CHECKING:
    from textual.app import App

MIN_LIST = 4  # rows of content a list keeps at least: a row, the cursor's neighbours, a marker
MIN_TRAIL = 6


def share_rows(app: App[int]) -> None:
    """Set the heights of the main area, its right column's lists and the trail panel."""
    screen = app.screen
    tree = app.query_one(MemcgTree)
    stocks, objcgs, objects = app.query_one(CpuStocks), app.query_one(ObjcgList), app.query_one(ObjectList)
    trail, why = app.query_one(Trail), app.query_one(Explanation)
    frame = 1 if screen.has_class("-compact") else 2  # a border top only, or a round frame
    # one row each for the header, the command line, the message, the sum and the footer
    # (their sizes are not known before the first layout), more if the message wraps
    # The panels' container: the screen in the explorer, the pane beside the lesson's
    # narration in the lesson player (whose height the screen's other rows leave it).
    holder = app.query_one("#main").parent
    if holder is not None and holder.id == "explorer-pane" and holder.size.height:
        total = holder.size.height
    else:
        holder, total = screen, app.size.height
    fixed = sum(max(1, w.outer_size.height) if w.id != "banner" else w.outer_size.height
                for w in holder.children if w.display and w.id not in ("main", "trail-panel"))
    room = max(0, total - fixed)
    why_rows = max(1, min(why.rows, 8))
    trail_need = trail.full_height() + why_rows + frame
    stock_rows = stocks.rows_needed() + frame
    lists = [(objcgs, len(objcgs.rows) + frame)]
    if objects.display:
        lists.append((objects, len(objects.rows) + frame))
    right_need = stock_rows + sum(need for _, need in lists)
    main_need = max(len(tree.rows) + frame, right_need)

    trail_floor = min(trail_need, MIN_TRAIL + why_rows + frame)
    main = min(main_need, max(room - trail_floor, room * 3 // 5))
    _height(app.query_one("#main"), main)
    _height(app.query_one("#trail-panel"), None)  # the rest, whatever the message line takes

    # the right column: stocks as they need, the lists share the rest
    left = max(0, main - stock_rows)
    wants = [need for _, need in lists]
    floors = [min(need, MIN_LIST + frame) for need in wants]
    if sum(wants) <= left:
        heights = wants[:]
        heights[-1] += left - sum(wants)  # spare rows: the last list (objects, or objcgs)
    else:
        if sum(floors) > left:  # not even the floors fit: two rows each (a row and a marker)
            floors = [min(need, max(frame + 2, left // len(lists))) for need in wants]
        heights = floors[:]
        spare = max(0, left - sum(floors))
        extra = [need - floor for need, floor in zip(wants, floors)]
        total = sum(extra) or 1
        for i, more in enumerate(extra):
            heights[i] += min(more, spare * more // total)
        heights[0] += max(0, left - sum(heights))
    for (widget, _), height in zip(lists[:-1], heights):
        _height(widget, height)
    _height(lists[-1][0], None)


def _height(widget: Widget, rows: int | None) -> None:
    """A height in rows, or None: the rest of its container (1fr); set only on a change."""
    want = "1fr" if rows is None else str(max(0, rows))
    if str(widget.styles.height) != want:
        widget.styles.height = want if rows is None else max(0, rows)
