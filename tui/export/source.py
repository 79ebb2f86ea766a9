"""Reading a recording file for replay and export: every failure is one line."""
from __future__ import annotations

from pathlib import Path

from engine.machine import Machine
from engine.recording import Loaded, load
from tui.session import Session


class SourceError(Exception):
    """A recording that cannot be read at all; str() is one line."""


def read(path: str) -> Loaded:
    """Load a recording; problems inside it are in `Loaded.problem`, unreadable files raise."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: error: cannot read the recording: "
                          f"{exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(f"{path}:1: error: not an objcg-lab recording (not UTF-8 text)") from None
    if "\0" in text:
        raise SourceError(f"{path}:1: error: not an objcg-lab recording (binary data)")
    loaded = load(text, path, Machine)  # the engine spaces its checkpoints, as tui.session lets it
    if loaded.fatal:
        raise SourceError(loaded.problem or f"{path}: error: not a recording")
    return loaded


def session_of(loaded: Loaded, path: str) -> Session:
    session = Session(loaded.machine, path)
    session.violation = loaded.violation
    for record, line in zip(loaded.machine.commands, loaded.lines):
        session.keep_line(record, line)  # saved again as written
    session.goto(0)
    return session


def slug(title: str, limit: int = 40) -> str:
    """'The race in obj_cgroup_release!' -> 'the-race-in-obj-cgroup-release'."""
    out, dash = [], False
    for ch in title.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            dash = False
        elif out and not dash:
            out.append("-")
            dash = True
    text = "".join(out).strip("-")[:limit].rstrip("-")
    return text or "chapter"
