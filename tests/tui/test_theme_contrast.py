"""Every built-in theme is readable by measure: every character of text on screen (panel
titles, key letters, highlights, the prompt's placeholder, the help) has WCAG AA
contrast, 4.5:1, against the background it is drawn on.

The explorer is driven through the screens and marks a learner meets (the opening,
a pointer swinging mid-reparent, an objcg moved in, a focused panel's cursor row, the
prompt, Tab's candidates, a refused command, the help and who-pins screens, a compact
80x24 layout); each cell's colours are read from the composed screen. Box-drawing and
block characters (frames, bars) are graphics, not text. The two ANSI themes leave
colours to the terminal, so there is nothing to measure: they are left out.
"""
from __future__ import annotations

from collections import defaultdict

from textual.app import App
from textual.color import Color
from textual.screen import ModalScreen

from tui import scenarios
from tui.app import ExplorerApp, opening
from tui.session import Session
from tui.export.textual_bridge import Painter
from tui.themes import contrast, install
from tui.widgets.command_line import CommandLine
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.objcg_list import ObjcgList

GRAPHIC = {chr(c) for c in range(0x2500, 0x25A0)} | {"▕", "▏"}


def _themes() -> list[str]:
    app = App()
    install(app, projector=False)
    return sorted(name for name in app.available_themes if not name.startswith("ansi-"))


def low_contrast(app: ExplorerApp, where: str, found: dict) -> None:
    """Every text cell of the active screen (a dialog's own region) below AA."""
    screen = app.screen
    region = screen.children[0].region if isinstance(screen, ModalScreen) else None
    for y, strip in enumerate(screen._compositor.render_strips()):
        x = 0
        for segment in strip:
            x0, x = x, x + segment.cell_length
            if region is not None and not (region.y <= y < region.bottom and region.x <= x0 and x <= region.right):
                continue
            text = "".join(ch for ch in segment.text if ch not in GRAPHIC).strip()
            style = segment.style
            if not text or style is None:
                continue
            fg, bg = (style.bgcolor, style.color) if style.reverse else (style.color, style.bgcolor)
            assert fg is not None and bg is not None and fg.triplet and bg.triplet, (where, text, style)
            ink, paper = Color(*fg.triplet), Color(*bg.triplet)
            if style.dim:
                ink = paper.blend(ink, 0.5)
            ratio = contrast(ink, paper)
            if ratio < 4.5:
                found[(app.theme, ink.hex, paper.hex)].append(f"{ratio:.2f} {where}: {text[:30]!r}")


async def _visit(app: ExplorerApp, settle, found: dict) -> None:
    """The screens and marks to measure, reached by the actions the keys run (a Pilot
    key costs a pause by the wall clock), as few screens as hold them all."""
    session, line = app.session, app.query_one(CommandLine)
    session.goto(opening(session) + 4)  # n x4: the step that swings objcg /A/B's pointer
    app.set_focus(app.query_one(ObjcgList))  # a focused panel's cursor row, the tree's unfocused
    app.redraw(relayout=True)
    app.on_command_line_completed(CommandLine.Completed(["alloc", "alloc_pages"], "", 0))
    await settle()
    low_contrast(app, "a pointer swinging, the prompt asleep, Tab's candidates", found)
    app.action_micro(1)  # an objcg moved in
    app.action_prompt()
    line.post_message(line.Submitted(line, "frob"))  # refused: the error, the line selected
    await settle()
    low_contrast(app, "an objcg moved in, a refused command", found)
    line.value = ""  # the prompt awake, its placeholder
    await settle()
    low_contrast(app, "the prompt awake", found)
    app.action_help()
    await settle()
    low_contrast(app, "help", found)
    app.pop_screen()
    app.set_focus(app.query_one(MemcgTree))
    app.action_pins()
    await settle()
    low_contrast(app, "who pins", found)
    app.pop_screen()


async def _walk(size: tuple[int, int], themes: list[str]) -> dict:
    session = Session.from_text(scenarios.default_text(), scenarios.DEFAULT_NAME)
    app = ExplorerApp(session, start_at=opening(session))
    found: dict = defaultdict(list)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        settle = Painter(app).settle
        for theme in themes:
            app.theme = theme
            await _visit(app, settle, found)
    return found


def _report(found: dict) -> str:
    lines = [f"{theme}: {ink} on {paper}: {places[0]} (and {len(places) - 1} more)"
             for (theme, ink, paper), places in sorted(found.items())]
    return f"{len(found)} colour pair(s) under 4.5:1\n" + "\n".join(lines[:40])


async def test_every_theme_has_aa_contrast():
    found = await _walk((120, 40), _themes())
    assert not found, _report(found)


async def test_a_compact_screen_too():
    """80x24 draws rules instead of frames and a shorter key bar: a dark and a light theme."""
    found = await _walk((80, 24), ["textual-dark", "solarized-light", "objcg-projector"])
    assert not found, _report(found)
