"""The lesson list: the course with each lesson's progress; Enter plays one, r resets
the highlighted lesson's progress, R everyone's."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from engine.lessons import load_lesson, progress
from engine.lessons.course import Entry, entries
from engine.lessons.model import Problem
from tui.present.wrap import wrap_text


@dataclass(frozen=True)
class Listed:
    entry: Entry
    steps: int  # 0: the lesson does not load


def course(directory: str | None = None) -> tuple[list[Listed], list[Problem]]:
    """The index's lessons with their number of steps (for 'n/steps' progress)."""
    listed, problems = entries(directory)
    out = []
    for entry in listed:
        lesson, _ = load_lesson(entry.path)
        out.append(Listed(entry, len(lesson.steps) if lesson else 0))
    return out, problems


def row_parts(item: Listed, data: dict[str, Any]) -> tuple[Text, Text]:
    """A lesson's number and progress, and its title."""
    state = progress.summary(data, item.entry.id, item.steps)
    style = "green" if state == "done" else ("grey58" if state == "not started" else "yellow")
    return (Text.assemble(f"{item.entry.number:>2}. ", (f"{state:<12}", style), " "),
            Text(item.entry.title, "bold"))


class Row:
    """A lesson's row: number and progress, then its title; a long title wraps under
    itself (not under the number) and never leaves one word alone on its last line."""

    def __init__(self, head: Text, title: Text) -> None:
        self.head, self.title = head, title

    def __str__(self) -> str:
        return self.head.plain + self.title.plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = self.head.cell_len
        room = max(12, options.max_width - indent)
        lines = [Text.assemble(self.head if n == 0 else " " * indent, line)
                 for n, line in enumerate(wrap_text(self.title, room, orphans=False))]
        yield Text("\n").join(lines)


class LessonList(ModalScreen[str | None]):
    """Dismissed with the chosen lesson's path, or None."""

    DEFAULT_CSS = """
    LessonList { align: center middle; }
    LessonList > Vertical { width: 96; max-width: 100%; height: auto; max-height: 100%;
                            border: round $accent; background: $surface; padding: 0 1; }
    LessonList OptionList { height: auto; max-height: 24; border: none; }
    LessonList #list-keys, LessonList #list-message { height: auto; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "close", "close"),
        Binding("r", "reset(False)", "reset lesson"),
        Binding("R", "reset(True)", "reset all"),
        Binding("q", "app.quit", "quit"),
    ]

    def __init__(self, progress_path: str, directory: str | None = None) -> None:
        super().__init__()
        self.progress_path = progress_path
        self.items, self.problems = course(directory)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "objcg-lab lessons"
            yield OptionList(id="lessons")
            yield Static(id="list-message")
            yield Static("enter: play · r: reset its progress · R: reset all · escape: close · q: quit",
                         id="list-keys")

    def on_mount(self) -> None:
        self._fill()
        message = "\n".join(str(p) for p in self.problems)
        self.query_one("#list-message", Static).update(Text(message, "red"))

    def _fill(self, highlighted: int | None = None) -> None:
        data = progress.load(self.progress_path)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(Row(*row_parts(item, data)), id=item.entry.path)
                             for item in self.items])
        if self.items:
            options.highlighted = highlighted or 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_reset(self, everything: bool) -> None:
        options = self.query_one(OptionList)
        at = options.highlighted
        data = progress.load(self.progress_path)
        if everything:
            data, said = progress.reset(data), "all progress reset"
        elif at is not None and at < len(self.items):
            entry = self.items[at].entry
            data, said = progress.reset(data, entry.id), f"progress of {entry.id} reset"
        else:
            return
        try:
            progress.save(self.progress_path, data)
        except OSError as exc:
            said = f"cannot write {self.progress_path}: {exc.strerror or exc}"
        self._fill(at)
        self.query_one("#list-message", Static).update(said)
