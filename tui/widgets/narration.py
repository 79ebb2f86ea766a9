"""The lesson's narration, beside the explorer's panels: a heading, the step's Markdown,
a place to type a prediction, and the step's live status (result, goal fields, hints)."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.await_complete import AwaitComplete
from textual.widgets import Input, Markdown, Static


class AnswerInput(Input):
    """Where a prediction is typed. Esc hands the keys back to the explorer."""

    BINDINGS = [Binding("escape", "leave", "leave the answer")]

    class Left(Message):
        """The learner pressed Esc."""

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # ] and [ stay the lesson's next/previous step (a list is typed "/A/B, /A")
        return character not in ("[", "]") and super().check_consume_key(key, character)


class Narration(VerticalScroll):
    """Filled by the lesson app; holds no lesson logic itself. It scrolls with the arrows
    and PgUp/PgDn, and its bottom border says when more is below (or above)."""

    DEFAULT_CSS = """
    Narration { padding: 0 1; }
    Narration #lesson-head { margin: 0 0 1 0; }
    Narration #lesson-text { margin: 0; padding: 0; background: transparent; }
    Narration #answer { margin: 0 0 1 0; }
    Narration #lesson-status { height: auto; }
    Narration #lesson-more { margin: 1 0 0 0; padding: 0; background: transparent; }
    Narration #narration-more { dock: bottom; height: 1; background: $boost; color: $warning;
                                display: none; }
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._updates: list[AwaitComplete] = []  # Markdown updates not done yet

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self.show_more()

    def on_resize(self) -> None:
        self.call_after_refresh(self.show_more)

    def watch_virtual_size(self) -> None:
        """The text's height changed (a Markdown update lands after its layout)."""
        self.call_after_refresh(self.show_more)

    def show_more(self) -> None:
        """A line at the panel's foot while the text goes on under its edge."""
        more = self.query_one("#narration-more", Static)
        below = self.max_scroll_y - self.scroll_y >= 1
        more.display = below
        if below:
            more.update(Text.assemble(("▼ more below", "bold"), " · PgDn or ↓ reads on"))

    def compose(self) -> ComposeResult:
        yield Static(id="narration-more")
        yield Static(id="lesson-head")
        yield Markdown(id="lesson-text")
        yield AnswerInput(placeholder="type your answer, Enter checks it", id="answer")
        yield Static(id="lesson-status")
        yield Markdown(id="lesson-more")

    def show(self, head: Text, markdown: str, status: Text | str = "", asking: bool = False) -> None:
        self.query_one("#lesson-head", Static).update(head)
        self._updating(self.query_one("#lesson-text", Markdown).update(markdown))
        self.set_status(status)
        answer = self.query_one(AnswerInput)
        answer.display = asking
        answer.disabled = not asking
        answer.value = ""
        self.scroll_home(animate=False)
        self.call_after_refresh(self.show_more)

    def set_status(self, status: Text | str, more: str = "") -> None:
        """The step's live part, and Markdown under it (a prediction's explanation)."""
        self.query_one("#lesson-status", Static).update(status)
        more_md = self.query_one("#lesson-more", Markdown)
        more_md.display = bool(more)
        self._updating(more_md.update(more))
        self.call_after_refresh(self.show_more)

    def _updating(self, update: AwaitComplete) -> None:
        self._updates = [u for u in self._updates if not u.is_done] + [update]

    def background_busy(self) -> bool:
        """A Markdown update still parsing (in a thread) or mounting its blocks: what a
        settle (tui.export.textual_bridge) must wait for before the text is laid out. An
        update that failed says so here rather than leave the old text on screen."""
        for update in self._updates:
            if update.is_done and update.exception is not None:
                raise update.exception
        return any(not u.is_done for u in self._updates)

    def show_status(self) -> None:
        """Scroll so that the step's live part is in view (a small terminal's answer)."""
        self.scroll_to_widget(self.query_one("#lesson-status"), animate=False, top=True)

    @property
    def answer(self) -> AnswerInput:
        return self.query_one(AnswerInput)
