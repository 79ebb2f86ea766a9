"""Panels get rows by what they hold, and a panel that scrolls says so.

Seen before (issue 8): at 120x40 the objects panel showed 3 of 4 objects while the
tree had 13 blank rows; at 200x60 30 blank rows sat above an 11-row trail; at 80x24
with `o` the objcgs panel showed one row and no sign of more."""
from __future__ import annotations

import re

import pytest

from tui import scenarios

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


# -- a resize, the current micro-step, the bottom block (issue 19, point 2) -------------------
SYSTEMD = scenarios.systemd_text()
PANELS = ("#tree", "#stocks", "#objcgs", "#objects", "#trail", "#why")


def _screen(app) -> list[str]:
    return ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]


def _trail_lines(app) -> list[str]:
    region = app.query_one(Trail).scrollable_content_region
    lines = _screen(app)
    return [lines[y][region.x:region.right] for y in range(region.y, region.bottom)]


async def test_a_resize_lays_the_screen_out_for_the_new_size(make_app):
    """Each size gets its own layout: frames at 120x40, rules at 80x24, no panel without
    a row, whatever size came before (the layout once followed the size before last)."""
    from tui.session import Session
    from tui.app import ExplorerApp

    app = ExplorerApp(Session.from_text(SYSTEMD, "<systemd>"))
    async with app.run_test(size=(80, 24)) as pilot:
        for width, height in [(120, 40), (80, 24), (200, 60), (40, 12), (120, 40), (80, 24)]:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            await pilot.pause()
            assert app.screen.has_class("-compact") is (height < 32), (width, height)
            border = app.query_one("#tree").styles.border_top[0]
            assert border == ("round" if height >= 32 else ("" if height < 16 else "solid")), (width, height)
            for selector in PANELS:
                panel = app.query_one(selector)
                if panel.display:
                    assert panel.content_region.height >= 1, (width, height, selector)
            assert app.query_one("#main").region.bottom <= app.query_one("#trail-panel").region.y
            assert any("▶" in line for line in _trail_lines(app)), (width, height)


@pytest.mark.parametrize("size", [(40, 12), (80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_current_micro_step_is_always_in_the_trail(size):
    """At every micro-step of an rmdir whose trail is longer than the panel: the line of
    the step just applied ('▶') is on screen, not under a 'more' marker."""
    from tui.session import Session
    from tui.app import ExplorerApp

    session = Session.from_text(SYSTEMD, "<systemd>")
    rmdir = session.machine.commands[-1]
    app = ExplorerApp(session, start_at=rmdir.first)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for _ in range(rmdir.end - rmdir.first):
            await pilot.press("n")
            await pilot.pause()
            lines = _trail_lines(app)
            # (after the lane gutter, ' w0│', when the command's deferred work has lanes)
            marked = [re.sub(r"^\s*(w?\d{1,2})?│", "", line).lstrip() for line in lines]
            assert any(line.startswith("▶") for line in marked), (app.session.cursor, lines)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_bottom_block_keeps_its_rows_through_the_last_micro_step(size):
    """From the first micro-step of a command to its last, where the engine's notes
    appear and after its object appeared, the trail panel and the block under it (the
    explanation, the message, the byte sum) keep their rows."""
    from tui.session import Session
    from tui.app import ExplorerApp

    script = "config cpus=2\nmkdir A\nwrite A memory.max 0\ntask t A\nalloc X 100 task=t cpu=0\n"
    session = Session.from_text(SYSTEMD + script.split("\n", 1)[1], "<notes>")
    alloc = session.machine.commands[-1]
    assert alloc.notes, "the forced charge carries a note at its end"
    app = ExplorerApp(session, start_at=alloc.first)
    async with app.run_test(size=size) as pilot:
        seen = set()
        for _ in range(alloc.end - alloc.first):
            await pilot.press("n")
            await pilot.pause()
            seen.add(tuple(app.query_one(s).region.height
                           for s in ("#main", "#trail-panel", "#trail", "#why", "#message", "#invariant")))
        assert len(seen) == 1, seen
        assert "note: memcg OOM" in app.query_one("#why").plain  # the note is there, in those rows


async def test_queued_work_rows_do_not_hold_the_main_area_after_the_work_ran(make_app):
    """At 80x24 kill_css's RCU callback waits under the stocks at rmdir's steps 3-4 and
    takes rows there; once it has run, stepping on to the swing (step 7) gives the same
    main area as arriving there afresh: the trail gets its rows back, the tree no blank
    ones (the within-command memory counts records' rows, not queued work's)."""
    from tests.tui.conftest import fresh_layout

    app = make_app()
    async with app.run_test(size=(80, 24)):
        main = app.query_one("#main")
        await press(app, *"nnn")
        during = main.outer_size.height
        assert app.session.world().work(), "the RCU callback should be queued at step 3"
        await press(app, *"nnnn")
        stepped = main.outer_size.height
        await fresh_layout(app)
        assert stepped == main.outer_size.height < during
