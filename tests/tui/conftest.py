"""Shared fixtures: machines and explorers on small scripted scenarios, and keys pressed
the way Pilot presses them but settled without its wall-clock sleeps."""
from __future__ import annotations

import asyncio
import inspect
import unicodedata
import weakref
from typing import TYPE_CHECKING, Callable

import pytest
from textual import events
from textual.app import App

from engine import Machine
from tui import scenarios
from tui.app import ExplorerApp, opening
from tui.session import Session

if TYPE_CHECKING:
    from tui.export.textual_bridge import Painter

# A chain of two removals: /A/B/C's objcg is inherited by /A/B, then both move to /A.
REPARENT = """\
config cpus=2
mkdir A
mkdir A/B
mkdir A/B/C
task t1 A/B
task t2 A/B/C
alloc X0 100 task=t1 cpu=0
alloc X1 200 task=t2 cpu=1
move t2 A
rmdir A/B/C
move t1 A
rmdir A/B
"""


def _machine(script: str) -> Machine:
    m = Machine()
    for number, line in enumerate(script.splitlines(), start=1):
        m.run_line(line, "<test>", number)
    return m


@pytest.fixture
def make_machine() -> Callable[[str], Machine]:
    return _machine


@pytest.fixture
def reparent_script() -> str:
    return REPARENT


@pytest.fixture
def default_session() -> Session:
    return Session.from_text(scenarios.default_text(), scenarios.DEFAULT_NAME)


def _app(script: str | None = None, at: str = "opening") -> ExplorerApp:
    if script is None:
        session = Session.from_text(scenarios.default_text(), scenarios.DEFAULT_NAME)
    else:
        session = Session.from_text(script, "<test>")
    start = opening(session) if at == "opening" else (0 if at == "start" else None)
    return ExplorerApp(session, start_at=start)


@pytest.fixture
def make_app() -> Callable[..., ExplorerApp]:
    """make_app(script=None, at='opening'|'start'|'end')."""
    return _app


def settled(*keys: str) -> Callable[..., object]:
    """A snapshot's run_before: press `keys`, then let the app handle every message and
    do its pending layout and repaint (Pilot.pause waits for the update timer by the
    wall clock; on a loaded machine a snapshot could catch a layout not yet done)."""
    async def run(pilot: object) -> None:
        await pilot.press(*keys)  # type: ignore[attr-defined]
        await painter(pilot.app).settle()  # type: ignore[attr-defined]

    return run


_PAINTERS: weakref.WeakKeyDictionary[App[object], Painter] = weakref.WeakKeyDictionary()


def painter(app: App[object]) -> Painter:
    """The app's one Painter (tui.export.textual_bridge): it settles the app and reads
    the screen. One per app: each Painter hooks the app's display."""
    from tui.export.textual_bridge import Painter

    if app not in _PAINTERS:
        _PAINTERS[app] = Painter(app)
    return _PAINTERS[app]


def key_event(key: str) -> events.Key:
    """The Key event Pilot.press sends for `key` (a key name or one character)."""
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def press(app: App[object], *keys: str) -> None:
    """Press keys as Pilot.press does, each handled before the next, but settled by
    watching the app's message queues instead of sleeping until the process looks idle
    (Pilot waits at least 40 ms of wall clock per key)."""
    settle = painter(app).settle
    await settle()  # what the test did just before (a focus() is a callback) comes first
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        app.post_message(event)
        await settle()


async def fresh_layout(app: App[object]) -> None:
    """Lay the screen out from the state at the cursor alone. Within a command the main
    area keeps the most rows any of its steps drawn so far took (tui.widgets.layout), and
    which steps a typed command's play drew depends on the play timer (wall clock): a
    snapshot taken after play forgets that memory first, so it shows one picture."""
    from tui.widgets.layout import forget_kept_rows

    forget_kept_rows(app)  # type: ignore[arg-type]
    app.redraw(relayout=True)  # type: ignore[attr-defined]
    await painter(app).settle()


async def type_text(app: App[object], text: str) -> None:
    """Put `text` into the focused input as a terminal's paste does (one event). Typing
    it key by key is tested once, through Pilot, in test_lesson_player.py; the command
    line's keys (history, completion) in test_tui_app.py."""
    await painter(app).settle()
    app.post_message(events.Paste(text))
    await painter(app).settle()


@pytest.fixture(autouse=True)
def pilot_without_sleeps(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot.press and Pilot.pause() settle the app by its message queues (press() above)
    instead of sleeping until the process looks idle, for every Pilot-driven test here,
    snapshots included; a pause for a given time still sleeps it. A test marked
    `real_pilot` keeps Pilot's own key path and waits."""
    if request.node.get_closest_marker("real_pilot"):
        return
    from textual.pilot import Pilot

    sleep_for = Pilot.pause

    async def fast_press(pilot: Pilot[object], *keys: str) -> None:
        for key in keys:
            if key.startswith("wait:"):
                await sleep_for(pilot, float(key[5:]) / 1000)
            else:
                await press(pilot.app, key)

    async def fast_pause(pilot: Pilot[object], delay: float | None = None) -> None:
        if delay is not None:
            await sleep_for(pilot, delay)
        await painter(pilot.app).settle()

    monkeypatch.setattr(Pilot, "press", fast_press)
    monkeypatch.setattr(Pilot, "pause", fast_pause)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests (Pilot) in a fresh event loop, without a plugin."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{n: pyfuncitem.funcargs[n] for n in names}))
    return True
