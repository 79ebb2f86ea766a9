"""A Markdown handout from a recording: per chapter its notes, a picture at its point,
the commands it runs and the figures they change."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.recording import Loaded, Mark
from tui.export.svg import Picture

MAX_ROWS = 24
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
    for kind, name, field in keys[:MAX_ROWS]:
        what = f"cpu{name}" if kind == "cpus" else f"{LABEL[kind]} `{name}`"
        rows.append(f"| {what} {field} | {_value(a.get((kind, name, field)))} "
                    f"| {_value(b.get((kind, name, field)))} |")
    if len(keys) > MAX_ROWS:
        rows.append(f"| … and {len(keys) - MAX_ROWS} more | | |")
    rows += ["", "Page counters (usage, max, nr_pages) in pages; nr_charged_bytes and "
             "nr_bytes in bytes."]
    return rows


def _commands(loaded: Loaded, start: int, end: int) -> list[str]:
    out = []
    for rec in loaded.machine.commands:
        if start <= rec.first < end or rec.first < start < rec.end:
            note = ""
            if rec.first < start < rec.end:
                note = f"   # continued from micro-step {start - rec.first}"
            out.append(rec.command.text + note)
    return out


def markdown(loaded: Loaded, where: str, pictures: list[Picture]) -> str:
    """The handout text; `pictures` from chapter_pictures(loaded) (their .svg files)."""
    machine = loaded.machine
    total = len(machine.steps)
    title = loaded.title or Path(where).stem
    lines = [f"# {title}", ""]
    lines += [*(f"{note}\n" for note in loaded.intro)]
    chapters = loaded.chapters()
    lines += [f"Recorded with objcg-lab: {len(machine.commands)} commands, {total} micro-steps, "
              f"{len(chapters)} chapters. Replay it with `objcg-lab replay {Path(where).name}`, "
              f"or run it headless with `objcg-lab run {Path(where).name}`.", ""]
    points = [m.cursor for m in chapters]
    if chapters and points[0] > 0:
        lines += ["## Setting up", "", "```", *_commands(loaded, 0, points[0]), "```", ""]
    snapshots = _snapshots(loaded, sorted(set(points + [total])))
    for number, (mark, picture) in enumerate(zip(chapters, pictures), start=1):
        end = points[number] if number < len(points) else total
        lines += _chapter(number, mark, picture, _commands(loaded, mark.cursor, end),
                          snapshots[mark.cursor], snapshots[end])
    return "\n".join(lines).rstrip() + "\n"


def _chapter(number: int, mark: Mark, picture: Picture, commands: list[str],
             before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out = [f"## {number}. {mark.title}", ""]
    for note in mark.notes:
        out += [note, ""]
    out += [f"![Chapter {number}: {mark.title}]({picture.name}.svg)", ""]
    if commands:
        out += ["Commands in this chapter:", "", "```", *commands, "```", ""]
    else:
        out += ["No command runs in this chapter.", ""]
    out += ["Key figures:", "", *changes_table(before, after), ""]
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

