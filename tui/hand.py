"""Interleaving by hand: the `together` block at the cursor, and the learner's choice of
which thread takes its next micro-step (the explorer's thread keys).

A block typed at the command line starts without running (Machine.begin_block): its
threads wait for the learner, who picks one at a time; a block that already ran (from
a script, or chosen by hand and ended) can be stepped back into, and choosing another
thread there makes it run from that point again (Machine.step_thread replays it to the
cursor): the course it took before is kept as a branch, as for a command typed in the
past. Plain Python over the Session: tested without a terminal; tui.thread_keys maps
the keys to these functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine import CommandRecord, Machine, ScriptError, parse_line
from engine.invariants import InvariantViolation
from engine.steps import describe, function_of
from engine.threads import with_schedule

if TYPE_CHECKING:
    from engine.machine import Step
    from tui.session import Session

READ_SUFFIXES = (".read", ".test", ".read_memcg", ".read_once")  # a shared value read, kept


@dataclass(frozen=True)
class BlockView:
    """The `together` block the cursor is in (or has just ended)."""

    index: int  # its record in machine.commands
    record: CommandRecord
    live: bool  # still running: threads wait for the learner (Machine.live)
    taken: tuple[str, ...]  # the thread of each of its steps, from record.first
    done: int  # its steps before the cursor
    threads: tuple[str, ...]  # every thread it has: CPU threads in line order, kworkers
    choices: tuple[str, ...]  # who can take the next step (known at the live end only)
    can_choose: bool  # a thread key means something here

    @property
    def at_live_end(self) -> bool:
        """The cursor is where the running block stops for the learner's choice."""
        return self.live and self.done == self.record.end - self.record.first

    @property
    def next_in_history(self) -> str | None:
        """Stepped back: the thread that took the next step the last time."""
        return self.taken[self.done] if self.done < len(self.taken) else None


@dataclass(frozen=True)
class ThreadRow:
    """One thread of the block, as the lanes panel shows it."""

    label: str
    steps: int  # micro-steps it has taken before the cursor
    place: str | None  # where its last step left it: "in obj_stock_flush_required",
    # "drain cpu=1 returned 0", "drain_local_stock done" (a kworker's item)
    read: str | None  # a shared value its last step read and it has not used yet
    state: str  # "next" (n takes it), "ready", "finished", a wait, or "" (not known)


def block_at(session: Session) -> BlockView | None:
    """The block at the cursor: the one running, the one whose next step is ahead, or
    the one that has just ended (shown, but nothing to choose)."""
    m = session.machine
    cursor, total = m.cursor, len(m.steps)
    live = m.live
    if live is not None and cursor >= live.first:
        record = m.commands[live.index]
        taken = tuple(live.run.history)
        at_end = cursor == total
        choices = tuple(m.choices()) if at_end else ()
        return BlockView(live.index, record, True, taken, cursor - live.first,
                         _threads(record, taken, live_order(m)), choices, True)
    ahead = m.command_index_at(cursor + 1) if cursor < total else None
    for index, can_choose in ((ahead, True), (session.current(), False)):
        record = session.record(index)
        if record is None or not record.parts or index is None:
            continue
        inside = record.first <= cursor < record.end if can_choose else \
            record.first < cursor <= record.end
        if inside:
            taken = _taken(record)
            return BlockView(index, record, False, taken, cursor - record.first,
                             _threads(record, taken), (), can_choose)
    return None


def _taken(record: CommandRecord) -> tuple[str, ...]:
    """Who took each step of an ended block; the step that oopsed is its thread's too."""
    oops = record.oops
    return record.taken + ((oops.thread,) if oops is not None and oops.thread else ())


def live_order(m: Machine) -> tuple[str, ...]:
    live = m.live
    return () if live is None else tuple(live.run.order) + tuple(
        label for label in live.run.threads if label.startswith("w"))


def _threads(record: CommandRecord, taken: tuple[str, ...],
             order: tuple[str, ...] = ()) -> tuple[str, ...]:
    labels = list(order) or [str(part.command.cpu) for part in record.parts]
    labels += [label for label in taken if label.startswith("w")]
    return tuple(dict.fromkeys(labels))


def default_next(view: BlockView) -> str | None:
    """The thread `n` gives the next step at the live end: the one that stepped last if
    it can go on, else the first in order (what the block does when left to run)."""
    if not view.choices:
        return None
    last = view.taken[-1] if view.taken else None
    return last if last in view.choices else view.choices[0]


def thread_rows(session: Session, view: BlockView) -> list[ThreadRow]:
    """Each thread: how far it got, where it is, what it read and still holds."""
    m = session.machine
    steps = m.steps
    first = view.record.first
    last: dict[str, Step] = {}
    count: dict[str, int] = {}
    for offset, label in enumerate(view.taken[:view.done]):
        step = steps[first + offset]
        if step.data[0].startswith("oops."):
            continue  # the crash: the thread stays where it was (its read not used)
        last[label] = step
        count[label] = count.get(label, 0) + 1
    live = m.live if view.live else None
    nxt = default_next(view) if view.at_live_end else view.next_in_history
    rows = []
    for label in view.threads:
        step = last.get(label)
        if label == nxt:
            state = "next"
        elif live is not None and view.at_live_end:
            reason = live.run.why_not(label)
            state = "ready" if reason is None else "finished" if "finished" in reason \
                else "idle" if "no work" in reason else reason
        else:
            state = ""
        rows.append(ThreadRow(label, count.get(label, 0),
                              place_of(step) if step is not None else None,
                              held_read(step), state))
    return rows


def place_of(step: Step) -> str:
    """Where a thread's last step left it, in the words of the trail."""
    data = step.data
    if data[0] == "line.return":  # its line has returned (engine.threads): named by its
        return f"{data[2]} returned {data[3]}"  # text (a number would be the file's line)
    if data[0] == "work.done":  # a kworker's item is done
        return f"{data[2]} done"
    return f"in {function_of(data[0])}"


def held_read(step: Step | None) -> str | None:
    """The value a read step took from shared memory, in its trail's words after the
    function name ("cpu1's stock->cached_objcg is /A"); None for any other step."""
    if step is None or not step.data[0].endswith(READ_SUFFIXES):
        return None
    text = describe(step.data)
    return text.split(": ", 1)[1] if ": " in text else text


# -- what the keys do ------------------------------------------------------------------------
def take(session: Session, label: str) -> str:
    """Thread `label` takes the next micro-step of the block at the cursor. Returns what
    to say: '' when it went as asked, else one line (why not, or what happened)."""
    view = block_at(session)
    if view is None or not view.can_choose:
        return ("no together block here: type one at the prompt (together, a line per CPU "
                "with cpu=N, end) or step into one")
    if label not in view.threads and not _kworker_of_block(session, view, label):
        names = " ".join(view.threads)
        return f"this block has no thread {label} (its threads: {names})"
    m = session.machine
    if not view.at_live_end and view.next_in_history == label:
        session.step()  # the same choice as before: the history already holds it
        return ""
    future = m.commands[view.index:]
    spans = [(script_of(m, c), c.first, c.end) for c in future]
    replaced = not view.at_live_end
    try:
        reason = m.step_thread(label)
    except ScriptError as err:
        return str(err)
    except InvariantViolation as err:
        session.violation = f"{view.record.command.text}: {err}"
        return session.violation
    said = ""
    if replaced:
        branch = session._save_branch(view.index, spans)  # the course it took before
        said = (f"the block runs again from here; its earlier course is branch "
                f"{session.branches.index(branch) + 1} (y goes back to it)")
    if reason is not None:
        return f"{reason}{'; ' + said if said else ''}"
    ended = _end_if_done(m)
    return ended or said


def step_default(session: Session) -> str:
    """`n` at the live end: the next step in the default order."""
    view = block_at(session)
    if view is None or not view.at_live_end:
        return "no together block is waiting here"
    label = default_next(view)
    if label is None:
        return _end_if_done(session.machine) or "no thread can step"
    return take(session, label)


def run_rest(session: Session) -> str:
    """`N` at the live end: what is left of the block runs in order, to its end."""
    m = session.machine
    if m.live is None:
        return "no together block is running"
    try:
        record = m.finish_block()
    except ScriptError as err:
        return str(err)
    except InvariantViolation as err:
        session.violation = str(err)
        return session.violation
    return ended_line(record)


def _end_if_done(m: Machine) -> str:
    """A running block no thread can step any more has ended: close its record."""
    if m.live is None:
        record = m.commands[-1] if m.commands else None
        return "the kernel oopsed: b steps back" if record is not None and record.oops else ""
    if m.choices():
        return ""
    return ended_line(m.finish_block())


def ended_line(record: CommandRecord) -> str:
    if record.oops is not None:
        return f"{record.oops.headline()}: nothing more runs; b steps back, then choose again"
    schedule = record.command.opts.get("schedule")
    chosen = f" (the steps you chose are its schedule={schedule})" if schedule else ""
    return f"the block has ended{chosen}"


def _kworker_of_block(session: Session, view: BlockView, label: str) -> bool:
    """A kworker the block may grow (work queued on an online CPU's kworker)."""
    if not label.startswith("w") or not label[1:].isdigit():
        return False
    cpus = session.machine.state.cpus
    return any(c["cpu"] == int(label[1:]) for c in cpus.values())


# -- typing a block at the command line --------------------------------------------------------
def run_line(m: Machine, text: str, where: str, line: int) -> CommandRecord | None:
    """Machine.run_line, except that the `end` of a block typed at the command line
    starts it for the learner to step by hand instead of running it. A block typed with
    its schedule= runs as in a script (those steps, then the rest in order)."""
    if m.block is not None and not m.block.schedule_text:
        try:
            command = parse_line(text, line, in_block=True)
        except ScriptError as err:
            raise err.located(where, line) from None
        if command is not None and command.name == "end":
            block, m.block = m.block, None
            return m.begin_block(block, where)
    return m.run_line(text, where, line)


def typing_note(m: Machine) -> str:
    """What the message line says while a block is being typed."""
    block = m.block
    if block is None:
        return ""
    cpus = sorted({line.cpu or 0 for line in block.lines})
    threads = ", ".join(f"cpu{cpu}" for cpu in cpus) or "none yet"
    then = (f"'end' runs it: schedule={block.schedule_text}, then the rest in order"
            if block.schedule_text else "'end' starts the block and you choose which CPU steps")
    return f"together: {len(block.lines)} line(s), threads {threads}; each line needs cpu=N; {then}"


def begun_note(session: Session) -> str:
    view = block_at(session)
    if view is None or not view.at_live_end:
        return ""
    keys = " or ".join(view.choices)
    return f"the block waits: {keys} steps that thread, n the next in order, N the rest"


def settle(m: Machine, fully: bool = False) -> None:
    """A running block, the cursor before it: end the block there (its steps chosen so
    far, then the rest in order) so that a command typed now forks where the cursor is
    (from the cursor inside the block, Machine.run_line ends it from the cursor). With
    `fully`, wherever the cursor is (before history is cut: a branch switch)."""
    live = m.live
    if live is None or m.block is not None or (m.cursor >= live.first and not fully):
        return
    at = m.cursor
    m.goto(len(m.steps))
    try:
        m.finish_block()
    except ScriptError:
        pass  # (a deadlock: the engine has dropped the block, nothing of it stays)
    m.goto(at)


def script_of(m: Machine, record: CommandRecord) -> str:
    """The script text of a command as it ran: a `together` block is its first line (with
    the schedule chosen so far), each of its lines, and `end`."""
    if not record.parts and not is_live(m, record):
        return record.command.text
    command = record.command
    live = m.live
    if live is not None and m.commands[live.index] is record:
        command = with_schedule(command, list(live.run.history))
        lines = [line.text for line in live.block.lines]
    else:
        lines = [part.command.text for part in record.parts]
    return "\n".join([command.text, *(f"  {line}" for line in lines), "end"])


def is_live(m: Machine, record: CommandRecord) -> bool:
    """`record` is the block running now, waiting for the learner's choices."""
    return m.live is not None and m.commands[m.live.index] is record
