"""What the explorer's helpers (palette, recording keys) may use of the explorer.

A Protocol, so tui.palette and tui.record_ui depend on this small surface and never
import tui.app: the app imports them, never the other way round.
"""
from __future__ import annotations

from typing import Any, Callable, Protocol

from rich.text import Text

from engine.machine import CommandRecord
from tui.present.header import Position
from tui.record import Tape
from tui.session import Session


class Explorer(Protocol):
    session: Session
    tape: Tape
    playing: bool
    speed: float
    _played: CommandRecord | None  # the command typed last, while it plays (tui.prompting)

    def say(self, text: str | Text, error: bool = False) -> None: ...

    def position(self) -> Position: ...  # where the cursor is, as the header says it

    def redraw(self, relayout: bool = False, follow: bool = False) -> None: ...

    def show_position(self, playing: bool, speed: float) -> None: ...

    def push_screen(self, screen: Any, callback: Callable[[Any], None] | None = None,
                    *args: Any, **kwargs: Any) -> Any: ...

    async def run_action(self, action: str, *args: Any, **kwargs: Any) -> bool: ...
