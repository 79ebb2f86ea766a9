"""Progress of long exports: a bar on stderr when it is a terminal, silence otherwise."""
from __future__ import annotations

import io
import sys

import pytest

from tui.export.progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_and_nothing_on_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with progress_bar("slides", 10) as done:
        for n in range(1, 11):
            done(n)
    assert pipe.getvalue() == ""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress_bar("slides", 10) as done:
        done(4)
    shown = terminal.getvalue()
    assert "slides" in shown and "4/10" in shown
