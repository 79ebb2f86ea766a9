"""Regenerate screenshots/: `python3 -m tui.screenshots [--png] [OUTDIR]`.

Every picture comes from a scripted state, never from a hand-made capture, so the pictures
can be rebuilt after any change of the screen: most are the chapters of the recordings
screenshots/*.objcg, exported as `objcg-lab export svg` does (tui/export/shots.py); the
rest (other sizes, typed keys, the help screen, a generated big scenario) are SHOTS below.
`--png` also converts each SVG with rsvg-convert (Debian: librsvg2-bin).
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tui import scenarios
from tui.app import ExplorerApp, opening
from tui.session import Session

@dataclass(frozen=True)
class Shot:
    name: str
    caption: str
    keys: tuple[str, ...] = ()
    size: tuple[int, int] = (120, 40)
    script: str | None = None  # None: the built-in scenario, opened before its rmdir
    at_end: bool = False
    theme: str | None = None  # a Textual theme name, or "projector" (objcg-lab --projector)
    travel_frame: int | None = None  # freeze the reparented objcg on its way up (travel.py)


# rmdir A/B's 7th micro-step: offline (css_killed_work_fn, after kill_css's RCU grace
# period) has cleared /A/B->objcg, and objcg /A/B just moved to /A's objcg_list
REPARENT = ("n",) * 7
RACE_SETUP = "config cpus=2\nmkdir A\ntask tA A\nalloc X 100 task=tA cpu=1\n"
BY_HAND = ("colon", *"together", "enter", *"write A memory.max 0 cpu=0", "enter",
           *"drain cpu=1", "enter", *"end", "enter")  # typed: the threads wait for keys
THEMES = (("dark", "textual-dark"), ("light", "textual-light"), ("projector", "projector"))


SHOTS = (
    Shot("small-terminal", "The same reparenting step at 80x24.", REPARENT, (80, 24)),
    Shot("command-error", "A bad command: a one-line error in place, nothing applied.",
         ("colon", *"free NOPE cpu=0", "enter")),
    Shot("help", "The ? screen.", ("question_mark",)),
    Shot("together-by-hand", "A together block stepped by hand: cpu0 has read cpu1's "
         "cached_objcg (/A) and not used it yet; cpu1's drain is under way (keys 0 and 1 "
         "choose; the trail's gutter names each step's CPU).",
         BY_HAND + ("0",) * 7 + ("1",) * 3, script=RACE_SETUP),
    Shot("oops", "The obj_stock_flush_required race made by hand (0 seven times, 1 four "
         "times, 0): the kernel oops with both CPUs' call traces, at 80x24.",
         BY_HAND + ("0",) * 7 + ("1",) * 4 + ("0",), (80, 24), script=RACE_SETUP),
    *(Shot(f"systemd-{w}x{h}", f"A systemd-like tree at {w}x{h}, mid-rmdir: long names shortened "
           "in the middle (/system.slice/…/x), every figure whole.", ("B",) + ("n",) * 8, (w, h),
           script=scenarios.systemd_text(), at_end=True) for w, h in ((80, 24), (120, 40), (40, 12))),
    Shot("scale", "1,000 memcgs, 10,000 objcgs, 8 CPUs: folded tree, one line per CPU.",
         script="scale", at_end=True),
    Shot("reparent-travel", "objcg /A/B on its way up the tree to /A's objcg_list "
         "(one of the frames drawn while memcg_reparent_objcgs runs).", REPARENT, travel_frame=1),
    *(Shot(f"theme-{family}-{w}x{h}", f"The reparenting step at {w}x{h}, {family} theme"
           + (" (objcg-lab --projector: high contrast, no faint text)." if family == "projector" else "."),
           REPARENT, (w, h), theme=theme)
      for family, theme in THEMES for (w, h) in ((80, 24), (120, 40))),
)


def _session(shot: Shot) -> tuple[Session, int | None]:
    if shot.script is None:
        session = Session.from_text(scenarios.default_text(), scenarios.DEFAULT_NAME)
        return session, opening(session)
    text = scenarios.scale_script() if shot.script == "scale" else shot.script
    return Session.from_text(text, f"<{shot.name}>"), None


async def _take(shot: Shot) -> str:
    session, start = _session(shot)
    app = ExplorerApp(session, start_at=start, projector=shot.theme == "projector")
    async with app.run_test(size=shot.size) as pilot:
        if shot.theme not in (None, "projector"):
            app.theme = shot.theme
        await pilot.pause()
        await pilot.press(*shot.keys)
        app.playing = False
        await pilot.pause()
        if shot.travel_frame is not None:
            from tui.widgets.memcg_tree import MemcgTree

            app.query_one(MemcgTree).show_travel_frame(shot.travel_frame)
            await pilot.pause()
        return app.export_screenshot(title=f"objcg-lab: {shot.name}")


def svg_to_png(svg: Path, png: Path) -> None:
    """rsvg-convert drops runs of &#160; (Rich's spaces): give it plain preserved spaces."""
    text = svg.read_text(encoding="utf-8").replace("&#160;", " ")
    if 'xml:space="preserve"' not in text.split(">", 1)[0]:  # tui/export's SVGs say it already
        text = text.replace("<svg ", '<svg xml:space="preserve" ', 1)
    fixed = png.with_suffix(".tmp.svg")
    fixed.write_text(text, encoding="utf-8")
    try:
        subprocess.run(["rsvg-convert", str(fixed), "-o", str(png)], check=True)
    finally:
        fixed.unlink()


def main(argv: list[str]) -> int:
    png = "--png" in argv
    args = [a for a in argv if a != "--png"]
    out = Path(args[0] if args else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    if png and shutil.which("rsvg-convert") is None:
        print("error: --png needs rsvg-convert (apt-get install librsvg2-bin)", file=sys.stderr)
        return 2
    lines = ["# objcg-lab explorer screenshots", "",
             "Generated by `python3 -m tui.screenshots --png` from scripted states "
             "(tui/screenshots.py) and the recordings screenshots/*.objcg; do not edit by hand.",
             ""]
    from tui.export.shots import export_recorded

    for name, caption in export_recorded(out, png):
        lines += [f"## {name}", "", caption, "", f"![{name}]({name}.svg)", ""]
        print(out / f"{name}.svg")
    for shot in SHOTS:
        svg = out / f"{shot.name}.svg"
        svg.write_text(asyncio.run(_take(shot)), encoding="utf-8")
        if png:
            svg_to_png(svg, out / f"{shot.name}.png")
        lines += [f"## {shot.name}", "", shot.caption, "", f"![{shot.name}]({shot.name}.svg)", ""]
        print(svg)
    from tui.compare.shots import take_all  # objcg-lab compare, from screenshots/compare-ten.objcg

    for name, caption in take_all(out, png):
        lines += [f"## {name}", "", caption, "", f"![{name}]({name}.svg)", ""]
        print(out / f"{name}.svg")
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
