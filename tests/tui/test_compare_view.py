"""The compare view: both kernels side by side, stepping together (Pilot)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from rich.text import Text

from engine.compare import run_both
from tests.tui.conftest import painter, press
from tui.compare import view
from tui.compare.app import CompareApp, main_compare_tui

THREE = """\
config cpus=2
mkdir C0
task t0 C0
alloc o0 256 task=t0 cpu=0
exit t0
rmdir C0
mkdir C1
task t1 C1
alloc o1 256 task=t1 cpu=0
exit t1
rmdir C1
mkdir C2
task t2 C2
alloc o2 256 task=t2 cpu=1
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
    alloc = m.commands[3]
    lines = view.trail_lines(m.steps, alloc.first, alloc.end, alloc.end, 40)
    marked = [t.plain for t in lines if "≈" in t.plain]
    assert any("memcg_create_kmem_cache" in line for line in marked)


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
