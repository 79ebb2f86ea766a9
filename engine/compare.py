"""`objcg-lab compare FILE [--json]`: one script under v5.8 and under v5.9.

Both machines run the same lines; a `config kernel=` line is ignored (with a note), so the
script needs no change. The text output puts each command's figures side by side and
ends on the summary line; `--json` prints {"5.8": {"results", "state"}, "5.9": {...}}.
"""
from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from engine.headless import result_json, script_or_say
from engine.machine import CommandRecord, Machine
from engine.script import ScriptError, script_lines
from engine.slab_state import SlabFigures, figures

KERNELS = ("5.8", "5.9")


class Side:
    """One kernel's machine and the records of the commands it ran."""

    def __init__(self, kernel: str, *, history: bool, check: bool, trail: bool) -> None:
        self.kernel = kernel
        self.machine = Machine(history=history, check=check, kernel=kernel)
        self.machine.kernel.show_slab = trail
        self.machine.kernel.read_config()
        self.records: list[CommandRecord] = []

    def run_line(self, text: str, where: str, line: int) -> CommandRecord | None:
        try:
            record = self.machine.run_line(text, where, line)
        except ScriptError as err:
            raise ScriptError(f"under kernel {self.kernel}: {err.message}", err.where,
                              err.line) from None
        if record is not None:
            self.records.append(record)
        return record

    def figures(self) -> SlabFigures:
        return figures(self.machine.state)


def run_both(text: str, where: str, *, history: bool = False, check: bool = False,
             trail: bool = False) -> dict[str, Side]:
    """Run every line on both kernels; the first error (on either) raises ScriptError."""
    sides = {k: Side(k, history=history, check=check, trail=trail) for k in KERNELS}
    for number, raw in enumerate(script_lines(text), start=1):
        for side in sides.values():
            side.run_line(raw, where, number)
    return sides


def summary_line(old: SlabFigures, new: SlabFigures) -> str:
    """The saving in one sentence: pages first, then utilisation."""
    line = f"v5.9 uses {new.pages} slab pages where v5.8 uses {old.pages}"
    if old.pages and new.pages < old.pages:
        line += f" ({100 * (old.pages - new.pages) / old.pages:.0f}% fewer)"
    if old.utilisation is not None and new.utilisation is not None:
        line += (f"; slab utilisation {100 * new.utilisation:.0f}% against "
                 f"{100 * old.utilisation:.0f}%")
    return line


def compare_json(sides: dict[str, Side]) -> dict[str, Any]:
    return {k: {"results": [result_json(r) for r in side.records],
                "state": side.machine.snapshot()} for k, side in sides.items()}


def main_compare(path: str, as_json: bool, out: TextIO | None = None,
                 err: TextIO | None = None, *, check: bool = False) -> int:
    """Run the script at `path` on both kernels; 0, or 2 with one error line."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    text = script_or_say(path, err)
    if text is None:
        return 2
    try:
        sides = run_both(text, path, check=check)
    except ScriptError as exc:
        print(exc, file=err)
        return 2
    if as_json:
        json.dump(compare_json(sides), out, indent=1)
        out.write("\n")
        return 0
    _text_report(sides, out)
    return 0


def _text_report(sides: dict[str, Side], out: TextIO) -> None:
    """The final figures of both kernels side by side, then the summary line."""
    old, new = sides["5.8"], sides["5.9"]
    w = out.write
    w(f"{'':28}{'v5.8':>22}   {'v5.9':>22}\n")
    fo, fn = old.figures(), new.figures()
    rows = [("slab pages", fo.pages, fn.pages), ("objects", fo.objects, fn.objects),
            ("object bytes", fo.object_bytes, fn.object_bytes),
            ("slab utilisation", _pct(fo.utilisation), _pct(fn.utilisation)),
            ("caches", fo.caches, fn.caches), ("dead caches", fo.dead_caches, fn.dead_caches),
            ("dying memcgs", fo.dying_memcgs, fn.dying_memcgs)]
    for label, a, b in rows:
        mark = "" if a == b else "  *"
        w(f"  {label:26}{a!s:>22}   {b!s:>22}{mark}\n")
    usage = {k: {m["name"]: m["usage"] for m in s.machine.state.memcgs.values()
                 if m["state"] != "freed"} for k, s in sides.items()}
    for name in sorted(set(usage["5.8"]) | set(usage["5.9"])):
        a, b = usage["5.8"].get(name, "-"), usage["5.9"].get(name, "-")
        mark = "" if a == b else "  *"
        w(f"  {'usage ' + name:26}{a!s:>22}   {b!s:>22}{mark}\n")
    w(f"{len(new.records)} commands; * marks a figure that differs\n")
    w(summary_line(fo, fn) + "\n")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
