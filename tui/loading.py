"""Opening a big scenario: the explorer's first frame is a progress bar, drawn at once,
while the script runs in a worker thread; the panels take over when it is loaded."""
from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, ProgressBar

from tui.session import Session

Loader = Callable[[Callable[[int, int], None]], tuple[Session, str]]
"""Runs the script, calling progress(lines done, lines); returns the session and the
greeting to show; raises LoadError or ScriptError (one line each)."""


class LoadingScreen(ModalScreen[None]):
    """'running FILE: 12,000 / 46,001 lines' with a bar; only ctrl+q works meanwhile."""

    DEFAULT_CSS = """
    LoadingScreen { align: center middle; }
    LoadingScreen > Vertical { width: 70; height: auto; border: round $accent;
                               background: $surface; padding: 0 1; }
    """

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"loading {self.what}: running its commands…", id="loading-what")
            yield ProgressBar(total=None, show_eta=False, id="loading-bar")

    def advance(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        self.query_one(Label).update(f"loading {self.what}: {done:,} / {total:,} lines run")
