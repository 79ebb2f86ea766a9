"""`lesson check` on goals: no hint leads where the goal can no longer be reached, and
no hint among the first two hands out the whole solution.

A learner does not type the solution as written: they free on another CPU, in another
order, and follow a hint where it applies. So from the goal's starting state the
checker walks every state reachable with the goal's *moves* (each solution line, on
every CPU when it names one, and every command a hint names), and wherever a hint
applies it plays the hint's commands and asks whether the goal can still be reached
with those moves. A hint that leads into a dead end is reported with the path that
got there. The walk is bounded (MAX_STATES) and deterministic.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterator

from engine import Machine, ScriptError
from engine.lessons.check import compare, when_checks
from engine.lessons.model import Goal, Hint
from engine.script import GRAMMAR, Command, parse_line

MAX_STATES = 400  # states visited per goal; enough for every course goal, bounded for any
MAX_DEPTH = 8  # moves in a row from the goal's start
MAX_CPU_VARIANTS = 4  # a move is tried on every CPU only on machines this small

_CODE = re.compile(r"`([^`\n]+)`")
_BARE = re.compile(r"\b(?:" + "|".join(sorted(GRAMMAR, key=len, reverse=True)) + r")\b[^`\n;.,()]*")


def hint_commands(text: str, bare: bool = True) -> list[str]:
    """The script lines a hint names: in backticks, and with `bare` also written out
    ('... drain cpu=0 runs drain_local_stock': the longest run of words that parses).
    Words that do not parse as a script line are not commands."""
    found: list[str] = []
    for candidate in _CODE.findall(text):
        _add(found, candidate.strip())
    if not bare:
        return found
    for match in _BARE.finditer(text):
        words = match.group(0).split()
        for end in range(len(words), 0, -1):
            if _add(found, " ".join(words[:end])):
                break
    return found


def _add(found: list[str], line: str) -> bool:
    """Keep `line` if it parses as a script line; whether it does."""
    try:
        command = parse_line(line)
    except ScriptError:
        return False
    if command is None:
        return False
    if line not in found:
        found.append(line)
    return True


def same_command(a: Command, b: Command) -> bool:
    """The same line, whatever the spelling of its size (8K is 8192)."""
    if a.name != b.name or a.opts != b.opts or len(a.args) != len(b.args):
        return False
    if a.size or b.size:  # alloc, charge, uncharge: OBJ SIZE
        return a.args[0] == b.args[0] and a.size == b.size
    return a.args == b.args


def gives_solution(hint: Hint, solution: list[Command]) -> bool:
    """Does the hint name every line of the solution?"""
    named = [c for c in (parse_line(line) for line in hint_commands(hint.text)) if c is not None]
    return bool(solution) and all(any(same_command(s, n) for n in named) for s in solution)


def solution_commands(goal: Goal) -> list[Command]:
    out = []
    for _, text in goal.solution.lines:
        try:
            command = parse_line(text)
        except ScriptError:
            continue
        if command is not None:
            out.append(command)
    return out


@dataclass(frozen=True)
class DeadEnd:
    """A hint that leads where the goal cannot be reached."""

    hint: int  # index in goal.hints
    path: tuple[str, ...]  # the moves from the goal's start to where the hint applied
    command: str  # the hint's command that leads into the dead end
    why: str  # what still differs after trying every move


def dead_ends(machine: Machine, goal: Goal) -> list[DeadEnd]:
    """Hints that lead into a dead end, one report per hint, from the state `machine`
    holds (the goal's start; history on, cursor at the end).

    A learner's moves are the solution's lines (on every CPU when they name one) and,
    wherever a hint applies, the commands it quotes in backticks, each a suggestion of
    its own. A hint leads into a dead end when, after one of its commands, no sequence
    of moves reaches the goal any more."""
    walk = _Walk(machine, goal)
    found: dict[int, DeadEnd] = {}
    for path in walk.states():
        if walk.reached():
            continue  # a learner asks no hint once the goal is reached
        at = machine.cursor
        for index, command in walk.hinted():
            if index in found:
                continue
            if walk.apply(command) and not walk.reachable():
                found[index] = DeadEnd(index, path, command, walk.differs())
            machine.goto(at)
    return [found[i] for i in sorted(found)]


class _Walk:
    """Depth-first over the states a learner's moves reach (each state visited once)."""

    def __init__(self, machine: Machine, goal: Goal) -> None:
        self.machine, self.goal = machine, goal
        self.commands = {i: hint_commands(h.text, bare=False) for i, h in enumerate(goal.hints)}
        self.solution = _variants(goal, machine.state.sys["cpus"])
        self.seen: set[str] = set()
        self.reach: dict[str, bool] = {}

    def key(self) -> str:
        return json.dumps(self.machine.snapshot(), sort_keys=True, default=str)

    def reached(self) -> bool:
        return all(c.ok for c in compare(self.machine.snapshot(), self.goal.expect))

    def hinted(self) -> list[tuple[int, str]]:
        """(hint index, command) of every hint that applies here."""
        state = self.machine.snapshot()
        return [(i, c) for i, hint in enumerate(self.goal.hints)
                if self.commands[i] and all(x.ok for x in when_checks(state, hint.when))
                for c in self.commands[i]]

    def moves(self) -> list[str]:
        return [*self.solution, *(c for _, c in self.hinted() if c not in self.solution)]

    def apply(self, command: str) -> bool:
        """Run a command at the cursor (dropping any future); False if it fails."""
        try:
            self.machine.run_line(command, "<hint>", 1)
        except ScriptError:
            return False
        return True

    def states(self, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
        """Yield at every state reached (the machine is in it), with the moves that led there."""
        key = self.key()
        if key in self.seen or len(self.seen) >= MAX_STATES:
            return
        self.seen.add(key)
        yield path
        if self.reached() or len(path) >= MAX_DEPTH:
            return
        at = self.machine.cursor
        for move in self.moves():
            if self.apply(move):
                yield from self.states((*path, move))
            self.machine.goto(at)

    def reachable(self, depth: int = 0) -> bool:
        """Can the moves still reach the goal from here?"""
        key = self.key()
        if key in self.reach:
            return self.reach[key]
        self.reach[key] = False  # a cycle does not reach it
        if self.reached():
            self.reach[key] = True
            return True
        if depth >= MAX_DEPTH or len(self.reach) >= MAX_STATES:
            self.reach[key] = True  # out of budget: give the hint the benefit of the doubt
            return True
        at = self.machine.cursor
        for move in self.moves():
            ok = self.apply(move) and self.reachable(depth + 1)
            self.machine.goto(at)
            if ok:
                self.reach[key] = True
                return True
        return False

    def differs(self) -> str:
        checks = [c for c in compare(self.machine.snapshot(), self.goal.expect) if not c.ok]
        return "; ".join(str(c) for c in checks)


def _variants(goal: Goal, cpus: int) -> list[str]:
    """The solution's lines, each on every CPU when it names one (small machines)."""
    out: list[str] = []
    for command in solution_commands(goal):
        variants = [command.text]
        if command.cpu is not None and cpus <= MAX_CPU_VARIANTS:
            variants = [re.sub(r"\bcpu=\d+", f"cpu={n}", command.text) for n in range(cpus)]
        out += [v for v in variants if v not in out]
    return out
