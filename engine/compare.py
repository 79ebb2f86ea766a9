"""`objcg-lab compare FILE [--kernels A,B,...] [--json] [--why]`: one script under
several kernel releases (default v5.8 and v5.9).

Every machine runs the same lines; a `config kernel=` line is ignored (with a note), so
the script needs no change. The text output is a table with one column per release and a
row per figure that differs (for v5.8 against v5.9 also the slab figures, which is what
that comparison is about), then a summary line; `--why` names under each differing cell
the change (release and commit) that made it differ. `--json` prints one key per release:
{"5.8": {"results", "state"}, "5.9": {...}}.

A figure is named by its field reference (engine.fields: `memcg /A usage`, `cpu 0
nr_bytes`, ...), so a lesson or an autograder can ask for exactly what the table shows.
Which change made a figure differ is found by experiment, not by a table: the later
release is run again with each change it has and the earlier one lacks switched off
(engine.kernel.versions, Machine(revert=...)); the changes whose absence alters the
figure are the ones that made it.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, Iterable, TextIO

from engine.headless import result_json, script_or_say
from engine.kernel.versions import CHANGES, KERNELS, SEED_COMMIT, Change, changes_in, release_key
from engine.machine import CommandRecord, Machine
from engine.script import ScriptError, script_lines
from engine.slab_state import SlabFigures, figures, layout_notes

DEFAULT_KERNELS = ("5.8", "5.9")
KERNELS_HELP = ", ".join(KERNELS)


def parse_kernels(text: str) -> tuple[str, ...]:
    """'5.9,5.13,6.14' -> ('5.9', '5.13', '6.14'), in the order given; ValueError names an
    unknown release, a repeat, or fewer than two."""
    words = [w.strip() for w in text.split(",") if w.strip()]
    for word in words:
        if word not in KERNELS:
            raise ValueError(f"--kernels: {word}: not a modelled release (one of {KERNELS_HELP})")
    if len(set(words)) != len(words):
        raise ValueError(f"--kernels: {text}: a release is named twice")
    if len(words) < 2:
        raise ValueError(f"--kernels: {text}: name at least two releases, e.g. 5.9,6.14")
    return tuple(words)


class Side:
    """One kernel's machine and the records of the commands it ran."""

    def __init__(self, kernel: str, *, history: bool, check: bool, trail: bool,
                 revert: tuple[str, ...] = ()) -> None:
        self.kernel = kernel
        self.machine = Machine(history=history, check=check, kernel=kernel, revert=revert)
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


def run_all(text: str, where: str, kernels: Iterable[str] = DEFAULT_KERNELS, *,
            history: bool = False, check: bool = False, trail: bool = False) -> dict[str, Side]:
    """Run every line on every kernel; the first error (on any) raises ScriptError."""
    sides = {k: Side(k, history=history, check=check, trail=trail) for k in kernels}
    for number, raw in enumerate(script_lines(text), start=1):
        for side in sides.values():
            side.run_line(raw, where, number)
    return sides


def run_both(text: str, where: str, *, history: bool = False, check: bool = False,
             trail: bool = False) -> dict[str, Side]:
    """v5.8 and v5.9, the comparison obj_cgroup was made for."""
    return run_all(text, where, DEFAULT_KERNELS, history=history, check=check, trail=trail)


# -- figures -------------------------------------------------------------------------------
MEMCG_FIELDS = ("state", "usage", "css_refs", "objcg_list", "failcnt", "events_max", "events_oom",
                "kmem_usage")
OBJCG_FIELDS = ("state", "memcg", "refcnt", "nr_charged_bytes")
CPU_FIELDS = ("cached", "nr_pages", "cached_objcg", "nr_bytes")
MISSING = None  # a record one kernel has and another has not (shown as "-")


def figure_values(state: dict[str, Any], records: list[CommandRecord] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    """The comparable figures of a JSON state, by field reference, in display order; the
    commands' results add `ret of line N` and `warnings of line N` (their count)."""
    slab = state["slab"]
    out: dict[str, Any] = {
        "slab pages": slab["pages"], "slab utilisation": slab["utilisation"],
        "slab objects": slab["objects"], "slab dead_caches": slab["dead_caches"],
        "slab caches": len(slab["caches"]),
        "dying memcgs": sum(1 for m in state["memcgs"] if m["state"] == "dying"),
    }
    for m in state["memcgs"]:
        for field in MEMCG_FIELDS:
            if field in m:
                out[f"memcg {m['name']} {field}"] = m[field]
    for o in state["objcgs"]:
        for field in OBJCG_FIELDS:
            out[f"objcg {o['name']} {field}"] = o[field]
    for c in state["cpus"]:
        for field in CPU_FIELDS:
            out[f"cpu {c['cpu']} {field}"] = c[field]
    for r in records:
        out[f"ret of line {r.command.line}"] = r.ret
        out[f"warnings of line {r.command.line}"] = len(r.warnings)
    return out


def side_values(side: Side) -> dict[str, Any]:
    return figure_values(side.machine.snapshot(), side.records)


SLAB_ROWS = ("slab pages", "slab objects", "slab utilisation", "slab caches",
             "slab dead_caches", "dying memcgs")


def differing_rows(values: dict[str, dict[str, Any]]) -> list[str]:
    """Figure names whose value is not the same under every kernel, in a stable order
    (the order of the first kernel that has each)."""
    names: dict[str, None] = {}
    for per_kernel in values.values():
        names.update(dict.fromkeys(per_kernel))
    return [n for n in names if len({_key(v.get(n, MISSING)) for v in values.values()}) > 1]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


CELL = 18  # widest cell of the table: a longer list is shown by its length


def show(value: Any, width: int = CELL) -> str:
    """A figure as the table prints it."""
    if value is MISSING:
        return "-"
    if isinstance(value, float):
        return f"{100 * value:.1f}%"
    if isinstance(value, list):
        whole = "[" + ", ".join(map(str, value)) + "]"
        return whole if len(whole) <= width else f"{len(value)} entries"
    return str(value)


def comparable(rows: list[str], kernels: Iterable[str]) -> list[str]:
    """Against v5.8, which has no obj_cgroup, only the figures both designs have."""
    if "5.8" not in kernels:
        return rows
    return [r for r in rows if not r.startswith("objcg ") and not r.endswith(" objcg_list")
            and not (r.startswith("cpu ") and r.endswith(("cached_objcg", "nr_bytes")))]


# -- which change made a figure differ -----------------------------------------------------
@dataclass(frozen=True)
class Why:
    """Why a figure differs between an earlier and a later release."""

    changes: tuple[Change, ...]  # switching any one off changes the figure
    candidates: int  # how many changes lie between the two releases
    design: bool = False  # v5.8 against a later release: obj_cgroup itself
    together: bool = False  # no single one does: switched off together they give it back

    def text(self) -> str:
        if self.design:
            return f"5.9, {SEED_COMMIT}: mm: memcg/slab: obj_cgroup API (v5.8 has no obj_cgroup)"
        named = "; ".join(f"{c.release}, {c.commits[0]}: {c.subject}" for c in self.changes)
        if self.together:
            return f"these together (no one of them alone): {named}"
        return named


def between(old: str, new: str) -> list[Change]:
    """The changes `new` carries and `old` lacks, oldest first."""
    have = changes_in(new) - changes_in(old)
    return [c for c in CHANGES if c.name in have]


class Attribution:
    """Runs the script again under a release with one change switched off at a time and
    remembers the figures after every command, to say which change a difference needs."""

    def __init__(self, text: str, where: str) -> None:
        self.text, self.where = text, where
        self._runs: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}

    def figures_after(self, kernel: str, revert: str | tuple[str, ...],
                      command: int) -> dict[str, Any] | None:
        """Figures after the command at index `command` under `kernel` with the changes
        `revert` switched off (None: that run stopped before it)."""
        names = (revert,) if isinstance(revert, str) and revert else tuple(revert or ())
        key = (kernel, tuple(sorted(names)))
        if key not in self._runs:
            self._runs[key] = self._run(kernel, key[1])
        run = self._runs[key]
        return run[command] if command < len(run) else None

    def _run(self, kernel: str, revert: tuple[str, ...]) -> list[dict[str, Any]]:
        side = Side(kernel, history=False, check=False, trail=False, revert=revert)
        out = []
        try:
            for number, raw in enumerate(script_lines(self.text), start=1):
                if side.run_line(raw, self.where, number) is not None:
                    out.append(side_values(side))
        except ScriptError:
            pass  # without the change a later line cannot run: every later figure differs
        return out

    def why(self, figure: str, old: str, new: str, command: int) -> Why:
        """Why `figure` differs between `old` and `new` after the command at `command`."""
        if release_key(old) > release_key(new):
            old, new = new, old
        if old == "5.8":
            return Why((), 0, design=True)
        candidates = between(old, new)
        base = self.figures_after(new, "", command)
        value = MISSING if base is None else base.get(figure, MISSING)
        found = []
        for change in candidates:
            other = self.figures_after(new, change.name, command)
            if other is None or _key(other.get(figure, MISSING)) != _key(value):
                found.append(change)
        if found:
            return Why(tuple(found), len(candidates))
        return Why(self._together(figure, old, new, command, candidates), len(candidates),
                   together=True)

    def _together(self, figure: str, old: str, new: str, command: int,
                  candidates: list[Change]) -> tuple[Change, ...]:
        """A small set of changes that, switched off together, give `new` the figure `old`
        has: all of them do (that is `old`'s own set), then drop each one not needed."""
        earlier = self.figures_after(old, (), command)
        target = _key(MISSING if earlier is None else earlier.get(figure, MISSING))
        chosen = list(candidates)
        for change in candidates:
            trial = [c for c in chosen if c is not change]
            other = self.figures_after(new, tuple(c.name for c in trial), command)
            if other is not None and _key(other.get(figure, MISSING)) == target:
                chosen = trial
        return tuple(chosen)


# -- the command line ----------------------------------------------------------------------
def compare_json(sides: dict[str, Side]) -> dict[str, Any]:
    return {k: {"results": [result_json(r) for r in side.records],
                "state": side.machine.snapshot()} for k, side in sides.items()}


def summary_line(old: SlabFigures, new: SlabFigures) -> str:
    """The saving of v5.9 over v5.8 in one sentence: pages first, then utilisation."""
    line = f"v5.9 uses {new.pages} slab pages where v5.8 uses {old.pages}"
    if old.pages and new.pages < old.pages:
        line += f" ({100 * (old.pages - new.pages) / old.pages:.0f}% fewer)"
    if old.utilisation is not None and new.utilisation is not None:
        line += (f"; slab utilisation {100 * new.utilisation:.0f}% against "
                 f"{100 * old.utilisation:.0f}%")
    return line


def main_compare(path: str, as_json: bool, out: TextIO | None = None,
                 err: TextIO | None = None, *, check: bool = False,
                 kernels: str | None = None, why: bool = False) -> int:
    """Run the script at `path` under each kernel; 0, or 2 with one error line."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        chosen = DEFAULT_KERNELS if kernels is None else parse_kernels(kernels)
    except ValueError as exc:
        print(f"{path}: error: {exc}", file=err)
        return 2
    text = script_or_say(path, err)
    if text is None:
        return 2
    try:
        sides = run_all(text, path, chosen, check=check)
    except ScriptError as exc:
        print(exc, file=err)
        return 2
    if as_json:
        json.dump(compare_json(sides), out, indent=1)
        out.write("\n")
        return 0
    attribution = Attribution(text, path) if why else None
    text_report(sides, out, attribution)
    return 0


def text_report(sides: dict[str, Side], out: TextIO, attribution: Attribution | None = None) -> None:
    """The final figures, one column per release: the rows that differ (and, with v5.8
    and v5.9, the slab figures), then the summary line."""
    kernels = list(sides)
    values = {k: side_values(s) for k, s in sides.items()}
    rows = comparable(differing_rows(values), kernels)
    if "5.8" in sides and "5.9" in sides:
        rows = list(SLAB_ROWS) + [r for r in rows if r not in SLAB_ROWS]
    width = max([28] + [len(r) + 2 for r in rows])
    cell = max([10] + [len(show(v.get(r, MISSING))) + 2 for v in values.values() for r in rows])
    w = out.write
    w(" " * width + "".join(f"{'v' + k:>{cell}}" for k in kernels) + "\n")
    last = len(next(iter(sides.values())).records) - 1
    for row in rows:
        cells = [show(values[k].get(row, MISSING)) for k in kernels]
        mark = "  *" if len(set(cells)) > 1 else ""
        w(f"  {row:<{width - 2}}" + "".join(f"{c:>{cell}}" for c in cells) + mark + "\n")
        if attribution is not None and mark:
            for before, after in zip(kernels, kernels[1:]):
                if values[before].get(row, MISSING) != values[after].get(row, MISSING):
                    reason = attribution.why(row, before, after, last).text()
                    w(f"      {before} -> {after}: {reason}\n")
    if any(r.startswith("slab ") for r in rows):
        for note in layout_notes(next(iter(sides.values())).machine.state):
            w(note + "\n")
        w("≈ slab figures follow the model's layout: an empty slab is freed at once (SLUB "
          "keeps up to min_partial, at least 5, on an active cache)\n")
    first = next(iter(sides.values()))
    asked = [r.command.opts["kernel"] for r in first.records
             if r.command.name == "config" and "kernel" in r.command.opts]
    for kernel in asked:  # (--json has choose_kernel's note per release)
        w(f"note: the script's kernel={kernel} is ignored: each column runs it under its own release\n")
    n = len(first.records)
    w(f"{n} commands; * marks a figure that differs between releases\n")
    if len(kernels) > 2 or "5.8" not in sides or "5.9" not in sides:
        w(differences_line(kernels, values) + "\n")
    if "5.8" in sides and "5.9" in sides:
        w(summary_line(sides["5.8"].figures(), sides["5.9"].figures()) + "\n")


def differences_line(kernels: list[str], values: dict[str, dict[str, Any]]) -> str:
    """How many figures change from each release to the next."""
    parts = []
    for before, after in zip(kernels, kernels[1:]):
        n = len(comparable(differing_rows({before: values[before], after: values[after]}),
                           (before, after)))
        parts.append(f"v{after} differs from v{before} in {n} figure(s)")
    return "; ".join(parts)

