"""`objcg-lab export html` in a real headless Chromium (issue 10, item 5): the page opens
from disk with no network request, shows the explorer's screen at every micro-step
reached by keys and buttons, the chapters with their notes, and a screenshot of it has
the screen drawn."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from engine.machine import Machine
from engine.recording import load
from tests.conftest import chromium_env
from tests.test_export_svg_render import decode_png
from tests.test_recording_export import RECORDING, run
from tui.export.screen import Screen
from tui.export.staging import MANIFEST

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")
SIZE = (100, 30)


def explorer_screens() -> list[list[str]]:
    """The explorer's screen text at every micro-step, stepping as `n` does."""
    loaded = load(RECORDING, "r", Machine)

    async def go() -> list[list[str]]:
        out = []
        async with Screen(loaded, "r", SIZE) as screen:
            out.append([s.text.rstrip() for s in screen.strips()])
            while screen.cursor < screen.total:
                await screen.step()
                out.append([s.text.rstrip() for s in screen.strips()])
        return out

    return asyncio.run(go())


def test_the_page_steps_through_the_recording_offline(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "leftover.objcg"
    path.write_text(RECORDING)
    out = tmp_path / "web"
    code, said, err = run(capsys, "export", "html", str(path), "-o", str(out),
                          "--size", f"{SIZE[0]}x{SIZE[1]}")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "frames.js", "index.html",
                                                     "leftover.objcg"]
    expected = explorer_screens()
    total = len(expected) - 1
    requests: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"],
                                    env=chromium_env(tmp_path))
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.on("request", lambda request: requests.append(request.url))
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((out / "index.html").as_uri())

        def shown() -> list[str]:
            rows = page.eval_on_selector_all("#screen > div", "rows => rows.map(r => r.textContent)")
            return [row.rstrip() for row in rows]

        assert page.title() == "Leftover bytes" and not errors
        assert shown() == expected[0]
        assert page.inner_text("#where") == f"micro-step 0 / {total}"
        for n in range(1, 6):  # the right arrow steps like n in the explorer
            page.keyboard.press("ArrowRight")
            assert shown() == expected[n], n
        page.keyboard.press("b")
        assert shown() == expected[4]
        page.click("#next")
        page.click("#next")
        assert shown() == expected[6]
        page.keyboard.press("]")  # the next chapter: its title and notes as a caption
        loaded = load(RECORDING, "r", Machine)
        first, second = loaded.chapters()
        at = first.cursor if first.cursor > 6 else second.cursor
        assert shown() == expected[at]
        caption = page.inner_text("#caption")
        assert caption.startswith("1. A task in /A") or caption.startswith("2. Freed")
        page.keyboard.press("End")
        assert shown() == expected[total]
        assert "2. Freed on another CPU" in page.inner_text("#caption")
        page.click("#chapters li:first-child")
        assert shown() == expected[first.cursor] and "The cgroup is empty." in page.inner_text("#caption")
        for n in range(first.cursor - 1, -1, -1):  # back, all the way, past the kept screens
            page.keyboard.press("ArrowLeft")
            assert shown() == expected[n], n
        png = decode_png(page.screenshot())
        browser.close()
    assert not errors, errors
    assert requests and all(url.startswith("file://") for url in requests), requests
    assert png.std() > 10  # something is drawn: not a blank page


def test_the_page_fits_plays_to_the_pauses_and_opens_at_links(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """At 800, 1024 and 1920 px wide the screen fits the window (no sideways scroll), a
    projector size makes it larger; #step=N and #chapter=K open the page there; ] and [
    work whatever has focus; play stops at each chapter and recorded pause, as replay's
    space does."""
    path = tmp_path / "leftover.objcg"
    path.write_text(RECORDING)
    out = tmp_path / "web"
    assert run(capsys, "export", "html", str(path), "-o", str(out))[0] == 0
    loaded = load(RECORDING, "r", Machine)
    first, second = loaded.chapters()
    [pause] = [m.cursor for m in loaded.marks if m.kind == "pause"]
    url = (out / "index.html").as_uri()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for width, height in ((800, 600), (1024, 768), (1920, 1080)):
            page = browser.new_page(viewport={"width": width, "height": height})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url)
            room, right, font = page.evaluate(
                "[document.documentElement.scrollWidth, "
                "document.getElementById('screen').getBoundingClientRect().right, "
                "parseFloat(getComputedStyle(document.getElementById('screen')).fontSize)]")
            assert room <= width and right <= width, (width, room, right)
            assert font >= 9, (width, font)  # still readable
            if width == 1920:
                page.keyboard.press("p")
                big, bottom = page.evaluate(
                    "[parseFloat(getComputedStyle(document.getElementById('screen')).fontSize), "
                    "document.getElementById('screen').getBoundingClientRect().bottom]")
                assert big > font * 1.2 and bottom <= height, (font, big, bottom)
            assert not errors, errors
            page.close()
        page = browser.new_page(viewport={"width": 1024, "height": 768})

        def where() -> str:
            return page.inner_text("#where").split()[1]

        page.goto(url + "#step=5")
        assert where() == "5"
        page.goto(url + "#chapter=2")
        assert where() == str(second.cursor) and page.inner_text("#caption").startswith("2. ")
        assert page.get_attribute("#chapters li:first-child a", "href") == "#chapter=1"
        assert page.evaluate("location.hash") == f"#step={second.cursor}"  # a link to here
        page.click("#first")
        page.click("#slider", position={"x": 2, "y": 5})  # the slider has focus now
        page.keyboard.press("Home")
        page.keyboard.press("]")
        assert where() == str(first.cursor)
        page.focus("#speed")
        page.keyboard.press("]")
        assert where() == str(second.cursor)
        page.focus("#link")
        page.keyboard.press("[")
        assert where() == str(first.cursor)
        page.select_option("#speed", "16")
        page.keyboard.press("Home")
        for stop in sorted({first.cursor, pause, second.cursor}):
            page.keyboard.press(" ")
            page.wait_for_function("document.getElementById('play').textContent.includes('play')",
                                   timeout=30_000)
            assert where() == str(stop)
        browser.close()
