"""Exports are checked first and atomic (issue 10, item 2): the output location is checked
before any rendering; everything is built aside and moved into place at the end, so an
error, a missing tool or Ctrl-C leaves nothing; a non-empty folder needs --force."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_recording_export import RECORDING, run
from tui.export import screen as screen_module
from tui.export import svg as svg_module


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "rec" / "leftover.objcg"
    path.parent.mkdir()
    path.write_text(RECORDING)
    return path


def _no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("rendered before the output was checked")

    monkeypatch.setattr(screen_module.Screen, "__init__", refuse)


def _everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("kind, out", [
    ("cast", "/proc/x.cast"),  # not writable even by root: refused before any rendering
    ("cast", "missing-dir/x.cast"),
    ("svg", "missing-dir/slides"),
    ("handout", "/proc/handout"),
])
def test_the_output_is_checked_before_any_rendering(recording: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str],
                                                    kind: str, out: str) -> None:
    _no_rendering(monkeypatch)
    target = out if out.startswith("/") else str(tmp_path / out)
    code, _, err = run(capsys, "export", kind, str(recording), "-o", target)
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"{target}: error:"), err


def test_png_without_rsvg_convert_writes_nothing_and_the_rerun_works(
        recording: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "slides"
    monkeypatch.setattr(svg_module.shutil, "which", lambda _name: None)
    _no_rendering(monkeypatch)
    code, _, err = run(capsys, "export", "svg", str(recording), "-o", str(out), "--png")
    assert code == 2 and "rsvg-convert" in err and err.count("\n") == 1
    assert _everything_under(tmp_path) == ["rec", "rec/leftover.objcg"]
    monkeypatch.undo()
    code, said, err = run(capsys, "export", "svg", str(recording), "-o", str(out), "--png")
    assert code == 0, err
    assert sorted(p.suffix for p in out.iterdir()) == [".png", ".png", ".svg", ".svg"]


@pytest.mark.parametrize("kind, out", [("svg", "slides"), ("handout", "handout"),
                                       ("cast", "x.cast")])
def test_a_failure_half_way_leaves_nothing_behind(recording: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str],
                                                  kind: str, out: str) -> None:
    real = screen_module.Screen.step
    calls = 0

    async def failing_step(self: screen_module.Screen) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # as Ctrl-C in the middle of rendering
        await real(self)

    monkeypatch.setattr(screen_module.Screen, "step", failing_step)
    monkeypatch.setattr(screen_module.Screen, "goto",
                        lambda self, cursor: failing_step(self))
    code, _, err = run(capsys, "export", kind, str(recording), "-o", str(tmp_path / out))
    assert calls == 2 and code == 130 and "interrupted; nothing written" in err
    assert _everything_under(tmp_path) == ["rec", "rec/leftover.objcg"]


def test_an_error_while_writing_pngs_leaves_nothing(recording: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    made = []

    def second_fails(svg: str, where: Path) -> bytes:
        made.append(where)
        if len(made) == 2:
            raise svg_module.OutputError(f"{where}: error: rsvg-convert: out of memory")
        return b"\x89PNG"

    monkeypatch.setattr(svg_module, "svg_to_png", second_fails)
    code, _, err = run(capsys, "export", "svg", str(recording), "-o", str(tmp_path / "s"), "--png")
    assert code == 2 and "out of memory" in err
    assert _everything_under(tmp_path) == ["rec", "rec/leftover.objcg"]


def test_a_non_empty_folder_is_refused_whatever_the_names(recording: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "slides"
    out.mkdir()
    (out / "old-chapter.svg").write_text("an older export")
    _no_rendering(monkeypatch)
    code, _, err = run(capsys, "export", "svg", str(recording), "-o", str(out), "--each", "step")
    assert code == 2 and "not empty" in err and "--force" in err
    assert _everything_under(out) == ["old-chapter.svg"]
    monkeypatch.undo()
    code, _, err = run(capsys, "export", "svg", str(recording), "-o", str(out), "--force")
    assert code == 0, err
    assert _everything_under(out) == ["01-a-task-in-a.svg", "02-freed-on-another-cpu.svg"]


def test_force_never_replaces_a_folder_objcg_lab_did_not_write(
        recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    code, _, err = run(capsys, "export", "handout", str(recording), "-o", str(home), "--force")
    assert code == 2 and "thesis.tex" in err and "even with --force" in err
    assert (home / "thesis.tex").read_text() == "years of work"
    code, _, err = run(capsys, "export", "handout", str(recording), "-o", str(recording.parent),
                       "--force")
    assert code == 2 and "the recording itself" in err
    assert recording.read_text() == RECORDING


def test_an_empty_folder_is_filled_and_force_replaces_a_file(
        recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert run(capsys, "export", "svg", str(recording), "-o", str(out))[0] == 0
    assert len(list(out.iterdir())) == 2 and (out.stat().st_mode & 0o777) != 0o700
    cast_file = tmp_path / "x.cast"
    cast_file.write_text("old")
    assert run(capsys, "export", "cast", str(recording), "-o", str(cast_file), "--force")[0] == 0
    assert cast_file.read_text().startswith('{"version": 2')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "rec", "x.cast"]



def test_ctrl_c_in_a_real_process_leaves_nothing_and_no_traceback(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from benchmarks.export import recording as generated

    path = tmp_path / "big.objcg"
    path.write_text(generated(400)[0])
    out = tmp_path / "steps"
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "export", "svg", str(path), "-o", str(out),
         "--each", "step"], cwd=root, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for _ in range(600):  # until it is rendering into its hidden staging folder
        if any(p.name.startswith(".steps.") for p in tmp_path.iterdir()):
            break
        time.sleep(0.1)
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err == f"{out}: interrupted; nothing written\n"  # one line, no traceback
    assert sorted(os.listdir(tmp_path)) == ["big.objcg"]
