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
from tui.export.chapters import Chapter
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
                 chapters: list[Chapter], start: int = 0, end: int | None = None,
                 progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """The player's data: the screen at `start` whole, then each micro-step's changed rows
    up to `end` (default: the last); the chapters shown and the recorded pauses."""
    styles = _Styles()
    out: list[dict[str, Any]] = []
    async with Screen(loaded, where, options.size, controls=options.controls) as screen:
        stop = screen.total if end is None else end
        if start:
            await screen.goto(start)
        before = [_row(list(strip), styles) for strip in screen.strips()]
        first = before
        while screen.cursor < stop:
            await screen.step()
            rows = [_row(list(strip), styles) for strip in screen.strips()]
            out.append({str(y): row for y, row in enumerate(rows) if row != before[y]})
            before = rows
            if progress is not None:
                progress(screen.cursor - start)
        pauses = sorted({m.cursor for m in screen.tape.marks
                         if m.kind == "pause" and start <= m.cursor <= stop})
    return {"title": title, "intro": list(loaded.intro), "width": options.size[0],
            "height": options.size[1], "styles": styles.table(), "first": first,
            "frames": out, "start": start, "pauses": pauses,
            "chapters": [{"number": c.number, "title": c.title, "notes": list(c.notes),
                          "frame": c.start} for c in chapters if c.marked]}


def frames_js(data: dict[str, Any]) -> str:
    return "window.OBJCG_LAB = " + json.dumps(data, ensure_ascii=False,
                                              separators=(",", ":")) + ";\n"


def index_html(title: str) -> str:
    return PAGE.replace("@TITLE@", escape(title))


PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>
* { box-sizing: border-box; }
body { margin: 0; background: #1e1e1e; color: #ddd; font: 15px/1.4 system-ui, sans-serif; }
header { padding: 8px 16px; background: #111; }
h1 { font-size: 20px; margin: 0; }
#intro { color: #aaa; margin: 4px 0 0; }
main { display: flex; gap: 16px; padding: 12px 16px; align-items: flex-start; }
nav { width: 260px; flex: none; }
nav ol { padding: 0; margin: 4px 0 0; list-style: none; }
nav li { padding: 2px 0; }
nav a { color: inherit; text-decoration: none; display: block; }
nav a:hover { text-decoration: underline; }
nav li.here a { color: #ffb454; font-weight: bold; }
section { flex: 1; min-width: 0; }
/* narrower than the screen and the chapters side by side: the chapters go above it */
@media (max-width: 1279px) {
  main { flex-direction: column; }
  nav { width: auto; }
  nav ol { display: flex; flex-wrap: wrap; gap: 2px 18px; }
}
#screen { margin: 0; font-family: 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas,
          'Courier New', monospace; font-size: 13px; line-height: 1.16; white-space: pre;
          background: #292929; width: max-content; }
/* 1.16 em: the box-drawing glyphs join from row to row */
#screen > div { height: 1.16em; }
#screen span { white-space: pre; display: inline-block; height: 1.16em; vertical-align: top; }
/* inline blocks: a run's background fills its whole row, no stripes between rows */
#controls { margin: 8px 0; display: flex; gap: 6px; align-items: center; flex-wrap: wrap; }
button, select { font: inherit; padding: 2px 10px; }
#slider { flex: 1; min-width: 160px; }
#caption { min-height: 2.8em; margin: 6px 0; color: #e6e6e6; }
#caption b { color: #ffb454; }
#link { color: #8cc4ff; }
kbd { background: #333; border-radius: 3px; padding: 0 4px; }
.keys { color: #999; font-size: 13px; }
/* projector: the screen as large as the window allows, everything else out of its way */
body.projector header, body.projector nav, body.projector .keys { display: none; }
body.projector main { padding: 4px 8px; display: block; }
body.projector #caption { font-size: 1.5em; }
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
<button id="play" title="space: plays to the next chapter or recorded pause">&#x25B6; play</button>
<button id="next" title="Right arrow or n">step &#x25B6;</button>
<button id="nextchapter" title="]">chapter &#x25B6;&#x25B6;</button>
<button id="last" title="End">last &raquo;</button>
<select id="speed" title="micro-steps a second">
<option value="1">1/s</option><option value="2">2/s</option><option value="4" selected>4/s</option>
<option value="8">8/s</option><option value="16">16/s</option></select>
<button id="projector" title="p: as large as the window">projector</button>
<input id="slider" type="range" value="0">
<span id="where"></span> <a id="link" href="#step=0">link</a>
</div>
<pre id="screen"></pre>
<p class="keys"><kbd>&rarr;</kbd>/<kbd>n</kbd> next micro-step, <kbd>&larr;</kbd>/<kbd>b</kbd>
back, <kbd>space</kbd> plays to the next chapter or recorded pause (and pauses),
<kbd>]</kbd>/<kbd>[</kbd> next/previous chapter, <kbd>Home</kbd>/<kbd>End</kbd>,
<kbd>p</kbd> projector size. A link to a step or chapter (<code>#step=N</code>,
<code>#chapter=K</code>) opens the page there.
Made with objcg-lab from a recording; works offline.</p>
</section>
</main>
<script src="frames.js"></script>
<script>
"use strict";
const D = window.OBJCG_LAB;
const start = D.start, total = start + D.frames.length;
const EVERY = 64;  // a whole screen kept every EVERY frames: going back is cheap
const kept = [D.first.slice()];
const stops = new Set(D.pauses.concat(D.chapters.map(c => c.frame)));
let rows = D.first.slice(), at = start, timer = null;
const $ = id => document.getElementById(id);
function advance(r, n) { const f = D.frames[n - start]; for (const y in f) r[+y] = f[y]; }
function seek(n) {
  n = Math.max(start, Math.min(total, n));
  if (n < at || n - at > EVERY) {
    const k = Math.min(Math.floor((n - start) / EVERY), kept.length - 1);
    rows = kept[k].slice(); at = start + k * EVERY;
  }
  while (at < n) {
    advance(rows, at); at++;
    const done = at - start;
    if (done % EVERY === 0 && kept.length === done / EVERY) kept.push(rows.slice());
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
  $("screen").replaceChildren(...rows.map(runs));
  $("slider").value = at;
  $("where").textContent = "micro-step " + at + " / " + total;
  $("link").href = "#step=" + at;
  history.replaceState(null, "", "#step=" + at);
  const c = chapterAt(at), caption = $("caption");
  caption.replaceChildren();
  if (c >= 0) {
    const b = document.createElement("b");
    b.textContent = D.chapters[c].number + ". " + D.chapters[c].title;
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
function pause() {
  if (timer !== null) { clearInterval(timer); timer = null; }
  $("play").innerHTML = "&#x25B6; play";
}
function play() {  // as replay's space: on to the next chapter or recorded pause
  if (timer !== null) { pause(); return; }
  if (at >= total) return;
  $("play").innerHTML = "&#x2016; pause";
  timer = setInterval(() => {
    seek(at + 1);
    if (at >= total || stops.has(at)) pause();
  }, 1000 / +$("speed").value);
}
function moved(f) { return () => { pause(); f(); }; }
// The screen as large as the room beside or under the chapters (at most 16 px a cell
// row), or in projector size as large as the window.
const probe = document.createElement("span");
probe.textContent = "M".repeat(100);
probe.style.cssText = "position:absolute;visibility:hidden;font-size:100px;white-space:pre";
function fit() {
  const screen = $("screen");
  probe.style.fontFamily = getComputedStyle(screen).fontFamily;
  document.body.appendChild(probe);
  const cell = probe.getBoundingClientRect().width / 100 / 100;  // a cell at 1 px
  probe.remove();
  const room = screen.parentElement.clientWidth;
  let size = Math.floor(10 * room / (D.width * cell)) / 10;
  if (document.body.classList.contains("projector")) {
    const high = window.innerHeight - screen.getBoundingClientRect().top - 8;
    size = Math.min(size, Math.floor(10 * high / (D.height * 1.16)) / 10);
  } else {
    size = Math.min(size, 16);
  }
  screen.style.fontSize = Math.max(size, 4) + "px";
}
function projector() {
  document.body.classList.toggle("projector");
  fit();
}
function follow() {  // #step=N or #chapter=K
  const found = /^#(step|chapter)=(\d+)$/.exec(location.hash);
  if (!found) return false;
  const n = +found[2];
  if (found[1] === "step") { seek(n); return true; }
  const c = D.chapters.find(c => c.number === n);
  if (c) seek(c.frame);
  return c !== undefined;
}
$("intro").textContent = D.intro.join(" ");
D.chapters.forEach(c => {
  const li = document.createElement("li"), a = document.createElement("a");
  a.textContent = c.number + ". " + c.title; a.href = "#chapter=" + c.number;
  a.onclick = e => { e.preventDefault(); pause(); seek(c.frame); };
  li.appendChild(a); $("chapters").appendChild(li);
});
const slider = $("slider");
slider.min = start; slider.max = total; slider.oninput = () => { pause(); seek(+slider.value); };
$("first").onclick = moved(() => seek(start));
$("last").onclick = moved(() => seek(total));
$("prev").onclick = moved(() => seek(at - 1));
$("next").onclick = moved(() => seek(at + 1));
$("prevchapter").onclick = moved(() => chapter(-1));
$("nextchapter").onclick = moved(() => chapter(1));
$("play").onclick = play;
$("projector").onclick = projector;
// Clicking leaves no focus behind: the keys below are the page's, whatever was clicked.
document.addEventListener("click", () => {
  const here = document.activeElement;
  if (here && here !== document.body && here.tagName !== "SELECT") here.blur();
});
// The capture phase: the keys work whatever has focus (the slider, a button, a link).
window.addEventListener("keydown", e => {
  if (e.ctrlKey || e.altKey || e.metaKey) return;
  const moves = {ArrowRight: moved(() => seek(at + 1)), n: moved(() => seek(at + 1)),
                 ArrowLeft: moved(() => seek(at - 1)), b: moved(() => seek(at - 1)),
                 "]": moved(() => chapter(1)), "[": moved(() => chapter(-1)),
                 Home: moved(() => seek(start)), End: moved(() => seek(total)),
                 " ": play, p: projector};
  if (moves[e.key]) { moves[e.key](); e.preventDefault(); e.stopPropagation(); }
}, true);
window.addEventListener("hashchange", follow);
window.addEventListener("resize", fit);
fit();
if (!follow()) seek(start);
</script>
</body>
</html>
"""
