"""Exports are checked first and atomic (issue 10, item 2; issue 19, point 9): the output
location is checked before any rendering; everything is built aside and moved into place
at the end, so an error, a full disk, a missing tool, Ctrl-C, SIGTERM or SIGHUP leaves
nothing and says so in one line; --force replaces only what an earlier export of the same
kind wrote, unchanged (its manifest says what), never a file of the teacher's."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from tests.test_recording_export import RECORDING, run
from tui.export import screen as screen_module
from tui.export import svg as svg_module
from tui.export.staging import MANIFEST


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


def _shown(folder: Path) -> list[str]:
    """What an export put in a folder, but its manifest."""
    return sorted(name for name in _everything_under(folder) if name != MANIFEST)


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
    assert sorted(Path(name).suffix for name in _shown(out)) == [".png", ".png", ".svg", ".svg"]


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
                        lambda self, cursor, chapter=None: failing_step(self))
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
    assert run(capsys, "export", "svg", str(recording), "-o", str(out))[0] == 0
    _no_rendering(monkeypatch)
    code, _, err = run(capsys, "export", "svg", str(recording), "-o", str(out), "--each", "step")
    assert code == 2 and "not empty" in err and "--force" in err
    monkeypatch.undo()
    code, _, err = run(capsys, "export", "svg", str(recording), "-o", str(out), "--force",
                       "--each", "step")
    assert code == 0, err
    assert _shown(out)[0] == "step-0000.svg" and "01-a-task-in-a.svg" not in _shown(out)


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
    assert len(_shown(out)) == 2 and (out.stat().st_mode & 0o777) != 0o700
    cast_file = tmp_path / "x.cast"
    assert run(capsys, "export", "cast", str(recording), "-o", str(cast_file))[0] == 0
    slow = cast_file.read_text()
    assert run(capsys, "export", "cast", str(recording), "-o", str(cast_file), "--force",
               "--speed", "8")[0] == 0
    assert cast_file.read_text().startswith('{"version": 2') and cast_file.read_text() != slow
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "empty", "rec", "x.cast"]


@pytest.mark.parametrize("mine", ["notes.md", "lecture.objcg", "board.png", "01-a-task-in-a.svg"])
def test_force_never_replaces_a_teachers_own_file_in_an_export_folder(
        recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], mine: str) -> None:
    out = tmp_path / "handout"
    assert run(capsys, "export", "handout", str(recording), "-o", str(out), "--no-png")[0] == 0
    before = {name: (out / name).read_bytes() for name in _shown(out)}
    (out / mine).write_text("the teacher's own work\n")  # a new file, or an exported one edited
    code, _, err = run(capsys, "export", "handout", str(recording), "-o", str(out), "--force",
                       "--no-png")
    assert code == 2 and err.count("\n") == 1 and f"holds {mine}:" in err, err
    assert "even with --force" in err
    assert (out / mine).read_text() == "the teacher's own work\n"
    assert all((out / name).read_bytes() == data for name, data in before.items() if name != mine)


def test_force_replaces_only_an_export_of_the_same_kind(recording: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    pictures = tmp_path / "pictures"
    assert run(capsys, "export", "svg", str(recording), "-o", str(pictures))[0] == 0
    code, _, err = run(capsys, "export", "html", str(recording), "-o", str(pictures), "--force")
    assert code == 2 and "'objcg-lab export svg' wrote it, not export html" in err
    cast_file = tmp_path / "talk.cast"
    assert run(capsys, "export", "cast", str(recording), "-o", str(cast_file))[0] == 0
    code, _, err = run(capsys, "export", "gif", str(recording), "-o", str(cast_file), "--force")
    assert code == 2 and "not export gif" in err or "GIF needs agg" in err
    mine = tmp_path / "mine.cast"
    mine.write_text("recorded by hand\n")
    code, _, err = run(capsys, "export", "cast", str(recording), "-o", str(mine), "--force")
    assert code == 2 and "no objcg-lab export wrote it" in err and mine.read_text() == "recorded by hand\n"
    cast_file.write_text(cast_file.read_text().replace("Leftover", "Edited"))
    code, _, err = run(capsys, "export", "cast", str(recording), "-o", str(cast_file), "--force")
    assert code == 2 and "it changed since 'objcg-lab export cast' wrote it" in err


@pytest.mark.parametrize("kind, out", [("svg", "slides"), ("handout", "handout"),
                                       ("cast", "x.cast"), ("html", "web")])
def test_a_full_disk_leaves_nothing_and_says_so_in_one_line(
        recording: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], kind: str, out: str) -> None:
    import errno

    writes = 0

    def filling_up(real: Callable[..., int]) -> Callable[..., int]:
        def write(self: Path, data: str | bytes, *args: object, **kwargs: object) -> int:
            nonlocal writes
            writes += 1
            if writes == 2 or kind == "cast":  # a cast is written at once, at the end
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(self, data, *args, **kwargs)
        return write

    monkeypatch.setattr(Path, "write_text", filling_up(Path.write_text))
    monkeypatch.setattr(Path, "write_bytes", filling_up(Path.write_bytes))
    code, _, err = run(capsys, "export", kind, str(recording), "-o", str(tmp_path / out))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err == f"{tmp_path / out}: error: cannot write: No space left on device; nothing written\n"
    assert _everything_under(tmp_path) == ["rec", "rec/leftover.objcg"]



@pytest.mark.parametrize("signum, words, status", [
    (signal.SIGINT, "interrupted", 130),
    (signal.SIGTERM, "interrupted by SIGTERM", 143),
    (signal.SIGHUP, "interrupted by SIGHUP", 129),
])
def test_a_signal_in_a_real_process_leaves_nothing_and_no_traceback(
        tmp_path: Path, signum: int, words: str, status: int) -> None:
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
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == status
    assert err == f"{out}: {words}; nothing written\n"  # one line, no traceback
    assert sorted(os.listdir(tmp_path)) == ["big.objcg"]


def _slow_tool(folder: Path, name: str, started: Path, progress: bool = False) -> None:
    """A stand-in for rsvg-convert or agg that says it started, then takes its time."""
    lines = ["#!/bin/sh", f"echo $$ > {started}"]
    if progress:
        lines.append("printf '1 / 50 [>---]\\r2 / 50 [=>--]\\r' >&2")
    lines.append("exec sleep 60")
    tool = folder / name
    tool.write_text("\n".join(lines) + "\n")
    tool.chmod(0o755)


def _ctrl_c_while(tool: Path, started: Path, argv: list[str], env: dict[str, str],
                  tmp_path: Path) -> tuple[int, str]:
    """Run an export in its own process group, as a shell runs a job, and press Ctrl-C
    (SIGINT to the whole group) once `tool` has started."""
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(argv, cwd=root, stderr=subprocess.PIPE, text=True, env=env,
                               start_new_session=True)
    for _ in range(1200):
        if (started.exists() and started.read_text().strip()) or process.poll() is not None:
            break
        time.sleep(0.1)
    assert started.exists(), process.communicate(timeout=60)[1]
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    tool_pid = int(started.read_text())
    for _ in range(50):  # the export stopped its helper program too
        try:
            os.kill(tool_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"{tool} still runs")
    return process.returncode, err


def test_ctrl_c_while_rsvg_convert_works_says_interrupted(recording: Path, tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    started = tmp_path / "started"
    _slow_tool(tools, "rsvg-convert", started)
    out = tmp_path / "slides"
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    code, err = _ctrl_c_while(tools / "rsvg-convert", started,
                              [sys.executable, "-m", "tui.cli", "export", "svg", str(recording),
                               "-o", str(out), "--png"], env, tmp_path)
    assert code == 130 and err == f"{out}: interrupted; nothing written\n", err
    assert sorted(os.listdir(tmp_path)) == ["rec", "started", "tools"]


def test_ctrl_c_while_agg_works_says_interrupted(recording: Path, tmp_path: Path) -> None:
    """agg found beside the interpreter that runs objcg-lab (a venv that is not activated),
    not on PATH; Ctrl-C while it draws stops it and says so."""
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").symlink_to(sys.executable)
    started = tmp_path / "started"
    _slow_tool(venv, "agg", started, progress=True)
    out = tmp_path / "talk.gif"
    env = {**os.environ, "PATH": os.defpath}
    code, err = _ctrl_c_while(venv / "agg", started,
                              [str(venv / "python"), "-m", "tui.cli", "export", "gif",
                               str(recording), "-o", str(out)], env, tmp_path)
    assert code == 130 and err == f"{out}: interrupted; nothing written\n", err
    assert sorted(os.listdir(tmp_path)) == ["rec", "started", "venv"]
