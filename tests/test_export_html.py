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
    assert sorted(p.name for p in out.iterdir()) == ["frames.js", "index.html", "leftover.objcg"]
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
