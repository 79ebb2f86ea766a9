"""The explorer in a real terminal, driven as a person types: tmux send-keys, then
capture-pane polled (with a generous bounded wait) until the screen shows the result.

Each test runs its own tmux server on a socket in its tmp_path (-S) and kills it at the end.
Skipped cleanly where tmux is not installed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from engine.recording import load
from engine.script import strip_comment

ROOT = Path(__file__).resolve().parents[2]
WAIT = 90.0  # seconds: a bound for a loaded CI machine, never a sleep that must pass

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux server and session running a command at 120x40."""

    def __init__(self, command: list[str], cwd: Path, socket: Path) -> None:
        self.tmux = ["tmux", "-S", str(socket)]
        # no COLUMNS/LINES from the test runner (pytest-xdist's workers have them): the
        # app would believe them over the pane and draw 80x24 in a 120x40 window
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env["TERM"] = "xterm-256color"
        shell = " ".join(_quote(a) for a in command)
        subprocess.run([*self.tmux, "-f", "/dev/null", "new-session", "-d", "-x", "120",
                        "-y", "40", "sleep 600"], check=True, env=env)
        # the size asked for, whatever the server's default-size (it can win on some hosts,
        # and did under two test processes at once: the app then drew 80x24 in a 120x40
        # pane): set it until tmux says it holds, and only then start the command
        deadline = time.monotonic() + WAIT
        while self.size() != "120x40" and time.monotonic() < deadline:
            subprocess.run([*self.tmux, "set-option", "-g", "window-size", "manual"],
                           capture_output=True)
            subprocess.run([*self.tmux, "resize-window", "-x", "120", "-y", "40"],
                           capture_output=True)
            time.sleep(0.05)
        assert self.size() == "120x40", f"tmux keeps its window at {self.size()}, not 120x40"
        subprocess.run([*self.tmux, "respawn-pane", "-k",
                        f"cd {_quote(str(cwd))} && {shell}; sleep 600"], check=True, env=env)

    def size(self) -> str:
        return subprocess.run([*self.tmux, "display-message", "-p", "#{window_width}x#{window_height}"],
                              capture_output=True, text=True).stdout.strip()

    def screen(self) -> str:
        return subprocess.run([*self.tmux, "capture-pane", "-p"], capture_output=True,
                              text=True, check=True).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        subprocess.run([*self.tmux, "send-keys", *(["-l"] if literal else []), *keys],
                       check=True)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def wait_for(self, seen: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT
        while True:
            screen = self.screen()
            if seen(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {WAIT:.0f} s for {what}; the screen:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    opened: list[Terminal] = []

    def start(*args: str, cwd: Path = ROOT) -> Terminal:
        socket = tmp_path / f"tmux-{len(opened)}"
        term = Terminal([sys.executable, "-m", "tui.cli", *args], cwd, socket)
        opened.append(term)
        term.wait_for(lambda s: "kernel trail" in s and "? help" in s, "the explorer")
        return term

    yield start
    for term in opened:
        term.close()


def _save(term: Terminal, path: Path) -> str:
    """Save the session from the prompt and return the file's text."""
    term.type(f"save {path}")
    term.keys("Enter")
    term.wait_for(lambda s: "saved" in s and path.exists(), f"'save {path}'")
    return path.read_text(encoding="utf-8")


def _commands(text: str) -> list[str]:
    """The command lines of a saved session, without their own comments."""
    return [" ".join(strip_comment(line)) for line in text.splitlines()
            if line and not line.startswith("#")]


def test_two_and_three_commands_typed_in_a_row_all_run(terminal, tmp_path: Path) -> None:
    term = terminal()
    term.keys(":")
    term.type("mkdir Z")
    term.keys("Enter")
    term.type("mkdir Q")  # at once, as a person goes on typing: the prompt is still there
    term.keys("Enter")
    term.wait_for(lambda s: "mkdir Q → 0" in s, "the second command's result")
    term.type("mkdir R")
    term.keys("Enter")
    term.type("task t9 R")
    term.keys("Enter")
    term.type("alloc Z9 64 task=t9 cpu=0")
    term.keys("Enter")
    term.wait_for(lambda s: "alloc Z9 64 task=t9 cpu=0 → 0" in s, "the fifth command's result")
    text = _save(term, tmp_path / "row.objcg")
    assert _commands(text)[-5:] == ["mkdir Z", "mkdir Q", "mkdir R", "task t9 R",
                                    "alloc Z9 64 task=t9 cpu=0"]
    screen = term.screen()
    # none of the letters went to the explorer's keys: no chapter prompt, no recording,
    # the objects panel still there
    assert "REC" not in screen and "chapter" not in screen.lower() and "objects" in screen


def test_a_command_typed_in_the_past_leaves_the_old_future_reachable(terminal,
                                                                     tmp_path: Path) -> None:
    record = tmp_path / "lecture.objcg"
    term = terminal("explore", "--record", str(record))  # the built-in scenario, recorded
    term.keys(":")
    term.type("mkdir Z")  # the built-in scenario opens before its rmdir A/B
    term.keys("Enter")
    term.wait_for(lambda s: "a new branch" in s and "other branch (y)" in s, "the new branch")
    text = record.read_text(encoding="utf-8")
    assert "#@ branch\n#@ | rmdir A/B  " in text and _commands(text)[-1] == "mkdir Z"  # its comment too
    term.keys("Escape")  # leave the prompt (alone: ESC then y in one burst reads as alt+y)
    term.wait_for(lambda s: "press : to type a command" in s, "the prompt to be left")
    term.keys("y")  # back to the old future
    term.wait_for(lambda s: "switched to the branch" in s, "the switch")
    term.keys("G")
    term.wait_for(lambda s: "rmdir A/B" in s.splitlines()[0] and "ghost (freed)" in s,
                  "the end of the old future: rmdir A/B done, /A/B freed")
    text = record.read_text(encoding="utf-8")
    assert _commands(text)[-1] == "rmdir A/B" and "#@ | mkdir Z\n" in text
    loaded = load(text, str(record))
    assert loaded.problem is None or "no '#@ end'" not in (loaded.problem or "")
    assert [b.lines for b in loaded.branches] == [("mkdir Z",)]
    term.keys("R")  # stop recording: the file is complete and still has both futures
    term.wait_for(lambda s: "recording stopped" in s, "the recording to stop")
    loaded = load(record.read_text(encoding="utf-8"), str(record))
    assert loaded.problem is None and [b.lines for b in loaded.branches] == [("mkdir Z",)]
