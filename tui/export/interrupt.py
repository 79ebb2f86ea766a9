"""Ctrl-C during an export: stop between two frames, so the headless explorer shuts down
cleanly (a KeyboardInterrupt raised inside Textual's event loop leaves its test harness
half closed and prints a traceback); the caller then removes what was started."""
from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Any, Iterator


class Interrupted(Exception):
    """The user pressed Ctrl-C."""


_pressed = False


def check() -> None:
    """Called between frames: raise Interrupted if Ctrl-C was pressed."""
    if _pressed:
        raise Interrupted


@contextmanager
def interruptible() -> Iterator[None]:
    """While in it, Ctrl-C sets a flag that check() turns into Interrupted."""
    global _pressed

    def pressed(_signum: int, _frame: Any) -> None:
        global _pressed
        _pressed = True

    _pressed = False
    try:
        previous = signal.signal(signal.SIGINT, pressed)
    except ValueError:  # not the main thread: Ctrl-C stays a KeyboardInterrupt
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _pressed = False
