"""`objcg-lab export html`: one folder that works offline, opened from disk.

index.html (the player: inline CSS and script, no network) and frames.js (the explorer's
screen at every micro-step, as rows of styled runs; a frame stores only the rows that
changed). Steps with buttons and keys like Python Tutor: next/previous micro-step, next/
previous chapter, first/last, a slider; the chapter's title and notes beside the screen.
frames.js is a script, not data fetched: browsers refuse fetch() on file:// pages.
"""
from __future__ import annotations

import json
from html import escape
from typing import Any, Callable

from rich.segment import Segment
from rich.style import Style

from engine.recording import Loaded
from tui.export.screen import Options, Screen
from tui.export.svgdraw import _colors


def _css(style: Style) -> str:
    fg, bg = _colors(style)
    parts = [f"color:{fg}", f"background:{bg}"]
    if style.bold:
        parts.append("font-weight:bold")
    if style.italic:
        parts.append("font-style:italic")
    if style.underline or style.strike:
        lines = " ".join(n for n, on in (("underline", style.underline),
                                         ("line-through", style.strike)) if on)
        parts.append(f"text-decoration:{lines}")
    if style.dim:
        parts.append("opacity:.6")
    return ";".join(parts)


class _Styles:
    """Every distinct style once; runs refer to them by index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def of(self, style: Style | None) -> int:
        css = _css(style or Style.null())
        if css not in self.index:
            self.index[css] = len(self.index)
        return self.index[css]

    def table(self) -> list[str]:
        return list(self.index)


def _row(segments: list[Segment], styles: _Styles) -> list[Any]:
    """A row as [text, style, text, style, ...], neighbours of one style merged."""
    out: list[Any] = []
    for segment in segments:
        if segment.control or not segment.text:
            continue
        style = styles.of(segment.style)
        if out and out[-1] == style:
            out[-2] += segment.text
        else:
            out += [segment.text, style]
    return out


async def frames(loaded: Loaded, where: str, options: Options, title: str,
                 progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The player's data: the first screen whole, then each micro-step's changed rows."""
    styles = _Styles()
    out: list[dict[str, Any]] = []
    async with Screen(loaded, where, options.size) as screen:
        before = [_row(list(strip), styles) for strip in screen.strips()]
        first = before
        while screen.cursor < screen.total:
            await screen.step()
            rows = [_row(list(strip), styles) for strip in screen.strips()]
            out.append({str(y): row for y, row in enumerate(rows) if row != before[y]})
            before = rows
            if progress is not None:
                progress(screen.cursor)
        chapters = [{"title": m.title, "notes": list(m.notes), "frame": m.cursor}
                    for m in screen.tape.chapters()]
    return {"title": title, "intro": list(loaded.intro), "width": options.size[0],
            "height": options.size[1], "styles": styles.table(), "first": first,
            "frames": out, "chapters": chapters}


def frames_js(data: dict[str, Any]) -> str:
    return "window.OBJCG_LAB = " + json.dumps(data, ensure_ascii=False,
                                              separators=(",", ":")) + ";\n"


def index_html(title: str) -> str:
    return PAGE.replace("@TITLE@", escape(title))


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>@TITLE@</title>
<style>
body { margin: 0; background: #1e1e1e; color: #ddd; font: 15px/1.4 system-ui, sans-serif; }
header { padding: 8px 16px; background: #111; }
h1 { font-size: 20px; margin: 0; }
#intro { color: #aaa; margin: 4px 0 0; }
main { display: flex; gap: 16px; padding: 12px 16px; align-items: flex-start; }
nav { width: 260px; flex: none; }
nav ol { padding-left: 22px; margin: 0; }
nav li { cursor: pointer; padding: 2px 0; }
nav li.here { color: #ffb454; font-weight: bold; }
#screen { margin: 0; font: 13px/1.16 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas,
          'Courier New', monospace; white-space: pre; background: #292929; }
/* 1.16 em: the box-drawing glyphs join from row to row */
#screen > div { height: 1.16em; }
#screen span { white-space: pre; display: inline-block; height: 1.16em; vertical-align: top; }
/* inline blocks: a run's background fills its whole row, no stripes between rows */
#controls { margin: 8px 0; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
button { font: inherit; padding: 2px 10px; }
#slider { flex: 1; min-width: 200px; }
#caption { min-height: 2.8em; margin: 6px 0; color: #e6e6e6; }
#caption b { color: #ffb454; }
kbd { background: #333; border-radius: 3px; padding: 0 4px; }
.keys { color: #999; font-size: 13px; }
</style>
</head>
<body>
<header><h1 id="title">@TITLE@</h1><p id="intro"></p></header>
<main>
<nav><b>Chapters</b><ol id="chapters"></ol></nav>
<section>
<div id="caption"></div>
<div id="controls">
<button id="first" title="Home">&laquo; first</button>
<button id="prevchapter" title="[">&#x25C0;&#x25C0; chapter</button>
<button id="prev" title="Left arrow or b">&#x25C0; back</button>
<button id="next" title="Right arrow or n">step &#x25B6;</button>
<button id="nextchapter" title="]">chapter &#x25B6;&#x25B6;</button>
<button id="last" title="End">last &raquo;</button>
<input id="slider" type="range" min="0" value="0">
<span id="where"></span>
</div>
<pre id="screen"></pre>
<p class="keys"><kbd>&rarr;</kbd>/<kbd>n</kbd> next micro-step, <kbd>&larr;</kbd>/<kbd>b</kbd>
back, <kbd>]</kbd>/<kbd>[</kbd> next/previous chapter, <kbd>Home</kbd>/<kbd>End</kbd>.
Made with objcg-lab from a recording; works offline.</p>
</section>
</main>
<script src="frames.js"></script>
<script>
"use strict";
const D = window.OBJCG_LAB;
const total = D.frames.length;
const EVERY = 64;  // a whole screen kept every EVERY frames: going back is cheap
const kept = [D.first.slice()];
let rows = D.first.slice(), at = 0;
function advance(r, n) { const f = D.frames[n]; for (const y in f) r[+y] = f[y]; }
function seek(n) {
  n = Math.max(0, Math.min(total, n));
  if (n < at || n - at > EVERY) {
    const k = Math.min(Math.floor(n / EVERY), kept.length - 1);
    rows = kept[k].slice(); at = k * EVERY;
  }
  while (at < n) {
    advance(rows, at); at++;
    if (at % EVERY === 0 && kept.length === at / EVERY) kept.push(rows.slice());
  }
  draw();
}
function runs(row) {
  const line = document.createElement("div");
  for (let i = 0; i < row.length; i += 2) {
    const s = document.createElement("span");
    s.textContent = row[i]; s.style.cssText = D.styles[row[i + 1]];
    line.appendChild(s);
  }
  return line;
}
function chapterAt(n) {
  let found = -1;
  D.chapters.forEach((c, i) => { if (c.frame <= n) found = i; });
  return found;
}
function draw() {
  const screen = document.getElementById("screen");
  screen.replaceChildren(...rows.map(runs));
  document.getElementById("slider").value = at;
  document.getElementById("where").textContent = "micro-step " + at + " / " + total;
  const c = chapterAt(at), caption = document.getElementById("caption");
  caption.replaceChildren();
  if (c >= 0) {
    const b = document.createElement("b");
    b.textContent = (c + 1) + ". " + D.chapters[c].title;
    caption.appendChild(b);
    for (const note of D.chapters[c].notes) {
      const p = document.createElement("div"); p.textContent = note; caption.appendChild(p);
    }
  }
  document.querySelectorAll("#chapters li").forEach((li, i) => li.className = i === c ? "here" : "");
}
function chapter(delta) {
  const points = D.chapters.map(c => c.frame);
  const next = delta > 0 ? points.find(p => p > at) : points.filter(p => p < at).pop();
  if (next !== undefined) seek(next);
}
document.getElementById("intro").textContent = D.intro.join(" ");
D.chapters.forEach((c, i) => {
  const li = document.createElement("li"); li.textContent = c.title;
  li.onclick = () => seek(c.frame); document.getElementById("chapters").appendChild(li);
});
const slider = document.getElementById("slider");
slider.max = total; slider.oninput = () => seek(+slider.value);
document.getElementById("first").onclick = () => seek(0);
document.getElementById("last").onclick = () => seek(total);
document.getElementById("prev").onclick = () => seek(at - 1);
document.getElementById("next").onclick = () => seek(at + 1);
document.getElementById("prevchapter").onclick = () => chapter(-1);
document.getElementById("nextchapter").onclick = () => chapter(1);
document.addEventListener("keydown", e => {
  if (e.target.tagName === "INPUT" && e.key !== "n" && e.key !== "b") return;
  const moves = {ArrowRight: () => seek(at + 1), n: () => seek(at + 1),
                 ArrowLeft: () => seek(at - 1), b: () => seek(at - 1),
                 "]": () => chapter(1), "[": () => chapter(-1),
                 Home: () => seek(0), End: () => seek(total)};
  if (moves[e.key]) { moves[e.key](); e.preventDefault(); }
});
seek(0);
</script>
</body>
</html>
"""
