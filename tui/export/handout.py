"""A Markdown handout from a recording, to publish as is: per chapter its notes, a
picture at its point, the commands it runs with their return codes and warnings, the
kernel trail of its micro-steps with the reason for each, and every figure it changes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.recording import Loaded, Mark
from engine.steps import describe, explain
from tui.export.svg import Picture
from tui.present.style import errno_name
from tui.present.warn import kernel_warning

FIGURES = {  # kind -> (key, fields shown, unit note)
    "memcgs": ("name", ("state", "usage", "max", "css_refs", "nr_dying_descendants")),
    "objcgs": ("name", ("memcg", "state", "refcnt", "nr_charged_bytes")),
    "cpus": ("cpu", ("cached", "nr_pages", "cached_objcg", "nr_bytes")),
}
LABEL = {"memcgs": "memcg", "objcgs": "objcg", "cpus": "cpu"}


def figures(state: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    out: dict[tuple[str, str, str], Any] = {}
    for kind, (key, fields) in FIGURES.items():
        for rec in state.get(kind, []):
            for name in fields:
                if name in rec:
                    out[(kind, str(rec[key]), name)] = rec[name]
    return out


def _value(value: Any) -> str:
    if value is None:
        return "—"
    return f"`{value}`" if isinstance(value, str) else str(value)


def changes_table(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Rows for every figure that differs (appeared: before is —)."""
    a, b = figures(before), figures(after)
    keys = [k for k in b if a.get(k) != b[k]] + [k for k in a if k not in b]
    if not keys:
        return ["No figure changes in this chapter."]
    rows = ["| figure | at the chapter's start | at its end |", "| --- | ---: | ---: |"]
    for kind, name, field in keys:  # all of them: a handout is read, not scrolled
        what = f"cpu{name}" if kind == "cpus" else f"{LABEL[kind]} `{name}`"
        rows.append(f"| {what} {field} | {_value(a.get((kind, name, field)))} "
                    f"| {_value(b.get((kind, name, field)))} |")
    rows += ["", "Page counters (usage, max, nr_pages) in pages; nr_charged_bytes and "
             "nr_bytes in bytes."]
    return rows


def _commands(loaded: Loaded, start: int, end: int) -> list[str]:
    """The commands whose micro-steps fall in [start, end), with their return codes and
    warnings, and where the chapter starts or ends inside one."""
    out = []
    for rec in loaded.machine.commands:
        if not (start <= rec.first < end or rec.first < start < rec.end):
            continue
        total = rec.end - rec.first
        ret = f"-> {errno_name(rec.ret)}" if rec.ret else "-> 0"
        line = f"{rec.command.text}   {ret}"
        if rec.first < start:
            line += f"   (continued from micro-step {start - rec.first} of {total})"
        if rec.end > end:
            line += f"   (this chapter stops after micro-step {end - rec.first} of {total})"
        out.append(line)
        at = rec.warned_at if len(rec.warned_at) == len(rec.warnings) else None
        for i, warning in enumerate(rec.warnings):
            if at is None or start <= at[i] < end or (at[i] == end == rec.end):
                out += [f"    {text}" for text in kernel_warning(warning, rec.command.cpu)]
        if rec.end <= end:  # the engine's notes on the result: where the command ends
            out += [f"    note: {note}" for note in rec.notes]
    return out


def _trail(loaded: Loaded, start: int, end: int) -> list[str]:
    """The kernel trail of micro-steps start+1 .. end, each with its reason."""
    steps = loaded.machine.steps
    out: list[str] = []
    for index in range(start, end):
        step = steps[index]
        indent = "  " * step.depth
        out.append(f"{index + 1:>5}  {indent}{describe(step.data)}")
        out.append(f"       {indent}  why: {explain(step.data[0])}")
    return out


def markdown(loaded: Loaded, where: str, pictures: list[Picture], *, title: str = "",
             recording_name: str = "", png: bool = True) -> str:
    """The handout text; `pictures` from chapter_pictures(loaded) (their .svg/.png files
    beside it), `recording_name` the copy of the recording shipped beside it."""
    machine = loaded.machine
    total = len(machine.steps)
    title = title or loaded.title or Path(where).stem
    name = recording_name or Path(where).name
    lines = [f"# {title}", ""]
    lines += [*(f"{note}\n" for note in loaded.intro)]
    chapters = loaded.chapters()
    lines += [f"Recorded with objcg-lab: {len(machine.commands)} commands, {total} micro-steps, "
              f"{len(chapters)} chapters. The recording is [{name}]({name}): replay it with "
              f"`objcg-lab replay {name}`, or run it headless with `objcg-lab run {name}`.", ""]
    points = [m.cursor for m in chapters]
    if chapters and points[0] > 0:
        lines += ["## Setting up", "", "```", *_commands(loaded, 0, points[0]), "```", ""]
    snapshots = _snapshots(loaded, sorted(set(points + [total])))
    for number, (mark, picture) in enumerate(zip(chapters, pictures), start=1):
        end = points[number] if number < len(points) else total
        lines += _chapter(number, mark, picture, loaded, end, snapshots, png)
    return "\n".join(lines).rstrip() + "\n"


def _chapter(number: int, mark: Mark, picture: Picture, loaded: Loaded, end: int,
             snapshots: dict[int, dict[str, Any]], png: bool) -> list[str]:
    start = mark.cursor
    out = [f"## {number}. {mark.title}", ""]
    for note in mark.notes:
        out += [note, ""]
    image = f"{picture.name}.png" if png else f"{picture.name}.svg"
    out += [f"![Chapter {number}: {mark.title}]({image})", "",
            f"The screen at this chapter's start ([SVG]({picture.name}.svg)).", ""]
    commands = _commands(loaded, start, end)
    if commands:
        out += ["Commands, with what they returned:", "", "```", *commands, "```", ""]
    else:
        out += ["No command runs in this chapter.", ""]
    if end > start:
        out += [f"Kernel trail, micro-steps {start + 1} to {end}:", "", "```",
                *_trail(loaded, start, end), "```", ""]
    out += ["Figures this chapter changes:", "",
            *changes_table(snapshots[start], snapshots[end]), ""]
    return out


def _snapshots(loaded: Loaded, cursors: list[int]) -> dict[int, dict[str, Any]]:
    machine = loaded.machine
    here = machine.cursor
    out = {}
    for cursor in cursors:
        machine.goto(cursor)
        out[cursor] = machine.snapshot()
    machine.goto(here)
    return out

