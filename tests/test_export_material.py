"""Material that needs no hand work (issue 19, points 10 and 11): every export draws the
screen a viewer needs (no prompt, key bar, branch count, key hints or play state; the
option --with-controls keeps them), chapter pictures are taken where --at says (by
default the end of the chapter's first command, where its change shows), and --from/--to
choose chapters for svg, handout and html as for cast."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_recording_export import run
from tui.export.svgdraw import screen_text

RECORDING = """\
# objcg-lab recording v1
#@ title Leftover bytes
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
#@ branch
#@ | mkdir B
#@ end
"""
CONTROLS = ("press :", "other branch", "(y)", "playing", "paused", "(t shows them)",
            "press n", "^p palette", " n step ", "space play", "(o: objects)")


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "leftover.objcg"
    path.write_text(RECORDING)
    return path


def _screens(folder: Path) -> dict[str, str]:
    return {p.name: "\n".join(screen_text(p.read_text())) for p in sorted(folder.glob("*.svg"))}


@pytest.mark.parametrize("size", ["120x40", "80x24"])
def test_pictures_have_no_controls_unless_asked(recording: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str], size: str) -> None:
    bare, tutorial = tmp_path / "bare", tmp_path / "tutorial"
    assert run(capsys, "export", "svg", str(recording), "-o", str(bare), "--each", "step",
               "--size", size)[0] == 0
    assert run(capsys, "export", "svg", str(recording), "-o", str(tutorial), "--each", "step",
               "--size", size, "--with-controls")[0] == 0
    screens, kept = _screens(bare), _screens(tutorial)
    assert len(screens) > 40 and screens.keys() == kept.keys()
    for name, screen in screens.items():
        assert not [c for c in CONTROLS if c in screen], (name, screen)
        assert "chapter" in screen or name < "step-0014"  # the chapter's caption stays
    together = "\n".join(kept.values())
    for control in ("press :", "1 other branch (y)", "paused"):
        assert control in together, control


def test_a_cast_and_a_page_have_no_controls(recording: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    cast = tmp_path / "r.cast"
    assert run(capsys, "export", "cast", str(recording), "-o", str(cast), "--speed", "8")[0] == 0
    played = "".join(json.loads(line)[2] for line in cast.read_text().splitlines()[1:])
    assert not [c for c in CONTROLS if c in played]
    web = tmp_path / "web"
    assert run(capsys, "export", "html", str(recording), "-o", str(web))[0] == 0
    frames = (web / "frames.js").read_text()
    assert not [c for c in CONTROLS if c in frames]


def _header(folder: Path, name: str) -> tuple[str, str]:
    """A picture's top line (where it is) and its message line (which chapter)."""
    rows = screen_text((folder / name).read_text())
    caption = next(row.strip() for row in rows if row.strip().startswith("chapter "))
    return rows[0], caption


@pytest.mark.parametrize("at, where", [
    (None, r"command 4/6 · step (\d+)/\1 · alloc X0 4000"),  # its first command, done
    ("start", r"command 3/6 · step 1/1 · task t A"),  # the chapter's own point
    ("step=2", r"command 4/6 · step 2/\d+ · alloc X0"),
    ("end", r"command 5/6 · step (\d+)/\1 · alloc X1 92"),  # where the next chapter starts
])
def test_at_says_where_a_chapter_is_pictured(recording: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            at: str | None, where: str) -> None:
    out = tmp_path / "pictures"
    extra = ["--at", at] if at else []
    assert run(capsys, "export", "svg", str(recording), "-o", str(out), *extra)[0] == 0
    top, caption = _header(out, "01-a-task-in-a.svg")
    assert re.search(where, top), top
    assert caption == "chapter 1/2: A task in /A — The cgroup is empty."  # its own chapter


def test_at_in_the_handout_and_a_bad_at(recording: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "h"
    assert run(capsys, "export", "handout", str(recording), "-o", str(out), "--no-png")[0] == 0
    md = (out / "handout.md").read_text()
    assert "The screen after its first command, alloc X0 4000 task\\=t cpu\\=0" in md or \
        "The screen after its first command, alloc X0 4000 task=t cpu=0" in md
    code, _, err = run(capsys, "export", "svg", str(recording), "-o", str(tmp_path / "x"),
                       "--at", "middle")
    assert code == 2 and err.count("\n") == 1 and "--at middle" in err
    assert not (tmp_path / "x").exists()


def test_from_and_to_for_svg_handout_and_html(recording: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    pictures = tmp_path / "pictures"
    assert run(capsys, "export", "svg", str(recording), "-o", str(pictures), "--from", "2")[0] == 0
    assert sorted(p.name for p in pictures.glob("*.svg")) == ["02-freed-on-another-cpu.svg"]
    steps = tmp_path / "steps"
    assert run(capsys, "export", "svg", str(recording), "-o", str(steps), "--each", "step",
               "--to", "1")[0] == 0
    names = sorted(p.name for p in steps.glob("*.svg"))
    assert names[0] == "step-0000.svg" and "step-0001.svg" in names and len(names) < 40
    handout = tmp_path / "handout"
    assert run(capsys, "export", "handout", str(recording), "-o", str(handout), "--no-png",
               "--from", "Freed on another CPU")[0] == 0
    md = (handout / "handout.md").read_text()
    assert "## 2. Freed on another CPU" in md and "## 1." not in md and "Setting up" not in md
    web = tmp_path / "web"
    assert run(capsys, "export", "html", str(recording), "-o", str(web), "--from", "1",
               "--to", "1")[0] == 0
    data = json.loads((web / "frames.js").read_text().split("=", 1)[1].rstrip().rstrip(";"))
    assert [c["title"] for c in data["chapters"]] == ["A task in /A"]
    assert data["start"] > 0 and 10 < len(data["frames"]) < 40
    code, _, err = run(capsys, "export", "html", str(recording), "-o", str(tmp_path / "w2"),
                       "--from", "3")
    assert code == 2 and "--from 3: no such chapter" in err


SYSTEMD = Path(__file__).resolve().parent / "recordings" / "systemd.objcg"


def test_a_systemd_like_recording_goes_through_every_export_whole(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The recording made in tmux (long cgroup paths, chapters, a branch): every export
    has every chapter with its whole title and notes, and the recording itself whole."""
    from engine.machine import Machine
    from engine.recording import load
    from tui.export.run import find_agg

    text = SYSTEMD.read_text()
    loaded = load(text, str(SYSTEMD), Machine)
    assert loaded.problem is None and len(loaded.branches) == 1
    titles = [m.title for m in loaded.chapters()]
    assert len(titles) == 3 and "nginx.service removed: its objcg now charges system.slice" in titles
    path = tmp_path / "systemd.objcg"
    path.write_text(text)
    out = tmp_path / "out"
    out.mkdir()
    for kind, target in (("handout", "handout"), ("html", "web"), ("cast", "s.cast"),
                         ("svg", "svg")):
        code, _said, err = run(capsys, "export", kind, str(path), "-o", str(out / target),
                               *(["--no-png"] if kind == "handout" else []))
        assert code == 0, err
    md = (out / "handout" / "handout.md").read_text()
    for number, title in enumerate(titles, start=1):
        assert f"## {number}. {title}" in md
    assert "Four CPUs, two byte stocks switched" in md
    assert "mkdir user.slice/user-1000.slice/session-2.scope   -> 0" in md
    assert (out / "handout" / "systemd.objcg").read_text() == text
    assert (out / "web" / "systemd.objcg").read_text() == text
    data = json.loads((out / "web" / "frames.js").read_text().split("=", 1)[1].rstrip().rstrip(";"))
    assert [c["title"] for c in data["chapters"]] == titles
    markers = [json.loads(line)[2] for line in (out / "s.cast").read_text().splitlines()[1:]
               if json.loads(line)[1] == "m"]
    assert markers == [f"{n}. {t}" for n, t in enumerate(titles, start=1)]
    pictures = _screens(out / "svg")
    assert len(pictures) == 3
    for (name, screen), title in zip(sorted(pictures.items()), titles):
        assert title in screen and not [c for c in CONTROLS if c in screen], name
    if find_agg() is not None:
        code, _said, err = run(capsys, "export", "gif", str(path), "-o", str(out / "s.gif"),
                               "--from", "3", "--size", "80x24")  # a still: agg is slow
        assert code == 0 and (out / "s.gif").read_bytes()[:6] == b"GIF89a", err
