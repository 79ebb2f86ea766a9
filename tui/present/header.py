"""The header: where the cursor is in history, and the play state."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from engine.kernel.versions import DEFAULT_KERNEL
from tui.present.fit import field, fit
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
    kernel: str = "5.9"  # `config kernel=5.8` shows v5.8
    oops: bool = False  # the command never returned: the kernel oopsed in it

    def where(self) -> str:
        """The cursor as the header counts it: "command 3/7, step 5/9", or "the start"."""
        if self.command is None:
            return "the start"
        return (f"command {self.command + 1}/{self.commands}, "
                f"step {self.step_in_command}/{self.steps_in_command}")


def header_text(pos: Position, playing: bool | None, speed: float, recording: str | None = None,
                width: int | None = None, mark: Text | None = None) -> Text:
    """The top line, fitted to `width`: the position's figures never cut. `mark`: a
    notice that must stay (other branches kept), right after the title. `playing` None:
    no play state (an exported picture)."""
    fields = [field(Text(" objcg-lab ", "bold reverse"), Text(" objcg-lab", "bold reverse"), drop=9)]
    if mark is not None:
        fields.append(field(mark))
    if recording is not None:
        fields.append(field(Text(f" ● REC {recording} ", "bold white on red"),
                            Text(" ● REC ", "bold white on red")))
    if pos.kernel == DEFAULT_KERNEL:
        fields.append(field(Text(f" v{pos.kernel} ", DIM), Text(" ", DIM)))
    else:  # another release: what the screen is about, it stays when the title goes
        fields.append(field(Text(f" v{pos.kernel} ", "bold magenta"), keep=True))
    if pos.command is None:
        fields.append(field(Text("· start ", "bold")))
        fields.append(field(Text(f"· {pos.commands} command(s) ahead", "bold"),
                            Text(f"· {pos.commands} ahead", "bold"), drop=4))
    else:
        fields.append(field(Text(f"· command {pos.command + 1}/{pos.commands} ", "bold"),
                            Text(f"· cmd {pos.command + 1}/{pos.commands} ", "bold")))
        fields.append(field(f"· step {pos.step_in_command}/{pos.steps_in_command} "))
        fields.append(field(Text(f"· {pos.text}", "bold cyan"), drop=5))
        if pos.oops and pos.step_in_command == pos.steps_in_command:
            fields.append(field(Text(" → oops (never returned)", "bold red"), Text(" → oops", "bold red"),
                                drop=4))
        elif pos.ret is not None and pos.step_in_command == pos.steps_in_command:
            fields.append(field(Text(f" → {errno_name(pos.ret)}", "green" if pos.ret == 0 else "bold red"),
                                drop=4))
    if pos.next_text is not None and (pos.command is None
                                      or pos.step_in_command == pos.steps_in_command):
        fields.append(field(Text(f" · next: {pos.next_text}", DIM), drop=6, quiet=True))
    if playing is not None:
        fields.append(field(Text("  ▶ playing" if playing else "  paused", "bold green" if playing else DIM),
                            Text(" ▶" if playing else " ‖", "bold green" if playing else DIM)))
        fields.append(field(Text(f" {speed:g}/s", DIM), drop=7, quiet=True))
    return fit(fields, width)
