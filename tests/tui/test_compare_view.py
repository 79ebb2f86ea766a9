"""The compare view: both kernels side by side, stepping together (Pilot)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from rich.text import Text

from engine.compare import run_both
from tests.tui.conftest import painter, press
from tui.compare import view
from tui.compare.app import CompareApp, main_compare_tui

# Each cgroup's first object comes from the root cache in v5.8 (its clone is created
# by deferred work); its second, o_j, from the clone, which outlives the cgroup.
THREE = """\
config cpus=2
mkdir C0
task t0 C0
alloc a0 256 task=t0 cpu=0
alloc o0 256 task=t0 cpu=0
free a0 cpu=0
exit t0
rmdir C0
mkdir C1
task t1 C1
alloc a1 256 task=t1 cpu=0
alloc o1 256 task=t1 cpu=0
free a1 cpu=0
exit t1
rmdir C1
mkdir C2
task t2 C2
alloc a2 256 task=t2 cpu=1
alloc o2 256 task=t2 cpu=1
free a2 cpu=1
exit t2
rmdir C2
"""


def _app(text: str = THREE, **kw: bool) -> CompareApp:
    return CompareApp(run_both(text, "<three>", history=True, check=True, trail=True),
                      "<three>", **kw)


def _plain(app: CompareApp, selector: str) -> str:
    from textual.widgets import Static

    return str(app.query_one(selector, Static).render())


def test_opens_at_the_start_and_steps_both_kernels_together() -> None:
    async def go() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)):
            await painter(app).settle()
            assert app.cmd == -1
            assert "start" in _plain(app, "#header")
            await press(app, "N", "N", "N")  # config, mkdir C0, task t0 C0: both at the end
            assert app.cmd == 2
            old, new = (app.sides[k].machine for k in ("5.8", "5.9"))
            assert old.cursor == old.commands[2].end and new.cursor == new.commands[2].end
            await press(app, "n")  # into alloc o0: one micro-step on each side
            assert app.cmd == 3
            assert old.cursor == old.commands[3].first + 1
            assert new.cursor == new.commands[3].first + 1
            # keep stepping: the side with fewer steps waits at its command's end
            for _ in range(40):
                await press(app, "n")
                if app.cmd > 3:
                    break
            assert app.cmd == 4  # both finished alloc o0 before `exit t0` began
            await press(app, "b")  # back to the start of `exit t0` (its only step undone)
            assert app.cmd == 4 and old.cursor == old.commands[4].first
            await press(app, "b")  # into alloc o0 again: one step before its end, each side
            assert app.cmd == 3
            assert old.cursor == old.commands[3].end - 1 and new.cursor == new.commands[3].end - 1
            await press(app, "B")
            assert old.cursor == old.commands[3].first and new.cursor == new.commands[3].first
    asyncio.run(go())


def test_the_end_shows_the_saving_and_highlights_what_differs() -> None:
    async def go() -> None:
        app = _app()
        async with app.run_test(size=(120, 40)):
            await press(app, "G")
            summary = _plain(app, "#summary")
            assert "v5.9 uses 1 slab pages where v5.8 uses 3" in summary
            caches = _plain(app, "#side-58 .caches")
            assert caches.count("dead") == 3 and "size-256(/C2) dead → /" in caches
            assert "■■■" in _plain(app, "#side-59 .caches")  # three objects share one slab
            await press(app, "g")
            assert app.cmd == -1 and "before the first command" in _plain(app, "#side-59 .trail")
    asyncio.run(go())


def test_figures_that_differ_are_highlighted_on_both_sides() -> None:
    sides = run_both(THREE, "<three>")
    old, new = (view.side_figures(sides[k].machine.state) for k in ("5.8", "5.9"))
    text = view.figures_text(old, new, 56)
    styled = {text.plain[s.start:s.end]: s.style for s in text.spans}
    assert styled["3"] == view.DIFF  # slab pages 3 against 1
    assert styled["0"] != view.DIFF  # dying memcgs: 0 on both


def test_simplified_steps_are_marked() -> None:
    sides = run_both(THREE, "<three>", history=True, trail=True)
    m = sides["5.8"].machine
    alloc = m.commands[4]  # alloc o0: C0's clone exists now, its new slab page is charged
    lines = view.trail_lines(m.steps, alloc.first, alloc.end, alloc.end, 40)
    marked = [t.plain for t in lines if "≈" in t.plain]
    assert any("memcg_charge_slab" in line for line in marked)


def test_at_80x24_the_view_is_compact() -> None:
    async def go() -> None:
        app = _app(at_end=True)
        async with app.run_test(size=(80, 24)):
            await painter(app).settle()
            assert app.screen.has_class("-compact")
            assert "v5.9 uses 1 slab pages" in _plain(app, "#summary")
    asyncio.run(go())


def test_a_bad_script_is_one_line_and_status_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.objcg"
    bad.write_text("mkdir A\nfree nothing cpu=0\n")
    assert main_compare_tui(str(bad)) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("no live object 'nothing' (never allocated, or already freed)")
    assert err.startswith(f"{bad}:2: error: under kernel 5.8:")
    assert "\n" not in err
    assert main_compare_tui(str(tmp_path / "missing.objcg")) == 2


def test_summary_text_words() -> None:
    sides = run_both(THREE, "<three>")
    old, new = (view.side_figures(sides[k].machine.state) for k in ("5.8", "5.9"))
    assert isinstance(view.summary_text(old, new), Text)
    assert view.summary_text(old, new).plain.startswith("v5.9 uses 1 slab pages where v5.8 uses 3")


# -- more releases: the table; the commit behind a difference --------------------------
WORKED = Path(__file__).resolve().parents[1] / "scenarios" / "worked_example.objcg"


def _worked(kernels: tuple[str, ...]) -> CompareApp:
    from engine.compare import Attribution, run_all

    text = WORKED.read_text()
    return CompareApp(run_all(text, "w", kernels, history=True, trail=True), "w",
                      attribution=Attribution(text, "w"))


def test_four_releases_make_a_table_and_a_cell_names_its_commit() -> None:
    async def go() -> None:
        app = _worked(("5.9", "5.13", "5.14", "6.14"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("G")
            await pilot.pause()
            from textual.widgets import DataTable

            table = app.query_one("#table", DataTable)
            figures = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            row = figures.index("objcg /A nr_charged_bytes")
            cells = table.get_row_at(row)
            assert [c.plain for c in cells[1:]] == ["4096", "4096", "4004", "4004"]
            assert cells[3].style == view.DIFF and cells[4].style != view.DIFF
            table.move_cursor(row=row, column=3)  # the v5.14 cell
            await pilot.pause()
            await pilot.press("w")
            await pilot.pause()
            why = _plain(app, "#whyline")
            assert "5.13 → 5.14: 5.14, 5387c90490f7: mm/memcg: improve refill_obj_stock()" in why
            assert "trail under v5.14" in str(app.query_one("#table-trail").border_title)
            # the v6.14 cell equals v5.14's: it says so, and where the row does change
            table.move_cursor(row=row, column=4)
            await pilot.pause()
            await pilot.press("w")
            await pilot.pause()
            why = _plain(app, "#whyline")
            assert "v6.14 has the same value as v5.14" in why and "5.13 → 5.14:" in why, why
            assert "different micro-steps" not in why
    asyncio.run(go())


def test_two_releases_side_by_side_and_w_walks_the_differences() -> None:
    async def go() -> None:
        app = _worked(("5.9", "5.11"))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("G")
            await pilot.pause()
            assert app.query("#side-59") and app.query("#side-511")
            assert app.rows == ["memcg / usage", "memcg /A usage", "cpu 0 nr_pages"]
            await pilot.press("w", "w", "w")  # the third difference: cpu0's page stock
            why = _plain(app, "#whyline")
            assert why.startswith("cpu 0 nr_pages: at the end of this command, v5.9 31 · v5.11 32")
            assert "5.11, 3de7d4f25a74: mm: memcg/slab: optimize objcg stock draining" in why
    asyncio.run(go())
