"""Rows kept across micro-steps (tui.widgets.rowmemo) are what a fresh drawing gives.

The lists draw again only the rows that read a record the last micro-step (or the
one whose highlight went away) touched. Any wrong guess would leave a stale figure
on screen, so a seeded walk through a scenario (steps both ways, whole commands,
jumps, a command typed in the past, a branch switch, a find, a resize) checks after
every key that each visible row, and the per-CPU stock lines, show exactly what drawing
them from scratch shows.
"""
from __future__ import annotations

import random

from tests.tui.conftest import painter, press, type_text
from tui import present
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.rowmemo import WorldRowList
from tui.widgets.stocks import CpuStocks
from tui.widgets.textlines import look

KEYS = ["n"] * 8 + ["b"] * 4 + ["N", "B", "home", "end"]


def stale_rows(panel: WorldRowList) -> list[str]:
    """Visible rows whose text differs from drawing them again from the World."""
    if not panel.display or panel._drawn is None:
        return []
    out = []
    top = panel.scroll_offset.y
    for y, shown in enumerate(panel._drawn):
        index = top + y
        if shown is None or index >= len(panel.rows):
            continue
        fresh = panel.draw_from(panel.rows[index], panel.world, panel.highlight)
        if look(shown[0]) != look(fresh):
            out.append(f"{type(panel).__name__} row {index}: {shown[0].plain!r} != {fresh.plain!r}")
    return out


def stale_stocks(stocks: CpuStocks) -> list[str]:
    """The per-CPU lines kept, against drawing them again."""
    if stocks.world is None:
        return []
    fresh = present.stock_lines(stocks.world, stocks.highlight, max(20, stocks.content_size.width),
                                one_line=stocks.one_line)
    kept = [look(line) for line in stocks._lines]
    return [] if kept == [look(line) for line in fresh] else [f"stocks: {stocks.plain!r}"]


async def type_line(app, line: str) -> None:
    """A command at the prompt, which stays open after Enter: leave it."""
    await press(app, "colon")
    await type_text(app, line)
    await press(app, "enter", "escape")


def check(app, what: str) -> None:
    problems = stale_stocks(app.query_one(CpuStocks))
    for panel in (app.query_one(MemcgTree), app.query_one(ObjcgList), app.query_one(ObjectList)):
        problems += stale_rows(panel)
    assert not problems, f"after {what}: " + "; ".join(problems[:3])


async def test_kept_rows_match_a_fresh_drawing_on_a_random_walk(make_app, reparent_script):
    rng = random.Random(7)
    app = make_app(reparent_script, at="start")
    async with app.run_test(size=(120, 40)) as pilot:
        for n in range(160):
            key = rng.choice(KEYS)
            await press(app, key)
            check(app, f"key {n} ({key})")
            if n == 60:  # back into the past, then a command typed there: a new branch
                await press(app, "home", "N", "N", "N")
                await type_line(app, "mkdir Q")
                assert app.session.branches, "the typed command made no branch"
                check(app, "a command typed in the past")
            if n == 100:
                await press(app, "y")  # back to the old future
                check(app, "a branch switch")
            if n == 130:
                await pilot.resize_terminal(100, 30)
                await painter(app).settle()
                check(app, "a resize")


async def test_a_branch_switch_one_micro_step_back_redraws_what_it_changed(make_app, reparent_script):
    """`y` after a one-micro-step command typed in the past can move the cursor back by
    exactly one step, onto another timeline: the step between is not the one drawn
    before, so nothing kept from it may be trusted."""
    back_by_one = 0
    for steps in (2, 5, 8, 11):
        app = make_app(reparent_script, at="start")
        async with app.run_test(size=(120, 40)):
            await press(app, *["n"] * steps)
            await type_line(app, "task tZ A")
            app.playing = False  # stepped, not played: the same wherever the timer got
            await press(app, "n")  # the typed command's one micro-step, drawn (or already)
            before = app.session.cursor
            assert before == app.session.total
            await press(app, "y")  # to the fork: one micro-step back, on the old timeline
            back_by_one += app.session.cursor == before - 1
            check(app, f"a branch switch after {steps} steps")
            await press(app, "n", "b", "y")
            check(app, f"and back, after {steps} steps")
    assert back_by_one, "no switch moved the cursor back by one micro-step: the case is not tested"
