"""`lesson check`: does any screen show a prediction's answer before the learner answers?

For every prediction without `commands`, every step from the moment its figure took
the answered value (engine.lessons.reveal) up to the question is drawn as the player
draws it: the explorer's panels through tui.present, with the masks the player applies
at that step, at the step's first and last state; the kernel trail of every command
the learner can step through, with the warnings and notes under it; and the narration
(the step's text, an answered prediction's result and explanation, a goal's status and
hints).

Two ways to give an answer away are looked for:

* in the figure's place: the panels are drawn twice, with the figure as it is and with
  another value; if anything on screen differs, the screen depends on the figure, so
  it shows it (a `?` that is not there, a row that comes or goes, a bar's length);
* stated in words: a line of the trail or a sentence of the narration that names the
  figure's record (`cpu1`, `/A/B`, `X0`), what of it and the answer (engine.lessons.words).

A memcg's usage is also told by its relatives' (page counters are hierarchical): a
relative drawn with the asked usage gives it away too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from engine import Machine, ScriptError
from engine.fields import parse_ref
from engine.lessons.check import compare, read_field
from engine.lessons.mask import MaskKey, with_relatives
from engine.lessons.model import Commands, Goal, Lesson, Predict, Problem, Run
from engine.lessons.player import PredictResult
from engine.lessons.reveal import (Hidden, Window, canonical_commands, declared, masks_at, restarts,
                                   same_value, windows)
from engine.lessons.values import show
from engine.lessons.words import states
from tui import present
from tui.lesson import texts
from tui.present import Highlight, TreeOptions
from tui.world import World, changed, field_swings

# A field reference's name in the JSON state -> its key in the engine's record.
RECORD_KEY = {("memcg", "css_refs"): "refcnt", ("memcg", "css_holders"): "holders",
              ("object", "kind"): "type"}
TABLES = {"memcg": "memcgs", "objcg": "objcgs", "cpu": "cpus", "object": "objects"}
STATE_WORDS = {("memcg", "state"): ("online", "dying", "freed"),
               ("objcg", "state"): ("active", "killed", "released")}
MAX_PER_PREDICTION = 3  # leaks reported for one prediction (the first ones, in step order)
@dataclass(frozen=True)
class Screen:
    """One moment a learner sees: a machine at a cursor, and what is hidden then."""

    step: int
    label: str  # 'step 3 (run)'
    machine: Machine
    cursor: int
    masked: frozenset[MaskKey]
    moment: str  # "when it starts", "once it is done"


def screen_problems(lesson: Lesson) -> list[Problem]:
    """Every prediction whose answer some screen shows before it is answered."""
    found = windows(lesson)
    if not found:
        return []
    replay = Replay(lesson, declared(lesson))
    problems = []
    for window in found:
        step = lesson.steps[window.predict]
        assert isinstance(step, Predict)
        where = f"{lesson.where(window.predict)}, field"
        leaks = list(_leaks(lesson, replay, window))[:MAX_PER_PREDICTION]
        for leak in leaks:
            problems.append(Problem(lesson.file, step.field_line, where,
                                    f"the answer {show(window.answer)} is on screen before the "
                                    f"learner answers: {leak}"))
    return problems


def _leaks(lesson: Lesson, replay: "Replay", window: Window) -> Iterator[str]:
    seen: set[str] = set()
    for screen in replay.screens(window):
        state = replay.state_at(screen)
        value, error = read_field(state, window.field)
        drawn = []
        if not error and same_value(value, window.answer):
            drawn = _panel_leaks(screen, window) + _mirror_leaks(state, screen, window)
        for leak in (*drawn, *_word_leaks(lesson, replay, screen, window)):
            if leak not in seen:
                seen.add(leak)
                yield leak


# -- the canonical path, replayed with history ----------------------------------------------
class Replay:
    """The lesson's canonical path on machines with history: where each step starts and
    ends (a `restart` begins a new machine)."""

    def __init__(self, lesson: Lesson, hidden: list[Hidden]) -> None:
        self.lesson = lesson
        self.hidden = hidden
        self.bounds: list[tuple[Machine, int, int]] = []  # per step: machine, start, end
        machine = self._fresh(lesson.setup)
        for index, step in enumerate(lesson.steps):
            if restarts(lesson, index):
                machine = self._fresh(step.restart)  # type: ignore[union-attr]
            start = len(machine.steps)
            self._run(machine, canonical_commands(step))
            self.bounds.append((machine, start, len(machine.steps)))

    def _fresh(self, commands: Commands) -> Machine:
        machine = Machine(history=True, check=False)
        self._run(machine, commands)
        return machine

    def _run(self, machine: Machine, commands: Commands) -> None:
        for line, text in commands.lines:
            try:
                machine.run_line(text, self.lesson.file, line)
            except ScriptError:
                pass  # check_lesson reports it

    def screens(self, window: Window) -> Iterator[Screen]:
        """The moments of the window's steps, with the masks the player applies then."""
        lesson, hidden = self.lesson, self.hidden
        for index in range(window.start, window.predict + 1):
            machine, start, end = self.bounds[index]
            step = lesson.steps[index]
            label = lesson.where(index)
            before = masks_at(lesson, hidden, index, False)
            if isinstance(step, Run):  # its commands run as the step is entered
                yield self._screen(index, label, machine, end, before, "once it has run")
                continue
            yield self._screen(index, label, machine, start, before, "when it starts")
            if index < window.predict and end > start:
                after = masks_at(lesson, hidden, index, isinstance(step, Predict))
                yield self._screen(index, label, machine, end, after, "once it is done")

    @staticmethod
    def _screen(index: int, label: str, machine: Machine, cursor: int,
                masked: frozenset[MaskKey], moment: str) -> Screen:
        """The masks as the player widens them for the state shown (mask.with_relatives)."""
        machine.goto(cursor)
        return Screen(index, label, machine, cursor, with_relatives(masked, machine.snapshot()), moment)

    def state_at(self, screen: Screen) -> dict[str, Any]:
        machine = screen.machine
        machine.goto(screen.cursor)
        return machine.snapshot()


# -- the figure's place: the panels depend on it ---------------------------------------------
def _panel_leaks(screen: Screen, window: Window) -> list[str]:
    kind, name, fld = parse_ref(window.field)
    table = TABLES.get(kind)
    if table is None or name is None:
        return []  # config, slab and cache figures are not drawn
    machine = screen.machine
    machine.goto(screen.cursor)
    rows = machine.state.tables[table]
    rec = rows.get(f"cpu{name}" if kind == "cpu" else name)
    key = RECORD_KEY.get((kind, fld), fld)
    if rec is None or key not in rec:
        return []
    world = World(machine.state)
    hl = _highlight(machine, screen)
    before = _panels(world, hl)
    old = rec[key]
    for other in _other_values(kind, fld, old, world):
        rec[key] = other
        try:
            after = _panels(world, hl)
        finally:
            rec[key] = old
        if after != before:
            differ = [line for line, alt in zip(before, after) if line != alt]
            line = differ[0] if differ else next((x for x in before if x not in after), before[-1])
            return [f"{screen.label} {screen.moment}, the explorer draws it: '{_short(line.strip())}'"]
    return []


def _mirror_leaks(state: dict[str, Any], screen: Screen, window: Window) -> list[str]:
    """A hierarchical counter tells a memcg's usage through its relatives: the root of a
    tree with one child holds that child's pages. An ancestor or descendant drawn with
    the same usage gives the answer away."""
    kind, name, fld = parse_ref(window.field)
    if (kind, fld) != ("memcg", "usage"):
        return []
    memcgs = {m["name"]: m for m in state["memcgs"]}
    related = {n for _, n, _ in with_relatives(frozenset({("memcg", name, "usage")}), state)}
    for other in sorted(related - {name}):
        rec = memcgs[other]
        if rec["state"] != "freed" and rec["usage"] == window.answer \
                and ("memcg", other, "usage") not in screen.masked:
            return [f"{screen.label} {screen.moment}, the explorer draws the same usage for "
                    f"{other}, whose counter covers it ({other} {rec['usage']} pg)"]
    return []


def _highlight(machine: Machine, screen: Screen) -> Highlight:
    if screen.cursor == 0:
        return Highlight(masked=screen.masked)
    changes = machine.steps[screen.cursor - 1].changes
    return Highlight(frozenset(changed(changes)), field_swings(changes), screen.masked)


def _panels(world: World, hl: Highlight) -> list[str]:
    """Every line the explorer's panels would draw, at full width."""
    opts = TreeOptions()
    lines = [present.tree_row_text(world, row, hl, opts).plain for row in present.tree_rows(world, opts)]
    lines += [present.objcg_text(world, name, hl).plain for name in present.objcg_rows(world)]
    lines += [present.object_text(world, name, hl).plain for name in present.object_rows(world)]
    lines += [line.plain for line in present.stock_lines(world, hl, 200)]
    lines += [present.conservation_text(present.conservation(world, name), None, bool(hl.masked)).plain
              for name in present.objcg_rows(world)]
    return lines


def _other_values(kind: str, fld: str, value: Any, world: World) -> list[Any]:
    """Values the figure could have had instead, of the same type (every other one, for
    a state: a row that only one of them removes still tells something)."""
    words = STATE_WORDS.get((kind, fld))
    if words:
        return [w for w in words if w != value]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1]
    if isinstance(value, (list, tuple)):
        return [tuple(value[:-1]) if value else tuple(world.state.objcgs)[:1]]
    names = [n for n in (world.state.objcgs if kind in ("cpu", "object") or fld == "objcg"
                         else world.state.memcgs) if n != value]
    return [names[0] if names else None] + ([None] if value is not None and names else [])


# -- stated in words: the trail, the warnings and notes, the narration ------------------------
def _word_leaks(lesson: Lesson, replay: Replay, screen: Screen, window: Window) -> list[str]:
    out = []
    for place, text in _texts(lesson, replay, screen, window):
        said = states(text, window.field, window.answer)
        if said:
            out.append(f"{screen.label} {screen.moment}, {place} says it: "
                       f"'{_short(said)}'")
    return out


def _texts(lesson: Lesson, replay: Replay, screen: Screen, window: Window) -> Iterator[tuple[str, str]]:
    """What the learner can read at this moment, by where it is."""
    step = lesson.steps[screen.step]
    state = replay.state_at(screen)
    yield "the narration", texts.step_markdown(lesson, screen.step, state)
    done = screen.moment != "when it starts" or isinstance(step, Run)
    if isinstance(step, Predict) and done:
        value, _ = read_field(state, step.field)
        for correct in (True, False):
            result = PredictResult(correct, value, value, step.explanation)
            yield "the answered prediction", texts.predict_result(result, step).plain
        yield "the prediction's explanation", step.explanation
    if isinstance(step, Goal):
        checks = compare(state, step.expect)
        hints = [hint.text for hint in step.hints]
        yield "the goal's status", texts.goal_status(checks, hints, 0, None).plain
        yield "a hint", texts.hints_markdown(hints)
    machine = screen.machine
    first = replay.bounds[window.start][1] if replay.bounds[window.start][0] is machine else 0
    for record in machine.commands:
        if record.end <= first or record.first >= screen.cursor:
            continue
        entries = present.trail_entries(machine.steps, record.first, record.end, screen.masked)
        for entry in entries:
            if entry.text != present.HIDDEN_LINE:
                yield "the kernel trail", entry.text
        for line in (*record.warnings, *record.notes):
            yield "a warning or note", line


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


__all__ = ["screen_problems"]
