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

from tests.tui.test_record_replay import type_line
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


async def check(app, pilot, what: str) -> None:
    await pilot.pause()
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
            await pilot.press(key)
            await check(app, pilot, f"key {n} ({key})")
            if n == 60:  # back into the past, then a command typed there: a new branch
                await pilot.press("home", "N", "N", "N")
                await type_line(pilot, "mkdir Q")
                assert app.session.branches, "the typed command made no branch"
                await check(app, pilot, "a command typed in the past")
            if n == 100:
                await pilot.press("y")  # back to the old future
                await check(app, pilot, "a branch switch")
            if n == 130:
                await pilot.resize_terminal(100, 30)
                await check(app, pilot, "a resize")


async def test_a_branch_switch_one_micro_step_back_redraws_what_it_changed(make_app, reparent_script):
    """`y` after a one-micro-step command typed in the past can move the cursor back by
    exactly one step, onto another timeline: the step between is not the one drawn
    before, so nothing kept from it may be trusted."""
    back_by_one = 0
    for steps in (2, 5, 8, 11):
        app = make_app(reparent_script, at="start")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press(*["n"] * steps)
            await type_line(pilot, "task tZ A")
            await pilot.pause()
            before = app.session.cursor
            await pilot.press("y")
            await pilot.pause()
            back_by_one += app.session.cursor == before - 1
            await check(app, pilot, f"a branch switch after {steps} steps")
            await pilot.press("n", "b", "y")
            await check(app, pilot, f"and back, after {steps} steps")
    assert back_by_one, "no switch moved the cursor back by one micro-step: the case is not tested"
