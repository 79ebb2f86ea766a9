"""What one browser session runs: the explorer, a lesson or a replay, in a process forked
by tui/serve/zygote.py with every module already imported.

A forked session may wait a while (in the warm pool) before a tab takes it; it learns
its tab only then, as the first thing on its stdin: a 4-byte length and a JSON object
with the tab's environment (its folders), working directory, umask and terminal size.
The server has already checked FILE or PATH, and made them absolute.

The lesson player's command (`objcg-lab lesson`) wants a terminal on stdin and stdout;
a served session talks through pipes to textual-serve, so the apps are opened directly.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any

TAB_HEADER = 4  # bytes of length before the tab's JSON


def tab_packet(tab: dict[str, Any]) -> bytes:
    """What the server writes first on a session's stdin."""
    body = json.dumps(tab).encode("utf-8")
    return len(body).to_bytes(TAB_HEADER, "big") + body


def read_tab(fd: int = 0) -> dict[str, Any] | None:
    """The tab's details from stdin, read exactly (whatever follows is the app's input);
    None when the server closed the pipe first (a warm session never taken)."""
    size = _read_exactly(fd, TAB_HEADER)
    body = _read_exactly(fd, int.from_bytes(size, "big")) if size else None
    return json.loads(body) if body else None


def _read_exactly(fd: int, count: int) -> bytes | None:
    data = b""
    while len(data) < count:
        chunk = os.read(fd, count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def enter_tab(tab: dict[str, Any]) -> None:
    os.environ.update(tab["env"])
    os.umask(tab["umask"])
    os.chdir(tab["cwd"])


def run_session(argv: list[str]) -> int:
    """Wait for a tab, then run the app for it."""
    tab = read_tab()
    if tab is None:
        return 0
    enter_tab(tab)
    return main(argv)


def main(argv: list[str]) -> int:
    mode, rest = argv[0], argv[1:]
    target = rest[0] if rest else None
    if mode == "explore":
        from tui.launch import main_explore

        return main_explore(target)
    if mode == "lesson":
        from tui.lesson.app import LessonApp

        LessonApp(target).run()
        return 0
    if mode == "replay" and target is not None:
        from tui.replay import main_replay

        return main_replay(target)
    print(f"objcg-lab serve: error: unknown session '{' '.join(argv)}'", file=sys.stderr)
    return 2


def preload(argv: list[str]) -> None:
    """Import what a session of this mode uses, ahead of any tab (in the zygote)."""
    import rich.cells
    import textual.app  # noqa: F401

    import tui.serve.driver  # noqa: F401

    {"explore": lambda: __import__("tui.launch"),
     "lesson": lambda: __import__("tui.lesson.app"),
     "replay": lambda: __import__("tui.replay")}.get(argv[0], lambda: None)()
    # imported by the first frame itself: not worth a frame's wait in every session
    for name in ("textual.scrollbar", "textual.layouts.horizontal", "textual.layouts.stream",
                 "textual.layouts.factory", "textual.drivers.headless_driver", "tui.find"):
        try:
            __import__(name)
        except ImportError:  # another Textual: the session imports what it needs itself
            pass
    rich.cells.cell_len("é")  # loads rich's table of character widths
