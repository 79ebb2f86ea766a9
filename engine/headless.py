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
            if record.oops is not None:
                break
    machine.finish(where)
    return machine, done


def result_json(record: CommandRecord) -> dict[str, Any]:
    return {"line": record.command.line, "command": record.command.text,
            "ret": record.ret, "warnings": record.warnings, "notes": record.notes}


def line_records(record: CommandRecord) -> tuple[CommandRecord, ...]:
    """The results a command gives, one per script line: a `together` block gives
    one for each of its lines, in line order."""
    return record.parts if record.parts else (record,)


def results_json(records: list[CommandRecord]) -> list[dict[str, Any]]:
    return [result_json(part) for record in records for part in line_records(record)]


OOPS_EXIT = 3  # `run` stops at a kernel oops with this status


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
    oops, oops_line = None, 0
    try:
        for number, raw in enumerate(script_lines(text), start=1):
            record = machine.run_line(raw, path, number)
            if record is not None:
                if as_json:
                    for part in line_records(record):
                        sink.command(part)
                else:
                    sink.command(record)
                machine.commands.clear()  # printed or kept as text: nobody steps back
                if record.oops is not None:
                    oops, oops_line = record.oops, record.command.line
                    break
        if oops is None:
            machine.finish(path)
    except ScriptError as exc:
        print(exc, file=err)
        return 2
    if isinstance(sink, _JsonResults):
        state = machine.snapshot()
        state.pop("oops", None)  # said once, at the top level
        sink.write(out, state, None if oops is None else oops.json())
    else:
        sink.oops(oops)
    if oops is not None:
        print(f"{path}:{oops_line}: {oops.headline()}: the run stops here (exit {OOPS_EXIT})",
              file=err)
        return OOPS_EXIT
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
            f'"command": {_quote(record.command.text)},\n   "ret": {"null" if record.ret is None else record.ret},\n   '
            f'"warnings": {_strings(record.warnings)},\n   "notes": {_strings(record.notes)}'
            '\n  }')
        self.count += 1
        if len(self.pending) >= 1024:
            self.spool.write("".join(self.pending))
            self.pending.clear()

    def write(self, out: TextIO, state: dict[str, Any], oops: dict[str, Any] | None = None) -> None:
        out.write('{\n "results": ')
        if self.count:
            self.spool.write("".join(self.pending) + "\n ]")
            self.spool.seek(0)
            shutil.copyfileobj(self.spool, out)
        else:
            out.write("[]")
        self.spool.close()
        if oops is not None:  # a kernel oops stopped the run: what the kernel printed
            out.write(',\n "oops": ' + json.dumps(oops, indent=1).replace("\n", "\n "))
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
        self.machine = machine
        self.steps: list[tuple[tuple[Any, ...], tuple[str, ...]]] = []
        self.lanes: list[str | None] = []  # who took each step, inside `together`
        machine.on_step = self.step

    def step(self, data: tuple[Any, ...], work: Any) -> None:
        self.steps.append((data, tuple(call_stack(work)) if work is not None else ()))
        self.lanes.append(self.machine.kernel.lane)

    def _trace(self, steps: list[tuple[tuple[Any, ...], tuple[str, ...]]],
               lanes: list[str | None]) -> str:
        """Callers before callees (engine.calls); inside a block each line says whose
        thread took it ([  0], [ w1])."""
        out = []
        for line in trace_lines(steps):
            lane = lanes[line.at]
            mark = f"[{lane:>3}] " if lane is not None else ""
            out.append(f"        {mark}{'  ' * line.depth}{line.text}\n")
        return "".join(out)

    def oops(self, oops: Any) -> None:
        """The oops as the kernel prints it: the fault, then each thread's call stack."""
        if oops is None:
            return
        w = self.out.write  # the fault itself is the trail's last line
        for thread, stack in sorted(oops.stacks.items()):
            w(f"        Call trace of thread {thread}: {' <- '.join(reversed(stack)) or '-'}\n")

    def command(self, record: CommandRecord) -> None:
        steps, self.steps = self.steps, []
        lanes, self.lanes = self.lanes, []
        w = self.out.write
        if record.parts:  # a together block: its lines, then the interleaved trail
            w(f"{record.command.line:>4}  {record.command.text}\n")
            for part in record.parts:
                ret = f"ret {part.ret}" if part.ret is not None else "did not return (oops)"
                w(f"{part.command.line:>4}    [{part.command.cpu:>3}] {part.command.text}"
                  f"   -> {ret}\n")
            w(self._trace(steps, lanes))
            for part in record.parts:
                self._said(part)
            return
        w(f"{record.command.line:>4}  {record.command.text}   -> ret {record.ret}\n")
        w(self._trace(steps, lanes))
        self._said(record)

    def _said(self, record: CommandRecord) -> None:
        w = self.out.write
        for warning in record.warnings:
            w(f"        ! {warning}\n")
        for note in record.notes:
            w(f"        note: {note}\n")
