"""`objcg-lab race FILE [--bound K] [--kernel V] [--json]`: every interleaving of a
`together` block with at most K preemptions, run, grouped by outcome.

A preemption is a switch away from a thread that could still take a step (CHESS's
context bounding): most concurrency bugs need very few, and the number of schedules
grows only polynomially with the block's length for a fixed K. The search runs the
script up to the block once, then each schedule from that state (the engine is
deterministic: the same schedule gives the same bytes), depth first: a schedule is a
prefix of choices followed by the non-preemptive default (the thread that ran last goes
on while it can, else the first in order), and every point where another thread could
have run instead, within the bound, starts a new prefix.

What it guarantees: every schedule of the model with at most K preemptions is run, at
the model's granularity (a micro-step per shared access the kernel makes separately;
what a lock or an irq-off section protects is never split). What it does not: bugs that
need more preemptions, finer interleavings than the model's micro-steps, or memory
orderings weaker than the order of the steps (the model is sequentially consistent).
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

from engine.headless import script_or_say
from engine.invariants import InvariantViolation, check_all
from engine.kernel.oops import Oops
from engine.machine import Machine
from engine.script import ScriptError, parse_line, script_lines
from engine.threads import Block, BlockRun, check_block, compact_schedule

MAX_BOUND = 6  # preemptions: beyond this the search takes hours
DEFAULT_BOUND = 2


@dataclass
class Outcome:
    kind: str  # "oops", "warn", "violation", "error" or "ok"
    key: str  # what makes two outcomes the same
    oops: dict[str, Any] | None
    message: str
    schedule: list[str]
    state: dict[str, Any] | None
    count: int = 1
    preemptions: int = 0  # of the schedule kept: the fewest found, then the shortest
    in_order: bool = False  # the state the threads give run in order, without a schedule


FINDINGS = ("oops", "warn", "violation")  # exit status 1


@dataclass
class Report:
    kernel: str
    bound: int
    schedules: int = 0
    pruned: int = 0  # prefixes that turned out equal to another schedule
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    first_oops_at: int | None = None  # schedules run before the first oops
    rcu: bool = True  # grace periods wait for readers (the kernel's way)

    @property
    def failed(self) -> bool:
        return any(o.kind in FINDINGS for o in self.outcomes.values())

    @property
    def errors(self) -> bool:
        return any(o.kind == "error" for o in self.outcomes.values())


@dataclass
class Script:
    """The script split around its block: what runs once, the block, what follows."""

    before: list[tuple[int, str]]
    block: Block
    after: list[tuple[int, str]]


def split_script(text: str, where: str) -> Script:
    before: list[tuple[int, str]] = []
    after: list[tuple[int, str]] = []
    block: Block | None = None
    closed = False
    for number, raw in enumerate(script_lines(text), start=1):
        try:
            command = parse_line(raw, number, in_block=block is not None and not closed)
        except ScriptError as err:
            raise err.located(where, number) from None
        if command is None:
            continue
        if block is not None and not closed:
            if command.name == "end":
                closed = True
            else:
                block.lines.append(command)
            continue
        if command.name == "together":
            if block is not None:
                raise ScriptError("race searches one together block; this is a second one"
                                  ).located(where, number)
            block = Block(command)
            continue
        (after if block is not None else before).append((number, raw))
    if block is None:
        raise ScriptError("race needs a together block (together ... end) to search")
    if not closed:
        raise ScriptError("together without end: the block's lines never ran", where,
                          block.command.line)
    return Script(before, block, after)


class Search:
    """Runs schedules of one block from a saved state."""

    def __init__(self, script: Script, where: str, kernel: str | None,
                 rcu: bool = True, revert: tuple[str, ...] = ()) -> None:
        self.script, self.where = script, where
        self.machine = Machine(history=False, check=False, books=True, kernel=kernel,
                               revert=revert)
        self.machine_kernel = kernel
        self.machine.kernel.rcu_protects = rcu
        for number, raw in script.before:
            record = self.machine.run_line(raw, where, number)
            if record is not None and record.oops is not None:
                raise ScriptError("the kernel oopsed before the block", where, number)
        k = self.machine.kernel
        try:
            check_block(k, script.block)  # offline CPUs, bad schedule labels: errors now
        except ScriptError as err:
            raise err.located(where, err.line or script.block.command.line) from None
        self.kernel = k.st.sys["kernel"]
        self.saved = self.machine.state.checkpoint()
        self.auto = k.st.sys["work_mode"] == "auto"

    def run(self, prefix: list[str], known: list[tuple[str, list[str]]] | None = None
            ) -> tuple[Outcome | None, list[tuple[str, list[str]]]]:
        """Run prefix, then the default; the steps taken, each with the threads that
        could have taken it (`known`: those of the prefix, from the run it came from).
        None if the prefix names a thread that had no step left."""
        m = self.machine
        m.state.restore(self.saved)
        m.kernel.read_config()
        m.oops, m.block = None, None
        run = BlockRun(m, self.script.block, 0)
        k = m.kernel
        trace: list[tuple[str, list[str]]] = []
        k.fine, k.locks, k.irq_depth, k.rcu_depth, k.rcu_section = True, {}, {}, {}, {}
        try:
            for i, label in enumerate(prefix):
                enabled = known[i][1] if known is not None and i < len(known) else run.runnable()
                if run.scheduled(label) is not None:
                    return None, trace
                trace.append((label, enabled))
            while True:
                enabled = run.runnable()
                if not self.auto:
                    enabled = [t for t in enabled if not t.startswith("w")
                               or run.threads[t].gen is not None]
                if not enabled:
                    break
                label = run.current if run.current in enabled else enabled[0]
                if run.take(label):
                    trace.append((label, enabled))
                else:
                    run.current = run.next_after_failed(label)
            stuck = [t for t in run.threads.values() if not t.finished
                     and (not t.worker or t.gen is not None)]
            if stuck:
                raise ScriptError("deadlock: " + "; ".join(
                    run.why_not(t.label) or t.label for t in stuck))
        except Oops as crash:
            run.close()
            self._reset(k)
            return self._oops(crash, trace), trace
        except InvariantViolation as err:
            run.close()
            self._reset(k)
            return Outcome("violation", f"violation:{err}", None, str(err),
                           [t for t, _ in trace], None), trace
        except ScriptError as err:
            run.close()
            self._reset(k)
            return Outcome("error", f"error:{err.message}", None, err.message,
                           [t for t, _ in trace], None), trace
        said = [w for r in run.line_results() for w in r.warnings]
        run.close()
        self._reset(k)
        return self._finish([t for t, _ in trace], said), trace

    def _reset(self, k: Any) -> None:
        k.fine, k.eager, k.thread, k.lane, k.origin = False, False, None, None, None
        k.locks, k.irq_depth, k.rcu_depth, k.rcu_section = {}, {}, {}, {}
        k.warnings, k.notes = [], []

    def _oops(self, crash: Oops, trace: list[tuple[str, list[str]]]) -> Outcome:
        where = crash.trace()
        return Outcome("oops", f"oops:{crash.kind}:{crash.function}:{where[-1:]}", crash.json(),
                       crash.message, [t for t, _ in trace], None)

    def _finish(self, schedule: list[str], said: list[str]) -> Outcome:
        """The block ran to its end: the work left, the lines after, then every invariant.
        A kernel WARN that the block's schedule makes the kernel print is a finding."""
        m = self.machine
        try:
            if self.auto:
                m._run_pending(0)
                said = said + m.kernel.warnings
            for number, raw in self.script.after:
                record = m.run_line(raw, self.where, number)
                if record is not None and record.oops is not None:
                    return self._oops(record.oops, [(t, []) for t in schedule])
                if record is not None:
                    said = said + record.warnings
            check_all(m.state)
        except InvariantViolation as err:
            return Outcome("violation", f"violation:{err}", None, str(err), schedule, None)
        except ScriptError as err:
            return Outcome("error", f"error:{err.message}", None, err.message, schedule, None)
        state = m.snapshot()
        if said:
            first = said[0].split(" (WARN_ON_ONCE")[0]
            return Outcome("warn", "warn:" + first, None, first, schedule, state)
        return Outcome("ok", "ok:" + json.dumps(state, sort_keys=True), None, "", schedule,
                       state)

    def in_order(self, text: str) -> dict[str, Any] | None:
        """The state of the whole script run as `run` runs it, the block without a
        schedule (its threads in order): None if that oopses or fails."""
        machine = Machine(history=False, check=False, kernel=self.machine_kernel)
        try:
            for number, raw in enumerate(script_lines(text), start=1):
                record = machine.run_line(raw, self.where, number)
                if record is not None and record.oops is not None:
                    return None
        except ScriptError:
            return None
        return machine.snapshot()


def search(script: Script, where: str, bound: int, kernel: str | None,
           progress: Callable[[Report], None] | None = None, rcu: bool = True,
           revert: tuple[str, ...] = (),
           on_new: Callable[[Outcome], None] | None = None, text: str | None = None) -> Report:
    """Every schedule with at most `bound` preemptions, depth first. rcu=False: what if
    grace periods did not wait for readers (to see what RCU protects); revert: changes
    of engine.kernel.versions switched off (to see what they fix); text: the whole script,
    to mark the outcome its threads give run in order."""
    runner = Search(script, where, kernel, rcu, revert)
    report = Report(runner.kernel, bound, rcu=rcu)
    todo: list[tuple[list[str], list[tuple[str, list[str]]] | None]] = [([], None)]
    while todo:
        prefix, known = todo.pop()
        outcome, trace = runner.run(prefix, known)
        if outcome is None:
            report.pruned += 1
            continue
        report.schedules += 1
        labels = [t for t, _ in trace]
        # leaving a thread is a preemption if it could still step (`enabled` knows: a
        # line's last micro-step is its return, after which the thread is finished)
        preempts = [i > 0 and labels[i - 1] in trace[i][1] for i in range(len(trace))]
        outcome.preemptions = sum(p and labels[i] != labels[i - 1] for i, p in enumerate(preempts))
        if _keep(report, outcome) and on_new is not None:
            on_new(outcome)
        if progress is not None and report.schedules % 200 == 0:
            progress(report)
        # where else could the schedule have gone after its prefix, within the bound?
        spent = 0
        for i, (label, enabled) in enumerate(trace):
            before = labels[i - 1] if i else None
            if i >= len(prefix):
                for alt in enabled:
                    if alt != label and spent + int(preempts[i] and alt != before) <= bound:
                        todo.append((labels[:i] + [alt], trace[:i + 1]))
            spent += int(preempts[i] and label != before)
    if text is not None:
        reference = runner.in_order(text)
        for outcome in report.outcomes.values():
            outcome.in_order = reference is not None and outcome.state == reference
    return report


def _keep(report: Report, outcome: Outcome) -> bool:
    """Count the outcome, keeping the schedule with the fewest preemptions (then the
    shortest) of those that give it; True if it is a new one."""
    if outcome.kind == "oops" and report.first_oops_at is None:
        report.first_oops_at = report.schedules
    kept = report.outcomes.get(outcome.key)
    if kept is None:
        report.outcomes[outcome.key] = outcome
        return True
    kept.count += 1
    if (outcome.preemptions, len(outcome.schedule)) < (kept.preemptions, len(kept.schedule)):
        kept.schedule, kept.state = outcome.schedule, outcome.state
        kept.preemptions = outcome.preemptions
    return False


def reproducer(text: str, script: Script, schedule: list[str], kernel: str | None) -> str:
    """The script with the block's schedule filled in: it reproduces that outcome."""
    lines = list(script_lines(text))
    number = script.block.command.line
    head = lines[number - 1]
    indent = head[:len(head) - len(head.lstrip())]
    opts = " ".join(w for w in head.split()[1:] if not w.startswith("schedule=")
                    and not w.startswith("#"))
    lines[number - 1] = f"{indent}together schedule={compact_schedule(schedule)}" + (
        f" {opts}" if opts else "")
    if kernel is not None:
        lines = _force_kernel(lines, kernel)
    return "\n".join(lines).rstrip("\n") + "\n"


def _force_kernel(lines: list[str], kernel: str) -> list[str]:
    """`--kernel V`: the reproducer says so in its config line (or gains one)."""
    for n, line in enumerate(lines):
        words = line.split()
        if words and words[0] == "config":
            kept = [w for w in words if not w.startswith("kernel=")]
            lines[n] = " ".join(kept + [f"kernel={kernel}"])
            return lines
        if words and not words[0].startswith("#"):
            break
    return [f"config kernel={kernel}"] + lines


ORDER = {"oops": 0, "warn": 1, "violation": 2, "error": 3, "ok": 4}
HEADS = {"oops": "OOPS", "warn": "KERNEL WARNING", "violation": "INVARIANT BROKEN",
         "error": "ERROR", "ok": "ok"}


def report_json(report: Report, text: str, script: Script, kernel: str | None) -> dict[str, Any]:
    """Findings first, then errors, then the final states; the in-order one first."""
    outcomes = sorted(report.outcomes.values(),
                      key=lambda o: (ORDER[o.kind], not o.in_order, o.preemptions, len(o.schedule)))
    reference = next((o.state for o in outcomes if o.in_order), None)
    return {
        "kernel": report.kernel, "bound": report.bound, "schedules": report.schedules,
        **({} if report.rcu else {"rcu": "off"}),
        "outcomes": [{
            "kind": o.kind, "oops": o.oops, "message": o.message, "count": o.count,
            "schedule": compact_schedule(o.schedule), "preemptions": o.preemptions,
            "in_order": o.in_order,
            # a script can only say what the kernel does: no reproducer for --rcu-off
            "script": reproducer(text, script, o.schedule, kernel) if report.rcu else None,
            "state": o.state,
            "differs": state_diff(reference, o.state) if reference and o.state else [],
        } for o in outcomes],
    }


def state_diff(before: dict[str, Any], after: dict[str, Any], limit: int = 8) -> list[str]:
    """What an outcome's state has that the in-order state has not, as `where: a -> b`
    (records named as the JSON names them), at most `limit` lines."""
    flat_a, flat_b = _flatten(before), _flatten(after)
    lines = [f"{key}: {flat_a.get(key, '-')} -> {flat_b.get(key, '-')}"
             for key in sorted(flat_a.keys() | flat_b.keys())
             if flat_a.get(key) != flat_b.get(key)]
    if len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more"]
    return lines


def _flatten(doc: Any, path: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.update(_flatten(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(doc, list) and all(isinstance(e, dict) and ("name" in e or "cpu" in e)
                                       for e in doc) and doc:
        for entry in doc:
            name = entry.get("name", entry.get("cpu"))
            out.update(_flatten(entry, f"{path}[{name}]"))
    else:
        out[path] = json.dumps(doc)
    return out


def main_race(path: str, bound: int, kernel: str | None, as_json: bool,
              out: TextIO | None = None, err: TextIO | None = None, rcu: bool = True) -> int:
    """0: nothing found; 1: a schedule oopses, makes the kernel WARN or breaks an
    invariant; 2: bad input, or schedules in which a line cannot run (and nothing found)."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if not 0 <= bound <= MAX_BOUND:
        print(f"race: --bound {bound}: from 0 to {MAX_BOUND} preemptions", file=err)
        return 2
    text = script_or_say(path, err)
    if text is None:
        return 2
    tty = hasattr(err, "isatty") and err.isatty()

    def progress(report: Report) -> None:
        found = sum(1 for o in report.outcomes.values() if o.kind in FINDINGS)
        err.write(f"\rrace: {report.schedules} schedules, {len(report.outcomes)} outcomes"
                  f" ({found} found)")
        err.flush()

    try:
        script = split_script(text, path)
        report = search(script, path, bound, kernel, progress if tty else None, rcu,
                        text=text)
    except ScriptError as exc:
        print(exc if exc.where else f"{path}: error: {exc.message}", file=err)
        return 2
    if tty:
        err.write("\r" + " " * 60 + "\r")
    if as_json:
        json.dump(report_json(report, text, script, kernel), out, indent=1)
        out.write("\n")
    else:
        _text(report, text, script, kernel, out)
    return 1 if report.failed else 2 if report.errors else 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _text(report: Report, text: str, script: Script, kernel: str | None, out: TextIO) -> None:
    w = out.write
    if not report.rcu:
        w("race: WHAT IF: grace periods do not wait for RCU readers (--rcu-off); "
          "the kernel's do\n")
    w(f"race: kernel {report.kernel}, at most {_plural(report.bound, 'preemption')}: "
      f"{_plural(report.schedules, 'schedule')}, "
      f"{_plural(len(report.outcomes), 'distinct outcome')}\n")
    doc = report_json(report, text, script, kernel)
    for n, o in enumerate(doc["outcomes"], 1):
        w(f"\n{n}. {HEADS[o['kind']]} ({_plural(o['count'], 'schedule')})")
        if o["oops"]:
            oops = o["oops"]
            w(f": {oops['kind']} in {oops['function']} on cpu{oops['cpu']}")
            callers = [f for f in oops["trace"] if f != oops["function"]]
            if callers:
                w(f" (called from {' <- '.join(reversed(callers))})")
        if o["in_order"]:
            w(": the same end as the threads run in order")
        w("\n")
        if o["message"]:
            w(f"   {o['message']}\n")
        shown = o["schedule"] or "(the threads in order)"
        w(f"   schedule ({_plural(o['preemptions'], 'preemption')}): {shown}\n")
        for line in o["differs"]:
            w(f"   differs from the threads in order: {line}\n")
        if o["kind"] != "ok" and o["script"] is not None:
            w("   reproduce with:\n")
            w("".join(f"     {line}\n" for line in o["script"].splitlines()))
    if not report.rcu:
        w("\n(no script reproduces an outcome of --rcu-off: no script can make a grace "
          "period end under a reader)\n")
    if report.failed:
        verdict = "some schedules crash the kernel, make it WARN or break an invariant"
    elif report.errors:
        verdict = "nothing found, but in some schedules a line cannot run (see ERROR)"
    else:
        verdict = "no schedule oopses, WARNs or breaks an invariant"
    w(f"\n{verdict}\n")
