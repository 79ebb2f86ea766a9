"""The explorer's recording keys: R records, c adds a chapter, [ and ] jump between
chapters, and play stops at recorded pauses. The app's actions call these."""
from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.outfiles import OutputError
from tui.record import free_name

if TYPE_CHECKING:
    from tui.host import Explorer


class Prompt(ModalScreen[str | None]):
    """One line of text: Enter gives it, escape gives None."""

    DEFAULT_CSS = """
    Prompt { align: center middle; }
    Prompt > Vertical { width: 80%; max-width: 100; height: auto; border: round $accent;
                        background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question, self.value, self.placeholder = question, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def toggle_recording(app: Explorer) -> None:
    tape, session = app.tape, app.session
    if tape.recording:
        app.say(tape.stop(session))
        app.show_position(app.playing, app.speed)
        return

    def chosen(path: str | None) -> None:
        if not path:
            app.say("not recording")
            return
        try:
            app.say(tape.start(path, session))
        except OutputError as err:
            app.say(str(err), error=True)
        app.show_position(app.playing, app.speed)

    app.playing = False
    app.push_screen(Prompt("Record this session (and what you do next) to a new file:",
                           free_name()), chosen)


def ask_chapter(app: Explorer) -> None:
    def given(text: str | None) -> None:
        if text:
            app.say(app.tape.add_chapter(app.session, text, app.position().where()))
            app.redraw()

    if app.playing:  # while playing (a typed command or history): at the end of the command under way
        app.playing = False
        index = app.session.current()
        record = app.session.record(index) if index is not None else None
        if (app._played is not None and app.session.cursor == app._played.first
                and any(r is app._played for r in app.session.machine.commands)):
            record = app._played  # typed, its play not yet past its first micro-step
        if record is not None and record.first <= app.session.cursor < record.end:
            app.session.goto(record.end)
            app.redraw(relayout=True, follow=True)
    here = app.tape.chapter_at(app.session.cursor)
    question = (f"A note for chapter '{here[1].title}':" if here
                else f"Title of a chapter starting here ({app.position().where()}):")
    app.push_screen(Prompt(question, placeholder="e.g. The race in obj_cgroup_release"), given)


def jump_chapter(app: Explorer, delta: int) -> None:
    found = app.tape.next_chapter(app.session.cursor, delta)
    if found is None:
        if not app.tape.chapters():
            app.say("no chapters: c adds one here")
        else:
            app.say("no later chapter" if delta > 0 else "no earlier chapter")
        return
    app.playing = False
    app.session.goto(found[1].cursor)
    app.tape.moved(app.session)
    app.redraw(relayout=True, follow=True)
    app.say(app.tape.arrival(app.session.cursor))



def mark_pause(app: Explorer) -> None:
    app.playing = False
    app.say(app.tape.add_pause(app.session, app.position().where()))


def ask_title(app: Explorer) -> None:
    def given(text: str | None) -> None:
        if text is not None:
            app.say(app.tape.set_title(app.session, text))

    app.playing = False
    app.push_screen(Prompt("The recording's title (for the handout and the web page):",
                           app.tape.title, placeholder="e.g. Lecture 3: reparenting"), given)


def ask_rename_chapter(app: Explorer) -> None:
    here = app.tape.chapter_at(app.session.cursor) or app.tape.next_chapter(app.session.cursor, -1)
    if here is None:
        app.say("no chapter here: c adds one")
        return
    number, mark = here

    def given(text: str | None) -> None:
        if text:
            app.say(app.tape.rename_chapter(app.session, number, text))
            app.redraw()

    app.playing = False
    app.push_screen(Prompt(f"New title for chapter {number}:", mark.title), given)


def delete_chapter(app: Explorer) -> None:
    here = app.tape.chapter_at(app.session.cursor) or app.tape.next_chapter(app.session.cursor, -1)
    if here is None:
        app.say("no chapter here to delete")
        return
    app.say(app.tape.delete_chapter(app.session, here[0]))
    app.redraw()
