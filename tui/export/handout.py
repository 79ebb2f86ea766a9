"""A Markdown handout from a recording, to publish as is: per chapter its notes, a
picture of it, the commands it runs with their return codes and warnings, the kernel
trail of its micro-steps with the reason for each, and every figure it changes.

Whatever a teacher typed (titles, notes) and whatever a recording names (commands, cgroup
paths, the file) is text, never Markdown or HTML: it is escaped, so a note such as
`<img src=x onerror=...>` or `# not a heading` reads as typed in the published page.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from engine.recording import Loaded
from engine.steps import describe, explain
from tui.export.chapters import Chapter
from tui.export.svg import Picture
from tui.present.style import errno_name
from tui.present.warn import kernel_warning
from tui.plural import counted

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


_INLINE = re.compile(r"([\\`*_\[\]|~])")  # Markdown's marks anywhere in a line
_LINE_START = re.compile(r"^([#+\-=>]|\d+(?=[.)]))")  # a heading, list, quote, rule


def text(words: str) -> str:
    """`words` as literal text in Markdown (and in the HTML it becomes): HTML's special
    characters as entities, Markdown's marks escaped with a backslash."""
    words = " ".join(words.split())  # one line: never a new paragraph, list or heading
    words = words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    words = _INLINE.sub(r"\\\1", words)
    found = _LINE_START.match(words)
    if found is None:
        return words
    if found.group(1)[0].isdigit():  # "1. " or "1) ": escape the dot
        cut = found.end()
        return f"{words[:cut]}\\{words[cut:]}"
    return f"\\{words}"


def code(words: str, in_table: bool = False) -> str:
    """`words` as a code span, whatever backticks it holds (a longer fence than any run
    of them, as CommonMark allows); in a table the pipe is escaped too."""
    longest = max((len(run) for run in re.findall(r"`+", words)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if words.startswith("`") or words.endswith("`") else ""
    span = f"{fence}{pad}{words}{pad}{fence}"
    return span.replace("|", "\\|") if in_table else span


def block(lines: list[str]) -> list[str]:
    """Lines as a fenced code block that no line can close."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *lines, fence]


def _value(value: Any) -> str:
    if value is None:
        return "—"
    return code(value, in_table=True) if isinstance(value, str) else str(value)


def changes_table(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Rows for every figure that differs (appeared: before is —)."""
    a, b = figures(before), figures(after)
    keys = [k for k in b if a.get(k) != b[k]] + [k for k in a if k not in b]
    if not keys:
        return ["No figure changes in this chapter."]
    rows = ["| figure | at the chapter's start | at its end |", "| --- | ---: | ---: |"]
    for kind, name, field in keys:  # all of them: a handout is read, not scrolled
        what = f"cpu{name}" if kind == "cpus" else f"{LABEL[kind]} {code(name, in_table=True)}"
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
             recording_name: str = "", png: bool = True, start: int = 0) -> str:
    """The handout text; `pictures` from chapter_pictures (one per chapter shown, their
    .svg/.png files beside it), `recording_name` the copy of the recording shipped beside
    it; `start` the first micro-step shown (the setting up before the first chapter is
    shown only from the start)."""
    machine = loaded.machine
    total = len(machine.steps)
    title = title or loaded.title or Path(where).stem
    name = recording_name or Path(where).name
    lines = [f"# {text(title)}", ""]
    lines += [f"{text(note)}\n" for note in loaded.intro]
    chapters = [p.chapter for p in pictures if p.chapter is not None]
    link = f"[{text(name)}]({quote(name)})"
    lines += [f"Recorded with objcg-lab: {counted(len(machine.commands), 'command')}, "
              f"{counted(total, 'micro-step')}, {counted(len(chapters), 'chapter')}. The recording is {link}: replay it "
              f"with {code(f'objcg-lab replay {name}')}, or run it headless with "
              f"{code(f'objcg-lab run {name}')}.", ""]
    if chapters and start < chapters[0].start:
        lines += ["## Setting up", "", *block(_commands(loaded, start, chapters[0].start)), ""]
    snapshots = _snapshots(loaded, sorted({c.start for c in chapters} | {c.end for c in chapters}))
    for chapter, picture in zip(chapters, pictures):
        lines += _chapter(chapter, picture, loaded, snapshots, png)
    return "\n".join(lines).rstrip() + "\n"


def _chapter(chapter: Chapter, picture: Picture, loaded: Loaded,
             snapshots: dict[int, dict[str, Any]], png: bool) -> list[str]:
    start, end = chapter.start, chapter.end
    out = [f"## {chapter.number}. {text(chapter.title)}", ""]
    for note in chapter.notes:
        out += [text(note), ""]
    image = f"{picture.name}.png" if png else f"{picture.name}.svg"
    at = f", micro-step {picture.cursor - start} of {end - start}" if end > start else ""
    out += [f"![Chapter {chapter.number}: {text(chapter.title)}]({quote(image)})", "",
            f"The screen {text(picture.where)}{text(at)} ([SVG]({quote(picture.name)}.svg)).",
            ""]
    commands = _commands(loaded, start, end)
    if commands:
        out += ["Commands, with what they returned:", "", *block(commands), ""]
    else:
        out += ["No command runs in this chapter.", ""]
    if end > start:
        out += [f"Kernel trail, micro-steps {start + 1} to {end}:", "",
                *block(_trail(loaded, start, end)), ""]
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

