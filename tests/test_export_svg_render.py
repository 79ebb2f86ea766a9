"""Exported SVGs look the same in real renderers (issue 10, item 3): rendered by librsvg
(rsvg-convert) and by headless Chromium, every character cell that holds a letter shows
ink and every blank cell stays blank, so no space is lost and no word slides (what
librsvg did to Rich's SVGs: "/64 pg" -> "/64pg", "NULLobjcg_list")."""
from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
from rich.segment import Segment
from rich.style import Style

from tests.conftest import chromium_env
from tests.test_recording_export import RECORDING, run
from tui.export import svgdraw

needs_rsvg = pytest.mark.skipif(shutil.which("rsvg-convert") is None,
                                reason="rsvg-convert (librsvg2-bin) not installed")


def decode_png(data: bytes) -> np.ndarray:
    """A non-interlaced 8-bit RGB(A) PNG as an array of rows x columns x channels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = depth = kind = 0
    while pos < len(data):
        length, tag = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if tag == b"IHDR":
            width, height, depth, kind = struct.unpack(">IIBB", body[:10])
            assert body[12] == 0, "interlaced PNG"
        elif tag == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and kind in (2, 6)
    channels = 4 if kind == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind_, row = line[0], np.frombuffer(line[1:], dtype=np.uint8).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        if kind_ == 0:
            cur = row
        elif kind_ == 2:
            cur = (row + prev) & 0xFF
        else:  # 1 (sub), 3 (average), 4 (Paeth) need the pixel to the left: go byte by byte
            for i in range(stride):
                a = cur[i - channels] if i >= channels else 0
                b = prev[i]
                c = prev[i - channels] if i >= channels else 0
                if kind_ == 1:
                    pred = a
                elif kind_ == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[i] = (row[i] + pred) & 0xFF
        out[y] = cur
        prev = cur
    return out.reshape(height, width, channels)[:, :, :3]


def rsvg(svg: str) -> np.ndarray:
    done = subprocess.run(["rsvg-convert", "--format", "png"], input=svg.encode(),
                          capture_output=True, check=True)
    return decode_png(done.stdout)


def chromium(svg: str, tmp: Path) -> np.ndarray:
    playwright = pytest.importorskip("playwright.sync_api")
    if shutil.which("chromium") is None:
        pytest.skip("chromium not installed")
    page_file = tmp / "picture.svg"
    page_file.write_text(svg)
    width = int(float(svg.split('width="')[1].split('"')[0])) + 1
    height = int(svg.split('height="')[1].split('"')[0])
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox"], env=chromium_env(tmp))
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(page_file.as_uri())
        png = page.screenshot(clip={"x": 0, "y": 0, "width": width, "height": height})
        browser.close()
    return decode_png(png)


def ink(image: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """rows x columns booleans: does the cell hold more than one colour (a glyph)?"""
    out = np.zeros((rows, columns), dtype=bool)
    for row in range(rows):
        top = row * svgdraw.LINE_HEIGHT + 2
        bottom = (row + 1) * svgdraw.LINE_HEIGHT - 1
        for col in range(columns):
            left = int(col * svgdraw.CELL_WIDTH) + 2
            right = int((col + 1) * svgdraw.CELL_WIDTH) - 1
            cell = image[top:bottom, left:right].reshape(-1, 3)
            spread = cell.max(axis=0) - cell.min(axis=0)
            out[row, col] = int(spread.max()) > 20
    return out


SAMPLE = [  # what librsvg broke in Rich's SVGs, and runs of styles and spaces
    [Segment("/A/B  32 pg  128K max ∞ ref 3 dying dying-desc 0", Style(color="#e0e0e0"))],
    [Segment("  objcg ", Style(color="#808080")), Segment("NULL", Style(color="#ff8800")),
     Segment("  objcg_list: empty", Style(color="#808080"))],
    [Segment("online", Style(color="#00ff00", bold=True)), Segment(" "),
     Segment("dying-desc 1", Style(color="#ffaa00")), Segment("    /64 pg", Style(italic=True))],
    [Segment(" x  y   z    w", Style(color="#ffffff", bgcolor="#335577"))],
]


def expected_ink(rows: list[str], columns: int) -> np.ndarray:
    out = np.zeros((len(rows), columns), dtype=bool)
    for r, text in enumerate(rows):
        for c, ch in enumerate(text[:columns]):
            out[r, c] = not ch.isspace()
    return out


@needs_rsvg
@pytest.mark.parametrize("renderer", ["librsvg", "chromium"])
def test_every_character_lands_in_its_cell(renderer: str, tmp_path: Path) -> None:
    columns = 60
    picture = svgdraw.svg(SAMPLE, (columns, len(SAMPLE)), "sample")
    image = rsvg(picture) if renderer == "librsvg" else chromium(picture, tmp_path)
    rows = ["".join(s.text for s in line) for line in SAMPLE]
    got, want = ink(image, len(rows), columns), expected_ink(rows, columns)
    for r, text in enumerate(rows):
        shown = "".join("#" if got[r, c] else "." for c in range(columns))
        wanted = "".join("#" if want[r, c] else "." for c in range(columns))
        assert shown == wanted, f"{renderer} row {r}: {text!r}"


@needs_rsvg
def test_an_exported_chapter_keeps_its_words_in_place(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.objcg"
    path.write_text(RECORDING)
    out = tmp_path / "pics"
    assert run(capsys, "export", "svg", str(path), "-o", str(out), "--png")[0] == 0
    picture = (out / "02-freed-on-another-cpu.svg").read_text()
    rows = svgdraw.screen_text(picture)
    png = decode_png((out / "02-freed-on-another-cpu.png").read_bytes())
    got = ink(png, 40, 120)
    letters = blanks = letter_hits = blank_hits = 0
    for r, text in enumerate(rows):
        for c in range(120):
            ch = text[c] if c < len(text) else " "
            if ch.isalnum():
                letters += 1
                letter_hits += got[r, c]
            elif ch == " " and (c == 0 or text[c - 1:c] == " ") and text[c + 1:c + 2] in ("", " "):
                blanks += 1  # a blank between blanks: nothing may be drawn there
                blank_hits += got[r, c]
    assert letters > 500 and letter_hits / letters > 0.99, (letter_hits, letters)
    assert blanks > 1000 and blank_hits / blanks < 0.05, (blank_hits, blanks)


def test_text_is_one_run_per_style_and_never_cut(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Each row is one <text>, each run of one style one <tspan> with its spaces: a word
    longer than 16 cells (nr_dying_descendants) is never cut."""
    import re

    path = tmp_path / "r.objcg"
    path.write_text(RECORDING)
    out = tmp_path / "pics"
    assert run(capsys, "export", "svg", str(path), "-o", str(out))[0] == 0
    picture = (out / "01-a-task-in-a.svg").read_text()
    spans = re.findall(r"<tspan [^>]*>([^<]*)</tspan>", picture)
    assert any("nr_dying_descendants 0" in span for span in spans)
    assert "nr_dying_descend<" not in picture
    rows = re.findall(r'<text y="\d+">', picture)
    assert len(rows) == len(set(rows)) > 20  # one text element per row


def test_chromium_finds_and_selects_the_words_of_a_picture(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if shutil.which("chromium") is None:
        pytest.skip("chromium not installed")
    path = tmp_path / "r.objcg"
    path.write_text(RECORDING)
    out = tmp_path / "pics"
    assert run(capsys, "export", "svg", str(path), "-o", str(out))[0] == 0
    picture = out / "01-a-task-in-a.svg"
    rows = svgdraw.screen_text(picture.read_text())
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(picture.as_uri())
        found = page.evaluate("""words => words.map(w => {
            window.getSelection().removeAllRanges(); return window.find(w); })""",
                              ["nr_dying_descendants 0", "nr_charged_bytes 0", "objcg /A active"])
        selected = page.evaluate("""() => { const s = window.getSelection();
            s.selectAllChildren(document.documentElement); return s.toString(); }""")
        browser.close()
    assert found == [True, True, True]
    lines = [line.rstrip() for line in selected.split("\n")]
    assert [row for row in rows if row.strip()] == [line for line in lines if line.strip()]
