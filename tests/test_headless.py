"""`objcg-lab run`: the fast default and `--check` print the same bytes; the text trace
is written command by command; the JSON is exactly what json.dump(indent=1) writes."""
from __future__ import annotations


import io
import re
import json
from pathlib import Path
from typing import Any

import pytest

from engine.headless import main_run, result_json, run_script
from engine.machine import Machine
from tui.cli import main

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.objcg"))


def run(path: Path, as_json: bool, check: bool) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main_run(str(path), as_json, out, err, check=check)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_check_changes_nothing_in_the_output(path: Path) -> None:
    for as_json in (True, False):
        fast = run(path, as_json, check=False)
        checked = run(path, as_json, check=True)
        assert fast[0] == 0 and fast[2] == ""
        assert fast == checked


@pytest.mark.parametrize("path", SCENARIOS[:6], ids=[p.stem for p in SCENARIOS[:6]])
def test_json_is_what_json_dump_writes(path: Path) -> None:
    """The hand-formatted document equals json.dump of the same data, byte for byte."""
    machine, done = run_script(path.read_text(), str(path), check=True)
    doc = {"results": [result_json(r) for r in done], "state": machine.snapshot()}
    assert run(path, True, check=False)[1] == json.dumps(doc, indent=1) + "\n"


def test_json_of_results_with_warnings_notes_and_odd_text(tmp_path: Path) -> None:
    # a warning (negative counter), notes (OOM force, clamp) and no results at all
    script = tmp_path / "odd.objcg"
    script.write_text("mkdir A\ncharge /A 100 cpu=0\nuncharge /A 50 cpu=0\nrmdir A\n"
                      "mkdir B\nwrite B memory.max 0\ntask t B\nalloc X 1 task=t cpu=0\n"
                      "write B memory.max 18446744073709551615\n")
    out = run(script, True, check=True)[1]
    doc = json.loads(out)
    assert any(r["warnings"] for r in doc["results"]) and any(r["notes"] for r in doc["results"])
    assert out == json.dumps(doc, indent=1) + "\n"
    empty = tmp_path / "empty.objcg"
    empty.write_text("# nothing but a comment\n")
    out = run(empty, True, check=False)[1]
    assert out == json.dumps(json.loads(out), indent=1) + "\n" and '"results": []' in out


def test_the_text_trace_is_written_as_the_script_runs(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    original = Machine.run_line

    def run_line(self: Machine, text: str, where: str = "", line: int = 1) -> Any:
        events.append(f"run {line}")
        return original(self, text, where, line)

    class Out(io.StringIO):
        def write(self, s: str) -> int:
            events.append("write")
            return super().write(s)

    monkeypatch.setattr(Machine, "run_line", run_line)
    script = tmp_path / "s.objcg"
    script.write_text("mkdir A\ntask t A\nalloc X 100 task=t cpu=0\nfrob\n")
    out, err = Out(), io.StringIO()
    assert main_run(str(script), False, out, err) == 2
    # each command's lines go out before the next line runs; the bad line prints nothing
    assert events.index("write") < events.index("run 2")
    assert events[-1] == "run 4" and "X" in out.getvalue()
    assert err.getvalue().startswith(f"{script}:4: error: unknown command 'frob'")


def test_cli_run_check_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s.objcg"
    script.write_text("mkdir A\nwrite A memory.max 0\n")
    assert main(["run", str(script), "--json", "--check"]) == 0
    checked = capsys.readouterr().out
    assert main(["run", str(script), "--json"]) == 0
    assert capsys.readouterr().out == checked and '"max": 0' in checked


def _trace(path: Path) -> list[str]:
    code, out, err = run(path, False, check=False)
    assert code == 0, err
    return out.splitlines()


def _depth(line: str) -> int:
    """A step's depth from its indent (8 at depth 0), after the lane mark of a kworker's
    or a together thread's step ([ w0], [  1]), which comes first."""
    line = re.sub(r"^( {8})\[ *w?\d+\] ", r"\1", line)
    return (len(line) - len(line.lstrip(" ")) - 8) // 2


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_text_trace_prints_callers_before_callees(path: Path) -> None:
    """Every line of a command's trace is at most one call deeper than the line before
    it: a function's callees come after a line of its own (memcg_reparent_objcgs runs
    inside memcg_offline_kmem, inside mem_cgroup_css_offline, inside
    css_killed_work_fn: each gets its line first)."""
    before = None
    for line in _trace(path):
        if not line.startswith("        ") or line.lstrip().startswith(("!", "note:")):
            before = None  # a command's own line: its steps start at depth 0
            continue
        depth = _depth(line)
        assert depth <= (0 if before is None else before + 1), line
        before = depth


def test_caller_lines_name_the_callees_real_arguments() -> None:
    """Y0 (100 bytes, /B on cpu1) charges a batch of 32 pages, keeps 1: refill_stock is
    called with /B and 31 (hand derivation: MEMCG_CHARGE_BATCH 32 - 1), and drains
    cpu1's stock of /A first. Its caller line names /B, 31, never the /A drained."""
    lines = [line.strip() for line in _trace(Path(__file__).parent / "scenarios" / "worked_example.objcg")]
    start = next(i for i, line in enumerate(lines) if line.startswith("33  alloc Y0"))
    drain = next(i for i in range(start, len(lines)) if lines[i].startswith("drain_stock(cpu1)"))
    assert lines[drain - 1] == "refill_stock(/B, 31)"
    assert not any(line.startswith("refill_stock(/A") for line in lines[start:drain])
    assert "__memcg_kmem_charge(/B, …)" in lines[start:drain]  # its memcg, handed on to try_charge
