"""The header: where the cursor is in history, and the play state."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from tui.present.style import DIM, errno_name


@dataclass(frozen=True)
class Position:
    """Where the cursor is, in the words of the header."""

    command: int | None  # index of the current command
    commands: int
    step_in_command: int  # micro-steps of the current command applied
    steps_in_command: int
    text: str  # the current command's text
    ret: int | None
    next_text: str | None  # the command after the current one, when at its end


def header_text(pos: Position, playing: bool, speed: float, recording: str | None = None) -> Text:
    text = Text.assemble((" objcg-lab ", "bold reverse"))
    if recording is not None:
        text.append(f" ● REC {recording} ", "bold white on red")
    text.append(" v5.9 ", DIM)
    if pos.command is None:
        text.append(f"· start · {pos.commands} command(s) ahead", "bold")
    else:
        text.append(f"· command {pos.command + 1}/{pos.commands} ", "bold")
        text.append(f"· step {pos.step_in_command}/{pos.steps_in_command} ")
        text.append(f"· {pos.text}", "bold cyan")
        if pos.ret is not None and pos.step_in_command == pos.steps_in_command:
            text.append(f" → {errno_name(pos.ret)}", "green" if pos.ret == 0 else "bold red")
    if pos.next_text is not None and (pos.command is None
                                      or pos.step_in_command == pos.steps_in_command):
        text.append(f" · next: {pos.next_text}", DIM)
    text.append("  ▶ playing" if playing else "  paused", "bold green" if playing else DIM)
    text.append(f" {speed:g}/s", DIM)
    return text
