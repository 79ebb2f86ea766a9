"""Exports from a recording through the CLI: an asciicast validated line by line against
asciicast v2, SVGs and a handout holding what the chapters say, byte-identical runs, and
bad input (not a recording, a broken one, unwritable or existing output) refused in one
line with nothing of the user's touched."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tui.cli import main
from tui.export.svgdraw import screen_text

RECORDING = """\
# objcg-lab recording v1
#@ title Leftover bytes
#@ note Two objects and a page.
config cpus=2
mkdir A
task t A
#@ chapter A task in /A
#@ note The cgroup is empty.
alloc X0 4000 task=t cpu=0
#@ pause step=3
alloc X1 92 task=t cpu=1
#@ chapter Freed on another CPU
free X1 cpu=0
#@ end
"""
TITLES = ["A task in /A", "Freed on another CPU"]


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "leftover.objcg"
    path.write_text(RECORDING)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def check_asciicast_v2(text: str, width: int, height: int) -> list[list[object]]:
    lines = text.split("\n")
    assert lines[-1] == "" and all(lines[:-1]), "one JSON document per line, final newline"
    header = json.loads(lines[0])
    assert header["version"] == 2
    assert (header["width"], header["height"]) == (width, height)
    assert "timestamp" not in header  # deterministic: no wall clock
    assert isinstance(header.get("env", {}), dict)
    events = [json.loads(line) for line in lines[1:-1]]
    last = 0.0
    for event in events:
        assert isinstance(event, list) and len(event) == 3
        time, kind, data = event
        assert isinstance(time, (int, float)) and time >= last, "times never decrease"
        assert kind in ("o", "m") and isinstance(data, str)
        last = time
    assert header["duration"] == last
    return events


def test_cast_is_asciicast_v2_with_a_marker_per_chapter(recording: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "a.cast"
    code, said, err = run(capsys, "export", "cast", str(recording), "-o", str(out),
                          "--size", "100x30", "--speed", "8")
    assert code == 0 and not err and "2 chapter markers" in said
    events = check_asciicast_v2(out.read_text(), 100, 30)
    markers = [e[2] for e in events if e[1] == "m"]
    assert markers == [f"{n}. {t}" for n, t in enumerate(TITLES, 1)]
    first = events[0]
    assert first[1] == "o" and str(first[2]).startswith("\x1b[?25l\x1b[H\x1b[2J")
    assert all(f"\x1b[{row};1H" in str(first[2]) for row in range(1, 31))  # a whole screen
    assert "\x1b[31;1H" not in str(first[2])
    screens = "".join(str(e[2]) for e in events if e[1] == "o")
    assert "chapter 2/2: Freed on another CPU" in screens
    step = [e[0] for e in events if e[1] == "o"][1:3]
    assert step[1] - step[0] == pytest.approx(1 / 8) or step[1] - step[0] > 1 / 8


def test_exports_are_byte_identical_run_to_run(recording: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("one", "two"):
        assert run(capsys, "export", "cast", str(recording), "-o", str(tmp_path / f"{name}.cast"))[0] == 0
        assert run(capsys, "export", "handout", str(recording), "-o", str(tmp_path / name))[0] == 0
    assert (tmp_path / "one.cast").read_bytes() == (tmp_path / "two.cast").read_bytes()
    files = sorted((tmp_path / "one").iterdir())
    assert "handout.md" in [f.name for f in files] and any(f.suffix == ".svg" for f in files)
    for file in files:
        assert file.read_bytes() == (tmp_path / "two" / file.name).read_bytes(), file.name


def _svg_text(path: Path) -> str:
    """The picture's title and the screen rows it shows."""
    picture = path.read_text()
    title = picture.split("<title>")[1].split("</title>")[0]
    return "\n".join([title, *screen_text(picture)])


def test_svg_per_chapter_shows_each_chapter(recording: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pics"
    assert run(capsys, "export", "svg", str(recording), "-o", str(out))[0] == 0
    files = sorted(p.name for p in out.glob("*.svg"))
    assert files == ["01-a-task-in-a.svg", "02-freed-on-another-cpu.svg"]
    for number, (name, title) in enumerate(zip(files, TITLES), start=1):
        assert (out / name).read_text().startswith("<svg")
        text = _svg_text(out / name)
        assert f"chapter {number}/2: {title}" in text
        assert f"objcg-lab: {title}" in text


def test_svg_per_step(recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "steps"
    code, said, _ = run(capsys, "export", "svg", str(recording), "-o", str(out), "--each", "step",
                        "--size", "80x24")
    assert code == 0
    files = sorted(out.glob("*.svg"))
    assert files[0].name == "step-0000.svg" and len(files) == int(said.split(": ")[1].split()[0])
    assert len(files) > 20


def test_handout_has_the_chapters_commands_pictures_and_figures(
        recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "handout"
    assert run(capsys, "export", "handout", str(recording), "-o", str(out))[0] == 0
    md = (out / "handout.md").read_text()
    assert md.startswith("# Leftover bytes\n") and "Two objects and a page." in md
    assert "## Setting up" in md and "mkdir A" in md
    for number, title in enumerate(TITLES, 1):
        assert f"## {number}. {title}" in md
    assert "The cgroup is empty." in md
    assert "alloc X0 4000 task=t cpu=0   -> 0\nalloc X1 92 task=t cpu=1   -> 0" in md
    assert "| objcg `/A` refcnt | 1 | 5 |" in md and "| memcg `/A` usage | 0 | 64 |" in md
    for link in [line.split("](")[1][:-1] for line in md.splitlines() if line.startswith("![")]:
        assert (out / link).is_file(), link


def test_what_is_not_a_recording_is_refused(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "plain.objcg"
    script.write_text("mkdir A\n")
    out = tmp_path / "x.cast"
    code, _, err = run(capsys, "export", "cast", str(script), "-o", str(out))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"{script}:1: error: not an objcg-lab recording")
    assert not out.exists()


@pytest.mark.parametrize("body, line, what", [
    ("mkdir A\nalocc X 1\nmkdir B\n#@ end\n", 3, "unknown command"),
    ("mkdir A\nmkdir B\n", 3, "cut short"),
    ("mkdir A\nmkdir B", 3, "the last line has no end of line"),
])
def test_a_broken_recording_exports_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            body: str, line: int, what: str) -> None:
    path = tmp_path / "broken.objcg"
    path.write_text("# objcg-lab recording v1\n" + body)
    for kind, out in (("cast", tmp_path / "b.cast"), ("handout", tmp_path / "h")):
        code, _, err = run(capsys, "export", kind, str(path), "-o", str(out))
        assert code == 2 and err.count("\n") == 1, err
        assert err.startswith(f"{path}:{line}: error:") and what in err
        assert not out.exists()


def test_existing_output_is_never_overwritten(recording: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine.cast"
    out.write_text("my precious cast\n")
    code, _, err = run(capsys, "export", "cast", str(recording), "-o", str(out))
    assert code == 2 and "already exists" in err and err.count("\n") == 1
    assert out.read_text() == "my precious cast\n"
    pics = tmp_path / "pics"
    pics.mkdir()
    (pics / "02-freed-on-another-cpu.svg").write_text("mine")
    code, _, err = run(capsys, "export", "svg", str(recording), "-o", str(pics))
    assert code == 2 and f"{pics}: error: the folder is not empty" in err
    assert sorted(p.name for p in pics.iterdir()) == ["02-freed-on-another-cpu.svg"]
    code, _, err = run(capsys, "export", "cast", str(recording), "-o", str(out), "--force")
    assert code == 2 and "no objcg-lab export wrote it" in err and "even with --force" in err
    assert out.read_text() == "my precious cast\n"
    code, _, err = run(capsys, "export", "cast", str(recording), "-o", str(recording), "--force")
    assert code == 2 and "the recording itself" in err
    assert recording.read_text() == RECORDING


def test_unwritable_output_is_one_line(recording: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for kind, out in (("svg", a_file / "dir"), ("handout", a_file), ("cast", a_file / "x.cast")):
        code, _, err = run(capsys, "export", kind, str(recording), "-o", str(out))
        assert code == 2 and err.count("\n") == 1 and "error:" in err, (kind, err)
    assert a_file.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_directory(recording: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, _, err = run(capsys, "export", "handout", str(recording), "-o", str(ro))
        assert code == 2 and "cannot write there" in err and err.count("\n") == 1
    finally:
        ro.chmod(0o700)


def test_bad_options(recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for extra in (["--size", "huge"], ["--size", "10x5"], ["--speed", "0"]):
        code, _, err = run(capsys, "export", "cast", str(recording), "-o",
                           str(tmp_path / "o.cast"), *extra)
        assert code == 2 and err.count("\n") == 1 and err.startswith("error:"), err
    code, _, err = run(capsys, "export", "svg", str(recording).replace("leftover", "nope"),
                       "-o", str(tmp_path / "o"))
    assert code == 2 and "cannot read the recording" in err
