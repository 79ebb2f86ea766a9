"""The compare view: one script under several kernel releases, stepping together.

Every machine ran every command already (with history); the view moves their cursors.
`n`/`b` take one micro-step on each side within the current command (a side whose
command is done waits for the others); `N`/`B` go to the end of the next command or the
start of this one, on all sides at once; `g`/`G` the start and the end.

Two releases are shown side by side; more as a table with a column per release and a
row per figure that differs. Every differing figure is highlighted; `w` (and, in the
table, Enter or a click on a cell) says which change, release and commit made it differ
(engine.compare.Attribution).
"""
from __future__ import annotations

import sys

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Static

from engine.compare import (
    DEFAULT_KERNELS, Attribution, Side, comparable, differing_rows, figure_values,
    parse_kernels, run_all, show,
)
from engine.headless import read_script
from engine.script import ScriptError, printable
from tui.compare import view


def panel_id(kernel: str) -> str:
    return f"side-{kernel.replace('.', '')}"


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
        Binding("w", "why", "why (commit)", priority=True),
        Binding("q", "quit", "quit", priority=True),
    ]

    def __init__(self, sides: dict[str, Side], name: str, *, at_end: bool = False,
                 attribution: Attribution | None = None) -> None:
        super().__init__()
        self.sides = sides
        self.kernels = list(sides)
        self.script_name = name
        self.attribution = attribution
        self.commands = len(sides[self.kernels[0]].machine.commands)
        self.cmd = -1  # the current command; -1: before the first
        self.why_at = -1  # the differing figure `w` explained last (side-by-side)
        self.rows: list[str] = []  # the differing figures on screen now
        if at_end:
            self._goto_command_end(self.commands - 1)
        else:
            for side in sides.values():
                side.machine.goto(0)

    @property
    def table_mode(self) -> bool:
        return len(self.kernels) > 2

    @property
    def slab_pair(self) -> bool:
        return "5.8" in self.kernels

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="header")
        yield Static(id="summary")
        yield Static(id="whyline")
        if self.table_mode:
            with Vertical(id="table-view"):
                table: DataTable[Text] = DataTable(id="table", cursor_type="cell",
                                                   zebra_stripes=True)
                yield table
                yield Static(id="table-trail")
        else:
            with Horizontal(id="sides", classes="" if self.slab_pair else "-objcg"):
                for kernel in self.kernels:
                    with Vertical(classes="side", id=panel_id(kernel)):
                        yield Static(view.TITLES.get(kernel, f"v{kernel}"), classes="title")
                        yield Static(classes="figures")
                        yield Static(classes="memcgs")
                        yield Static(classes="caches")
                        yield Static(classes="trail")
                        yield Static(classes="why")
        yield Static(view.LEGEND if self.slab_pair else view.LEGEND_LATER, id="legend")
        yield Footer()

    def on_mount(self) -> None:
        if self.size.height < 32:
            self.screen.add_class("-compact")
        if self.table_mode:
            table = self.query_one("#table", DataTable)
            table.add_column("figure", key="figure")
            for kernel in self.kernels:
                table.add_column(Text(f"v{kernel}", justify="right"), key=kernel)
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
        return all(self.sides[k].machine.cursor >= self._span(k)[1] for k in self.kernels)

    def _at_start(self) -> bool:
        return all(self.sides[k].machine.cursor <= self._span(k)[0] for k in self.kernels)

    def _goto_command_end(self, index: int) -> None:
        self.cmd = index
        for kernel in self.kernels:
            self.sides[kernel].machine.goto(self._span(kernel)[1])

    def _goto_command_start(self, index: int) -> None:
        self.cmd = index
        for kernel in self.kernels:
            self.sides[kernel].machine.goto(self._span(kernel)[0])

    # -- moves ---------------------------------------------------------------------------------
    def action_micro(self, direction: int) -> None:
        if direction > 0:
            if self._at_end():
                if self.cmd + 1 >= self.commands:
                    return
                self._goto_command_start(self.cmd + 1)
            for kernel in self.kernels:
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
            for kernel in self.kernels:
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

    # -- which commit ------------------------------------------------------------------------
    def action_why(self) -> None:
        """The change behind a differing figure: the table's cell under the cursor, or (side
        by side) the next differing figure in turn."""
        if not self.rows:
            self._say(Text("No figure differs here.", view.DIM))
            return
        if self.table_mode:
            table = self.query_one("#table", DataTable)
            self._explain(table.cursor_coordinate.row, table.cursor_coordinate.column)
            return
        self.why_at = (self.why_at + 1) % len(self.rows)
        self._explain(self.why_at, len(self.kernels))

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        self._explain(event.coordinate.row, event.coordinate.column)

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._draw_table_trail(event.coordinate.column)
        if 0 <= event.coordinate.row < len(self.rows):
            self._say(Text.assemble((self.rows[event.coordinate.row] + ":", "bold"),
                                    ("   w, Enter or a click: which commit made it differ",
                                     view.DIM)))

    def _explain(self, row: int, column: int) -> None:
        """Say why figure `row` differs in release column `column` (1-based; the figure
        name is column 0) from the column before it."""
        if not 0 <= row < len(self.rows):
            return
        figure = self.rows[row]
        if self.attribution is None or self.cmd < 0:
            self._say(Text(f"{figure}: nothing to explain before the first command", view.DIM))
            return
        # the figures at the end of this command: mid-command every release is at its own
        # micro-step, and a difference is only a difference once both have finished
        ends = {k: self.attribution.figures_after(k, "", self.cmd) or {} for k in self.kernels}
        if self.table_mode and column >= 2:  # that release against the one before it
            pairs = [(self.kernels[column - 2], self.kernels[column - 1])]
        else:
            pairs = list(zip(self.kernels, self.kernels[1:]))
        text = Text.assemble((figure + ":", "bold"), " at the end of this command, ")
        text.append(" · ".join(f"v{k} {show(ends[k].get(figure))}" for k in self.kernels))
        differ = [(b, a) for b, a in pairs if ends[b].get(figure) != ends[a].get(figure)]
        if not differ and len(pairs) == 1:  # this cell as its left neighbour: where it changes
            before, after = pairs[0]
            text.append(f"\nv{after} has the same value as v{before}", view.DIM)
            differ = [(b, a) for b, a in zip(self.kernels, self.kernels[1:])
                      if ends[b].get(figure) != ends[a].get(figure)]
        for before, after in differ:
            text.append(f"\n{before} → {after}: ", "bold magenta")
            text.append(self.attribution.why(figure, before, after, self.cmd).text())
        if not differ:
            text.append("\nthe same in every release at the end of this command: it differs "
                        "only while the releases are at different micro-steps", view.DIM)
        self._say(text)

    def _say(self, text: Text) -> None:
        line = self.query_one("#whyline", Static)
        line.update(text)
        line.display = bool(text.plain)

    # -- drawing ---------------------------------------------------------------------------------
    def _values(self) -> dict[str, dict]:
        out = {}
        for kernel in self.kernels:
            side = self.sides[kernel]
            done = side.records[:self.cmd + 1] if self.cmd >= 0 else []
            out[kernel] = figure_values(side.machine.snapshot(), done)
        return out

    def redraw(self) -> None:
        values = self._values()
        self.rows = comparable(differing_rows(values), self.kernels) if self.cmd >= 0 else []
        self.query_one("#header", Static).update(self._header())
        self.query_one("#summary", Static).update(self._summary(values))
        if self.table_mode:
            self._draw_table(values)
        else:
            self._draw_sides()

    def _summary(self, values: dict[str, dict]) -> Text:
        if self.kernels == list(DEFAULT_KERNELS):
            figs = {k: view.side_figures(self.sides[k].machine.state) for k in self.kernels}
            return view.summary_text(figs["5.8"], figs["5.9"])
        text = Text()
        for before, after in zip(self.kernels, self.kernels[1:]):
            n = len(comparable(differing_rows({before: values[before], after: values[after]}),
                               (before, after))) if self.cmd >= 0 else 0
            text.append(f"v{before}→v{after}: ", "bold")
            text.append(f"{n} figure{'s' if n != 1 else ''} differ{'s' if n == 1 else ''}",
                        "bold yellow" if n else view.DIM)
            text.append("   ")
        text.append("w: which commit", view.DIM)
        return text

    def _draw_sides(self) -> None:
        for kernel in self.kernels:
            other = next(k for k in self.kernels if k != kernel)
            panel = self.query_one(f"#{panel_id(kernel)}", Vertical)
            width = max(20, panel.content_size.width)
            machine = self.sides[kernel].machine
            st, theirs = machine.state, self.sides[other].machine.state
            figures = panel.query_one(".figures", Static)
            if self.slab_pair:
                figs = {k: view.side_figures(self.sides[k].machine.state) for k in (kernel, other)}
                figures.update(view.figures_text(figs[kernel], figs[other], width))
            else:
                figures.update(Text("\n").join(view.objcg_lines(st, theirs, 8)))
            memcgs = panel.query_one(".memcgs", Static)
            memcgs.update(Text("\n").join(view.memcg_lines(
                st, theirs, max(2, memcgs.content_size.height), refs=not self.slab_pair)))
            caches = panel.query_one(".caches", Static)
            caches.update(Text("\n").join(
                view.cache_lines(st, theirs, width, max(2, caches.content_size.height))))
            self._draw_trail(kernel, panel.query_one(".trail", Static))
            first, _ = self._span(kernel)
            panel.query_one(".why", Static).update(view.why_text(machine.steps, first,
                                                                 machine.cursor))

    def _draw_trail(self, kernel: str, trail: Static) -> None:
        machine = self.sides[kernel].machine
        first, end = self._span(kernel)
        trail.update(Text("\n").join(view.trail_lines(
            machine.steps, first, end, machine.cursor, max(2, trail.content_size.height),
            max(20, trail.content_size.width)))
            or Text("(before the first command)", view.DIM))

    def _draw_table(self, values: dict[str, dict]) -> None:
        table = self.query_one("#table", DataTable)
        at = table.cursor_coordinate
        table.clear()
        for figure in self.rows:
            cells: list[Text] = [Text(figure)]
            previous = None
            for i, kernel in enumerate(self.kernels):
                value = values[kernel].get(figure)
                differs = i > 0 and value != previous
                cells.append(Text(show(value), view.DIFF if differs else "", justify="right"))
                previous = value
            table.add_row(*cells)
        if not self.rows:
            table.add_row(Text("no figure differs here" if self.cmd >= 0 else
                               "(before the first command)", view.DIM),
                          *[Text("") for _ in self.kernels])
        table.move_cursor(row=min(at.row, max(0, len(self.rows) - 1)), column=at.column)
        self._draw_table_trail(table.cursor_coordinate.column)

    def _draw_table_trail(self, column: int) -> None:
        """The trail of the release whose column the cursor is in (the last release's in
        the figure column)."""
        kernel = self.kernels[column - 1] if column >= 1 else self.kernels[-1]
        trail = self.query_one("#table-trail", Static)
        self._draw_trail(kernel, trail)
        trail.border_title = f"trail under v{kernel}"

    def _header(self) -> Text:
        text = Text.assemble((" objcg-lab compare ", "bold reverse"), " ")
        text.append(self.script_name, "bold")
        text.append("  " + " · ".join(f"v{k}" for k in self.kernels), "bold cyan")
        if self.cmd < 0:
            text.append(f" · start · {self.commands} command(s) ahead · n steps every release",
                        view.DIM)
            return text
        record = self.sides[self.kernels[-1]].machine.commands[self.cmd]
        text.append(f" · command {self.cmd + 1}/{self.commands} ")
        text.append(record.command.text, "bold cyan")
        for kernel in self.kernels:
            machine = self.sides[kernel].machine
            first, end = self._span(kernel)
            text.append(f" · {kernel} step {machine.cursor - first}/{end - first}", view.DIM)
        return text


def load(path: str, kernels: tuple[str, ...] = DEFAULT_KERNELS) -> dict[str, Side]:
    """Run the script on every kernel with history, ready to step; ScriptError if not."""
    return run_all(read_script(path), path, kernels, history=True, check=False, trail=True)


def main_compare_tui(path: str, kernels: str | None = None) -> int:
    try:
        chosen = DEFAULT_KERNELS if kernels is None else parse_kernels(kernels)
        sides = load(path, chosen)
        text = read_script(path)
    except ValueError as err:
        print(f"{path}: error: {err}", file=sys.stderr)
        return 2
    except ScriptError as err:
        print(err if err.where else f"{path}: error: {printable(err.message)}", file=sys.stderr)
        return 2
    CompareApp(sides, path, attribution=Attribution(text, path)).run()
    return 0
