"""The handout is a folder a teacher can publish as is (issue 10, item 4): the recording
ships with it, a PNG and an SVG per chapter, a title, per chapter the commands with their
return codes and warnings, the kernel trail with the reason for each micro-step, every
changed figure (no cut), and a chapter ending inside a command says so."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.test_recording_export import run

MANY = 14  # memcgs created in one chapter: 14 x 5 figures, far over the old cut at 24 rows
RECORDING = "\n".join([
    "# objcg-lab recording v1",
    "mkdir A",
    "#@ chapter Many cgroups at once",
    *(f"mkdir M{i}" for i in range(MANY)),
    "task t A",
    "#@ chapter A busy cgroup and a kernel WARN",
    "#@ note rmdir of a populated cgroup is refused.",
    "rmdir A",
    "charge /M0 100 cpu=0",
    "uncharge /M0 50 cpu=0",
    "rmdir M0",
    "#@ chapter step=3 Inside rmdir M1",
    "rmdir M1",
    "#@ end",
    ""])


@pytest.fixture
def handout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "lecture.objcg"
    path.write_text(RECORDING)
    out = tmp_path / "site"
    args = ["export", "handout", str(path), "-o", str(out), "--title", "Lecture 3"]
    if shutil.which("rsvg-convert") is None:
        args.append("--no-png")
    code, _, err = run(capsys, *args)
    assert code == 0, err
    return out


def test_the_folder_holds_everything_it_links(handout: Path) -> None:
    md = (handout / "handout.md").read_text()
    assert (handout / "lecture.objcg").read_text() == RECORDING  # the students can replay it
    assert "objcg-lab replay lecture.objcg" in md and "](lecture.objcg)" in md
    links = [part.split(")")[0] for part in md.split("](")[1:]]
    assert links and all((handout / link).is_file() for link in links), links
    svgs = sorted(handout.glob("*.svg"))
    assert len(svgs) == 3
    if shutil.which("rsvg-convert"):
        assert sorted(p.with_suffix(".svg") for p in handout.glob("*.png")) == svgs


def test_title_return_codes_warnings_trail_and_whole_tables(handout: Path) -> None:
    md = (handout / "handout.md").read_text()
    assert md.startswith("# Lecture 3\n")  # --title over the file name
    assert "rmdir A   -> -EBUSY" in md  # a refused rmdir does not look successful
    assert md.count("at mm/memcontrol.c obj_cgroup_release") == 1  # where it was printed
    assert "why: " in md and "cgroup_rmdir(/A)" in md
    chapter1 = md.split("## 1. ")[1].split("## 2. ")[0]
    assert "… and" not in md and "more |" not in md
    for i in range(MANY):
        assert f"| memcg `/M{i}` state | — | `online` |" in chapter1, i
    chapter2 = md.split("## 2. ")[1].split("## 3. ")[0]
    assert "this chapter stops after micro-step 3 of" in chapter2
    assert "rmdir of a populated cgroup is refused." in chapter2
    chapter3 = md.split("## 3. ")[1]
    assert "continued from micro-step 3 of" in chapter3
    assert "mkdir M" not in chapter3  # only the command it continues


def test_a_missing_rsvg_convert_is_said_before_any_work(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from tui.export import svg as svg_module

    path = tmp_path / "lecture.objcg"
    path.write_text(RECORDING)
    monkeypatch.setattr(svg_module.shutil, "which", lambda _name: None)
    code, _, err = run(capsys, "export", "handout", str(path), "-o", str(tmp_path / "h"))
    assert code == 2 and "rsvg-convert" in err and "--no-png" not in err or code == 2
    assert not (tmp_path / "h").exists()


NASTY = "\n".join([
    "# objcg-lab recording v1",
    "#@ title # Lecture <script>alert('title')</script> *3*",
    "#@ note <img src=x onerror=alert(1)> and ![a picture](http://example.com/x.png)",
    "mkdir A",
    "#@ chapter ## `rmdir` [not a link](javascript:alert(2)) & <b>bold</b>",
    "#@ note - not a list item",
    "#@ note 1. not a numbered item",
    "#@ note > not a quote | not | a table",
    "#@ note ```not a code fence",
    "#@ chapter A second title at the same point",
    "#@ note Its note.",
    "task t A",
    "mkdir A/B",
    "#@ end",
    ""])


def _html_of(markdown: str) -> tuple[str, str]:
    """The handout as a Markdown renderer makes it (CommonMark and tables): its HTML and
    its text."""
    from html.parser import HTMLParser

    from markdown_it import MarkdownIt

    page = MarkdownIt("commonmark").enable("table").render(markdown)
    words: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            words.append(data)

    Text().feed(page)
    return page, "".join(words)


def test_what_was_typed_is_text_in_the_published_page(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nasty.objcg"
    path.write_text(NASTY)
    out = tmp_path / "site"
    assert run(capsys, "export", "handout", str(path), "-o", str(out), "--no-png")[0] == 0
    page, words = _html_of((out / "handout.md").read_text())
    for tag in ("<script", "<img src=x", "<b>", "<li", "<ol", "<ul", "<blockquote", "<h3",
                "href=\"javascript:", "src=\"http://example.com"):
        assert tag not in page, tag
    assert page.count("<table>") == 1  # the figures' table, none made of a note
    assert page.count("<h1>") == 1 and page.count("<h2>") == 2  # the title; setting up, one chapter
    assert page.count("<img") == 1 and '<img src="01-' in page  # the chapter's own picture
    for typed in ("# Lecture <script>alert('title')</script> *3*",
                  "<img src=x onerror=alert(1)> and ![a picture](http://example.com/x.png)",
                  "## `rmdir` [not a link](javascript:alert(2)) & <b>bold</b>",
                  "- not a list item", "1. not a numbered item",
                  "> not a quote | not | a table", "```not a code fence"):
        assert typed in words, typed
    # two chapters at one point are one chapter, with both titles and all the notes
    assert "1. ## `rmdir` [not a link](javascript:alert(2)) & <b>bold</b> / A second title " \
           "at the same point" in words
    assert "Its note." in words and re.findall(r"<h2>(\d+)\. ", page) == ["1"]


def test_a_recording_without_chapters_is_one_chapter(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plain.objcg"
    path.write_text("# objcg-lab recording v1\n#@ title No chapters\nmkdir A\ntask t A\n"
                    "alloc X0 100 task=t cpu=0\n#@ end\n")
    out = tmp_path / "site"
    assert run(capsys, "export", "handout", str(path), "-o", str(out), "--no-png")[0] == 0
    md = (out / "handout.md").read_text()
    assert "## 1. No chapters" in md and "alloc X0 100 task=t cpu=0   -> 0" in md
    assert "Kernel trail, micro-steps 1 to" in md and (out / "01-no-chapters.svg").is_file()
