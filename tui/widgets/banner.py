"""The loud banner: the engine broke one of its own invariants (an engine bug)."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class ViolationBanner(Static):
    """Hidden until a violation is reported; then it stays, whatever the learner does."""

    DEFAULT_CSS = """
    ViolationBanner {
        display: none; height: auto; padding: 0 1;
        background: $error; color: $text; text-style: bold;
    }
    ViolationBanner.-shown { display: block; }
    """

    def show(self, violation: str | None) -> None:
        if violation is None:
            self.remove_class("-shown")
            return
        text = Text("ENGINE INVARIANT VIOLATED: ")
        text.append(violation)
        text.append("  (the state shown may be wrong; please report this with `save FILE`)")
        self.update(text)
        self.add_class("-shown")
