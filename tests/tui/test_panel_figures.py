"""Every figure on the explorer's panels, read back from the screen, is the engine's.

Snapshots pin how the screen looks; they cannot tell a right figure from a wrong one (a
snapshot rewritten after a change pins the wrong figure as well). Here the explorer runs
headless through scenarios with limits, failures, cgroup v1's kmem counter, page
allocations, raw API references and reparenting; at every micro-step of their last
commands each panel's text is parsed field by field and each figure compared with the
JSON state (`Machine.snapshot()`) of a second machine run to the same point:

- tree: usage in pages and its size, memory.max and its size, failcnt, kmem counter and
  kfail (v1), css refs, page pins, state, holders of a dying memcg, nr_dying_descendants;
  each memcg's objcg (state, ref, objcg_list length), each objcg_list entry (state, ref,
  pointer, nr_charged_bytes);
- objcgs: the memcg pointer (own, parent, or swinging old → new), state, refcnt,
  nr_charged_bytes, holders;
- per-CPU stocks: both stocks' owner and count;
- objects: size, what each is charged to;
- the Δ line: each change's old and new value, and no learner-named change left out;
- the byte sum of the selected objcg: pages, PAGE_SIZE, live, in stocks, nr_charged_bytes.

A row is read whole: any text the parser does not know fails the test, so a new figure
must be taught here before it can go on screen unchecked.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from textual.strip import Strip

from engine import Machine
from tests.tui.conftest import painter, press
from tui.app import ExplorerApp
from tui.session import Session
from tui.widgets.explanation import Explanation
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.object_list import ObjectList
from tui.widgets.status import InvariantStatus
from tui.widgets.stocks import CpuStocks

# v2: a limit refusing a batch, a drain of the byte stock, a page allocation, raw
# references, an objcg inherited and reparented twice, a memcg left dying by a hold.
V2 = """\
config cpus=3
mkdir A
mkdir A/B
mkdir A/B/C
write A memory.max 1M
write A/B memory.max 40K
task t A/B/C
task u A
alloc X0 100 task=t cpu=0
alloc X1 5000 task=t cpu=1
alloc X2 30000 task=t cpu=2 gfp=GFP_NOWAIT
alloc X3 300 task=u cpu=1
alloc_pages P 1 task=u cpu=2
get /A
get /A
move t A/B
hold A/B/C
rmdir A/B/C
free X1 cpu=0
move t A
rmdir A/B
"""

# v1 without use_hierarchy: the kmem counter refuses, the objcg goes to the root.
V1 = """\
config cgroup=v1 cpus=2
mkdir A
task t A
write A memory.kmem.limit_in_bytes 8K
alloc X 4096 task=t cpu=0
alloc Y 4096 task=t cpu=0
alloc Z 4096 task=t cpu=1
alloc W 100 task=t cpu=1 gfp=GFP_KERNEL|__GFP_NOFAIL
free X cpu=1
move t /
rmdir A
"""

SCENARIOS = {"v2": (V2, 2), "v1": (V1, 3)}  # script, how many last commands to step through
SIZES = [(200, 60), (120, 40)]
PAGE = "4096"


# -- reading a row ------------------------------------------------------------------------
class Row:
    """One row of a panel, consumed field by field from the left."""

    def __init__(self, text: str, where: str, problems: list[str]) -> None:
        self.text, self.rest, self.where, self.problems = text, text.strip(), where, problems

    def take(self, pattern: str) -> re.Match[str] | None:
        self.rest = self.rest.lstrip()
        match = re.match(r"(?:" + pattern + r")(?=\s|$)", self.rest)
        if match is not None:
            self.rest = self.rest[match.end():]
        return match

    def need(self, pattern: str, what: str) -> re.Match[str] | None:
        match = self.take(pattern)
        if match is None:
            self.fail(f"no {what}")
        return match

    def check(self, what: str, shown: Any, want: Any) -> None:
        if shown != want:
            self.fail(f"{what} shows {shown!r}, the engine has {want!r}")

    def fail(self, what: str) -> None:
        self.problems.append(f"{self.where}: {what}\n    row: {self.text.strip()!r}")

    def done(self) -> None:
        if self.rest.strip():
            self.fail(f"text no check knows: {self.rest.strip()!r}")


def number(text: str) -> int | None:
    """A figure as drawn: digits, or '-' / '∞' / 'NULL' for none."""
    return None if text in ("-", "∞", "NULL") else int(text)


def size_bytes(text: str) -> tuple[float, float]:
    """'128K' -> (131072, tolerance): sizes are drawn in K or M with at most one decimal."""
    value, unit = float(text[:-1]), text[-1]
    scale = {"B": 1, "K": 1024, "M": 1 << 20, "G": 1 << 30}[unit]
    return value * scale, (0.05 * scale if "." in text else 0)


def check_size(row: Row, what: str, text: str, want: int) -> None:
    value, slack = size_bytes(text)
    if abs(value - want) > slack:
        row.fail(f"{what} shows {text}, the engine has {want} bytes")


def check_holders(row: Row, what: str, shown: str, holders: dict[str, int]) -> None:
    """'{base cpu1 X0 get×2 +3}': each name a holder with its count, '+N' the rest."""
    names = shown.strip("{}").split()
    labels = {h.split(":", 1)[1] if h.startswith(("stock:", "obj:")) else h: n
              for h, n in holders.items()}
    more = int(names.pop()[1:]) if names and names[-1].startswith("+") else 0
    for name in names:
        label, _, count = name.partition("×")
        if labels.get(label) != (int(count) if count else 1):
            row.fail(f"{what} {name} is not a holder (engine: {holders})")
    row.check(f"{what}: holders shown + more", len(names) + more, len(holders))


# -- the panels ------------------------------------------------------------------------------
NAME = r"/\S*"
STATE = r"online|dying|allocated|freed|ghost \(freed\)|active|killed|released"


def objcg_state(row: Row, o: dict[str, Any]) -> None:
    state = row.need(STATE, "objcg state")
    if state:
        row.check(f"objcg {o['name']} state", state.group(0), o["state"])


def objcg_ref(row: Row, o: dict[str, Any]) -> None:
    ref = row.take(r"ref (\d+)")
    if ref:
        row.check(f"objcg {o['name']} ref", int(ref.group(1)), o["refcnt"])


def check_tree(lines: list[str], now: dict[str, Any], before: dict[str, Any] | None,
               where: str, problems: list[str]) -> None:
    memcgs = {m["name"]: m for m in now["memcgs"]}
    objcgs = {o["name"]: o for o in now["objcgs"]}
    old = {m["name"]: m for m in before["memcgs"]} if before else {}
    memcg: dict[str, Any] | None = None
    for line in lines:
        row = Row(line.lstrip("│├└─ "), where, problems)
        if not row.rest or row.take(r"[▲▼] \d+ more (?:above|below)"):
            continue
        if row.take(r"⇧"):  # an objcg travelling to its new list (the reparent animation)
            found = row.need(rf"({NAME}) → ({NAME})(?:'s objcg_list)?", "journey")
            if found:
                row.check("travelling objcg is on its list",
                          found.group(1) in memcgs[found.group(2)]["objcg_list"], True)
        elif row.take("objcg"):
            assert memcg is not None
            found = row.need(rf"NULL|{NAME}", "objcg name")
            shown = None if found is None or found.group(0) == "NULL" else found.group(0)
            if found:
                row.check(f"{memcg['name']} objcg", shown, memcg["objcg"])
            was = row.take(rf"\(was ({NAME})\)")
            if was:
                row.check(f"{memcg['name']} objcg before", was.group(1),
                          old.get(memcg["name"], {}).get("objcg"))
            if shown in objcgs:
                objcg_state(row, objcgs[shown])
                objcg_ref(row, objcgs[shown])
            length = row.take(r"(?:objcg_list:|list:) (\d+|empty)")
            if length:
                count = 0 if length.group(1) == "empty" else int(length.group(1))
                row.check(f"{memcg['name']} objcg_list length", count, len(memcg["objcg_list"]))
        elif row.take("↳"):
            assert memcg is not None
            name = row.need(NAME, "objcg name")
            if name is None or name.group(0) not in objcgs:
                row.fail("an objcg_list entry the engine does not know")
                continue
            o = objcgs[name.group(0)]
            row.check(f"{o['name']} is on {memcg['name']}'s objcg_list",
                      o["name"] in memcg["objcg_list"], True)
            objcg_state(row, o)
            up = row.take(rf"⇧▶ ({NAME})")  # mid-reparent: it points up before the splice
            row.check(f"objcg {o['name']} points elsewhere than its list", up and up.group(1),
                      o["memcg"] if o["memcg"] != memcg["name"] else None)
            objcg_ref(row, o)
            left = row.take(r"(?:nr_charged_bytes|left) (\d+)")
            if left:
                row.check(f"objcg {o['name']} nr_charged_bytes", int(left.group(1)),
                          o["nr_charged_bytes"])
            row.take(r"◀ moved in|◀")
        elif row.take("…"):
            assert memcg is not None
            row.need(r"\d+ more on the list(?: \(enter shows all\))?", "the list's remainder")
        else:
            name = row.need(NAME, "memcg name")
            if name is None or name.group(0) not in memcgs:
                row.fail("a memcg the engine does not know")
                continue
            memcg = memcgs[name.group(0)]
            check_memcg_row(row, memcg, int(now["config"]["page_size"]), now)
        row.done()


def check_memcg_row(row: Row, m: dict[str, Any], page_size: int, now: dict[str, Any]) -> None:
    name = m["name"]
    whole = not row.rest.endswith("…")  # else fields were dropped to fit: absent is not 0
    row.take(r"▸\d+")  # folded children
    usage = row.need(r"(\d+) pg", "usage")
    if usage:
        row.check(f"{name} usage", int(usage.group(1)), m["usage"])
    size = row.take(r"\d+(?:\.\d)?[KMG]|\d+B")
    if size:
        check_size(row, f"{name} usage size", size.group(0), m["usage"] * page_size)
    limit = row.take(r"max (\d+|∞)(?: \((\d+(?:\.\d)?[KMG]|\d+B)\))?")
    if limit:
        row.check(f"{name} memory.max", number(limit.group(1)), m["max"])
        if limit.group(2):
            check_size(row, f"{name} memory.max size", limit.group(2), m["max"] * page_size)
    failcnt = row.take(r"failcnt (\d+)")
    if failcnt or whole:  # drawn once it is not 0
        row.check(f"{name} failcnt", int(failcnt.group(1)) if failcnt else 0, m["failcnt"])
    if now["config"]["cgroup"] == "v1":
        kmem = row.need(r"kmem (-?\d+)(?:/(\d+|∞))?", "kmem counter")
        if kmem:
            row.check(f"{name} kmem usage", int(kmem.group(1)), m["kmem_usage"])
            if kmem.group(2):
                row.check(f"{name} kmem max", number(kmem.group(2)), m["kmem_max"])
        kfail = row.take(r"kfail (\d+)")
        if kfail or whole:
            row.check(f"{name} kmem failcnt", int(kfail.group(1)) if kfail else 0, m["kmem_failcnt"])
    ref = row.take(r"ref (\d+|-)")
    if ref:
        row.check(f"{name} css refs", number(ref.group(1)), m["css_refs"])
    pins = row.take(r"\(pages? ([^)]*)\)")
    if pins:
        pages = sorted(h[5:] for h in m["css_holders"] if h.startswith("page:"))
        shown = pins.group(1).split()
        more = int(shown.pop()[1:]) if shown[-1].startswith("+") else 0
        row.check(f"{name} pages pinning it", (set(shown) <= set(pages), len(shown) + more),
                  (True, len(pages)))
    state = row.need(STATE, "state")
    if state:
        row.check(f"{name} state", state.group(0).replace("ghost (freed)", "freed"), m["state"])
    held = row.take(r"held by (\{[^}]*\})")
    if held:
        check_holders(row, f"{name} held by", held.group(1), m["css_holders"])
    dying = row.take(r"(?:nr_dying_descendants|dying-desc) (\d+)")
    if dying:
        row.check(f"{name} nr_dying_descendants", int(dying.group(1)), m["nr_dying_descendants"])
    row.take("…")


def check_objcgs(lines: list[str], now: dict[str, Any], before: dict[str, Any] | None,
                 where: str, problems: list[str]) -> None:
    objcgs = {o["name"]: o for o in now["objcgs"]}
    old = {o["name"]: o for o in before["objcgs"]} if before else {}
    for line in lines:
        row = Row(line, where, problems)
        if not row.rest or row.take(r"[▲▼] \d+ more (?:above|below)"):
            continue
        name = row.need(NAME, "objcg name")
        if name is None or name.group(0) not in objcgs:
            row.fail("an objcg the engine does not know")
            continue
        o = objcgs[name.group(0)]
        swing = row.take(rf"↷ ({NAME}) → ({NAME})")
        if swing:
            row.check(f"objcg {o['name']} memcg before", swing.group(1), old[o["name"]]["memcg"])
            row.check(f"objcg {o['name']} memcg", swing.group(2), o["memcg"])
        else:
            pointer = row.need(rf"(─▶|⇧▶) ({NAME})(?: \((own|parent)\))?", "memcg pointer")
            if pointer:
                row.check(f"objcg {o['name']} memcg", pointer.group(2), o["memcg"])
                own = o["memcg"] == o["name"]
                row.check(f"objcg {o['name']} arrow", pointer.group(1), "─▶" if own else "⇧▶")
                if pointer.group(3):
                    row.check(f"objcg {o['name']} own or parent", pointer.group(3),
                              "own" if own else "parent")
        objcg_state(row, o)
        objcg_ref(row, o)
        left = row.take(r"(?:nr_charged_bytes|left) (\d+)")
        if left:
            row.check(f"objcg {o['name']} nr_charged_bytes", int(left.group(1)), o["nr_charged_bytes"])
        holders = row.take(r"\{[^}]*\}")
        if holders:
            check_holders(row, f"objcg {o['name']}", holders.group(0), o["holders"])
        row.done()


def check_stocks(lines: list[str], now: dict[str, Any], where: str, problems: list[str]) -> None:
    cpus = {c["cpu"]: c for c in now["cpus"]}
    batch, page_size = now["config"]["charge_batch"], now["config"]["page_size"]
    seen: set[int] = set()
    cpu: dict[str, Any] | None = None
    work = list(now.get("work", []))  # queued items (the key only when some are), in queue order: drawn in that order under the CPUs
    shown_work = 0
    for line in lines:
        row = Row(re.sub(r"[█▏▎▍▌▋▊▉]+", " ", line), where, problems)  # the bars
        if not row.rest:
            continue
        queued = row.take(r"(?:RCU cpu(\d+)|cpu(\d+) kworker) ◷")
        if queued:  # deferred work: an RCU callback or a kworker's item, not yet run
            if shown_work >= len(work):
                row.fail(f"more queued items drawn than the engine's {len(work)}")
                continue
            item = work[shown_work]
            shown_work += 1
            kind, on = ("rcu", queued.group(1)) if queued.group(1) else ("work", queued.group(2))
            row.check("queued item's kind and CPU", (kind, int(on)), (item["kind"], item["cpu"]))
            call = row.rest.strip()
            if not (call.startswith(item["fn"]) and call.endswith(")")
                    and all(str(arg) in call for arg in item["args"])):
                row.fail(f"queued call {call!r} is not {item['fn']}{tuple(item['args'])}")
            continue
        more = row.take(r"◷ … and (\d+) more queued")
        if more:
            row.check("queued items counted", shown_work + int(more.group(1)), len(work))
            shown_work = len(work)
            continue
        group = row.take(r"cpu(\d+)-cpu(\d+)")
        if group:
            for n in range(int(group.group(1)), int(group.group(2)) + 1):
                c = cpus[n]
                row.check(f"cpu{n} drawn empty", (c["cached"], c["nr_pages"], c["cached_objcg"],
                                                  c["nr_bytes"]), (None, 0, None, 0))
                seen.add(n)
            row.need(rf"(?:page|pg) NULL 0/{batch},? (?:byte|B) NULL 0B(?: \(\d+ CPUs, both stocks empty\))?",
                     "both stocks empty")
            row.done()
            continue
        start = row.take(r"cpu(\d+)")
        if start:
            cpu = cpus[int(start.group(1))]
            seen.add(cpu["cpu"])
        if cpu is None:
            row.fail("a stock line before any CPU")
            continue
        pages = row.take(rf"(?:page|pg) ({NAME}|NULL)\s+(\d+)/(\d+)")
        if pages:
            row.check(f"cpu{cpu['cpu']} page stock", (number(pages.group(1)) if pages.group(1) == "NULL"
                                                     else pages.group(1), int(pages.group(2)),
                                                     int(pages.group(3))),
                      (cpu["cached"], cpu["nr_pages"], batch))
        nbytes = row.take(rf"(?:byte|B) ({NAME}|NULL)\s+(\d+)B")
        if nbytes:
            row.check(f"cpu{cpu['cpu']} byte stock", (number(nbytes.group(1)) if nbytes.group(1) == "NULL"
                                                     else nbytes.group(1), int(nbytes.group(2))),
                      (cpu["cached_objcg"], cpu["nr_bytes"]))
            over = row.take(">PAGE") is not None
            row.check(f"cpu{cpu['cpu']} >PAGE", over, cpu["nr_bytes"] > page_size)
        if not (pages or nbytes):
            row.fail("neither stock")
        row.done()
    if lines and seen != set(cpus):
        problems.append(f"{where}: CPUs drawn {sorted(seen)}, the engine has {sorted(cpus)}")
    if lines and shown_work != len(work) and not any("more below" in line for line in lines):
        problems.append(f"{where}: {shown_work} queued item(s) drawn, the engine has {len(work)}")


def check_objects(lines: list[str], now: dict[str, Any], where: str, problems: list[str]) -> None:
    objects = {x["name"]: x for x in now["objects"]}
    for line in lines:
        row = Row(line, where, problems)
        if not row.rest or row.take(r"[▲▼] \d+ more (?:above|below)"):
            continue
        name = row.need(r"\S+", "object name")
        if name is None or name.group(0) not in objects:
            row.fail("an object the engine does not have")
            continue
        x = objects[name.group(0)]
        size = row.need(r"(\d+) B", "size")
        if size:
            row.check(f"object {x['name']} size", int(size.group(1)), x["size"])
        key = "objcg"  # what it is charged through: a slab object's objcg
        if x["kind"] == "pages":  # a page block pins its memcg
            key = "memcg"
            order = row.need(r"pages o(\d+)", "page order")
            if order:
                row.check(f"object {x['name']} order", int(order.group(1)), x["order"])
        if x[key] is None:
            row.take("unaccounted")
        else:
            target = row.take(rf"→ (?:{key} )?({NAME})(?: \(css ref\))?")
            if target:
                row.check(f"object {x['name']} {key}", target.group(1), x[key])
        row.done()


def check_released(row: Row, mark: str, name: str, now: dict[str, Any]) -> None:
    """A released objcg: obj_cgroup_release (5.9) uncharged nr_charged_bytes >> PAGE_SHIFT
    whole pages and WARNs when bytes under a page remain; nothing else is summed."""
    o = next((o for o in now["objcgs"] if o["name"] == name), None)
    if o is None:
        row.fail(f"objcg {name} is not in the engine's state")
        return
    row.check(f"{name} state", o["state"], "released")
    left, page_size = o["nr_charged_bytes"], now["config"]["page_size"]
    if row.take(r"nothing was left in nr_charged_bytes|nothing left"):
        row.check(f"{name} nr_charged_bytes", left, 0)
    elif whole := row.take(r"its (\d+) leftover bytes were (\d+) whole page\(s\), uncharged by "
                           r"obj_cgroup_release|(\d+) whole page\(s\) uncharged"):
        if whole.group(1):
            row.check(f"{name} nr_charged_bytes", int(whole.group(1)), left)
        pages = int(whole.group(2) or whole.group(3))
        row.check(f"{name} whole pages", (pages, left % page_size), (left // page_size, 0))
    elif row.take(rf"(?:nr_charged_bytes )?{left} (?:B, not whole pages|is not a whole number of pages):"):
        row.check(f"{name} a WARN", left % page_size != 0, True)
        row.rest = ""  # (what stays charged: the conservation tests check it)
    row.check(f"{name} verdict", mark, "✓" if left % page_size == 0 else "✗")
    row.done()


def check_byte_sum(text: str, now: dict[str, Any], where: str, problems: list[str]) -> None:
    row = Row(re.sub(r"▕[█ ]*▏", " ", text), where, problems)
    if not row.rest or row.take("bytes: select an objcg to see its sum"):
        return
    mark = row.need("✓|✗", "verdict")
    released = row.take(rf"(?:objcg )?({NAME}) released:")
    if released and mark:
        check_released(row, mark.group(0), released.group(1), now)
        return
    name = row.need(rf"(?:objcg )?({NAME}):", "objcg")
    if name is None or mark is None:
        return
    o = next(o for o in now["objcgs"] if o["name"] == name.group(1))
    audit, page_size = o["audit"], now["config"]["page_size"]
    stocks = sum(c["nr_bytes"] for c in now["cpus"] if c["cached_objcg"] == o["name"])
    charged = audit["charged_pages"] * page_size
    head = row.need(r"(\d+) pg × (\d+) =(?: (\d+) =)?", "pages × PAGE_SIZE")
    if head:
        row.check(f"{o['name']} pages, PAGE_SIZE", (int(head.group(1)), int(head.group(2))),
                  (audit["charged_pages"], page_size))
        if head.group(3):
            row.check(f"{o['name']} bytes charged", int(head.group(3)), charged)
    terms = row.need(r"(\d+) live \+ (\d+) (?:in )?stocks? \+ (\d+) (?:nr_charged_bytes|left)", "terms")
    if terms:
        row.check(f"{o['name']} live, stocks, nr_charged_bytes",
                  tuple(int(g) for g in terms.groups()),
                  (audit["live_bytes"], stocks, o["nr_charged_bytes"]))
    flight = row.take(r"\+ (\d+) in flight")
    row.check(f"{o['name']} in flight", int(flight.group(1)) if flight else 0, audit["in_hand_bytes"])
    total = audit["live_bytes"] + stocks + o["nr_charged_bytes"] + audit["in_hand_bytes"]
    row.check(f"{o['name']} verdict", mark.group(0), "✓" if total == charged else "✗")
    off = row.take(r"\(off by (-?\d+)\)")
    if off:
        row.check(f"{o['name']} off by", int(off.group(1)), charged - total)
    row.done()


# the Δ line's labels -> (table of the JSON state, field)
DELTA_FIELDS = {
    ("", "usage"): ("memcgs", "usage"), ("", "memory.max"): ("memcgs", "max"),
    ("", "failcnt"): ("memcgs", "failcnt"), ("", "css_refs"): ("memcgs", "css_refs"),
    ("", "state"): ("memcgs", "state"), ("", "objcg"): ("memcgs", "objcg"),
    ("", "objcg_list"): ("memcgs", "objcg_list"), ("", "kmemcg_id"): ("memcgs", "kmemcg_id"),
    ("", "nr_dying_descendants"): ("memcgs", "nr_dying_descendants"),
    ("", "events max"): ("memcgs", "events_max"), ("", "events oom"): ("memcgs", "events_oom"),
    ("objcg", "memcg"): ("objcgs", "memcg"), ("objcg", "refcnt"): ("objcgs", "refcnt"),
    ("objcg", "state"): ("objcgs", "state"), ("objcg", "nr_charged_bytes"): ("objcgs", "nr_charged_bytes"),
    ("", "stock->cached"): ("cpus", "cached"), ("", "stock->nr_pages"): ("cpus", "nr_pages"),
    ("", "stock->cached_objcg"): ("cpus", "cached_objcg"), ("", "stock->nr_bytes"): ("cpus", "nr_bytes"),
    ("task", "cgroup"): ("tasks", "memcg"), ("task", "active_memcg"): ("tasks", "active_memcg"),
}


def records(state: dict[str, Any], table: str) -> dict[str, dict[str, Any]]:
    return {(f"cpu{r['cpu']}" if table == "cpus" else r["name"]): r for r in state[table]}


def check_delta(text: str, now: dict[str, Any], before: dict[str, Any] | None, where: str,
                problems: list[str]) -> None:
    """Each 'NAME field old→new' against the states before and after the micro-step; every
    learner-named field that changed (of records on both sides) must be listed."""
    if before is None:
        return
    shown: set[tuple[str, str, str]] = set()
    for part in text.split("; ") if text else []:
        row = Row(part, where, problems)
        if row.take(r"[+-](?:memcg|objcg|object) \S+"):
            row.done()
            continue
        prefix = row.take("objcg|task")
        kind = prefix.group(0) if prefix else ""
        name = row.need(r"\S+", "name")
        label = row.need("|".join(re.escape(lab) for (k, lab) in DELTA_FIELDS if k == kind), "field")
        if name is None or label is None:
            continue
        table, fld = DELTA_FIELDS[(kind, label.group(0))]
        shown.add((table, name.group(0), fld))
        new, old = records(now, table).get(name.group(0)), records(before, table).get(name.group(0))
        if new is None or old is None:
            row.fail("a record missing before or after the step")
            continue
        if isinstance(new[fld], list):
            change = row.need(r"(?:[+-]\S+ ?)+|reordered", "list change")
            if change:
                added = [w[1:] for w in change.group(0).split() if w.startswith("+")]
                gone = [w[1:] for w in change.group(0).split() if w.startswith("-")]
                row.check(f"{name.group(0)} {label.group(0)} added", added,
                          [x for x in new[fld] if x not in old[fld]])
                row.check(f"{name.group(0)} {label.group(0)} removed", gone,
                          [x for x in old[fld] if x not in new[fld]])
        else:
            change = row.need(r"(\S+)→(\S+)( B)?", "old→new")
            if change:
                shown_values = tuple(None if v == "NULL" else (int(v) if re.fullmatch(r"-?\d+", v) else v)
                                     for v in change.group(1, 2))
                row.check(f"{name.group(0)} {label.group(0)} old→new", shown_values, (old[fld], new[fld]))
                row.check(f"{name.group(0)} {label.group(0)} in bytes", bool(change.group(3)),
                          fld == "nr_bytes")
        row.done()
    for (table, fld) in DELTA_FIELDS.values():
        after, earlier = records(now, table), records(before, table)
        for name in after.keys() & earlier.keys():
            if after[name][fld] != earlier[name][fld] and (table, name, fld) not in shown:
                problems.append(f"{where}: Δ leaves out {table} {name} {fld} "
                                f"{earlier[name][fld]!r}→{after[name][fld]!r}: {text!r}")


# -- the screen ---------------------------------------------------------------------------------
def screen_rows(app: ExplorerApp) -> list[str]:
    chops = painter(app).composed()
    return [Strip.join(row).text for row in chops]


def region_lines(rows: list[str], widget: Any) -> list[str]:
    if not widget.display:
        return []
    region = widget.content_region
    return [rows[y][region.x:region.x + region.width].rstrip()
            for y in range(region.y, region.y + region.height) if 0 <= y < len(rows)]


def check_screen(app: ExplorerApp, now: dict[str, Any], before: dict[str, Any] | None,
                 where: str) -> list[str]:
    problems: list[str] = []
    rows = screen_rows(app)
    check_tree(region_lines(rows, app.query_one(MemcgTree)), now, before, f"{where} tree", problems)
    check_objcgs(region_lines(rows, app.query_one(ObjcgList)), now, before, f"{where} objcgs", problems)
    check_stocks(region_lines(rows, app.query_one(CpuStocks)), now, f"{where} stocks", problems)
    check_objects(region_lines(rows, app.query_one(ObjectList)), now, f"{where} objects", problems)
    status = " ".join(" ".join(region_lines(rows, app.query_one(InvariantStatus))).split())
    check_byte_sum(status, now, f"{where} byte sum", problems)
    why = " ".join(" ".join(region_lines(rows, app.query_one(Explanation))).split())
    delta = why[2:].split(" why:")[0].strip() if why.startswith("Δ ") else ""
    check_delta(delta, now, before, f"{where} Δ", problems)
    return problems


def reference(script: str) -> Machine:
    m = Machine()
    for number_, line in enumerate(script.splitlines(), 1):
        m.run_line(line, "<reference>", number_)
    return m


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_every_figure_on_the_panels_is_the_engines(scenario: str, size: tuple[int, int]) -> None:
    script, last = SCENARIOS[scenario]
    ref = reference(script)
    first = ref.commands[-last].first
    app = ExplorerApp(Session.from_text(script, "<test>"), start_at=first)
    problems: list[str] = []
    async with app.run_test(size=size):
        await painter(app).settle()
        steps = 0
        while True:
            cursor = app.session.cursor
            ref.goto(cursor)
            now = ref.snapshot()
            before = None
            if cursor > 0:
                ref.goto(cursor - 1)
                before = ref.snapshot()
            problems += check_screen(app, now, before, f"{scenario} {size[0]}x{size[1]} step {cursor}")
            if cursor >= app.session.total:
                break
            await press(app, "n")
            assert app.session.cursor == cursor + 1
            steps += 1
        assert steps > 20  # the walk went through the scenario's last commands
    assert not problems, f"{len(problems)} wrong figure(s):\n" + "\n".join(problems[:30])


@pytest.mark.parametrize("leftover, pages, mark", [(8192, 2, "✓"), (100, 0, "✗"), (4196, 1, "✗")])
@pytest.mark.parametrize("width", [200, 60])
def test_a_released_objcgs_line_is_read_in_every_form(leftover: int, pages: int, mark: str,
                                                      width: int) -> None:
    """The released line in its three forms (nothing left is walked above): whole pages
    uncharged by obj_cgroup_release, or the WARN (bytes not a whole number of pages), long
    and short; read back against the state, and a wrong figure in it is caught."""
    from engine.conservation import Conservation
    from tui.present.status import conservation_text

    c = Conservation("/A", pages, 4096, 0, 0, leftover, 0, released=True)
    now = {"objcgs": [{"name": "/A", "state": "released", "nr_charged_bytes": leftover}],
           "config": {"page_size": 4096}}
    text = " ".join(conservation_text(c, width).plain.split())  # as the panel test reads rows
    problems: list[str] = []
    check_byte_sum(text, now, "released", problems)
    assert not problems and text.startswith(mark), (text, problems)
    wrong = {**now, "objcgs": [{**now["objcgs"][0], "nr_charged_bytes": leftover + 4096}]}
    check_byte_sum(text, wrong, "released", problems)
    assert problems, text
