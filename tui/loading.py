"""Opening a big scenario: the explorer's first frame is a progress bar, drawn at once,
while the script runs in a worker thread; the panels take over when it is loaded."""
from __future__ import annotations

from typing import Callable

from textual import events
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
            yield Label("", id="loading-keys")

    def on_key(self, event: events.Key) -> None:
        """A key pressed before the panels are there: refused, and said so (nothing is
        done behind the learner's back once it opens)."""
        if event.key in ("ctrl+q", "ctrl+c"):
            return
        event.stop()
        shown = event.character if event.character and event.character.isprintable() else event.key
        self.query_one("#loading-keys", Label).update(
            f"'{shown}' not taken: the explorer opens when the script has run (ctrl+q quits)")

    def advance(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        self.query_one("#loading-what", Label).update(f"loading {self.what}: {done:,} / {total:,} lines run")
