"""Panels get rows by what they hold, and a panel that scrolls says so.

Seen before (issue 8): at 120x40 the objects panel showed 3 of 4 objects while the
tree had 13 blank rows; at 200x60 30 blank rows sat above an 11-row trail; at 80x24
with `o` the objcgs panel showed one row and no sign of more."""
from __future__ import annotations

from tests.tui.conftest import press
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.trail import Trail


def _visible(widget) -> int:
    return widget.scrollable_content_region.height


async def test_at_120x40_every_object_is_shown_and_the_trail_gets_the_rest(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)):
        await press(app, "N")  # the whole rmdir A/B
        objects, trail = app.query_one(ObjectList), app.query_one(Trail)
        assert _visible(objects) >= len(objects.rows) == 4  # Y1, a holder of /A/B, included
        assert _visible(app.query_one(MemcgTree)) >= len(app.query_one(MemcgTree).rows)
        # the main area takes what the right column needs (it holds more than the tree),
        # the trail everything else (less the rows its explanation keeps all along the
        # command): 14 of the 24 lines of rmdir, where a fixed panel gave 10
        right = sum(app.query_one(s).outer_size.height for s in ("#stocks", "#objcgs", "#objects"))
        assert app.query_one("#main").outer_size.height == right
        assert _visible(trail) >= 14


async def test_at_200x60_the_spare_rows_go_to_the_trail_not_above_it(make_app):
    app = make_app()
    async with app.run_test(size=(200, 60)):
        await press(app, "N")
        tree = app.query_one(MemcgTree)
        main = app.query_one("#main").outer_size.height
        right = sum(app.query_one(s).outer_size.height for s in ("#stocks", "#objcgs", "#objects"))
        # the main area is as tall as its taller column needs, give or take the frames
        assert main <= max(len(tree.rows) + 2, right) + 1
        assert app.query_one("#trail-panel").outer_size.height > main


async def test_at_80x24_with_objects_each_list_shows_rows_and_says_when_more_are_below(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)):
        await press(app, "n", "n", "n", "n", "n", "o")
        lines = ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]
        for panel in (app.query_one(ObjcgList), app.query_one(ObjectList)):
            region = panel.scrollable_content_region
            assert region.height >= 2, panel
            shown = [lines[y][region.x:region.right] for y in range(region.y, region.bottom)]
            if len(panel.rows) > region.height:
                hidden = len(panel.rows) - region.height + 1
                assert shown[-1].strip() == f"▼ {hidden} more below", (panel, shown)
