"""The Textual internals the exports use (tui/export/textual_bridge.py) still exist and
still mean what they meant: this fails loudly, naming the module to mend, if a Textual
upgrade moves them."""
from __future__ import annotations

import asyncio

import textual
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.export import svgdraw
from tui.export.textual_bridge import PRIVATE, Painter

MEND = (f"Textual {textual.__version__} changed an internal that "
        "tui/export/textual_bridge.py uses; mend that module (and only it)")


class Tiny(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("first words", id="text")


def test_settle_paints_a_change_and_lines_match_the_public_screenshot() -> None:
    async def run() -> None:
        app = Tiny()
        async with app.run_test(size=(40, 5)):
            owners = {"Screen": app.screen, "App": app}
            for owner, name in PRIVATE:
                assert hasattr(owners[owner], name), f"{MEND}: {owner}.{name} is gone"
            painter = Painter(app)
            await painter.settle()
            assert "first words" in str(painter.lines()[0].text), MEND
            app.query_one("#text", Static).update("second   spaced  words")
            await painter.settle()
            lines = painter.lines()
            assert len(lines) == 5 and all(line.cell_length == 40 for line in lines), MEND
            assert lines[0].text.rstrip() == "second   spaced  words", MEND
            painter.painted = False
            await painter.settle()
            assert not painter.painted, f"{MEND}: settle does not converge"
            public = app.export_screenshot()  # the public API renders the same screen
            for word in ("second", "spaced", "words"):
                assert word in public, MEND
            ours = svgdraw.screen_text(svgdraw.svg(lines, (40, 5), "t"))
            assert ours[0] == "second   spaced  words"

    asyncio.run(run())


def test_rows_kept_from_partial_updates_are_the_screen_composed_afresh() -> None:
    """Exports keep the screen by applying Textual's partial updates; at every micro-step
    of a recording (commands, frees on another CPU, an rmdir with reparenting, chapters)
    the rows must be exactly the screen composed from scratch, styles included."""
    from engine.machine import Machine
    from engine.recording import load
    from textual.strip import Strip

    from tests.test_recording_export import RECORDING
    from tui.export.screen import Screen

    text = RECORDING.replace("#@ end\n", "move t /\nrmdir A\n#@ end\n")
    loaded = load(text, "r", Machine)
    assert loaded.problem is None

    async def run() -> None:
        async with Screen(loaded, "r", (100, 30), playing_at=4.0) as screen:
            painter = screen._painter
            assert painter is not None
            while screen.cursor < screen.total:
                await screen.step()
                kept = screen.strips()
                fresh = [Strip.join(chops).simplify() for chops in painter.composed()]
                assert kept == fresh, f"micro-step {screen.cursor}: {MEND}"
            assert screen.total > 30

    asyncio.run(run())


class Failing(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("fine", id="text")

    def on_key(self) -> None:
        raise ValueError("a handler failed")


def test_settle_says_which_handler_failed_at_once() -> None:
    """A handler's exception stops its message pump with messages still queued: settle
    raises that exception instead of waiting for the pump to drain."""
    from_settle: list[BaseException] = []

    async def run() -> None:
        app = Failing()
        try:
            async with app.run_test(size=(40, 5)):
                painter = Painter(app)
                await painter.settle()
                app.post_message(events.Key("x", "x"))
                app.query_one("#text", Static).update("still queued")
                try:
                    await painter.settle()
                except ValueError as err:
                    from_settle.append(err)
        except ValueError as err:  # run_test re-raises the app's exception on the way out
            assert from_settle and err is from_settle[0], f"settle did not raise it: {err!r}"

    asyncio.run(run())
    assert [str(err) for err in from_settle] == ["a handler failed"]
