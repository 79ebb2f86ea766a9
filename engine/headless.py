"""`objcg-lab run FILE [--json] [--check]`: run a script to its end, print a trace or JSON.

A headless run keeps no history: nobody steps back through it. By default it also skips
the per-micro-step invariant checks (the engine's fast mode); `--check` runs every
check after every micro-step, and the output is the same byte for byte. The text trace
is printed command by command as the script runs, so its memory does not grow with
the length of the script.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from typing import Any, TextIO

from engine.kernel.base import call_stack
from engine.calls import trace_lines
from engine.machine import CommandRecord, Machine
from engine.script import ScriptError, printable, script_lines

_quote = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]  # what json.dump writes
SPOOL_IN_MEMORY = 32 << 20  # characters of JSON results kept in memory before a temporary file


def run_script(text: str, where: str, *, history: bool = False, check: bool = False,
               on_command: Any = None) -> tuple[Machine, list[CommandRecord]]:
    """Run every line; stop at the first error (ScriptError, located)."""
    machine = Machine(history=history, check=check)
    done = []
    for number, raw in enumerate(script_lines(text), start=1):
        record = machine.run_line(raw, where, number)
        if record is not None:
            done.append(record)
            if on_command is not None:
                on_command(machine, record)
    return machine, done


def result_json(record: CommandRecord) -> dict[str, Any]:
    return {"line": record.command.line, "command": record.command.text,
            "ret": record.ret, "warnings": record.warnings, "notes": record.notes}


def error_line(path: str, exc: ScriptError) -> str:
    """One `FILE[:LINE]: error: ...` line for a script that could not be read or run."""
    return str(exc) if exc.where else f"{path}: error: {printable(exc.message)}"


def read_script(path: str) -> str:
    """The text of a script file; a file that is not UTF-8 is an error at its line."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ScriptError(f"cannot read the script: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 1].hex()
        raise ScriptError(f"cannot read the script: not UTF-8 text (byte 0x{bad})",
                          path, line) from None


def script_or_say(path: str, err: TextIO) -> str | None:
    """The script's text for a command line tool, or None once its one error line is
    printed on `err` (the caller then exits 2)."""
    try:
        return read_script(path)
    except ScriptError as exc:
        print(error_line(path, exc), file=err)
        return None


def main_run(path: str, as_json: bool, out: TextIO | None = None, err: TextIO | None = None,
             *, check: bool = False) -> int:
    """Run the script at `path`; 0 when it ran to its end, 2 with one error line if not."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    text = script_or_say(path, err)
    if text is None:
        return 2
    machine = Machine(history=False, check=check)
    sink = _JsonResults() if as_json else _TextTrace(out, machine)
    try:
        for number, raw in enumerate(script_lines(text), start=1):
            record = machine.run_line(raw, path, number)
            if record is not None:
                sink.command(record)
                machine.commands.clear()  # printed or kept as text: nobody steps back
    except ScriptError as exc:
        print(exc, file=err)
        return 2
    if isinstance(sink, _JsonResults):
        sink.write(out, machine.snapshot())
    return 0


class _JsonResults:
    """The JSON document, exactly as `json.dump(doc, out, indent=1)` writes it.

    Each result is formatted when its command ends, with the fixed shape of
    result_json() (the json module's pure-Python indenting encoder took a quarter of a
    long run), into a spool that moves to a temporary file when it grows large. Nothing
    reaches `out` before the script has run to its end: a bad line leaves stdout empty.
    """

    def __init__(self) -> None:
        self.spool = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY, mode="w+", encoding="ascii")
        self.pending: list[str] = []  # results not yet in the spool (written 1,024 at a time)
        self.count = 0

    def command(self, record: CommandRecord) -> None:
        self.pending.append(
            f'{self.count and "," or "["}\n  {{\n   "line": {record.command.line},\n   '
            f'"command": {_quote(record.command.text)},\n   "ret": {record.ret},\n   '
            f'"warnings": {_strings(record.warnings)},\n   "notes": {_strings(record.notes)}'
            '\n  }')
        self.count += 1
        if len(self.pending) >= 1024:
            self.spool.write("".join(self.pending))
            self.pending.clear()

    def write(self, out: TextIO, state: dict[str, Any]) -> None:
        out.write('{\n "results": ')
        if self.count:
            self.spool.write("".join(self.pending) + "\n ]")
            self.spool.seek(0)
            shutil.copyfileobj(self.spool, out)
        else:
            out.write("[]")
        self.spool.close()
        out.write(',\n "state": ')
        chunks: list[str] = []
        for chunk in _INDENTED.iterencode(state):  # written in pieces: a big state is not
            chunks.append(chunk)                  # built as one string
            if len(chunks) >= 8192:
                out.write("".join(chunks).replace("\n", "\n "))
                chunks.clear()
        out.write("".join(chunks).replace("\n", "\n ") + "\n}\n")


_INDENTED = json.JSONEncoder(indent=1)  # json.dump's settings: ensure_ascii, indent 1


def _strings(items: list[str]) -> str:
    """A list of strings at the depth of a result's field, as json.dump indents it."""
    if not items:
        return "[]"
    return "[\n" + ",\n".join(f"    {_quote(s)}" for s in items) + "\n   ]"


class _TextTrace:
    """Readable trace: each command, the kernel functions it went through (callers
    before callees, engine.calls), what changed.

    The machine reports each micro-step as it closes; the steps of the command running
    now wait here until its result is known, then go out with it.
    """

    def __init__(self, out: TextIO, machine: Machine) -> None:
        self.out = out
        self.steps: list[tuple[tuple[Any, ...], tuple[str, ...]]] = []
        machine.on_step = self.step

    def step(self, data: tuple[Any, ...], work: Any) -> None:
        self.steps.append((data, tuple(call_stack(work))))

    def command(self, record: CommandRecord) -> None:
        steps, self.steps = self.steps, []
        w = self.out.write
        w(f"{record.command.line:>4}  {record.command.text}   -> ret {record.ret}\n")
        w("".join(f"        {'  ' * line.depth}{line.text}\n" for line in trace_lines(steps)))
        for warning in record.warnings:
            w(f"        ! {warning}\n")
        for note in record.notes:
            w(f"        note: {note}\n")
