"""The kernel trail of the current command, one micro-step per line."""
from __future__ import annotations

from typing import Literal

from rich.text import Text

from tui.present.style import DIM


Where = Literal["past", "current", "future"]


def trail_text(line: str, depth: int, where: Where) -> Text:
    """One micro-step of the current command: indented by call depth."""
    marker = {"past": "  ", "current": "▶ ", "future": "  "}[where]
    style = {"past": "", "current": "bold black on yellow", "future": DIM}[where]
    text = Text.assemble((marker, "bold yellow"))
    text.append("  " * depth + line, style)
    return text


def function_call_text(line: str) -> Text:
    """Kernel function names in a trail line (word followed by '(' or ':') in bold."""
    text = Text(line)
    text.highlight_regex(r"\b[a-z_][a-z0-9_]*(?=[(:])", "bold")
    return text
