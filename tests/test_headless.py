"""`objcg-lab run`: the fast default and `--check` print the same bytes; the text trace
is written command by command; the JSON is exactly what json.dump(indent=1) writes."""
from __future__ import annotations

import io
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
