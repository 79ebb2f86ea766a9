"""Sharing the terminal's rows between the panels by what they hold.

The memcg tree and the right column (stocks, objcgs, objects) get the rows their
content needs, the kernel trail what the current command needs; rows left over go to
the trail, then to the objcgs and objects. When there is not enough, every panel keeps
at least a row (its "more below" marker says what is hidden), the trail at least its
current micro-step and a line either side, and the rest is shared in proportion to
need. Heights only change when a need changes, so the screen does not jump from one
micro-step to the next.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from textual.widget import Widget

from engine.model import NEW, entries

from tui.widgets.explanation import Explanation
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.stocks import CpuStocks
from tui.widgets.trail import Trail

if TYPE_CHECKING:
    from textual.app import App

MIN_LIST = 4  # rows of content a list keeps at least: a row, the cursor's neighbours, a marker
MIN_TRAIL = 6  # the trail's rows before the main area takes more than 3/5 of the room
LEAST_TRAIL = 3  # ... and always: the current micro-step, a line above, a marker below
STOCK_ROWS = 10  # the stocks' rows at most (8 CPUs, or 4 on two lines each, and a marker)
WHY_ROWS = 8  # the explanation's rows at most (a WARN, 4 lines, stays whole)


def share_rows(app: App[int], height: int | None = None) -> None:
    """Set the heights of the main area, its right column's panels and the trail panel
    (`height`: the screen's, when it is known before the app's own size is)."""
    screen = app.screen
    tree = app.query_one(MemcgTree)
    stocks, objcgs, objects = app.query_one(CpuStocks), app.query_one(ObjcgList), app.query_one(ObjectList)
    trail, why = app.query_one(Trail), app.query_one(Explanation)
    frame = 1 if screen.has_class("-compact") else 2  # a border top only, or a round frame
    trail_frame, tiny = frame, screen.has_class("-tiny")
    if tiny:
        frame = 0  # no rules between the main area's panels
    # one row each for the header, the command line, the message, the sum and the footer
    # (their sizes are not known before the first layout), more if the message wraps
    # The panels' container: the screen in the explorer, the pane beside the lesson's
    # narration in the lesson player (whose height the screen's other rows leave it).
    holder = app.query_one("#main").parent
    if holder is not None and holder.id == "explorer-pane" and holder.size.height:
        total = holder.size.height
    else:
        holder, total = screen, height if height is not None else app.size.height
    fixed = sum(max(1, w.outer_size.height) if w.id != "banner" else w.outer_size.height
                for w in holder.children if w.display and w.id not in ("main", "trail-panel"))
    room = max(0, total - fixed)

    # the rows the rest of the command adds count now: an alloc's object, a mkdir's
    # memcg does not push the trail panel down when it appears
    coming = _to_come(trail)
    lists = [(objcgs, max(1, len(objcgs.rows) + coming["objcg"]) + frame)]  # an empty list says so
    if objects.display:
        lists.append((objects, max(1, len(objects.rows) + coming["object"]) + frame))
    stock_rows_needed = stocks.rows_needed()
    stock_need = min(stock_rows_needed, STOCK_ROWS) + frame
    main_least = (frame + 1) * (1 + len(lists))  # a row for every panel of the right column
    tree_need = len(tree.rows) + 2 * coming["memcg"] + frame

    trail_rows = trail.full_height()
    trail_least = trail_frame + min(trail_rows, 2 if tiny else LEAST_TRAIL)
    why_rows = max(1, min(why.rows, WHY_ROWS, room - main_least - trail_least))
    trail_need = trail_rows + why_rows + trail_frame
    trail_floor = min(trail_need, MIN_TRAIL + why_rows + trail_frame)

    def main_for(stock_need: int) -> int:
        main_need = max(tree_need, stock_need + sum(need for _, need in lists))
        main = min(main_need, max(room - trail_floor, room * 3 // 5))
        return max(main_least, min(main, room - trail_least - why_rows))

    main = main_for(stock_need)
    # Within a command the main area does not shrink (the trail panel under it does not
    # move when a row goes): the most it took at any of the command's steps shown so far,
    # not counting the rows of deferred work listed under the stocks, which come and go
    # with the work (remembered, they left the tree blank rows for the rest of a command).
    steady = main_for(min(stock_rows_needed - stocks.work_rows(), STOCK_ROWS) + frame)
    command = (trail.steps_shown(), total, room, frame, objects.display)
    kept = getattr(app, "_main_rows", None)
    if kept is not None and kept[0] == command:
        main = min(max(main, kept[1]), room - trail_least - why_rows)
        steady = max(steady, kept[1])
    app._main_rows = (command, steady)  # type: ignore[attr-defined]
    _height(app.query_one("#main"), main)
    _height(app.query_one("#trail-panel"), None)  # the rest, whatever the message line takes
    _height(why, why_rows)

    # the right column: stocks as they need (a row each at least for the lists), the
    # lists share the rest
    stock_rows = max(frame + 1, min(stock_need, main - len(lists) * (frame + 1)))
    _height(stocks, stock_rows)
    left = max(0, main - stock_rows)
    wants = [need for _, need in lists]
    floors = [min(need, MIN_LIST + frame) for need in wants]
    if sum(wants) <= left:
        heights = wants[:]
        heights[-1] += left - sum(wants)  # spare rows: the last list (objects, or objcgs)
    else:
        if sum(floors) > left:  # not even the floors fit: as many rows each as there are
            floors = [max(frame + 1, min(need, left // len(lists))) for need in wants]
        heights = floors[:]
        spare = max(0, left - sum(floors))
        extra = [need - floor for need, floor in zip(wants, floors)]
        total = sum(extra) or 1
        for i, more in enumerate(extra):
            heights[i] += min(more, spare * more // total)
        heights[0] += max(0, left - sum(heights))
    for (widget, _), rows in zip(lists[:-1], heights):
        _height(widget, rows)
    _height(lists[-1][0], None)


def forget_kept_rows(app: App[int]) -> None:
    """Drop the main area's memory of the current command's taller steps: the next
    share_rows lays the screen out from the state at the cursor alone."""
    app._main_rows = None  # type: ignore[attr-defined]


def _to_come(trail: Trail) -> Counter[str]:
    """Records of each kind the current command's steps not yet run create."""
    made: Counter[str] = Counter()
    for step in trail.steps_to_come():
        for op, _a, _b, record, _d in entries(step.changes):
            if op == NEW and isinstance(record, dict) and "kind" in record:
                made[record["kind"]] += 1
    return made


def _height(widget: Widget, rows: int | None) -> None:
    """A height in rows, or None: the rest of its container (1fr); set only on a change."""
    want = "1fr" if rows is None else str(max(0, rows))
    if str(widget.styles.height) != want:
        widget.styles.height = want if rows is None else max(0, rows)
