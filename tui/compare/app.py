"""The compare view: one script under v5.8 and v5.9, side by side, stepping together.

Both machines ran every command already (with history); the view moves their cursors.
`n`/`b` take one micro-step on each side within the current command (a side whose
command is done waits for the other); `N`/`B` go to the end of the next command or the
start of this one, on both sides at once; `g`/`G` the start and the end.
"""
from __future__ import annotations

import sys

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static

from engine.compare import KERNELS, Side, run_both
from engine.headless import read_script
from engine.script import ScriptError, printable
from tui.compare import view


class CompareApp(App[int]):
    """objcg-lab compare FILE on a terminal."""

    CSS_PATH = "compare.tcss"
    TITLE = "objcg-lab compare"

    BINDINGS = [
        Binding("n", "micro(1)", "step", priority=True),
        Binding("b", "micro(-1)", "back", priority=True),
        Binding("N", "command(1)", "cmd▶", priority=True),
        Binding("B", "command(-1)", "◀cmd", priority=True),
        Binding("home,g", "jump(0)", "start", priority=True),
        Binding("end,G", "jump(1)", "end", priority=True),
        Binding("q", "quit", "quit", priority=True),
    ]

    def __init__(self, sides: dict[str, Side], name: str, *, at_end: bool = False) -> None:
        super().__init__()
        self.sides = sides
        self.script_name = name
        self.commands = len(sides["5.9"].machine.commands)
        self.cmd = -1  # the current command; -1: before the first
        if at_end:
            self._goto_command_end(self.commands - 1)
        else:
            for side in sides.values():
                side.machine.goto(0)

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="header")
        yield Static(id="summary")
        with Horizontal(id="sides"):
            for kernel in KERNELS:
                with Vertical(classes="side", id=f"side-{kernel.replace('.', '')}"):
                    yield Static(view.TITLES[kernel], classes="title")
                    yield Static(classes="figures")
                    yield Static(classes="memcgs")
                    yield Static(classes="caches")
                    yield Static(classes="trail")
                    yield Static(classes="why")
        yield Static(view.LEGEND, id="legend")
        yield Footer()

    def on_mount(self) -> None:
        if self.size.height < 32:
            self.screen.add_class("-compact")
        self.call_after_refresh(self.redraw)

    def on_resize(self) -> None:
        self.screen.set_class(self.size.height < 32, "-compact")
        self.call_after_refresh(self.redraw)

    # -- where each side is ----------------------------------------------------------------
    def _span(self, kernel: str) -> tuple[int, int]:
        """(first, end) micro-steps of the current command on one side."""
        if self.cmd < 0:
            return 0, 0
        record = self.sides[kernel].machine.commands[self.cmd]
        return record.first, record.end

    def _at_end(self) -> bool:
        return all(self.sides[k].machine.cursor >= self._span(k)[1] for k in KERNELS)

    def _at_start(self) -> bool:
        return all(self.sides[k].machine.cursor <= self._span(k)[0] for k in KERNELS)

    def _goto_command_end(self, index: int) -> None:
        self.cmd = index
        for kernel in KERNELS:
            self.sides[kernel].machine.goto(self._span(kernel)[1])

    def _goto_command_start(self, index: int) -> None:
        self.cmd = index
        for kernel in KERNELS:
            self.sides[kernel].machine.goto(self._span(kernel)[0])

    # -- moves ---------------------------------------------------------------------------------
    def action_micro(self, direction: int) -> None:
        if direction > 0:
            if self._at_end():
                if self.cmd + 1 >= self.commands:
                    return
                self._goto_command_start(self.cmd + 1)
            for kernel in KERNELS:
                machine = self.sides[kernel].machine
                if machine.cursor < self._span(kernel)[1]:
                    machine.step()
        else:
            if self._at_start():
                if self.cmd < 0:
                    return
                self._goto_command_end(self.cmd - 1)
                if self.cmd < 0:
                    self.redraw()
                    return
            for kernel in KERNELS:
                machine = self.sides[kernel].machine
                if machine.cursor > self._span(kernel)[0]:
                    machine.back()
        self.redraw()

    def action_command(self, direction: int) -> None:
        if direction > 0:
            target = self.cmd + 1 if self._at_end() else self.cmd
            if 0 <= target < self.commands:
                self._goto_command_end(target)
        elif self._at_start():
            if self.cmd >= 0:
                self._goto_command_start(self.cmd - 1) if self.cmd > 0 else self.action_jump(0)
        else:
            self._goto_command_start(self.cmd)
        self.redraw()

    def action_jump(self, end: int) -> None:
        if end:
            self._goto_command_end(self.commands - 1)
        else:
            self.cmd = -1
            for side in self.sides.values():
                side.machine.goto(0)
        self.redraw()

    # -- drawing ---------------------------------------------------------------------------------
    def redraw(self) -> None:
        figs = {k: view.side_figures(self.sides[k].machine.state) for k in KERNELS}
        self.query_one("#header", Static).update(self._header())
        self.query_one("#summary", Static).update(view.summary_text(figs["5.8"], figs["5.9"]))
        for kernel in KERNELS:
            other = "5.9" if kernel == "5.8" else "5.8"
            panel = self.query_one(f"#side-{kernel.replace('.', '')}", Vertical)
            width = max(20, panel.content_size.width)
            machine = self.sides[kernel].machine
            st, theirs = machine.state, self.sides[other].machine.state
            panel.query_one(".figures", Static).update(
                view.figures_text(figs[kernel], figs[other], width))
            memcgs = panel.query_one(".memcgs", Static)
            memcgs.update(Text("\n").join(
                view.memcg_lines(st, theirs, max(2, memcgs.content_size.height))))
            caches = panel.query_one(".caches", Static)
            caches.update(Text("\n").join(
                view.cache_lines(st, theirs, width, max(2, caches.content_size.height))))
            first, end = self._span(kernel)
            trail = panel.query_one(".trail", Static)
            trail.update(Text("\n").join(view.trail_lines(
                machine.steps, first, end, machine.cursor, max(2, trail.content_size.height),
                max(20, trail.content_size.width)))
                or Text("(before the first command)", view.DIM))
            panel.query_one(".why", Static).update(view.why_text(machine.steps, first,
                                                                 machine.cursor))

    def _header(self) -> Text:
        text = Text.assemble((" objcg-lab compare ", "bold reverse"), " ")
        text.append(self.script_name, "bold")
        if self.cmd < 0:
            text.append(f" · start · {self.commands} command(s) ahead · n steps both kernels",
                        view.DIM)
            return text
        record = self.sides["5.9"].machine.commands[self.cmd]
        text.append(f" · command {self.cmd + 1}/{self.commands} ")
        text.append(record.command.text, "bold cyan")
        for kernel in KERNELS:
            machine = self.sides[kernel].machine
            first, end = self._span(kernel)
            text.append(f" · {kernel} step {machine.cursor - first}/{end - first}", view.DIM)
        return text


def load(path: str) -> dict[str, Side]:
    """Run the script on both kernels with history, ready to step; ScriptError if not."""
    return run_both(read_script(path), path, history=True, check=False, trail=True)


def main_compare_tui(path: str) -> int:
    try:
        sides = load(path)
    except ScriptError as err:
        print(err if err.where else f"{path}: error: {printable(err.message)}", file=sys.stderr)
        return 2
    CompareApp(sides, path).run()
    return 0
