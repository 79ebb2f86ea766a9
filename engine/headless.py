"""`objcg-lab run FILE [--json]`: run a script to its end, print a trace or JSON."""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from engine.machine import CommandRecord, Machine
from engine.script import ScriptError
from engine.steps import describe


def run_script(text: str, where: str, *, history: bool = False, check: bool = True,
               on_command: Any = None) -> tuple[Machine, list[CommandRecord]]:
    """Run every line; stop at the first error (ScriptError, located)."""
    machine = Machine(history=history, check=check)
    done = []
    for number, raw in enumerate(text.splitlines(), start=1):
        record = machine.run_line(raw, where, number)
        if record is not None:
            done.append(record)
            if on_command is not None:
                on_command(machine, record)
    return machine, done


def result_json(record: CommandRecord) -> dict[str, Any]:
    return {"line": record.command.line, "command": record.command.text,
            "ret": record.ret, "warnings": record.warnings, "notes": record.notes}


def main_run(path: str, as_json: bool, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: error: cannot read the script: {getattr(exc, 'strerror', None) or exc}",
              file=err)
        return 2
    trace = None if as_json else _TextTrace(out)
    try:
        machine, done = run_script(text, path, history=not as_json,
                                   on_command=None if trace is None else trace.command)
    except ScriptError as exc:
        print(exc, file=err)
        return 2
    if as_json:
        doc = {"results": [result_json(r) for r in done], "state": machine.snapshot()}
        json.dump(doc, out, indent=1)
        out.write("\n")
    return 0


class _TextTrace:
    """Readable trace: each command, the kernel functions it went through, what changed."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def command(self, machine: Machine, record: CommandRecord) -> None:
        w = self.out.write
        w(f"{record.command.line:>4}  {record.command.text}   -> ret {record.ret}\n")
        for step in machine.steps[record.first:record.end]:
            w(f"        {'  ' * step.depth}{describe(step.data)}\n")
        for warning in record.warnings:
            w(f"        ! {warning}\n")
        for note in record.notes:
            w(f"        note: {note}\n")
