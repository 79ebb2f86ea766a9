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
from engine.kernel.versions import DEFAULT_KERNEL, charge_batch
from engine.kernel.oops import Oops
from engine.kernel.work import pending, ready, run_item
from engine.model import State
from engine.script import Command, ScriptError, parse_line
from engine.threads import Block, BlockRun, LiveBlock, check_block, parse_schedule, with_schedule
from engine.steps import function_of


class Step(NamedTuple):
    """One micro-step: what the kernel did, where in the call stack, and its changes."""

    data: tuple[Any, ...]  # (step_id, *args); see engine.steps
    stack: tuple[str, ...]  # the kernel functions active when it happened, outermost first
    changes: tuple[Any, ...]  # its flat undo log (engine.model.entries() reads it)
    command: int  # index into Machine.commands
    lane: str | None = None  # who took it: a CPU's thread ("0") or kworker ("w1"); None
    # for the command itself outside `together`

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
    oops: Oops | None = None  # the kernel crashed here: the run stops (engine.kernel.oops)
    parts: tuple[CommandRecord, ...] = ()  # a `together` block: the result of each line
    taken: tuple[str, ...] = ()  # a `together` block: the thread that took each step


class Machine:
    """The simulated machine: state, kernel, the timeline of micro-steps and a cursor."""

    def __init__(self, *, history: bool = True, check: bool = True,
                 checkpoint_every: int = 8192, kernel: str | None = None,
                 books: bool | None = None, revert: tuple[str, ...] = ()) -> None:
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
        self.oops: Oops | None = None  # set when the kernel crashed: nothing more runs
        self.block: Block | None = None  # a `together` block being read, line by line
        self.live: LiveBlock | None = None  # a `together` block being run, step by step
        self.where = "<command>"  # the file the command running now came from
        self._boot(kernel, revert)

    def _boot(self, kernel: str | None, revert: tuple[str, ...]) -> None:
        st = self.state
        st.sys.update({"cpus": 0, "page_size": 4096, "accounting": "bytes",
                       "charge_batch": charge_batch(kernel or DEFAULT_KERNEL, tuple(revert)),
                       "started": False, "ida_next": 0, "ida_free": (), "kmem_enabled": False,
                       "cgroup": "v2", "pages_seen": False, "warned_broken_hierarchy": False,
                       "kernel": kernel or "5.9", "slab_root_kept": 0,
                       "null_objects": (),  # names whose allocation returned NULL
                       "memcg_ids": (1,),  # v5.18: memcg IDs in use (the root has 1)
                       "work": (), "work_seq": 0, "work_mode": "auto",  # engine.kernel.work
                       "work_seen": False, "hotplug_seen": False,  # engine.export shows them
                       "kernel_forced": kernel is not None,  # compare: config can't change it
                       # changes of engine.kernel.versions switched off, to show what they fix
                       "revert": tuple(revert),
                       "mkdir_charge": ()})  # bytes of each per-CPU allocation of mkdir
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
        """Parse and submit one script line (None for blank/comment lines, and for the
        lines of a `together` block until its `end`, which runs the block)."""
        if self.live is not None and self.block is None:
            self.finish_block()  # a new line: the block stepped by hand ends first
        block = self.block
        try:
            command = parse_line(text, line, in_block=block is not None)
        except ScriptError as err:
            raise err.located(where, line) from None
        if command is None:
            return None
        if block is not None:
            if command.name != "end":
                block.lines.append(command)
                return None
            self.block = None
            return self.submit_block(block, where)
        if command.name == "together":
            try:
                parse_schedule(command.opts.get("schedule", ""))
            except ScriptError as err:
                raise err.located(where, line) from None
            self.block = Block(command)
            return None
        if command.name == "end":
            raise ScriptError("end without together").located(where, line)
        return self.submit(command, where)

    def finish(self, where: str = "<command>") -> None:
        """The script has ended: a `together` still open is an error at its line."""
        if self.block is not None:
            line = self.block.command.line
            self.block = None
            raise ScriptError("together without end: the block's lines never ran").located(
                where, line)

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
        if self.oops is not None and resume is None:
            raise ScriptError(f"the kernel oopsed ({self.oops.headline()}): nothing more "
                              "runs; step back to before it to go another way").located(
                                  where, command.line)
        k = self.kernel
        k.warnings, k.notes = [], []
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
        oops = None
        try:
            ret = self._drive(work, index)
            sysrec = self.state.sys
            if sysrec["work"] and sysrec["work_mode"] == "auto":
                self._run_pending(index)
        except ScriptError as err:
            self._abandon(first)
            raise err.located(where, command.line) from None
        except Oops as crash:
            oops, ret = self._crashed(crash, index), 0
        if self.check and oops is None:
            invariants.check_command_end(self.state, self._touched.values())
        record = CommandRecord(command, ret or 0, k.warnings, k.notes, first, len(self.steps),
                               self._warned_at, oops)
        self.commands.append(record)
        if index % 256 == 255:
            # History and command records only grow: keep the cyclic collector from
            # rescanning them (it cost a third of the time of a long headless run).
            gc.freeze()
        return record

    def submit_block(self, block: Block, where: str = "<command>") -> CommandRecord:
        """Run a `together` block: each CPU's lines as a thread, interleaved as its
        schedule says, then to their end in order (engine.threads). One record for the
        block, with a part for each line. A ScriptError leaves the machine as it was."""
        schedule = self._open_block(block, where)
        live = self.live
        assert live is not None
        try:
            for n, label in enumerate(schedule, 1):
                reason = live.run.scheduled(label)
                if reason is not None:
                    raise ScriptError(f"schedule entry {n} ({label}): {reason}")
        except ScriptError as err:
            self._drop_live()
            raise err.located(where, err.line or block.command.line) from None
        except Oops as crash:
            return self._end_block(crash)
        return self.finish_block()

    # -- a block stepped by hand (the explorer), or by its schedule --------------------
    def begin_block(self, block: Block, where: str = "<command>") -> CommandRecord:
        """Start a `together` block without running it: step_thread takes one thread's
        micro-step at a time (a learner's choice), finish_block runs the rest in order.
        The block's record is in `commands` from now on and grows with its steps; a
        schedule= typed with it is taken first."""
        schedule = self._open_block(block, where)
        for label in schedule:
            if self.live is None or self.step_thread(label) is not None:
                break
        return self.commands[-1]

    def step_thread(self, label: str) -> str | None:
        """One micro-step of a thread of the live block; None, or why it cannot. Stepped
        back into the block, the history after the cursor is replaced (the same steps up
        to here, re-run: the engine is deterministic, then this one)."""
        if self.live is None and not self.reopen_block():
            return "no together block is running"
        live = self.live
        assert live is not None
        if self.history and self.cursor - live.first < len(live.run.history):
            self._replay_block(self.cursor - live.first)
        try:
            reason = live.run.scheduled(label)
        except ScriptError as err:
            self._drop_live()
            raise err.located(live.where, err.line or live.block.command.line) from None
        except Oops as crash:
            self._end_block(crash)
            return None
        self._grow_record()
        return reason

    def choices(self) -> list[str]:
        """The threads of the live block that can take a step now (CPU threads first)."""
        return [] if self.live is None else self.live.run.runnable()

    def finish_block(self) -> CommandRecord:
        """Run what is left of the live block in order, and close its record."""
        live = self.live
        assert live is not None
        if self.history and self.cursor - live.first < len(live.run.history):
            self._replay_block(self.cursor - live.first)
        live.free = len(live.run.history)  # the steps chosen; the rest follows the order
        try:
            live.run.run_rest(workers=live.auto)
            self._leave_fine()
            if live.auto:
                k = self.kernel
                k.warnings, k.notes = live.run.orphans.warnings, live.run.orphans.notes
                self._run_pending(live.index)
        except ScriptError as err:
            self._drop_live()
            raise err.located(live.where, err.line or live.block.command.line) from None
        except Oops as crash:
            return self._end_block(crash)
        return self._end_block(None)

    def _open_block(self, block: Block, where: str) -> list[str]:
        """Checks, then the live block (nothing run yet). Returns the schedule."""
        if self.live is not None:
            self.finish_block()
        resume = None
        if self.history and self.cursor < len(self.steps):
            resume = self.cursor
            self.goto(self._end_of_current_command())
        where_line = block.command.line
        try:
            if self.oops is not None and resume is None:
                raise ScriptError(f"the kernel oopsed ({self.oops.headline()}): nothing "
                                  "more runs; step back to before it to go another way")
            schedule = check_block(self.kernel, block)
        except ScriptError as err:
            if resume is not None:
                self.goto(resume)
            raise err.located(where, err.line or where_line) from None
        if resume is not None:
            self._drop_future()
        index, first = len(self.commands), len(self.steps)
        self.where = where
        self._touched, self._warned_at = {}, []
        auto = self.state.sys["work_mode"] == "auto"
        self.live = LiveBlock(BlockRun(self, block, index), block, where, index, first, auto)
        self.commands.append(CommandRecord(block.command, 0, [], [], first, first))
        self._enter_fine()
        return schedule

    def _enter_fine(self) -> None:
        k = self.kernel
        k.fine, k.eager, k.locks, k.irq_depth = True, False, {}, {}
        k.rcu_depth, k.rcu_section = {}, {}

    def _grow_record(self) -> None:
        live = self.live
        if live is not None:
            self.commands[live.index] = self.commands[live.index]._replace(end=len(self.steps))

    def _replay_block(self, keep: int) -> None:
        """Back to the block's start, then its first `keep` steps again, afresh."""
        live = self.live
        assert live is not None
        taken = live.run.history[:keep]
        live.run.close()
        self.goto(live.first)
        self._forget_after(live.first)
        self._enter_fine()
        live.run = BlockRun(self, live.block, live.index)
        for label in taken:
            live.run.scheduled(label)
        self._grow_record()

    def _leave_fine(self) -> None:
        live = self.live
        if live is not None:
            live.run.stacks = live.run.live_stacks()
            live.run.close()
        k = self.kernel
        k.fine, k.eager, k.thread, k.lane, k.origin = False, False, None, None, None
        k.locks, k.irq_depth, k.rcu_depth, k.rcu_section = {}, {}, {}, {}
        k.warnings, k.notes = [], []

    def _drop_live(self) -> None:
        """A block that failed: everything it did is undone; no record is left."""
        live = self.live
        assert live is not None
        self._leave_fine()
        self.live = None
        del self.commands[live.index:]
        self._abandon(live.first)

    def _end_block(self, crash: Oops | None) -> CommandRecord:
        """Close the live block's record: each line's result, the schedule it took."""
        live = self.live
        assert live is not None
        run = live.run
        if live.free is None:
            live.free = len(run.history)
        self._leave_fine()
        oops = None
        if crash is not None:
            crash.stacks.update(run.stacks)
            oops = self._crashed(crash, live.index)
        if self.check and oops is None:
            invariants.check_command_end(self.state, self._touched.values())
        first, end = live.first, len(self.steps)
        parts = tuple(CommandRecord(r.command, r.ret, r.warnings, r.notes, first, end)
                      for r in run.line_results())
        command = with_schedule(live.block.command, run.history[:live.free])
        record = CommandRecord(command, 0, [], [], first, end, [], oops, parts,
                               tuple(run.history))
        self.commands[live.index] = record
        self.live = None
        return record

    def reopen_block(self) -> bool:
        """Stepped back into a `together` block that has ended: make it live again at
        the cursor (what came after the block is dropped), so that another thread can
        take the next step. False if the cursor is not inside such a block."""
        index = self.command_index_at(self.cursor + 1) if self.cursor < len(self.steps) else None
        if index is None or self.live is not None:
            return False
        record = self.commands[index]
        if not record.parts or not record.first <= self.cursor < record.end:
            return False
        keep = self.cursor - record.first
        taken = list(record.taken[:keep])
        block = Block(record.command, [part.command for part in record.parts])
        self.goto(record.first)
        self.commands = self.commands[:index]
        self._forget_after(record.first)
        self._touched, self._warned_at = {}, []
        auto = self.state.sys["work_mode"] == "auto"
        self.live = LiveBlock(BlockRun(self, block, index), block, self.where, index,
                              record.first, auto)
        self.commands.append(CommandRecord(block.command, 0, [], [], record.first, record.first))
        self._enter_fine()
        for label in taken:
            self.live.run.scheduled(label)
        self._grow_record()
        return True

    def _run_pending(self, index: int) -> None:
        """`config work=auto`: what the command queued runs now, in queue order (RCU
        callbacks too: no reader is left at a command's end), until nothing is left."""
        k = self.kernel
        while pending(k):
            item = next((i for i in pending(k) if ready(k, i)), None)
            if item is None:
                return
            self._drive(run_item(k, item), index)

    def _crashed(self, crash: Oops, index: int) -> Oops:
        """Close the crashing micro-step (what the thread changed before the fault stays,
        as in the kernel) and stop the machine here."""
        stack = crash.trace()
        crash.stacks[crash.thread or str(crash.cpu)] = stack
        data = (f"oops.{crash.kind}", crash.function, crash.cpu, crash.message)
        st = self.state
        changes: tuple[Any, ...] = ()
        if st.log is not None:
            changes, st.log = tuple(st.log), []
        if self.on_step is not None:
            self.on_step(data, None)
        if self.history:
            self.steps.append(Step(data, stack, changes, index, crash.thread))
            self.cursor = len(self.steps)
        self.oops = crash
        return crash

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
        close = self._close
        while True:
            try:
                data = next(work)
            except StopIteration as stop:
                if st.log:  # changes after the last yield belong to no step: a bug
                    raise invariants.InvariantViolation("state changed after a command's last step")
                return stop.value
            close(data, work, index)

    def _close(self, data: tuple[Any, ...], work: Steps, index: int) -> None:
        """Close one micro-step: its changes since the last, checked, kept in history."""
        st = self.state
        if st.log is None:  # fast mode
            if self.on_step is not None:
                self.on_step(data, work)
            return
        steps = self.steps
        changes, st.log = tuple(st.log), []
        if self.check:
            invariants.check_step(st, changes, data, self._touched)
        if self.on_step is not None:
            self.on_step(data, work)
        warnings = self.kernel.warnings
        while len(self._warned_at) < len(warnings):
            self._warned_at.append(len(steps))
        if self.history:
            stack = tuple(call_stack(work))
            steps.append(Step(data, self._stacks.setdefault(stack, stack), changes, index,
                              self.kernel.lane))
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
        if self.oops is not None and not any(c.oops for c in self.commands if c.end <= end):
            self.oops = None  # the crash is no longer in this history
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

        doc = state_json(self.state)
        if self.oops is not None and self.cursor == len(self.steps):
            doc["oops"] = self.oops.json()  # at the crash: what the kernel printed
        return doc

