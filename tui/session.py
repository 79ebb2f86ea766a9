"""The explorer's hold on the engine: one Machine, its timeline, and moves through it.

Kept apart from the Textual app so the moves (step, command back, jump, submit, save)
are plain Python, tested without a terminal. The app only calls these and redraws.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

from engine import CommandRecord, Machine, ScriptError, Step
from engine.invariants import InvariantViolation
from tui import present
from tui.present import Highlight, Position
from tui.world import World, changed, field_swings

COMMAND_LINE = "<command line>"


class LoadError(Exception):
    """A script that cannot be opened or run; str() is one line."""


@dataclass
class Submitted:
    """What a command typed at the command line did."""

    record: CommandRecord | None
    violation: str | None = None


class Session:
    """A machine with its timeline, as the explorer moves through it."""

    def __init__(self, machine: Machine, source: str) -> None:
        self.machine = machine
        self.source = source
        self.violation: str | None = None  # the engine broke an invariant: shown loudly
        self.typed = 0  # lines entered at the command line, for error locations

    # -- loading -----------------------------------------------------------------------
    @classmethod
    def from_text(cls, text: str, where: str) -> Session:
        """Run a whole script. ScriptError propagates; an engine invariant violation stops
        the load where it happened and is kept for the banner."""
        lines = text.splitlines()
        session = cls(Machine(), where)
        for number, raw in enumerate(lines, start=1):
            try:
                session.machine.run_line(raw, where, number)
            except InvariantViolation as err:
                session.violation = f"{where}:{number}: {err}"
                break
        return session

    @classmethod
    def from_file(cls, path: str) -> Session:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise LoadError(f"{path}: error: cannot read the script: {reason}") from None
        try:
            return cls.from_text(text, path)
        except ScriptError as exc:
            raise LoadError(str(exc)) from None

    # -- where we are -------------------------------------------------------------------------
    @property
    def cursor(self) -> int:
        return self.machine.cursor

    @property
    def total(self) -> int:
        return len(self.machine.steps)

    @property
    def at_end(self) -> bool:
        return self.cursor >= self.total

    def world(self) -> World:
        return World(self.machine.state)

    def current(self) -> int | None:
        """Index of the command whose micro-step was applied last (None at the start)."""
        return self.machine.command_index_at(self.cursor)

    def record(self, index: int | None) -> CommandRecord | None:
        commands = self.machine.commands
        return commands[index] if index is not None and 0 <= index < len(commands) else None

    def position(self) -> Position:
        index = self.current()
        rec = self.record(index)
        nxt = self.record(0 if index is None else index + 1)
        kernel = self.machine.state.sys["kernel"]
        if rec is None:
            return Position(None, len(self.machine.commands), 0, 0, "", None,
                            nxt.command.text if nxt else None, kernel)
        return Position(index, len(self.machine.commands), self.cursor - rec.first,
                        rec.end - rec.first, rec.command.text, rec.ret,
                        nxt.command.text if nxt else None, kernel)

    def highlight(self) -> Highlight:
        """What the micro-step just applied changed."""
        if self.cursor == 0:
            return present.NO_HIGHLIGHT
        changes = self.machine.steps[self.cursor - 1].changes
        return Highlight(frozenset(changed(changes)), field_swings(changes))

    def ghosts(self) -> tuple[frozenset[str], frozenset[str]]:
        """Memcgs freed and objcgs released by the current command so far: shown greyed
        until the command is over, then they leave the screen."""
        rec = self.record(self.current())
        if rec is None:
            return frozenset(), frozenset()
        world = self.world()
        memcgs, objcgs = set(), set()
        for step in self.machine.steps[rec.first:self.cursor]:
            for kind, name, fld in changed(step.changes):
                if fld != "state":
                    continue
                if kind == "memcg" and (world.memcg(name) or {}).get("state") == "freed":
                    memcgs.add(name)
                elif kind == "objcg" and (world.objcg(name) or {}).get("state") == "released":
                    objcgs.add(name)
        return frozenset(memcgs), frozenset(objcgs)

    def touched_memcgs(self) -> frozenset[str]:
        """Memcgs the current command has changed so far, directly or through an objcg
        pointing at them: a folded tree opens down to them."""
        rec = self.record(self.current())
        if rec is None:
            return frozenset()
        world = self.world()
        out: set[str] = set()
        for step in self.machine.steps[rec.first:self.cursor]:
            for kind, name, _fld in changed(step.changes):
                if kind == "memcg":
                    out.add(name)
                elif kind == "objcg":
                    objcg = world.objcg(name)
                    if objcg is not None:
                        out.add(objcg["memcg"])
        return frozenset(out)

    def visible_warnings(self) -> list[str]:
        """The current command's WARNs, once the cursor has passed the step that printed each."""
        rec = self.record(self.current())
        if rec is None:
            return []
        return [warning for warning, at in zip(rec.warnings, rec.warned_at) if self.cursor > at]

    def command_cpu(self) -> int | None:
        rec = self.record(self.current())
        cpu = rec.command.opts.get("cpu") if rec else None
        return int(cpu) if cpu is not None and cpu.isdigit() else None

    # -- moving --------------------------------------------------------------------------------
    def step(self) -> Step | None:
        return self.machine.step()

    def back(self) -> Step | None:
        return self.machine.back()

    def goto(self, target: int) -> None:
        self.machine.goto(target)

    def _bounds(self) -> list[int]:
        return [0] + [c.end for c in self.machine.commands]

    def next_command(self) -> None:
        """To the end of the current command, or of the next one if already there."""
        bounds = self._bounds()
        i = bisect.bisect_right(bounds, self.cursor)
        self.goto(bounds[i] if i < len(bounds) else self.total)

    def prev_command(self) -> None:
        """To the start of the current command, or of the previous one if already there."""
        bounds = self._bounds()
        i = bisect.bisect_left(bounds, self.cursor)
        self.goto(bounds[i - 1] if i > 0 else 0)

    # -- changing history ----------------------------------------------------------------------
    def submit(self, text: str) -> Submitted:
        """Run one script line typed by the learner. ScriptError propagates (nothing was
        applied); an invariant violation is caught and kept for the banner."""
        self.typed += 1
        try:
            record = self.machine.run_line(text, COMMAND_LINE, self.typed)
        except InvariantViolation as err:
            self.violation = f"{COMMAND_LINE}:{self.typed}: {err}"
            return Submitted(None, self.violation)
        return Submitted(record)

    def script_text(self) -> str:
        """The session so far as a recording with no chapters: `objcg-lab run` and
        `objcg-lab replay` both take it."""
        from engine.recording import render

        commands = [(c.command.text, c.first, c.end) for c in self.machine.commands]
        return render(commands, [], source=self.source)

    def save(self, path: str, force: bool = False) -> str:
        """Write the script (an existing file only with force); returns a one-line
        result, raises LoadError on failure."""
        from tui.outfiles import OutputError, write_file

        try:
            write_file(path, self.script_text(), replace=force)
        except OutputError as err:
            raise LoadError(str(err).replace("pass --force", "save FILE --force")) from None
        return f"saved {len(self.machine.commands)} commands to {path}"
