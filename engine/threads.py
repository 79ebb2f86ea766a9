"""CPUs at once: the threads of a `together` block, interleaved one micro-step at a time.

    together [schedule=S]
      COMMAND cpu=N
      COMMAND cpu=M
    end

Each CPU's lines run in order as that CPU's thread (label "0", "1", ...); work queued
on CPU N during the block (a remote drain, an RCU callback, css_killed_work_fn) runs as
the thread "wN", that CPU's kworker. Inside a block the kernel functions yield at each
access to shared state that the kernel makes separately (`k.fine`), so another thread
can take its micro-step in between. What keeps threads apart is what keeps CPUs apart
in the kernel: locks (a thread that finds one held waits and takes no step) and, for
the threads of one CPU only, sections with interrupts or preemption off (the lock
"cpuN"; engine.kernel.locks).

A schedule names, entry by entry, the thread that takes the next micro-step; when it
runs out, the threads that are left run one after the other to their end, in the order
of their first line, then the kworkers (with `work=auto`). `BlockRun` is that
scheduler; the machine drives it (engine.machine), `objcg-lab race` searches over it
(engine.race) and the explorer lets a learner pick each step by hand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from engine.commands import prepare
from engine.kernel.base import Kernel, Steps
from engine.kernel.locks import cpu_lock
from engine.kernel.work import WorkItem, pending, ready, run_item
from engine.script import Command, ScriptError

if TYPE_CHECKING:
    from engine.machine import Machine

MAX_SCHEDULE = 100_000  # entries: far more micro-steps than any block takes
_LABEL = re.compile(r"w?[0-9]{1,2}", re.ASCII)


@dataclass
class Block:
    """A `together` block as read: its first line and the lines of its threads."""

    command: Command
    lines: list[Command] = field(default_factory=list)

    @property
    def schedule_text(self) -> str:
        return self.command.opts.get("schedule", "")


def parse_schedule(text: str) -> list[str]:
    """'1,1,0,w1' -> ['1', '1', '0', 'w1']; 'N*K' is K entries of N ('0*7,1' is seven 0s
    and a 1). The form only: whether each thread can step is checked as it runs."""
    if not text:
        return []
    entries: list[str] = []
    for n, entry in enumerate(text.split(","), 1):
        label, star, times = entry.partition("*")
        if not _LABEL.fullmatch(label):
            raise ScriptError(f"schedule entry {n} '{entry}' is not a thread: a CPU's number "
                              "(0, 1, ...) or its kworker (w0, w1, ...), optionally *COUNT")
        count = 1
        if star:
            if not (times.isascii() and times.isdigit() and 0 < len(times) <= 6 and int(times)):
                raise ScriptError(f"schedule entry {n} '{entry}': *COUNT takes a count from 1 "
                                  f"to {MAX_SCHEDULE}")
            count = int(times)
        if len(entries) + count > MAX_SCHEDULE:
            raise ScriptError(f"schedule= has more than {MAX_SCHEDULE} entries")
        entries += [label] * count
    return entries


def compact_schedule(schedule: list[str]) -> str:
    """The shortest text parse_schedule reads back as `schedule`: runs as N*K."""
    parts = []
    i = 0
    while i < len(schedule):
        j = i
        while j < len(schedule) and schedule[j] == schedule[i]:
            j += 1
        run = j - i
        parts += [f"{schedule[i]}*{run}"] if run > 2 else [schedule[i]] * run
        i = j
    return ",".join(parts)


@dataclass
class LineResult:
    """What one line of a block returned, and what it printed."""

    command: Command
    ret: int | None = None  # None: the line never returned (an oops came first)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Thread:
    """One CPU's lines, or one CPU's kworker, with its generator suspended between steps."""

    def __init__(self, label: str, cpu: int, lines: list[Command]) -> None:
        self.label, self.cpu, self.lines = label, cpu, lines
        self.cpu_lock = cpu_lock(cpu)  # held by a thread of its CPU with interrupts off
        self.worker = label.startswith("w")
        self.next_line = 0
        self.gen: Steps | None = None
        self.result: LineResult | None = None  # of the line running now
        self.waiting: str | None = None  # the lock it found held at its last try
        self.steps = 0  # micro-steps taken
        self.returned = False  # its line has taken its last micro-step (line_return)
        # the kernel context where it stopped (a thread inside run_item runs on the
        # item's CPU, in its lane): (current_cpu, lane, origin)
        self.ctx: tuple[int, str | None, int | None] | None = None

    @property
    def finished(self) -> bool:
        """All its lines have returned (a kworker is never finished: work may come)."""
        return not self.worker and self.next_line >= len(self.lines) and (
            self.gen is None or self.returned)


class BlockRun:
    """The scheduler of one block: which thread may step, and one step of a thread."""

    def __init__(self, machine: Machine, block: Block, index: int) -> None:
        self.machine, self.k, self.index = machine, machine.kernel, index
        self.block = block
        self.results = {line.line: LineResult(line) for line in block.lines}
        self.threads: dict[str, Thread] = {}
        for line in block.lines:  # CPU threads in the order of their first line
            label = str(line.cpu)
            if label not in self.threads:
                self.threads[label] = Thread(label, line.cpu or 0, [])
            self.threads[label].lines.append(line)
        self.order = list(self.threads)
        self.orphans = LineResult(block.command)  # what work queued before the block says
        self.current: str | None = None  # the thread that took the last step
        self.history: list[str] = []  # the schedule so far
        self.stacks: dict[str, tuple[str, ...]] = {}  # each thread's, when it ended

    # -- who may take the next micro-step ----------------------------------------------
    def worker(self, cpu: int) -> Thread:
        label = f"w{cpu}"
        if label not in self.threads:
            self.threads[label] = Thread(label, cpu, [])
        return self.threads[label]

    def _work_for(self, cpu: int) -> WorkItem | None:
        k = self.k
        return next((i for i in pending(k) if i[2] == cpu and ready(k, i)), None)

    def why_not(self, label: str) -> str | None:
        """None if the thread can take a step now, else the reason it cannot."""
        thread = self.threads.get(label)
        if thread is None:
            if label.startswith("w") and int(label[1:]) < self.k.nr_cpus:
                thread = self.worker(int(label[1:]))
            else:
                return f"there is no thread {label} in this block"
        if thread.finished:
            return f"thread {label} has finished"
        if thread.worker and thread.gen is None and self._work_for(thread.cpu) is None:
            return f"kworker {label} has no work ready"
        owner = self.k.locks.get(thread.cpu_lock)
        if owner is not None and owner != label:
            return (f"thread {label} cannot run while thread {owner} has interrupts or "
                    f"preemption off on cpu{thread.cpu}")
        if thread.waiting is not None:
            holder = self.k.locks.get(thread.waiting)
            if holder is not None and holder != label:
                return f"thread {label} waits for {thread.waiting}, held by thread {holder}"
        return None

    def runnable(self, workers: bool = True) -> list[str]:
        """Threads that can step now: CPU threads in first-line order, then kworkers.
        (why_not() says the same of each; this is its fast form, for every step of a
        race search.)"""
        locks = self.k.locks
        out = []
        for label in self.order:
            thread = self.threads[label]
            if thread.finished:
                continue
            owner = locks.get(thread.cpu_lock)
            if owner is not None and owner != label:
                continue
            if thread.waiting is not None and locks.get(thread.waiting) not in (None, label):
                continue
            out.append(label)
        if workers:
            cpus = {item[2] for item in pending(self.k)}
            cpus.update(t.cpu for t in self.threads.values() if t.worker and t.gen)
            out += [label for label in (f"w{cpu}" for cpu in sorted(cpus))
                    if self.why_not(label) is None]
        return out

    def scheduled(self, label: str) -> str | None:
        """Let `label` take the step a schedule gives it; None, or why it cannot.

        A thread can hold a lock after its last micro-step (the code that releases it
        runs when the thread is resumed and finds its line has ended). If that is what
        stops `label`, the holder is resumed first: it finishes its line and lets go, and
        that is no step; if it had a step left, it takes it and `label` really waits."""
        for attempt in (1, 2):
            reason = self.why_not(label)
            if reason is None:
                if self.take(label):
                    return None
                reason = self.why_not(label) or f"thread {label} has finished"
            if attempt == 2 or not self._settle_blocker(label):
                return reason
        return None

    def blocker(self, label: str) -> str | None:
        """The suspended thread holding what `label` waits for (a lock, or its CPU)."""
        thread = self.threads.get(label)
        if thread is None:
            return None
        for lock in ([thread.waiting] if thread.waiting else []) + [cpu_lock(thread.cpu)]:
            holder = self.k.locks.get(lock)
            if holder not in (None, label) and holder in self.threads \
                    and self.threads[holder].gen is not None:
                return holder
        return None

    def next_after_failed(self, label: str) -> str | None:
        """Who goes on when `label` could not step: the holder of what it waits for, if
        it can run (the only way forward for `label`), else the first in order."""
        holder = self.blocker(label)
        return holder if holder is not None and self.why_not(holder) is None else None

    def _settle_blocker(self, label: str) -> bool:
        """Resume the suspended thread holding what `label` waits for: True if it only
        finished its line (and let go), False if it had a real step left (taken)."""
        thread = self.threads.get(label)
        if thread is None:
            return False
        wanted = [thread.waiting] if thread.waiting else []
        wanted.append(cpu_lock(thread.cpu))
        for lock in wanted:
            holder = self.k.locks.get(lock)
            blocker = self.threads.get(holder) if holder not in (None, label) else None
            if blocker is None or blocker.gen is None:
                continue
            self._enter(blocker)
            try:
                data = next(blocker.gen)
            except StopIteration as stop:
                self._ended(blocker, stop.value)
                return True
            blocker.ctx = (self.k.current_cpu, self.k.lane, self.k.origin)
            if data[0] != "wait":
                self.current = blocker.label
                self.history.append(blocker.label)
                self.machine._close(data, blocker.gen, self.index)
            return False
        return False

    # -- one micro-step ------------------------------------------------------------------
    def take(self, label: str) -> bool:
        """Let `label` take one micro-step. False if it turned out to have none left (its
        last line returned, or a kworker ran out of work) or it must wait for a lock:
        nothing changed then. Raises Oops and ScriptError from the kernel."""
        thread = self.threads[label] if label in self.threads else self.worker(int(label[1:]))
        k = self.k
        while True:
            if thread.gen is None and not self._start(thread):
                return False
            self._enter(thread)
            try:
                data = next(thread.gen)  # type: ignore[arg-type]
                thread.ctx = (k.current_cpu, k.lane, k.origin)
            except StopIteration as stop:
                self._ended(thread, stop.value)
                continue
            if data[0] == "wait":
                thread.waiting = data[1]
                return False
            thread.waiting = None
            thread.returned = data[0] == "line.return"
            thread.steps += 1
            self.current = label
            self.history.append(label)
            if thread.returned and thread.result is not None:
                thread.result.ret = data[3]
            self.machine._close(data, thread.gen, self.index)
            if thread.returned and k.eager:
                self._work_now()  # what the line queued runs now, as outside a block
            return True

    def _start(self, thread: Thread) -> bool:
        """Give the thread its next line (or a kworker its next item): False if none."""
        k = self.k
        if thread.worker:
            item = self._work_for(thread.cpu)
            if item is None:
                return False
            thread.gen = self._run_work(thread, item)
            return True
        if thread.next_line >= len(thread.lines):
            return False
        line = thread.lines[thread.next_line]
        thread.next_line += 1
        thread.result = self.results[line.line]
        self._enter(thread)
        try:
            thread.gen = line_return(prepare(k, line), line)
        except ScriptError as err:
            raise err.located(self.machine.where, line.line) from None
        thread.returned = False
        k.current_cpu = thread.cpu  # prepare() picks cpu 0 for commands without cpu=
        return True

    def _run_work(self, thread: Thread, item: WorkItem) -> Steps:
        """A kworker takes one item: what it prints goes to the line that queued it."""
        thread.result = self.results.get(item[6], self.orphans)  # type: ignore[arg-type]
        return work_done(run_item(self.k, item), item)

    def _enter(self, thread: Thread) -> None:
        """The kernel context of the thread about to step."""
        k = self.k
        k.thread = k.lane = thread.label
        k.current_cpu = thread.cpu
        result = thread.result or self.orphans
        k.warnings, k.notes = result.warnings, result.notes
        k.origin = result.command.line if result is not self.orphans else None
        if thread.ctx is not None:
            k.current_cpu, k.lane, k.origin = thread.ctx

    def _ended(self, thread: Thread, value: Any) -> None:
        if not thread.worker and thread.result is not None and thread.result.ret is None:
            thread.result.ret = value or 0
        thread.gen = None
        thread.result = None
        thread.ctx = None

    # -- the rest, in order ----------------------------------------------------------------
    def _work_now(self) -> None:
        """A line has ended while threads run in order (work=auto): what it queued runs
        now, as it would after a command outside `together`."""
        while True:
            busy = [t.label for t in self.threads.values() if t.worker and t.gen is not None]
            labels = busy or [f"w{item[2]}" for item in pending(self.k) if ready(self.k, item)]
            labels = [label for label in labels if self.why_not(label) is None]
            if not labels or not self.take(labels[0]):
                return

    def run_rest(self, workers: bool) -> None:
        """Each thread that is left runs to its end, in the order of its first line, then
        the kworkers; a thread that must wait lets the next one in order run. With
        work=auto the work the threads queue runs as it would outside `together` (a
        remote drain at once, the rest when the line ends), so a block whose threads run
        in order ends exactly as its lines run one after another would."""
        self.current = None  # the first in order goes first, whoever stepped last
        self.k.eager = workers
        while True:
            ready_now = [t for t in self.runnable() if workers or not t.startswith("w")
                         or self.threads[t].gen is not None]
            if not ready_now:
                break
            label = self.current if self.current in ready_now else ready_now[0]
            if not self.take(label):  # finished or waiting: who holds it, or the next
                self.current = self.next_after_failed(label)
        stuck = [t.label for t in self.threads.values()
                 if not t.finished and (not t.worker or t.gen is not None)]
        if stuck:
            raise ScriptError("deadlock: " + "; ".join(
                self.why_not(label) or f"thread {label} cannot go on" for label in stuck))

    def line_results(self) -> Iterator[LineResult]:
        """Every line's result, in line order; what work queued before the block printed
        goes with the first line."""
        results = [self.results[n] for n in sorted(self.results)]
        if results and (self.orphans.warnings or self.orphans.notes):
            results[0].warnings[:0] = self.orphans.warnings
            results[0].notes[:0] = self.orphans.notes
        return iter(results)

    def live_stacks(self) -> dict[str, tuple[str, ...]]:
        """Every suspended thread's kernel call stack (for an oops report)."""
        from engine.kernel.base import call_stack

        return {label: tuple(call_stack(t.gen)) for label, t in self.threads.items()
                if t.gen is not None}

    def close(self) -> None:
        """Close every suspended generator now (a generator closed later by the garbage
        collector would run its `finally` blocks in the middle of another command)."""
        for thread in self.threads.values():
            if thread.gen is not None:
                thread.gen.close()
                thread.gen = None


def line_return(gen: Steps, line: Command) -> Steps:
    """A line of a block: its command, then a micro-step of its own for its return,
    taken once every lock, irq-off section and RCU read-side section of the command has
    been let go, so a thread that has taken its last micro-step holds nothing."""
    ret = yield from gen
    yield ("line.return", line.line, line.text, ret or 0)
    return ret


def work_done(gen: Steps, item: WorkItem) -> Steps:
    """A kworker's item, then a micro-step saying it is done (as line_return)."""
    ret = yield from gen
    yield ("work.done", item[2], item[3])
    return ret


def check_block(k: Kernel, block: Block) -> list[str]:
    """Refuse, before anything runs, a block whose lines name CPUs that do not exist or
    are offline, or whose schedule names a thread the block cannot have."""
    for line in block.lines:
        cpu = line.cpu or 0
        if not 0 <= cpu < k.nr_cpus:
            raise ScriptError(f"cpu={cpu} does not exist (this machine has cpu0.."
                              f"cpu{k.nr_cpus - 1})").located("", line.line)
        if not k.cpu(cpu).get("online", True):
            raise ScriptError(f"cpu{cpu} is offline (cpu_up {cpu} first)").located("", line.line)
    if not block.lines:
        raise ScriptError("together ... end holds no line: nothing to run")
    schedule = parse_schedule(block.schedule_text)
    threads = {str(line.cpu) for line in block.lines}
    for n, label in enumerate(schedule, 1):
        cpu = int(label.lstrip("w"))
        if label.startswith("w") and cpu >= k.nr_cpus:
            raise ScriptError(f"schedule entry {n} '{label}': there is no cpu{cpu}")
        if not label.startswith("w") and label not in threads:
            raise ScriptError(f"schedule entry {n} '{label}': no line of this block runs "
                              f"on cpu{label}")
    return schedule


@dataclass
class LiveBlock:
    """A block the machine is running: its scheduler and where its record is."""

    run: BlockRun
    block: Block
    where: str
    index: int  # of its record in Machine.commands
    first: int  # its first micro-step
    auto: bool  # work=auto
    free: int | None = None  # how many steps were chosen (by schedule= or by hand)


def with_schedule(command: Command, chosen: list[str]) -> Command:
    """The `together` line as it ran: the chosen steps become its schedule= (the rest of
    the block follows the order, which replays the same)."""
    words = [w for w in command.text.split() if not w.startswith("schedule=")]
    opts = {k: v for k, v in command.opts.items() if k != "schedule"}
    if chosen:
        opts["schedule"] = compact_schedule(chosen)
        words.append(f"schedule={opts['schedule']}")
    return Command(command.name, command.args, opts, " ".join(words), command.line)
