"""Read a lesson file into a Lesson, reporting every problem of form at once.

Strict on purpose (Learn Git Branching's lesson: silent acceptance of a typo is what
makes a level fail for invisible reasons): unknown keys are rejected, every key has a
type, and each problem carries FILE:LINE. Whether the commands run and the fields
exist is checked by playing the lesson (engine.lessons.check), because that depends
on the state each step sees.
"""
from __future__ import annotations

import os
import re
import tomllib
from typing import Any, Callable

from engine.lessons.lines import KeyLines, Path
from engine.lessons.model import (WIDGETS, Commands, Expect, Explain, Goal, Hint, Lesson, Predict,
                                  Problem, Run, Step, Value)
from engine.lessons.values import size_value

STEP_KINDS = ("explain", "run", "predict", "goal")

# key -> (required?, type name); "commands" is a string of script lines
TOP_KEYS: dict[str, tuple[bool, str]] = {
    "title": (True, "string"), "teaches": (True, "string"), "minutes": (False, "integer"),
    "setup": (False, "commands"), "steps": (True, "steps"),
}
STEP_KEYS: dict[str, dict[str, tuple[bool, str]]] = {
    "explain": {"text": (True, "string"), "widget": (False, "widget"),
                "field": (False, "string"), "restart": (False, "commands"),
                "hides": (False, "strings")},
    "run": {"commands": (True, "commands"), "text": (False, "string"),
            "mode": (False, "mode"), "hides": (False, "strings")},
    "predict": {"question": (True, "string"), "field": (True, "string"),
                "answer": (True, "value"), "explanation": (True, "string"),
                "commands": (False, "commands"), "unit": (False, "string"),
                "hides": (False, "strings")},
    "goal": {"text": (True, "string"), "expect": (True, "expect"),
             "solution": (True, "commands"), "hints": (False, "hints"),
             "hides": (False, "strings")},
}
# a hint's condition on a field: a value (equal to it), or one test of it
WHEN_TESTS = ("not", "below", "above")


def _is_value(v: Any) -> bool:
    if isinstance(v, list):
        return all(isinstance(x, (int, str)) and not isinstance(x, bool) for x in v)
    return isinstance(v, (int, bool, str))


TYPE_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "string": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"),
    "integer": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0,
                "a positive integer"),
    "commands": (lambda v: isinstance(v, str), 'a string of script lines (use """ for several)'),
    "widget": (lambda v: v in WIDGETS, f"one of {', '.join(WIDGETS)}"),
    "mode": (lambda v: v in ("whole", "steps"), '"whole" or "steps"'),
    "value": (_is_value, 'an integer, true/false, a string ("none" for null) or an array'),
    "strings": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                "an array of strings"),
    "hints": (lambda v: isinstance(v, list) and all(
        (isinstance(x, str) and x.strip()) or isinstance(x, dict) for x in v),
        'an array of hints: strings, or tables { text = "...", when = { FIELD = VALUE } }'),
    "expect": (lambda v: isinstance(v, dict) and len(v) > 0,
               'a table of field = value, e.g. expect = { "memcg /A usage" = 32 }'),
    "steps": (lambda v: isinstance(v, list) and len(v) > 0 and all(isinstance(x, dict) for x in v),
              "one or more [[steps]] tables"),
}

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


def lesson_id(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def load_lesson(path: str) -> tuple[Lesson | None, list[Problem]]:
    """Parse and check the form of a lesson file. Never raises for a bad file.

    With problems, the Lesson (if any) is only good for playing on to find more
    problems: malformed steps are replaced by the commands they carry.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return None, [Problem(path, 1, "file", f"cannot read the lesson: {reason}")]
    return parse_lesson(text, path)


def parse_lesson(text: str, path: str) -> tuple[Lesson | None, list[Problem]]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_AT.search(str(exc))
        line = int(match.group(1)) if match else 1
        message = _TOML_AT.sub("", str(exc)).strip()
        return None, [Problem(path, line, "TOML syntax", message)]
    return _Builder(text, path).build(data)


class _Builder:
    """Walks the parsed TOML, collecting problems instead of stopping at the first."""

    def __init__(self, text: str, path: str) -> None:
        self.keys = KeyLines(text)
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, key_path: Path, where: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.keys.line_of(key_path), where, message))

    def check_table(self, table: dict[str, Any], schema: dict[str, tuple[bool, str]],
                    base: Path, where: Callable[[str], str], what: str) -> bool:
        ok = True
        for key, value in table.items():
            if key not in schema:
                self.problem((*base, key), where(key),
                             f"unknown key '{key}' in {what} (allowed: {', '.join(schema)})")
                ok = False
                continue
            check, wanted = TYPE_CHECKS[schema[key][1]]
            if not check(value):
                self.problem((*base, key), where(key),
                             f"must be {wanted}, got {_show(value)}")
                ok = False
        for key, (required, _) in schema.items():
            if required and key not in table:
                self.problem(base, where(key), f"missing required key '{key}' in {what}")
                ok = False
        return ok

    def commands(self, key_path: Path, value: Any) -> Commands:
        if not isinstance(value, str):
            return Commands()
        start = self.keys.value_start.get(key_path, self.keys.line_of(key_path))
        return Commands(tuple((start + i, line) for i, line in enumerate(value.splitlines())))

    def build(self, data: dict[str, Any]) -> tuple[Lesson | None, list[Problem]]:
        self.check_table(data, TOP_KEYS, (), lambda key: key, "the lesson")
        steps: list[Step] = []
        kinds: list[str] = []
        raw_steps = data.get("steps")
        if isinstance(raw_steps, list):
            for index, raw in enumerate(raw_steps):
                if isinstance(raw, dict):
                    step = self.step(index, raw)
                    kind = raw.get("type")
                    kinds.append(kind if kind in STEP_KINDS else "?")
                    # keep numbering: a step that cannot be salvaged becomes a blank explain
                    steps.append(step or Explain("explain", self.keys.line_of(("steps", index)), ""))
        lesson = Lesson(
            file=self.path, id=lesson_id(self.path), title=_text(data.get("title")),
            teaches=_text(data.get("teaches")), setup=self.commands(("setup",), data.get("setup", "")),
            steps=tuple(steps), minutes=m if isinstance(m := data.get("minutes"), int) else None,
            setup_line=self.keys.line_of(("setup",)), kinds=tuple(kinds))
        return lesson, self.problems

    def salvage(self, index: int, kind: str, raw: dict[str, Any]) -> Step | None:
        """A malformed step's commands, so the rest of the lesson still plays as written.

        Its own question or goal is not evaluated; later steps see the state they would
        see once the step is fixed, so their problems are real ones, not knock-on ones.
        """
        key = {"run": "commands", "predict": "commands", "goal": "solution"}.get(kind)
        if key is None or not isinstance(raw.get(key), str):
            return None
        base: Path = ("steps", index)
        return Run("run", self.keys.line_of(base), self.commands((*base, key), raw[key]),
                   None, "whole")

    def step(self, index: int, raw: dict[str, Any]) -> Step | None:
        base: Path = ("steps", index)
        kind = raw.get("type")
        label = f"step {index + 1}"
        if kind not in STEP_KINDS:
            if kind is None:
                msg = f"missing required key 'type' (one of {', '.join(STEP_KINDS)})"
            else:
                msg = f"type must be one of {', '.join(STEP_KINDS)}, got {_show(kind)}"
            self.problem((*base, "type"), label, msg)
            return None
        fields = {k: v for k, v in raw.items() if k != "type"}
        ok = self.check_table(fields, STEP_KEYS[kind], base,
                              lambda key: f"{label} ({kind}), {key}", f"{'an' if kind == 'explain' else 'a'} {kind} step")
        line = self.keys.line_of(base)
        if kind == "goal" and isinstance(fields.get("expect"), dict):
            ok = self.check_expect(base, fields["expect"], f"{label} (goal)") and ok
        if kind == "goal" and isinstance(fields.get("hints"), list):
            ok = self.check_hints(base, fields["hints"], f"{label} (goal), hints") and ok
        if not ok:
            return self.salvage(index, kind, fields)
        return self.make(kind, base, line, fields)

    def check_expect(self, base: Path, expect: dict[str, Any], label: str) -> bool:
        ok = True
        for ref, value in expect.items():
            if not _is_value(value) or isinstance(value, dict):
                self.problem((*base, "expect", ref), f"{label}, expect",
                             f"'{ref}' must be {TYPE_CHECKS['value'][1]}, got {_show(value)}")
                ok = False
        return ok

    def check_hints(self, base: Path, hints: list[Any], label: str) -> bool:
        ok = True
        for n, hint in enumerate(hints):
            if not isinstance(hint, dict):
                continue
            where = (*base, "hints", n)
            unknown = [k for k in hint if k not in ("text", "when")]
            for key in unknown:
                self.problem(where, label, f"unknown key '{key}' in hint {n + 1} (allowed: text, when)")
            text, when = hint.get("text"), hint.get("when", {})
            if not isinstance(text, str) or not text.strip():
                self.problem(where, label, f"hint {n + 1} needs text = a non-empty string")
            if not isinstance(when, dict) or not when:
                self.problem(where, label, f"hint {n + 1}: when must be a table of field = value, "
                             'e.g. when = { "cpu 0 cached_objcg" = "/A" }')
            elif not all(_is_condition(v) for v in when.values()):
                self.problem(where, label, f"hint {n + 1}: every when value must be "
                             f"{TYPE_CHECKS['value'][1]}, or one test: "
                             '{ not = VALUE }, { below = N } or { above = N }')
            else:
                ok = ok and not unknown and isinstance(text, str) and bool(text.strip())
                continue
            ok = False
        return ok

    def hints(self, base: Path, raw: list[Any]) -> tuple[Hint, ...]:
        out = []
        for n, hint in enumerate(raw):
            line = self.keys.line_of((*base, "hints"))
            if isinstance(hint, str):
                out.append(Hint(hint, (), line))
            else:
                when = tuple(_condition(ref, v, line) for ref, v in hint["when"].items())
                out.append(Hint(hint["text"], when, line))
        return tuple(out)

    def make(self, kind: str, base: Path, line: int, f: dict[str, Any]) -> Step:
        hides = {"hides": tuple(f.get("hides", ())), "hides_line": self.keys.line_of((*base, "hides"))}
        if kind == "explain":
            return Explain("explain", line, f["text"], f.get("widget"), f.get("field"),
                           self.keys.line_of((*base, "field")),
                           self.commands((*base, "restart"), f.get("restart", "")), **hides)
        if kind == "run":
            return Run("run", line, self.commands((*base, "commands"), f["commands"]),
                       f.get("text"), f.get("mode", "whole"), **hides)
        if kind == "predict":
            return Predict("predict", line, f["question"], f["field"], as_value(f["answer"]),
                           f["explanation"], self.commands((*base, "commands"), f.get("commands", "")),
                           f.get("unit"), self.keys.line_of((*base, "answer")),
                           self.keys.line_of((*base, "field")), **hides)
        expect = tuple(Expect(ref, as_value(v), self.keys.line_of((*base, "expect", ref)))
                       for ref, v in f["expect"].items())
        return Goal("goal", line, f["text"], expect,
                    self.commands((*base, "solution"), f["solution"]), self.hints(base, f.get("hints", [])),
                    **hides)


def _is_condition(value: Any) -> bool:
    """A hint's condition on one field: a value, or a one-key table of a test."""
    if isinstance(value, dict):
        return len(value) == 1 and next(iter(value)) in WHEN_TESTS and all(
            _is_value(v) and not (k in ("below", "above") and (not isinstance(v, int) or isinstance(v, bool)))
            for k, v in value.items())
    return _is_value(value)


def _condition(ref: str, raw: Any, line: int) -> Expect:
    if isinstance(raw, dict):
        (op, value), = raw.items()
        return Expect(ref, as_value(value), line, op)
    return Expect(ref, as_value(raw), line)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def as_value(raw: Any) -> Value:
    """TOML has no null: the string "none" (or "null") stands for it; a size written
    as a string with a K or M suffix ("8K", "1M") is that many bytes."""
    if isinstance(raw, str) and raw.strip().lower() in ("none", "null"):
        return None
    if isinstance(raw, str) and (size := size_value(raw)) is not None:
        return size  # "8K", as a learner types it
    return raw  # type: ignore[no-any-return]


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
