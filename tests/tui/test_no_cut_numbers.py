"""No number is ever cut, no name reads as another: every figure on screen is whole and
equals the engine's, every name is whole or plainly shortened (`/system.slice/…/x`).

The explorer is rendered with Pilot at several terminal sizes, at several points of the
built-in scenario, of a scenario with limits, of a generated big one, of one whose cgroup
names are 1-80 characters long at depths 1-8 and of a systemd-like tree. The text of each
panel is read off the screen and every labelled figure in it (`33 pg`, `132K`, `ref 5`,
`nr_charged_bytes 3096`, `31/32`, ...) and every name is compared with the engine's state
at the cursor: between commands the JSON document of `objcg-lab run --json` on the
script up to that command, within a command the engine's own snapshot of that point. A
cut figure reads as a wrong value (`left 30` for 3096) or leaves a label without its
value or a stub of a label (`dying-de`); a cut name is not the name of the row's record;
all fail here. Figures with units (`132K`, `35.2M`, `4000B`) are converted back to bytes.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from engine.calls import trace_lines
from engine.headless import main_run
from engine.steps import describe
from tui import scenarios
from tui.app import ExplorerApp, opening
from tui.session import Session
from tui.widgets.explanation import Explanation
from tui.widgets.header import PositionBar
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.rowlist import RowList
from tui.widgets.object_list import ObjectList
from tui.widgets.status import InvariantStatus
from tui.widgets.stocks import CpuStocks
from tui.widgets.trail import Trail

SIZES = [(80, 24), (100, 30), (120, 40), (200, 60)]
NAME_SIZES = [(40, 12), (80, 24), (120, 40), (200, 60)]

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
UNIT = {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


# -- scripts with real names -------------------------------------------------------------------
def _component(length: int, tag: str) -> str:
    """A cgroup name of exactly `length` characters (letters, digits, '.', '-', '_')."""
    stem = f"{tag}-" + "abcdefghij.klmnopqrst_uvwxyz0123456789" * 3
    return stem[:length]


def long_names_script() -> str:
    """Two chains eight deep, one with names growing from 1 to 80 characters, one with
    them shrinking, 4 CPUs, objects charged at every depth, then the deepest of one chain
    removed (its objcg reparented) while its objects live on."""
    lengths = (1, 7, 13, 22, 35, 50, 64, 80)
    lines = ["config cpus=4"]
    chains = []
    for tag, order in (("g", lengths), ("s", lengths[::-1])):
        path = ""
        chain = []
        for depth, length in enumerate(order, start=1):
            path = f"{path}/{_component(length, f'{tag}{depth}')}" if path else _component(length, f"{tag}{depth}")
            lines.append(f"mkdir {path}")
            chain.append(path)
        chains.append(chain)
    for c, chain in enumerate(chains):
        for depth, path in enumerate(chain):
            if depth % 3 == 1 or depth == len(chain) - 1:
                task = f"t{c}{depth}"
                lines.append(f"task {task} {path}")
                lines.append(f"alloc O{c}{depth} {300 + 700 * depth} task={task} cpu={(c + depth) % 4}")
    lines.append("alloc BIG 3000000 task=t07 cpu=2")  # megabytes: the 'M' figures
    lines.append("write " + chains[0][3] + " memory.max 40M")
    lines.append("free O01 cpu=3")
    deepest = chains[1][-1]
    lines.append(f"move t{1}{len(chains[1]) - 1} {chains[1][2]}")
    lines.append(f"rmdir {deepest}")
    return "\n".join(lines) + "\n"


SYSTEMD = scenarios.systemd_text()


# -- the truth: the engine's JSON document ----------------------------------------------------
class Truth:
    """The engine's figures at one point, named as `objcg-lab run --json` names them."""

    def __init__(self, state: dict[str, Any], source: str) -> None:
        self.source = source
        self.memcgs = {m["name"]: m for m in state["memcgs"]}
        self.objcgs = {o["name"]: o for o in state["objcgs"]}
        self.cpus = {c["cpu"]: c for c in state["cpus"]}
        self.objects = {o["name"]: o for o in state["objects"]}
        self.page_size = state["config"]["page_size"]
        self.batch = state["config"]["charge_batch"]
        self.names = (set(self.memcgs) | set(self.objcgs) | set(self.objects)
                      | {t["name"] for t in state["tasks"]} | {"NULL"})
        self.work = state.get("work", [])  # queued work, once the script uses it

    def stocks(self, objcg: str) -> int:
        """Bytes of `objcg` in the CPUs' byte stocks."""
        return sum(c["nr_bytes"] for c in self.cpus.values() if c["cached_objcg"] == objcg)


def json_truth(script: str, upto_line: int, tmp_path) -> Truth:
    """`objcg-lab run --json` on the script's lines up to `upto_line`."""
    path = tmp_path / f"prefix-{upto_line}.objcg"
    path.write_text("\n".join(script.splitlines()[:upto_line]) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main_run(str(path), True, out, err) == 0, err.getvalue()
    import json

    return Truth(json.loads(out.getvalue())["state"], f"run --json (lines 1-{upto_line})")


def truth_at(app: ExplorerApp, script: str | None, tmp_path) -> Truth:
    """Between commands, `run --json` of the script so far; within one, the snapshot."""
    session = app.session
    pos = session.position()
    if script is not None and pos.command is not None and pos.step_in_command == pos.steps_in_command:
        line = session.machine.commands[pos.command].command.line
        return json_truth(script, line, tmp_path)
    return Truth(session.machine.snapshot(), "the engine's snapshot")


# -- reading the screen ------------------------------------------------------------------------
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
    return [text for text, _row in panel_rows(app, lines, widget)]


def panel_rows(app: ExplorerApp, lines: list[str], widget) -> list[tuple[str, Any]]:
    """Each visible line of a panel, with the row it draws (None for a text panel)."""
    if not widget.display or not widget.is_mounted:
        return []
    region = getattr(widget, "scrollable_content_region", widget.content_region)
    rows = widget.rows if isinstance(widget, RowList) else None
    top = widget.scroll_offset.y if rows is not None else 0
    out = []
    for i, y in enumerate(range(region.y, region.y + region.height)):
        if 0 <= y < len(lines):
            row = rows[top + i] if rows is not None and top + i < len(rows) else None
            out.append((lines[y][region.x:region.x + region.width].rstrip(), row))
    return out


def name_pattern(shown: str) -> re.Pattern[str]:
    """A name as shown: whole, or with `…` standing for what was left out."""
    return re.compile(".+".join(re.escape(part) for part in shown.split("…")))


def is_name(shown: str, name: str | None) -> bool:
    if name is None:
        return shown == "NULL"
    return name_pattern(shown).fullmatch(name) is not None if "…" in shown else shown == name


def shortened(token: str, names: set[str]) -> bool:
    """A shortened name (`/a/…/x`, `…/x`, `nginx…rvice`) that stands for an engine name."""
    return "…" in token and token != "…" and any(is_name(token, n) for n in names)


def check_units(text: str, want_bytes: int, what: str, problems: Problems, line: str) -> None:
    """`132K`, `35.2M`, `96B`: the figure with its unit, back in bytes, against the engine."""
    match = re.fullmatch(r"(\d+(?:\.\d)?)([BKMG])", text)
    if match is None:
        problems.add(line, f"{what}: {text!r} is not a figure with a unit")
        return
    value, unit = float(match.group(1)), UNIT[match.group(2)]
    if abs(want_bytes / unit - value) > 0.05 + 1e-9:
        problems.add(line, f"{what} shows {text}, engine {want_bytes} bytes")


# -- the checks of one panel -------------------------------------------------------------------
def _strip_tree(line: str) -> str:
    return line.lstrip("│├└─ ").strip()


def _leftovers(rest: str, names: set[str], problems: Problems, line: str) -> None:
    """What remains of a row once its figures were matched: no digits, no stub or orphan label."""
    rest = re.sub(r"\{[^{}]*\}", " ", rest)  # a holder set, whole
    for token in rest.split():
        token = token.strip("()·,;")
        if not token or token in names or token in STATES or token == "…" or shortened(token, names):
            continue
        if re.fullmatch(r"cpu\d+", token) or re.fullmatch(r"[▸+×]\d+", token):
            continue  # a CPU's name; folded children, hidden holders
        if any(ch.isdigit() for ch in token):
            problems.add(line, f"a figure without its label, or cut: {token!r}")
        elif token in LABELS:
            problems.add(line, f"the label {token!r} has lost its figure")
        elif any(label.startswith(token) and label != token and len(token) >= 2
                 for label in LABELS if len(label) > 3) and token not in ("objcg",):
            problems.add(line, f"a cut label: {token!r}")
        elif "{" in token or "}" in token:
            problems.add(line, f"a cut holder set: {token!r}")


def _ends_marked(row: str, problems: Problems, line: str, what: str) -> None:
    """A row that lost a figure it always carries says so with its `…`."""
    if not row.rstrip().endswith("…"):
        problems.add(line, f"{what} is missing and the row has no '…'")


def _check_objcg_fields(truth: Truth, name: str, text: str, problems: Problems, line: str) -> str:
    rec = truth.objcgs.get(name)
    if rec is None:
        problems.add(line, f"objcg {name} is not in the engine")
        return text
    for label, key in (("ref", "refcnt"), ("left", "nr_charged_bytes"),
                       ("nr_charged_bytes", "nr_charged_bytes")):
        for match in re.finditer(rf"(?<![\w-]){label} (\d+)", text):
            if int(match.group(1)) != rec[key]:
                problems.add(line, f"objcg {name} {label} {match.group(1)}, engine {rec[key]}")
        text = re.sub(rf"(?<![\w-]){label} \d+", " ", text)
    return text


def _take_name(row: str, want: str | None, problems: Problems, line: str, what: str) -> str:
    """The name at the start of `row` must be `want`'s (whole or shortened); the rest."""
    token = row.split()[0] if row.split() else ""
    if not is_name(token, want):
        problems.add(line, f"{what} shows {token!r}, which is not {want!r}")
    return row[len(token):]


def check_tree(truth: Truth, rows: list[tuple[str, Any]], problems: Problems) -> None:
    for line, tree_row in rows:
        row = _strip_tree(line)
        if not row:
            continue
        if row.startswith(("▲", "▼")):
            if re.fullmatch(r"[▲▼] \d+ more (above|below)", row) is None:
                problems.add(line, "a cut 'more' marker")
            continue
        if tree_row is None:
            problems.add(line, "a line past the tree's rows")
            continue
        if tree_row.kind == "more":
            if re.match(r"… (\d+) more", row) is None:
                problems.add(line, "a cut '… N more' row")
            continue
        if tree_row.kind == "travel":
            rest = _take_name(row.lstrip("⇧ "), tree_row.objcg, problems, line, "a travelling objcg")
            rest = re.sub(r"^ → (\S+)('s objcg_list)?", lambda m: " " if is_name(m.group(1), tree_row.memcg)
                          else m.group(0), rest)
            _leftovers(rest, truth.names, problems, line)
            continue
        if tree_row.kind == "objcg":
            if not row.startswith("objcg "):
                problems.add(line, "an objcg row without 'objcg '")
                continue
            rest = _take_name(row[len("objcg "):], tree_row.objcg, problems, line, "the memcg's objcg")
            if tree_row.objcg is not None:
                rest = _check_objcg_fields(truth, tree_row.objcg, rest, problems, line)
            rest = re.sub(r"(objcg_list:|list:) (\d+|empty)", " ", rest)
            rest = re.sub(r"\(was (\S+)\)", " ", rest)
            _leftovers(rest.replace("NULL", " "), truth.names, problems, line)
            continue
        if tree_row.kind == "item":
            if not row.startswith("↳"):
                problems.add(line, "an objcg_list entry without '↳'")
                continue
            rest = _take_name(row[1:].strip(), tree_row.objcg, problems, line, "an objcg_list entry")
            rest = _check_objcg_fields(truth, tree_row.objcg, rest, problems, line)
            rest = re.sub(r"⇧▶ (\S+)", lambda m: " " if is_name(m.group(1), truth.objcgs[tree_row.objcg]["memcg"])
                          else m.group(0), rest)
            _leftovers(rest, truth.names, problems, line)
            continue
        name = tree_row.memcg
        rec = truth.memcgs.get(name)
        if rec is None:
            problems.add(line, f"memcg {name!r} is not in the engine")
            continue
        rest = _take_name(row, name, problems, line, "a memcg row")
        rest = re.sub(r"^ ▸\d+", " ", rest)
        pages = re.search(r"(\d+) pg\b(?: +(\d+(?:\.\d)?[BKMG]))?", rest)
        if pages is None:
            _ends_marked(row, problems, line, "the usage (pg)")
        else:
            if int(pages.group(1)) != rec["usage"]:
                problems.add(line, f"memcg {name} usage {pages.group(1)} pg, engine {rec['usage']}")
            if pages.group(2):
                check_units(pages.group(2), rec["usage"] * truth.page_size, f"memcg {name} usage", problems, line)
            rest = rest.replace(pages.group(0), " ", 1)
        limit = re.search(r"\bmax (\d+|∞)(?: \((\d+(?:\.\d)?[BKMG])\))?", rest)
        if limit is not None:
            shown = None if limit.group(1) == "∞" else int(limit.group(1))
            if shown != rec["max"]:
                problems.add(line, f"memcg {name} max {limit.group(1)}, engine {rec['max']}")
            if limit.group(2):
                check_units(limit.group(2), (rec["max"] or 0) * truth.page_size, f"memcg {name} max", problems, line)
            rest = rest.replace(limit.group(0), " ", 1)
        checks = ((r"\bref (\d+|-)", rec["css_refs"]), (r"\bfailcnt (\d+)", rec["failcnt"]),
                  (r"\b(?:dying-desc|nr_dying_descendants|d-desc|dying) (\d+)",
                   rec["nr_dying_descendants"]))
        for pattern, want in checks:
            for found in re.finditer(pattern, rest):
                value = found.group(1)
                got = None if value == "-" else int(value)
                if got != want:
                    problems.add(line, f"memcg {name} {pattern} shows {value}, engine {want}")
            rest = re.sub(pattern, " ", rest)
        _leftovers(rest, truth.names, problems, line)


def check_objcgs(truth: Truth, rows: list[tuple[str, Any]], problems: Problems) -> None:
    for line, name in rows:
        row = line.strip()
        if not row or row.startswith(("▲", "▼")):
            continue
        rec = truth.objcgs.get(name)
        if rec is None:
            problems.add(line, f"objcg {name!r} is not in the engine")
            continue
        rest = _take_name(row, name, problems, line, "an objcg row")
        pointer = re.match(r"\s*(─▶|⇧▶) (\S+)( \((own|parent)\))?", rest)
        swing = re.match(r"\s*↷ (\S+) → (\S+)", rest)
        if pointer is not None:
            if not is_name(pointer.group(2), rec["memcg"]):
                problems.add(line, f"objcg {name} points at {pointer.group(2)!r}, engine {rec['memcg']}")
            rest = rest[pointer.end():]
        elif swing is not None:
            if not is_name(swing.group(2), rec["memcg"]):
                problems.add(line, f"objcg {name} swings to {swing.group(2)!r}, engine {rec['memcg']}")
            rest = rest[swing.end():]
        else:
            _ends_marked(row, problems, line, "the memcg pointer")
        rest = _check_objcg_fields(truth, name, rest, problems, line)
        _leftovers(rest, truth.names, problems, line)


def check_stocks(truth: Truth, lines: list[str], problems: Problems) -> None:
    cpu = None
    for at, line in enumerate(lines):
        row = line.strip()
        if row.startswith("▼"):  # CPUs the layout left no row for
            if re.fullmatch(r"▼ \d+ more below", row) is None:
                problems.add(line, "a cut 'more' marker")
            continue
        if line.startswith(" ") and not row.startswith(("page", "byte", "B ", "pg")):
            continue  # a queued call's wrapped part: read with its line
        if "◷" in row:  # deferred work waiting (tui.present.work): a queued call, whole
            call = row.split("◷", 1)[1].strip()
            for more in lines[at + 1:] if not call else ():
                if not more.startswith(" ") or more.strip().startswith(("page", "byte")):
                    break
                call = f"{call} {more.strip()}".strip()
            if not call.startswith("…") and not (call.endswith(")") and any(
                    item["fn"] in call and all(str(a) in call for a in item["args"])
                    for item in truth.work)):
                problems.add(line, f"pending work {call!r} is not a whole queued call")
            continue
        match = re.match(r"cpu(\d+)-cpu(\d+)\b", row)
        if match:  # a run of CPUs with both stocks empty
            for n in range(int(match.group(1)), int(match.group(2)) + 1):
                rec = truth.cpus[n]
                if rec["nr_pages"] or rec["nr_bytes"] or rec["cached"] or rec["cached_objcg"]:
                    problems.add(line, f"cpu{n} is drawn empty but is not")
            row = row[match.end():]
        match = re.match(r"cpu(\d+)\b", row)
        if match:
            cpu = truth.cpus[int(match.group(1))]
        if cpu is None:
            continue
        for found in re.finditer(r"(?:page|pg) (\S+)\s+(\d+)/(\d+)", row):
            if not is_name(found.group(1), cpu["cached"]) or \
                    (int(found.group(2)), int(found.group(3))) != (cpu["nr_pages"], truth.batch):
                problems.add(line, f"cpu{cpu['cpu']} page stock shows {found.groups()}, engine "
                                   f"{(cpu['cached'], cpu['nr_pages'], truth.batch)}")
        for found in re.finditer(r"(?:byte|B) (\S+)\s+(\d+)B", row):
            if not is_name(found.group(1), cpu["cached_objcg"]) or int(found.group(2)) != cpu["nr_bytes"]:
                problems.add(line, f"cpu{cpu['cpu']} byte stock shows {found.groups()}, engine "
                                   f"{(cpu['cached_objcg'], cpu['nr_bytes'])}")
        if re.match(r"cpu\d+\s+(page|pg)\b", row) and not re.search(r"(?:page|pg) \S+\s+\d+/\d+", row):
            _ends_marked(row, problems, line, "the page stock")
        rest = re.sub(r"(?:page|pg) \S+\s+\d+/\d+|(?:byte|B) \S+\s+\d+B", " ", row)
        rest = re.sub(r"[█▏▎▍▌▋▊▉]+", " ", rest).replace(">PAGE", " ")
        rest = re.sub(r"\(\d+ CPUs, both stocks empty\)", " ", rest)
        _leftovers(rest.replace("NULL", " "), truth.names, problems, line)


def check_objects(truth: Truth, rows: list[tuple[str, Any]], problems: Problems) -> None:
    for line, name in rows:
        row = line.strip()
        if not row or row.startswith(("▲", "▼")):
            continue
        rec = truth.objects.get(name)
        if rec is None:
            problems.add(line, f"object {name!r} is not in the engine")
            continue
        rest = _take_name(row, name, problems, line, "an object row")
        match = re.search(r"\b(\d+) B\b", rest)
        if match is None or int(match.group(1)) != rec["size"]:
            problems.add(line, f"object {name} size shown {match and match.group(1)}, engine {rec['size']}")
        objcg = re.search(r"→ (?:objcg )?(\S+)", rest)
        if objcg is not None and "memcg" not in rest and not is_name(objcg.group(1), rec["objcg"]):
            problems.add(line, f"object {name} objcg shown {objcg.group(1)}, engine {rec['objcg']}")


def check_status(app: ExplorerApp, truth: Truth, lines: list[str], problems: Problems) -> None:
    text = " ".join(" ".join(lines).split())  # it may wrap onto a second line
    if not text or text.startswith("bytes: select"):
        return
    if " released: " in text:  # obj_cgroup_release ran: how it ended, not a sum
        check_released(app, text, problems)
        return
    match = re.search(r"(?:objcg )?(\S+): (\d+) pg × (\d+) = (?:(\d+) = )?(\d+) live \+ (\d+) (?:in )?stocks? \+ (\d+)"
                      r" (?:nr_charged_bytes|left)\b", text)
    if match is None:
        problems.add(text, "the byte sum is cut")
        return
    name = app.selected_objcg
    rec = truth.objcgs.get(name)
    if rec is None or not is_name(match.group(1), name):
        problems.add(text, f"the sum names {match.group(1)!r} for objcg {name!r}")
        return
    audit = rec["audit"]
    got = [int(g) if g is not None else -1 for g in match.groups()[1:]]
    want = [audit["charged_pages"], truth.page_size, audit["charged_pages"] * truth.page_size,
            audit["live_bytes"], truth.stocks(name), rec["nr_charged_bytes"]]
    if match.group(4) is None:  # the total was left out to fit
        got[2] = want[2]
    if got != want:
        problems.add(text, f"byte sum shows {got}, engine {want}")


def status_objcg(app: ExplorerApp, text: str, match: re.Match[str] | None, problems: Problems,
                 cut: str) -> tuple[Any, dict[str, Any]] | None:
    """The world and the objcg a status line names (its first group, perhaps shortened:
    it must name the selected objcg), or a problem."""
    if match is None:
        problems.add(text, cut)
        return None
    world = app.session.world()
    name = app.selected_objcg
    rec = world.objcg(name) if name is not None else None
    if rec is None or not is_name(match.group(1), name):
        problems.add(text, f"the line names {match.group(1)!r} for objcg {name!r}")
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
    pos = app.position()  # the session's, or the start of the command ahead (after B)
    for match in re.finditer(r"(?:command|cmd) (\d+)/(\d+)", text):
        if pos.command is None or (int(match.group(1)), int(match.group(2))) != (pos.command + 1, pos.commands):
            problems.add(text, f"header command {match.groups()}, engine {pos.command} of {pos.commands}")
    for match in re.finditer(r"step (\d+)/(\d+)", text):
        if (int(match.group(1)), int(match.group(2))) != (pos.step_in_command, pos.steps_in_command):
            problems.add(text, f"header step {match.groups()}")
    if re.search(r"(command|step) \d+/?$|(command|step) \d+/\d*…", text.strip()):
        problems.add(text, "a cut position")


def _at_word_edge(text: str, start: int, end: int) -> bool:
    """A wrapped piece of `text` starts and ends between words, before a path's '/',
    or (a component longer than a line) inside a name, never inside a number."""
    def edge(i: int) -> bool:
        if i in (0, len(text)) or text[i - 1] == " " or text[i] == " " or text[i] == "/":
            return True
        word_start = text.rfind(" ", 0, i) + 1
        word = text[word_start:text.find(" ", i) if " " in text[i:] else len(text)]
        in_path = "/" in word
        return in_path and not (text[i - 1].isdigit() and text[i].isdigit())
    return edge(start) and edge(end)


def check_trail(app: ExplorerApp, lines: list[str], problems: Problems) -> None:
    """Every piece of a trail line on screen is a piece of the engine's line, cut only
    where lines wrap (between words, before a '/')."""
    session = app.session
    index = session.current()
    rec = app.ahead() or session.record(index if index is not None else 0)
    if rec is None:
        return
    steps = session.machine.steps
    full = [describe(steps[i].data) for i in range(rec.first, rec.end)]
    # the caller lines the trail draws above their callees' steps, as engine.calls makes
    # them (they wrap like any line: a deep path breaks before one of its '/')
    full += [line.text for line in trace_lines([(steps[i].data, steps[i].stack) for i in range(len(steps))],
                                               rec.first, rec.end) if line.step is None]
    for line in lines:
        piece = re.sub(r"^\s*(w?\d{1,2})?│", "", line)  # the lane gutter (tui.present.lanes)
        piece = piece.strip().lstrip("▶▷·").strip()
        if not piece or piece.startswith(("▼", "▲")):
            continue
        to_come = re.fullmatch(r"⋯ (\d+) more (?:micro-steps? )?to come(?: \(t shows them\))?", piece)
        if to_come:  # the steps of the command not run yet, counted whole
            if int(to_come.group(1)) != rec.end - session.cursor:
                problems.add(line, f"{rec.end - session.cursor} micro-steps to come")
            continue
        ok = False
        for text in full:
            start = text.find(piece)
            while start >= 0 and not ok:
                ok = _at_word_edge(text, start, start + len(piece))
                start = text.find(piece, start + 1)
            if ok:
                break
        if not ok and not _is_call_line(piece):
            problems.add(line, "a trail line cut mid-word (or not the engine's words)")


def _is_call_line(piece: str) -> bool:
    """The trail's caller lines ('memcg_offline_kmem(/A/B)') are drawn, not described."""
    return re.fullmatch(r"[a-z_0-9]+\([^()]*\)", piece) is not None


def _squashed(text: str) -> str:
    """Text without its spacing: wrapping may break a long path anywhere at a '/'."""
    return "".join(text.split())


def check_message(app: ExplorerApp, lines: list[str], problems: Problems) -> None:
    """The message under the command line is shown whole (it wraps, it is never cut)."""
    shown = " ".join(lines)
    text = str(app.query_one("#message").content)
    if _squashed(shown) != _squashed(text):
        problems.add(shown, f"the message is cut (whole: {text!r})")


def check_explanation(app: ExplorerApp, lines: list[str], problems: Problems) -> None:
    """Under the trail: the step's delta, its reason, a kernel WARN, notes; all whole,
    or (a tiny terminal) whole lines then '▼ N more' counting the lines left out."""
    why = app.query_one(Explanation)
    text = " ".join(line.plain for line in why.lines)
    more = re.fullmatch(r"▼ (\d+) more.*", lines[-1].strip()) if lines else None
    if more is not None:
        wrapped = why.plain.split("\n")
        kept = len(lines) - 1
        hidden = [line for line in wrapped[kept:] if line.strip()]
        if _squashed(" ".join(lines[:-1])) != _squashed(" ".join(wrapped[:kept])) \
                or int(more.group(1)) != len(hidden):
            problems.add(" ".join(lines), f"the explanation is cut (whole: {text!r})")
        return
    if text.strip() and _squashed(" ".join(lines)) != _squashed(text):
        problems.add(" ".join(lines), f"the explanation is cut (whole: {text!r})")


def check_screen(app: ExplorerApp, where: str, truth: Truth) -> list[str]:
    problems = Problems(f"{where} [against {truth.source}]")
    lines = screen_lines(app)
    check_tree(truth, panel_rows(app, lines, app.query_one(MemcgTree)), problems)
    check_objcgs(truth, panel_rows(app, lines, app.query_one(ObjcgList)), problems)
    check_stocks(truth, panel_lines(app, lines, app.query_one(CpuStocks)), problems)
    check_objects(truth, panel_rows(app, lines, app.query_one(ObjectList)), problems)
    check_status(app, truth, panel_lines(app, lines, app.query_one(InvariantStatus)), problems)
    check_header(app, panel_lines(app, lines, app.query_one(PositionBar)), problems)
    check_trail(app, panel_lines(app, lines, app.query_one(Trail)), problems)
    check_message(app, panel_lines(app, lines, app.query_one("#message")), problems)
    check_explanation(app, panel_lines(app, lines, app.query_one(Explanation)), problems)
    return problems.found


async def _walk(session: Session, start: int | None, size: tuple[int, int],
                points: list[tuple[str, tuple[str, ...]]], script: str | None = None,
                tmp_path=None) -> list[str]:
    app = ExplorerApp(session, start_at=start)
    found: list[str] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for name, keys in points:
            await pilot.press(*keys)
            app.playing = False
            await pilot.pause()
            truth = truth_at(app, script, tmp_path)
            found += check_screen(app, f"{size[0]}x{size[1]} {name}", truth)
    return found


BUILT_IN = [("opening", ()), ("mid-reparent", ("n",) * 4), ("list_add", ("n",)),
            ("end of rmdir", ("N",)), ("objects toggled", ("o",)), ("start", ("g",)),
            ("first command", ("N",)), ("back to the end", ("G",)),
            ("a long bad command", ("colon", *"alloc Z9 100 task=nobody-of-that-name cpu=0", "enter"))]


def _report(found: list[str]) -> str:
    return f"{len(found)} cut or wrong figure(s) or name(s):\n" + "\n".join(found[:40])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_built_in_scenario_shows_every_figure_whole(size, tmp_path):
    text = scenarios.default_text()
    session = Session.from_text(text, scenarios.DEFAULT_NAME)
    found = await _walk(session, opening(session), size, BUILT_IN, text, tmp_path)
    assert not found, _report(found)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_limits_scenario_shows_every_figure_whole(size, tmp_path):
    session = Session.from_text(LIMITS, "<limits>")
    points = [("end", ()), ("rmdir start", ("B",)), ("mid rmdir", ("n",) * 5),
              ("failed alloc", ("B", "B", "B", "N"))]
    found = await _walk(session, None, size, points, LIMITS, tmp_path)
    assert not found, _report(found)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_kernel_warn_is_shown_whole(size, tmp_path):
    session = Session.from_text(WARN, "<warn>")
    found = await _walk(session, None, size, [("end", ()), ("the release", ("b", "b", "b"))],
                        WARN, tmp_path)
    assert not found, _report(found)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_big_scenario_shows_every_figure_whole(size, tmp_path):
    script = scenarios.scale_script(memcgs=40, objcgs=200, cpus=8, tops=4)
    session = Session.from_text(script, "<big>")
    points = [("end", ()), ("last rmdir", ("B", "n", "n", "n", "n")), ("objects", ("o",))]
    found = await _walk(session, None, size, points, script, tmp_path)
    assert not found, _report(found)


NAMED = [("end", ()), ("objects", ("o",)), ("rmdir start", ("B",)), ("mid rmdir", ("n",) * 6),
         ("objcg on its way up", ("n",) * 2), ("end again", ("N",)), ("the big alloc", ("B",) * 5 + ("N",)),
         ("the first command", ("g", "N"))]


@pytest.mark.parametrize("size", NAME_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_names_of_1_to_80_characters_at_depths_1_to_8_cost_no_figure(size, tmp_path):
    script = long_names_script()
    session = Session.from_text(script, "<long names>")
    found = await _walk(session, None, size, NAMED, script, tmp_path)
    assert not found, _report(found)


@pytest.mark.parametrize("size", NAME_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_systemd_like_tree_shows_every_name_and_figure(size, tmp_path):
    session = Session.from_text(SYSTEMD, "<systemd>")
    found = await _walk(session, None, size, NAMED, SYSTEMD, tmp_path)
    assert not found, _report(found)


def test_the_long_names_script_has_what_it_promises():
    """Names of 1 to 80 characters, depths 1 to 8, 4 CPUs, a figure in megabytes."""
    session = Session.from_text(long_names_script(), "<long names>")
    world = session.world()
    paths = [p for p in world.memcg_names() if p != "/"]
    leaves = {len(p.rsplit("/", 1)[1].split("#")[0]) for p in paths}
    assert {1, 80} <= leaves and min(leaves) == 1 and max(leaves) == 80
    assert max(p.count("/") for p in paths) == 8
    assert len(world.cpus()) == 4
    assert max(world.memcg(p)["usage"] for p in paths) * world.page_size > 1 << 20


@pytest.mark.parametrize("shown,name,ok", [
    ("/system.slice/…/nginx.service", "/system.slice/a/nginx.service", True),
    ("/system.slice/…/nginx.service", "/system.slice/nginx.service", False),  # '…' stands for something
    ("/A/B/C/D", "/A/B/C/DE", False),  # cut without a mark: another name
    ("…/x", "/a/b/x", True),
    ("NULL", None, True),
])
def test_a_name_is_read_back_whole_or_plainly_shortened(shown, name, ok):
    assert is_name(shown, name) is ok


@pytest.mark.parametrize("shown,bytes_,ok", [("132K", 135168, True), ("33K", 135168, False),
                                             ("35.2M", 36_864_000, True), ("4000B", 4000, True),
                                             ("4000B", 4001, False)])
def test_a_figure_with_a_unit_is_read_back_in_bytes(shown, bytes_, ok):
    problems = Problems("unit")
    check_units(shown, bytes_, "x", problems, shown)
    assert (not problems.found) is ok
