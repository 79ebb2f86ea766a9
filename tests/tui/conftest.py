"""Shared fixtures: machines and explorers on small scripted scenarios."""
from __future__ import annotations

import asyncio
import inspect
from typing import Callable

import pytest

from engine import Machine
from tui import scenarios
from tui.app import ExplorerApp, opening
from tui.session import Session

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
    from tui.export.textual_bridge import Painter

    async def run(pilot: object) -> None:
        await pilot.press(*keys)  # type: ignore[attr-defined]
        await Painter(pilot.app).settle()  # type: ignore[attr-defined]

    return run


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests (Pilot) in a fresh event loop, without a plugin."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{n: pyfuncitem.funcargs[n] for n in names}))
    return True
