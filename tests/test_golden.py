"""Golden scenarios: hand-derived expectations checked against the engine.

Every tests/scenarios/*.objcg is a scenario script whose expected figures were worked out
by hand from kernel v5.9's code and the modelling choices of docs/script.md, *not*
copied from engine output (docs/state.md names the fields). Expectations are comment
lines the engine ignores:

    alloc X0 4000 task=tA cpu=0
    #= memcg /A usage 32          # a field of the JSON state after that command
    #= cpu 0 cached_objcg null    # values are JSON literals
    #= ret -12                    # the command's return value
    #= warnings 1                 # how many warnings the command reported
    #= notes 1                    # how many notes the command reported

An expectation applies to the state right after the nearest command above it. Anything
after the JSON value that starts with `#` is a comment. Every scenario runs with history
and invariant checks on, and ends with a full `check_all` of the invariants (engine/invariants.py).

A scenario whose expectation the engine is known to get wrong (after re-derivation from
the v5.9 source) is listed in XFAIL with the reason; it must keep failing
(strict), so a fix in the engine shows up as an XPASS to be cleaned up here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine import Machine
from engine.fields import resolve
from engine.invariants import check_all

SCENARIOS = Path(__file__).parent / "scenarios"
FILES = sorted(SCENARIOS.glob("*.objcg"))

# scenario file name -> reason (engine discrepancies, see the report in the commit log)
XFAIL: dict[str, str] = {}

RECORD_FIELDS = ("ret", "warnings", "notes")


@dataclass
class Expectation:
    line: int
    ref: str  # "ret", "warnings", "notes" or a field reference KIND NAME FIELD
    value: Any
    text: str


class ScenarioFormatError(Exception):
    pass


def parse_expectation(body: str, where: str, line: int) -> Expectation:
    """`body` is what follows `#=`: a reference then one JSON literal."""
    words = body.split()
    if not words:
        raise ScenarioFormatError(f"{where}:{line}: empty expectation")
    if words[0] in RECORD_FIELDS or words[0] in ("config", "slab"):
        n = 1 if words[0] in RECORD_FIELDS else 2
    else:
        n = 3
    if len(words) <= n:
        raise ScenarioFormatError(f"{where}:{line}: expectation '{body.strip()}' has no value")
    ref = " ".join(words[:n])
    rest = words[n:]
    # the value is the longest prefix of the remaining words that parses as JSON
    # (so values with spaces, e.g. lists, work), optionally followed by a # comment
    for cut in range(len(rest), 0, -1):
        if cut < len(rest) and not rest[cut].startswith("#"):
            continue
        try:
            value = json.loads(" ".join(rest[:cut]))
        except json.JSONDecodeError:
            continue
        return Expectation(line, ref, value, body.strip())
    raise ScenarioFormatError(f"{where}:{line}: value of '{body.strip()}' is not a JSON literal")


def load(path: Path) -> list[tuple[int, str, list[Expectation]]]:
    """The script as (line number, command text, expectations after it)."""
    steps: list[tuple[int, str, list[Expectation]]] = []
    where = path.name
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        stripped = text.strip()
        if stripped.startswith("#="):
            if not steps:
                raise ScenarioFormatError(f"{where}:{number}: expectation before any command")
            steps[-1][2].append(parse_expectation(stripped[2:], where, number))
        elif stripped and not stripped.startswith("#"):
            steps.append((number, text, []))
    return steps


def actual(machine: Machine, record: Any, ref: str) -> Any:
    if ref == "ret":
        return record.ret
    if ref == "warnings":
        return len(record.warnings)
    if ref == "notes":
        return len(record.notes)
    return resolve(machine.snapshot(), ref)


def same(got: Any, want: Any) -> bool:
    """JSON equality: true/1 and null/0 differ; lists compare element-wise in order."""
    if isinstance(got, bool) or isinstance(want, bool) or got is None or want is None:
        return type(got) is type(want) and got == want
    if isinstance(got, (list, tuple)) and isinstance(want, list):
        return len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    return got == want


def run_scenario(path: Path) -> int:
    """Run one scenario, checking every expectation; returns how many were checked."""
    steps = load(path)
    machine = Machine(history=True, check=True)
    checked = 0
    failures: list[str] = []
    for number, text, expectations in steps:
        record = machine.run_line(text, path.name, number)
        assert record is not None, f"{path.name}:{number}: not a command: {text!r}"
        for exp in expectations:
            try:
                got = actual(machine, record, exp.ref)
            except ValueError as err:
                failures.append(f"{path.name}:{exp.line}: {exp.ref}: cannot read field: {err}")
                continue
            checked += 1
            if not same(got, exp.value):
                failures.append(
                    f"{path.name}:{exp.line}: after line {number} `{text.split('#')[0].strip()}`: "
                    f"{exp.ref}: expected {json.dumps(exp.value)}, got {json.dumps(got)}"
                )
    if failures:
        pytest.fail(f"{len(failures)} expectation(s) failed:\n" + "\n".join(failures), pytrace=False)
    check_all(machine.state)
    return checked


def _param(path: Path) -> Any:
    marks = []
    if path.name in XFAIL:
        marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[path.name]))
    return pytest.param(path, id=path.stem, marks=marks)


def test_there_are_enough_scenarios() -> None:
    assert len(FILES) >= 12, [f.name for f in FILES]


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_golden(path: Path) -> None:
    steps = load(path)
    assert any(exps for _, _, exps in steps), f"{path.name}: scenario has no `#=` expectation"
    checked = run_scenario(path)
    assert checked > 0


# -- the harness itself must be able to fail ----------------------------------------------

def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "probe.objcg"
    p.write_text(text)
    return p


def test_harness_catches_a_wrong_value(tmp_path: Path) -> None:
    p = _write(tmp_path, "mkdir A\ntask t A\nalloc x 100 task=t cpu=0\n#= memcg /A usage 31\n")
    with pytest.raises(pytest.fail.Exception, match=r"probe.objcg:4: .*memcg /A usage: expected 31, got 32"):
        run_scenario(p)


def test_harness_catches_a_wrong_type(tmp_path: Path) -> None:
    p = _write(tmp_path, "mkdir A\n#= memcg /A objcg null\n")
    with pytest.raises(pytest.fail.Exception, match="expected null"):
        run_scenario(p)


def test_harness_reads_ret_warnings_notes_and_lists(tmp_path: Path) -> None:
    p = _write(tmp_path, "mkdir A\nmkdir A   # again\n#= ret -17\n#= warnings 0   # none\n"
               "#= notes 0\n#= memcg / objcg_list []\n#= config cpus 2\n")
    assert run_scenario(p) == 5


def test_harness_rejects_expectation_without_command(tmp_path: Path) -> None:
    p = _write(tmp_path, "#= memcg / usage 0\nmkdir A\n")
    with pytest.raises(ScenarioFormatError):
        load(p)


def test_harness_rejects_bad_value(tmp_path: Path) -> None:
    p = _write(tmp_path, "mkdir A\n#= memcg /A usage thirty\n")
    with pytest.raises(ScenarioFormatError):
        load(p)
