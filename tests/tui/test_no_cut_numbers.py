"""No number is ever cut: every figure on screen is whole, and equals the engine's.

The explorer is rendered with Pilot at four terminal sizes, at several points of the
built-in scenario, of a scenario with limits, and of a generated big one. The text of
each panel is read off the screen and every labelled figure in it (`33 pg`, `ref 5`,
`nr_charged_bytes 3096`, `31/32`, ...) is compared with the machine's state at the
cursor. A cut figure either reads as a wrong value (`left 30` for 3096) or leaves a
label without its value or a stub of a label (`dying-de`); both fail here.
"""
from __future__ import annotations

import re
from typing import Any
from dataclasses import dataclass, field

import pytest

from engine.conservation import byte_conservation
from engine.steps import describe
from tui import scenarios
from tui.app import ExplorerApp, opening
from tui.session import Session
from tui.widgets.explanation import Explanation
from tui.widgets.header import PositionBar
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.object_list import ObjectList
from tui.widgets.status import InvariantStatus
from tui.widgets.stocks import CpuStocks
from tui.widgets.trail import Trail
from tui.world import World, css_refs

SIZES = [(80, 24), (100, 30), (120, 40), (200, 60)]

LIMITS = """\
config cpus=2
mkdir A
mkdir A/B
write A/B memory.max 8K
task t A/B
alloc X0 4000 task=t cpu=0
alloc X1 4000 task=t cpu=1
alloc X2 4000 task=t cpu=0 gfp=GFP_NOWAIT
move t A
hold A/B
rmdir A/B
"""

WARN = "mkdir A\ncharge /A 100 cpu=0\nuncharge /A 50 cpu=0\nrmdir A\n"

# label words that always carry a figure: one left of a figure stub or alone is a cut
LABELS = ("pg", "ref", "max", "failcnt", "dying-desc", "nr_dying_descendants", "left",
          "nr_charged_bytes", "objcg_list:", "list:", "live", "stocks", "command", "step")
STATES = {"online", "dying", "freed", "allocated", "active", "killed", "released", "ghost",
          "(freed)", "ghost(freed)"}


@dataclass
class Problems:
    where: str = ""
    found: list[str] = field(default_factory=list)

    def add(self, line: str, what: str) -> None:
        self.found.append(f"{self.where}: {what}\n    in: {line!r}")


def screen_lines(app: ExplorerApp) -> list[str]:
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip) for strip in strips]


def panel_lines(app: ExplorerApp, lines: list[str], widget) -> list[str]:
    if not widget.display or not widget.is_mounted:
        return []
    region = getattr(widget, "scrollable_content_region", widget.content_region)
    out = []
    for y in range(region.y, region.y + region.height):
        if 0 <= y < len(lines):
            out.append(lines[y][region.x:region.x + region.width].rstrip())
    return out


# -- the checks of one panel -------------------------------------------------------------------
NAME = r"(?P<name>/\S*)"


def _strip_tree(line: str) -> str:
    return line.lstrip("│├└─ ").strip()


def _leftovers(rest: str, names: set[str], problems: Problems, line: str) -> None:
    """What remains of a row once its figures were matched: no digits, no stub or orphan label."""
    rest = re.sub(r"\{[^{}]*\}", " ", rest)  # a holder set, whole
    for token in rest.split():
        token = token.strip("()·,;")
        if not token or token in names or token in STATES:
            continue
        if re.fullmatch(r"\d+(\.\d)?[KMB]", token) or re.fullmatch(r"cpu\d+", token):
            continue
        if re.fullmatch(r"[▸+×]\d+", token):  # folded children, hidden holders
            continue
        if any(ch.isdigit() for ch in token):
            problems.add(line, f"a figure without its label, or cut: {token!r}")
        elif token in LABELS:
            problems.add(line, f"the label {token!r} has lost its figure")
        elif any(label.startswith(token) and label != token and len(token) >= 2
                 for label in LABELS if len(label) > 3) and token not in ("objcg",):
            problems.add(line, f"a cut label: {token!r}")
        elif "{" in token or "}" in token:
            problems.add(line, f"a cut holder set: {token!r}")


def _check_objcg_fields(world: World, name: str, text: str, problems: Problems, line: str) -> str:
    rec = world.objcg(name)
    if rec is None:
        problems.add(line, f"objcg {name} is not in the engine")
        return text
    for label, key in (("ref", "refcnt"), ("left", "nr_charged_bytes"),
                       ("nr_charged_bytes", "nr_charged_bytes")):
        for match in re.finditer(rf"(?<![\w-]){label} (\d+)", text):
            if int(match.group(1)) != rec[key]:
                problems.add(line, f"objcg {name} {label} {match.group(1)}, engine {rec[key]}")
        text = re.sub(rf"(?<![\w-]){label} \d+", " ", text)
    for match in re.finditer(r"\bcharged (\d+)", text):
        if int(match.group(1)) != rec["pages"] * world.page_size:
            problems.add(line, f"objcg {name} charged {match.group(1)}")
    text = re.sub(r"\bcharged \d+", " ", text)
    return text


def check_tree(world: World, lines: list[str], names: set[str], problems: Problems) -> None:
    for line in lines:
        row = _strip_tree(line)
        if not row:
            continue
        if row.startswith(("▲", "▼")):
            if re.fullmatch(r"[▲▼] \d+ more (above|below)", row) is None:
                problems.add(line, "a cut 'more' marker")
            continue
        if row.startswith("…"):
            match = re.match(r"… (\d+) more", row)
            if match is None:
                problems.add(line, "a cut '… N more' row")
            continue
        if row.startswith("objcg "):
            rest = row[len("objcg "):]
            name = rest.split()[0] if rest.split() else ""
            if name != "NULL" and name in names:
                rest = _check_objcg_fields(world, name, rest, problems, line)
            rest = re.sub(r"(objcg_list:|list:) (\d+|empty)", " ", rest)
            _leftovers(rest.replace("NULL", " ").replace("was", " "), names, problems, line)
            continue
        if row.startswith("↳"):
            name = row[1:].split()[0]
            rest = _check_objcg_fields(world, name, row[1:], problems, line)
            _leftovers(rest, names, problems, line)
            continue
        match = re.match(NAME, row)
        if match is None:
            problems.add(line, "a tree row that is neither a memcg, its objcg nor a list entry")
            continue
        name = match.group("name")
        rec = world.memcg(name)
        if rec is None:
            problems.add(line, f"memcg {name!r} is not in the engine (a cut name?)")
            continue
        rest = row[match.end():]
        checks = ((r"(\d+) pg\b", rec["usage"]), (r"\bref (\d+|-)", css_refs(rec)),
                  (r"\bmax (\d+|∞)", rec["max"]), (r"\bfailcnt (\d+)", rec["failcnt"]),
                  (r"\b(?:dying-desc|nr_dying_descendants|d-desc|dying) (\d+)",
                   rec["nr_dying_descendants"]))
        for pattern, want in checks:
            for found in re.finditer(pattern, rest):
                value = found.group(1)
                got = None if value in ("-", "∞") else int(value)
                if got != want:
                    problems.add(line, f"memcg {name} {pattern} shows {value}, engine {want}")
            rest = re.sub(pattern, " ", rest)
        _leftovers(rest, names, problems, line)


def check_objcgs(world: World, lines: list[str], names: set[str], problems: Problems) -> None:
    for line in lines:
        row = line.strip()
        if not row or row.startswith(("▲", "▼")):
            continue
        name = row.split()[0]
        if world.objcg(name) is None:
            problems.add(line, f"objcg {name!r} is not in the engine (a cut name?)")
            continue
        rest = _check_objcg_fields(world, name, row[len(name):], problems, line)
        _leftovers(rest.replace("own", " ").replace("parent", " "), names, problems, line)


def check_stocks(world: World, lines: list[str], names: set[str], problems: Problems) -> None:
    cpu = None
    for line in lines:
        row = line.strip()
        match = re.match(r"cpu(\d+)-cpu(\d+)\b", row)
        if match:  # a run of CPUs with both stocks empty
            for n in range(int(match.group(1)), int(match.group(2)) + 1):
                rec = world.state.cpus[f"cpu{n}"]
                if rec["nr_pages"] or rec["nr_bytes"] or rec["cached"] or rec["cached_objcg"]:
                    problems.add(line, f"cpu{n} is drawn empty but is not")
            row = row[match.end():]
        match = re.match(r"cpu(\d+)\b", row)
        if match:
            cpu = world.state.cpus[f"cpu{match.group(1)}"]
        if cpu is None:
            continue
        for found in re.finditer(r"(?:page|pg) (\S+)\s+(\d+)/(\d+)", row):
            want = (cpu["cached"] or "NULL", cpu["nr_pages"], world.batch)
            got = (found.group(1), int(found.group(2)), int(found.group(3)))
            if got != want:
                problems.add(line, f"cpu{cpu['cpu']} page stock shows {got}, engine {want}")
        for found in re.finditer(r"(?:byte|B) (\S+)\s+(\d+)B", row):
            want = (cpu["cached_objcg"] or "NULL", cpu["nr_bytes"])
            got = (found.group(1), int(found.group(2)))
            if got != want:
                problems.add(line, f"cpu{cpu['cpu']} byte stock shows {got}, engine {want}")
        rest = re.sub(r"(?:page|pg) \S+\s+\d+/\d+|(?:byte|B) \S+\s+\d+B", " ", row)
        rest = re.sub(r"[█▏▎▍▌▋▊▉]+", " ", rest).replace(">PAGE", " ")
        rest = re.sub(r"\(\d+ CPUs, both stocks empty\)", " ", rest)
        _leftovers(rest.replace("NULL", " "), names, problems, line)


def check_objects(world: World, lines: list[str], names: set[str], problems: Problems) -> None:
    for line in lines:
        row = line.strip()
        if not row or row.startswith(("▲", "▼")):
            continue
        name = row.split()[0]
        rec = world.object(name)
        if rec is None:
            problems.add(line, f"object {name!r} is not in the engine (a cut name?)")
            continue
        match = re.search(r"\b(\d+) B\b", row)
        if match is None or int(match.group(1)) != rec["size"]:
            problems.add(line, f"object {name} size shown {match and match.group(1)}, engine {rec['size']}")
        objcg = re.search(r"objcg (\S+)", row)
        if objcg is not None and objcg.group(1) != rec["objcg"]:
            problems.add(line, f"object {name} objcg shown {objcg.group(1)}, engine {rec['objcg']}")


def check_status(app: ExplorerApp, lines: list[str], problems: Problems) -> None:
    text = " ".join(" ".join(lines).split())  # it may wrap onto a second line
    if not text or text.startswith("bytes: select"):
        return
    if " released: " in text:  # obj_cgroup_release ran: how it ended, not a sum
        check_released(app, text, problems)
        return
    match = re.search(r"(\S+): (\d+) pg × (\d+) = (?:(\d+) = )?(\d+) live \+ (\d+) (?:in )?stocks? \+ (\d+)"
                      r" (?:nr_charged_bytes|left)\b", text)
    found = status_objcg(app, text, match, problems, "the byte sum is cut")
    if found is None:
        return
    world, rec = found
    got = [int(g) if g is not None else -1 for g in match.groups()[1:]]
    want = [rec["pages"], world.page_size, rec["pages"] * world.page_size, rec["live"],
            byte_conservation(world.state, rec["name"]).stocks, rec["nr_charged_bytes"]]
    if match.group(4) is None:  # the total was left out to fit
        got[2] = want[2]
    if got != want:
        problems.add(text, f"byte sum shows {got}, engine {want}")


def status_objcg(app: ExplorerApp, text: str, match: re.Match[str] | None, problems: Problems,
                 cut: str) -> tuple[Any, dict[str, Any]] | None:
    """The world and the objcg a status line names (its first group), or a problem."""
    if match is None:
        problems.add(text, cut)
        return None
    world = app.session.world()
    rec = world.objcg(match.group(1))
    if rec is None:
        problems.add(text, f"objcg {match.group(1)} unknown")
        return None
    return world, rec


def check_released(app: ExplorerApp, text: str, problems: Problems) -> None:
    """A released objcg's line: its leftover bytes, the whole pages release uncharged,
    or the WARN with the pages that stay charged, each figure the engine's."""
    match = re.search(r"(\S+) released: (?:(nothing)|its (\d+) leftover bytes were (\d+) whole page"
                      r"|(\d+) whole page\(s\) uncharged|nr_charged_bytes (\d+) is not a whole number"
                      r"|(\d+) B, not whole pages)", text)
    found = status_objcg(app, text, match, problems, "the released objcg's line is cut")
    if found is None:
        return
    world, rec = found
    if rec["state"] != "released":
        problems.add(text, f"objcg {match.group(1)} is not released")
        return
    left, size = rec["nr_charged_bytes"], world.page_size
    shown = [int(g) for g in match.groups()[2:] if g is not None]
    want = {"nothing": [], "bytes+pages": [left, left // size], "pages": [left // size],
            "warn": [left]}
    kind = ("nothing" if match.group(2) else "bytes+pages" if match.group(3) else
            "pages" if match.group(5) else "warn")
    if shown != want[kind] or (kind == "nothing") != (left == 0) or (kind == "warn") != bool(left % size):
        problems.add(text, f"released objcg shows {shown} ({kind}), engine nr_charged_bytes {left}")


def check_header(app: ExplorerApp, lines: list[str], problems: Problems) -> None:
    text = " ".join(lines)
    pos = app.session.position()
    for match in re.finditer(r"command (\d+)/(\d+)", text):
        if pos.command is None or (int(match.group(1)), int(match.group(2))) != (pos.command + 1, pos.commands):
            problems.add(text, f"header command {match.groups()}, engine {pos.command} of {pos.commands}")
    for match in re.finditer(r"step (\d+)/(\d+)", text):
        if (int(match.group(1)), int(match.group(2))) != (pos.step_in_command, pos.steps_in_command):
            problems.add(text, f"header step {match.groups()}")
    if re.search(r"(command|step) \d+/?$|(command|step) \d+/\d*…", text.strip()):
        problems.add(text, "a cut position")


def check_trail(app: ExplorerApp, lines: list[str], problems: Problems) -> None:
    """Every piece of a trail line on screen ends where a word of the engine's line ends."""
    session = app.session
    index = session.current()
    rec = session.record(index if index is not None else 0)
    if rec is None:
        return
    full = [describe(session.machine.steps[i].data) for i in range(rec.first, rec.end)]
    for line in lines:
        piece = line.strip().lstrip("▶▷·").strip()
        if not piece or piece.startswith(("▼", "▲")):
            continue
        to_come = re.fullmatch(r"⋯ (\d+) more micro-steps? to come \(t shows them\)", piece)
        if to_come:  # the steps of the command not run yet, counted whole
            if int(to_come.group(1)) != rec.end - session.cursor:
                problems.add(line, f"{rec.end - session.cursor} micro-steps to come")
            continue
        ok = False
        for text in full:
            start = text.find(piece)
            while start >= 0:
                end = start + len(piece)
                if (end == len(text) or text[end] == " ") and (start == 0 or text[start - 1] == " "):
                    ok = True
                    break
                start = text.find(piece, start + 1)
            if ok:
                break
        if not ok and not _is_call_line(piece):
            problems.add(line, "a trail line cut mid-word (or not the engine's words)")


def _is_call_line(piece: str) -> bool:
    """The trail's caller lines ('memcg_offline_kmem(/A/B)') are drawn, not described."""
    return re.fullmatch(r"[a-z_0-9]+\([^()]*\)", piece) is not None


def check_message(app: ExplorerApp, lines: list[str], problems: Problems) -> None:
    """The message under the command line is shown whole (it wraps, it is never cut)."""
    shown = " ".join(" ".join(lines).split())
    text = " ".join(str(app.query_one("#message").content).split())
    if shown != text:
        problems.add(shown, f"the message is cut (whole: {text!r})")


def check_explanation(app: ExplorerApp, lines: list[str], problems: Problems) -> None:
    """Under the trail: the step's delta, its reason, a kernel WARN, notes; all whole."""
    shown = " ".join(" ".join(lines).split())
    text = " ".join(" ".join(line.plain for line in app.query_one(Explanation).lines).split())
    if text and shown != text:
        problems.add(shown, f"the explanation is cut (whole: {text!r})")


def check_screen(app: ExplorerApp, where: str) -> list[str]:
    problems = Problems(where)
    world = app.session.world()
    names = set(world.state.memcgs) | set(world.state.objcgs) | set(world.state.objects)
    names |= {t["name"] for t in world.tasks()} | {"NULL"}
    lines = screen_lines(app)
    check_tree(world, panel_lines(app, lines, app.query_one(MemcgTree)), names, problems)
    check_objcgs(world, panel_lines(app, lines, app.query_one(ObjcgList)), names, problems)
    check_stocks(world, panel_lines(app, lines, app.query_one(CpuStocks)), names, problems)
    check_objects(world, panel_lines(app, lines, app.query_one(ObjectList)), names, problems)
    check_status(app, panel_lines(app, lines, app.query_one(InvariantStatus)), problems)
    check_header(app, panel_lines(app, lines, app.query_one(PositionBar)), problems)
    check_trail(app, panel_lines(app, lines, app.query_one(Trail)), problems)
    check_message(app, panel_lines(app, lines, app.query_one("#message")), problems)
    check_explanation(app, panel_lines(app, lines, app.query_one(Explanation)), problems)
    return problems.found


async def _walk(session: Session, start: int | None, size: tuple[int, int],
                points: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    app = ExplorerApp(session, start_at=start)
    found: list[str] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for name, keys in points:
            await pilot.press(*keys)
            app.playing = False
            await pilot.pause()
            found += check_screen(app, f"{size[0]}x{size[1]} {name}")
    return found


BUILT_IN = [("opening", ()), ("mid-reparent", ("n",) * 4), ("list_add", ("n",)),
            ("end of rmdir", ("N",)), ("objects toggled", ("o",)), ("start", ("g",)),
            ("first command", ("N",)), ("back to the end", ("G",)),
            ("a long bad command", ("colon", *"alloc Z9 100 task=nobody-of-that-name cpu=0", "enter"))]


def _report(found: list[str]) -> str:
    return f"{len(found)} cut or wrong figure(s):\n" + "\n".join(found[:40])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_built_in_scenario_shows_every_figure_whole(size):
    session = Session.from_text(scenarios.default_text(), scenarios.DEFAULT_NAME)
    found = await _walk(session, opening(session), size, BUILT_IN)
    assert not found, _report(found)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_limits_scenario_shows_every_figure_whole(size):
    session = Session.from_text(LIMITS, "<limits>")
    points = [("end", ()), ("rmdir start", ("B",)), ("mid rmdir", ("n",) * 5),
              ("failed alloc", ("B", "B", "B", "N"))]
    found = await _walk(session, None, size, points)
    assert not found, _report(found)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_kernel_warn_is_shown_whole(size):
    session = Session.from_text(WARN, "<warn>")
    found = await _walk(session, None, size, [("end", ()), ("the release", ("b", "b", "b"))])
    assert not found, _report(found)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_big_scenario_shows_every_figure_whole(size):
    script = scenarios.scale_script(memcgs=40, objcgs=200, cpus=8, tops=4)
    session = Session.from_text(script, "<big>")
    points = [("end", ()), ("last rmdir", ("B", "n", "n", "n", "n")), ("objects", ("o",))]
    found = await _walk(session, None, size, points)
    assert not found, _report(found)
