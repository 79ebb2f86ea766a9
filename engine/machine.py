"""Drives script commands as sequences of micro-steps, with history and invariant checks.

A submitted command runs to its end at once (the kernel functions are generators;
every `yield` closes one micro-step). Each micro-step keeps the undo entries it
produced, so `back()` and `step()` move through history by undoing and redoing them,
bit for bit, without re-running kernel code. Checkpoints every `checkpoint_every`
micro-steps make `goto()` anywhere cost at most that many redos.

`history=False, check=False` is the fast mode for large headless scenarios: no undo
log is kept at all.
"""
from __future__ import annotations

import bisect
import gc
from typing import Any, Callable, NamedTuple

from engine import invariants
from engine.commands import prepare, set_cpus
from engine.kernel.base import ROOT, Kernel, Steps, call_stack
from engine.kernel.lifecycle import new_memcg
from engine.model import State
from engine.script import Command, ScriptError, parse_line
from engine.steps import function_of


class Step(NamedTuple):
    """One micro-step: what the kernel did, where in the call stack, and its changes."""

    data: tuple[Any, ...]  # (step_id, *args); see engine.steps
    stack: tuple[str, ...]  # the kernel functions active when it happened, outermost first
    changes: tuple[Any, ...]  # its flat undo log (engine.model.entries() reads it)
    command: int  # index into Machine.commands

    @property
    def depth(self) -> int:
        """Indentation in the trail: a step of a function called but not entered is deeper."""
        stack = self.stack
        if not stack:
            return 0
        return len(stack) - (1 if stack[-1] == function_of(self.data[0]) else 0)


class CommandRecord(NamedTuple):
    """A command that ran: its result and the range of its micro-steps in history."""

    command: Command
    ret: int
    warnings: list[str]
    notes: list[str]
    first: int  # index of its first micro-step
    end: int  # index after its last micro-step
    warned_at: list[int] = []  # for each warning, the micro-step that printed it (history only)


class Machine:
    """The simulated machine: state, kernel, the timeline of micro-steps and a cursor."""

    def __init__(self, *, history: bool = True, check: bool = True,
                 checkpoint_every: int = 8192, kernel: str | None = None,
                 books: bool | None = None) -> None:
        self.history = history
        self.check = check
        self.state = State(recording=history or check)
        self.kernel = Kernel(self.state)
        self.kernel.books = check if books is None else books
        self.prelude = 0  # commands run before history began (start_history)
        self.steps: list[Step] = []
        self.commands: list[CommandRecord] = []
        self.cursor = 0  # micro-steps applied
        self.checkpoint_every = checkpoint_every
        self._checkpoints: dict[int, Any] = {}
        self._last_checkpoint = 0
        self._stacks: dict[tuple[str, ...], tuple[str, ...]] = {}  # one copy of each call stack
        self._touched: dict[int, dict[str, Any]] = {}  # records the current command changed
        self._warned_at: list[int] = []  # the step of each of its warnings (history only)
        # Sees each micro-step (its data and the generator chain) as it closes, in every
        # mode: a streaming trace (engine.headless) needs no history to print it.
        self.on_step: Callable[[tuple[Any, ...], Steps], None] | None = None
        self._boot(kernel)

    def _boot(self, kernel: str | None) -> None:
        st = self.state
        st.sys.update({"cpus": 0, "page_size": 4096, "charge_batch": 32, "accounting": "bytes",
                       "started": False, "ida_next": 0, "ida_free": (), "kmem_enabled": False,
                       "cgroup": "v2", "pages_seen": False, "warned_broken_hierarchy": False,
                       "kernel": kernel or "5.9", "slab_root_kept": 0,
                       "kernel_forced": kernel is not None})  # compare: config can't change it
        self.kernel.read_config()
        root = new_memcg(self.kernel, ROOT, ROOT, None)
        root["state"] = "online"
        root["use_hierarchy"] = True  # mem_cgroup_bind() on the default hierarchy
        set_cpus(self.kernel, 2)
        if st.log is not None:
            st.log = []
        if self.history:
            self._checkpoints[0] = st.checkpoint()

    def start_history(self) -> None:
        """Keep history and check invariants from here on. A long script's prelude runs
        in fast mode (made with books=True, so the checks' books stay right) and its
        timeline starts here: cursor 0 is this state, the commands so far have no steps."""
        if self.history:
            return
        if not self.kernel.books:
            raise RuntimeError("start_history needs a machine made with books=True")
        st = self.state
        st.__dict__.pop("set", None)  # back to the logged mutation path
        st.__dict__.pop("add", None)
        st.log = []
        self.history = self.check = True
        self.prelude = len(self.commands)
        self._checkpoints = {0: st.checkpoint()}
        self._last_checkpoint = 0

    # -- running commands ----------------------------------------------------------
    def run_line(self, text: str, where: str = "<command>", line: int = 1) -> CommandRecord | None:
        """Parse and submit one script line (None for blank/comment lines)."""
        try:
            command = parse_line(text, line)
        except ScriptError as err:
            raise err.located(where, line) from None
        return None if command is None else self.submit(command, where)

    def submit(self, command: Command, where: str = "<command>") -> CommandRecord:
        """Run a command to its end. A ScriptError leaves the machine exactly as it was.

        Submitted while the cursor is in the past, the command runs after the current
        command (finished first) and replaces everything that came after it; a command
        refused there leaves the cursor and the whole history as they were.
        """
        resume = None
        if self.history and self.cursor < len(self.steps):
            resume = self.cursor
            self.goto(self._end_of_current_command())
        k = self.kernel
        k.warnings, k.notes, k.deferred = [], [], []
        self._touched, self._warned_at = {}, []
        try:
            work = prepare(k, command)
        except ScriptError as err:
            self._undo_unstepped()
            if resume is not None:
                self.goto(resume)
            raise err.located(where, command.line) from None
        if resume is not None:
            self._drop_future()
        first = len(self.steps)
        index = len(self.commands)
        try:
            ret = self._drive(work, index)
            while k.deferred:  # RCU callbacks and queued work, before the next command
                self._drive(k.deferred.pop(0)(k), index)
        except ScriptError as err:
            self._abandon(first)
            raise err.located(where, command.line) from None
        if self.check:
            invariants.check_command_end(self.state, self._touched.values())
        record = CommandRecord(command, ret or 0, k.warnings, k.notes, first, len(self.steps),
                               self._warned_at)
        self.commands.append(record)
        if index % 256 == 255:
            # History and command records only grow: keep the cyclic collector from
            # rescanning them (it cost a third of the time of a long headless run).
            gc.freeze()
        return record

    def _drive(self, work: Steps, index: int) -> Any:
        """Run one generator to its end, closing a micro-step at each yield."""
        st = self.state
        on_step = self.on_step
        if st.log is None:  # fast mode
            try:
                if on_step is None:
                    while True:
                        next(work)
                while True:
                    on_step(next(work), work)
            except StopIteration as stop:
                return stop.value
        steps, check, history = self.steps, self.check, self.history
        warnings = self.kernel.warnings
        while True:
            try:
                data = next(work)
            except StopIteration as stop:
                if st.log:  # changes after the last yield belong to no step: a bug
                    raise invariants.InvariantViolation("state changed after a command's last step")
                return stop.value
            changes, st.log = tuple(st.log), []
            if check:
                invariants.check_step(st, changes, data, self._touched)
            if on_step is not None:
                on_step(data, work)
            while len(self._warned_at) < len(warnings):
                self._warned_at.append(len(steps))
            if history:
                stack = tuple(call_stack(work))
                steps.append(Step(data, self._stacks.setdefault(stack, stack), changes, index))
                self.cursor = len(steps)
                if self.cursor - self._last_checkpoint >= self._checkpoint_gap():
                    self._checkpoints[self.cursor] = st.checkpoint()
                    self._last_checkpoint = self.cursor

    def _checkpoint_gap(self) -> int:
        """Micro-steps between checkpoints: a checkpoint copies every record, so a big
        state gets them less often (goto then redoes at most half a gap)."""
        st = self.state
        records = len(st.memcgs) + len(st.objcgs) + len(st.objects) + len(st.tasks)
        return max(self.checkpoint_every, 2 * records)

    def _undo_unstepped(self) -> None:
        """Undo changes not yet closed into a micro-step."""
        st = self.state
        if st.log:
            st.undo(st.log)
            st.log = []

    def _abandon(self, first: int) -> None:
        """Undo whatever a failed command changed (normally nothing: checks come first)."""
        self._undo_unstepped()
        if self.history:
            for step in reversed(self.steps[first:]):
                self.state.undo(step.changes)
            self.cursor = first
            self._forget_after(first)

    def _forget_after(self, end: int) -> None:
        del self.steps[end:]
        for at in [at for at in self._checkpoints if at > end]:
            del self._checkpoints[at]
        self._last_checkpoint = max(self._checkpoints)

    def _end_of_current_command(self) -> int:
        current = self.command_index_at(self.cursor)
        return self.commands[current].end if current is not None else 0

    def truncate(self, keep: int) -> None:
        """Keep only the first `keep` commands (the cursor goes to the end of the last kept)."""
        self.goto(self.commands[keep - 1].end if keep > 0 else 0)
        self._drop_future()

    def _drop_future(self) -> None:
        """Forget the history after the cursor (a command boundary)."""
        end = self.cursor
        self.commands = [c for c in self.commands if c.end <= end]
        self._forget_after(end)

    # -- moving through history -------------------------------------------------------
    def step(self) -> Step | None:
        """Redo the next micro-step; None at the end of history."""
        if self.cursor >= len(self.steps):
            return None
        step = self.steps[self.cursor]
        self.state.redo(step.changes)
        self.cursor += 1
        self.kernel.read_config()
        return step

    def back(self) -> Step | None:
        """Undo the last applied micro-step; None at the start."""
        if self.cursor == 0:
            return None
        self.cursor -= 1
        step = self.steps[self.cursor]
        self.state.undo(step.changes)
        self.kernel.read_config()
        return step

    def goto(self, target: int) -> None:
        """Move the cursor to any point of history (0 .. len(steps))."""
        if not self.history:
            raise RuntimeError("history is off in fast mode")
        target = max(0, min(target, len(self.steps)))
        # Start from the nearest of: here, the checkpoint below, the checkpoint above.
        marks = sorted(self._checkpoints)  # few: one per thousands of micro-steps
        at = bisect.bisect_right(marks, target)
        near = marks[max(at - 1, 0):at + 1]
        best = min((abs(target - mark), mark) for mark in near)
        if best[0] < abs(target - self.cursor):
            self.state.restore(self._checkpoints[best[1]])
            self.cursor = best[1]
            self.kernel.read_config()
        while self.cursor < target:
            self.step()
        while self.cursor > target:
            self.back()

    def run(self, until: int | Callable[[Machine], bool] | None = None) -> None:
        """Step forward until a micro-step index, a predicate, or the end."""
        while self.cursor < len(self.steps):
            if isinstance(until, int) and self.cursor >= until:
                return
            if callable(until) and until(self):
                return
            self.step()

    # -- where we are ---------------------------------------------------------------------
    def command_index_at(self, cursor: int) -> int | None:
        """The command whose micro-steps include the one just applied at `cursor`."""
        if cursor == 0 or not self.steps:
            return None
        return self.steps[min(cursor, len(self.steps)) - 1].command

    def snapshot(self) -> dict[str, Any]:
        """The JSON state document of the current point (a fresh, independent copy)."""
        from engine.export import state_json

        return state_json(self.state)
