"""The simulator's invariants, checked incrementally after every micro-step and in full
on demand. A violation is an engine bug: it raises InvariantViolation, loudly.

- I1 byte conservation: for each objcg, pages charged for it x PAGE_SIZE = its live
  bytes + bytes in the CPUs' byte stocks caching it + nr_charged_bytes + bytes in hand
  inside a kernel function.
- I2 stock bounds: between commands a byte stock holds at most PAGE_SIZE bytes and a
  page stock at most the batch; neither holds anything without its cached pointer, and
  no FLUSHING_CACHED_CHARGE flag stays set.
- I3 nr_charged_bytes is never negative.
- I4 counter links: a memcg's counters charge its parent's exactly when the parent had
  use_hierarchy when it was created (always in v2).
- I5 usage decomposition: an online memcg's usage is the pages in page stocks caching
  memcgs it covers, the pages of objcgs pointing into them, page objects charged there
  and pages in hand.
- I6 objcg references: refcnt is the sum of the named holders: the base reference
  while active (or its kill not yet seen), one per byte stock caching it, one per live
  object charged through it, and explicit gets; a released objcg has none.
- I7 attachment: memcg->objcg points back at the memcg and is active; an online v5.9
  memcg has one; a killed objcg is on the objcg_list of the memcg it points at.
- I8 once offline, a dying memcg owns no objcg (objcg NULL, objcg_list empty).
- I9 css references: refcnt is the sum of the holders (base and the online ID pin while
  online, page stocks, killed objcgs on its list, children, tasks, page objects,
  external holds); a memcg is freed exactly when its count reached 0 after rmdir.
- I10 nr_descendants and nr_dying_descendants count the live and dying memcgs below,
  and move by exactly one per mkdir, rmdir and free.
- I13 the root has no objcg, and its counters are charged only through its children.
- I14 and I15 (cgroup v1's kmem counter, page objects pinning their memcg): see
  `_check_v1_and_pages`.

Incremental checks look only at the records a micro-step changed (its undo entries),
which keeps them cheap enough to run after every step; `check_all` recomputes
everything from scratch and is what the property-based tests call.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from engine.conservation import byte_conservation
from engine.kernel.base import ROOT
from engine.kernel.versions import state_has
from engine.script import kmalloc_max_size
from engine import slab_state
from engine.model import HOLD, NEW, SET, State


class InvariantViolation(AssertionError):
    """The simulated state broke an invariant (listed above): an engine bug."""


def _fail(rule: str, text: str) -> None:
    raise InvariantViolation(f"{rule}: {text}")


# -- after every micro-step ------------------------------------------------------------
_LEVELS = ("state", "nr_descendants", "nr_dying_descendants")


def check_step(st: State, log: list[Any], data: tuple[Any, ...],
               seen: dict[int, dict[str, Any]]) -> None:
    """Check the records a micro-step touched (its flat undo log); add them to `seen`."""
    touched: dict[int, dict[str, Any]] = {}
    holder_changes = []
    levels = []
    for i in range(0, len(log), 5):
        op, a, b = log[i], log[i + 1], log[i + 2]
        if op == SET:
            kind = a.get("kind")
            if kind is None:
                continue
            touched[id(a)] = a
            if kind == "memcg" and b in _LEVELS:
                levels.append(log[i:i + 5])
        elif op == HOLD:
            touched[id(a)] = a
            holder_changes.append((a, b))
        else:
            rec = log[i + 3]
            touched[id(rec)] = rec
            if op == NEW and rec["kind"] == "memcg":
                levels.append([SET, rec, "state", None, log[i + 4]["state"]])
    seen.update(touched)
    try:
        for rec in touched.values():
            kind = rec["kind"]
            if kind == "objcg":
                _check_objcg(st, rec)
            elif kind == "memcg":
                _check_memcg(st, rec)
            elif kind == "cpu":
                _check_cpu(st, rec)
            elif kind == "object" and rec.get("type") == "pages":
                _check_page_object(st, rec)
        for rec, holder in holder_changes:
            _check_holder(st, rec, holder)
        if levels:
            _check_descendant_counts(st, levels)
    except InvariantViolation as err:
        raise InvariantViolation(f"after step {data[0]} {data[1:]}: {err}") from None


def _check_objcg(st: State, o: dict[str, Any]) -> None:
    name = o["name"]
    if o["state"] == "released":
        return
    c = byte_conservation(st, name)
    if c is not None and not c.holds:
        _fail("I1 byte conservation",
              f"objcg {name}: {c.pages} pages x {c.page_size} != live {c.live} + stocks "
              f"{c.stocks} + nr_charged_bytes {c.leftover} + in hand {c.inflight}")
    if o["nr_charged_bytes"] < 0:
        _fail("I3", f"objcg {name} nr_charged_bytes {o['nr_charged_bytes']} < 0")
    if ("base" in o["holders"]) != (o["state"] == "active"):
        _fail("I6", f"objcg {name} is {o['state']} but base reference present={'base' in o['holders']}")
    if o["state"] == "killed" and not _listed(st, o, o["memcg"]):
        _fail("I7", f"killed objcg {name} is not on {o['memcg']}'s objcg_list")


def _listed(st: State, o: dict[str, Any], memcg: str) -> bool:
    """The objcg is linked into memcg's list, or (mid memcg_reparent_objcgs: moved up,
    not yet spliced) still into the list of a dying child of memcg. check_all checks
    that `listed` agrees with the lists themselves."""
    listed = o["listed"]
    if listed == memcg:
        return True
    return (listed is not None and st.memcgs[listed]["parent"] == memcg
            and st.memcgs[listed]["state"] == "dying")


def _check_memcg(st: State, m: dict[str, Any]) -> None:
    name = m["name"]
    if m["state"] in ("online",) and m["usage"] != m["expected"]:
        _fail("I5 usage decomposition",
              f"{name} usage {m['usage']} != stocks + objcg pages + page objects + in-flight "
              f"= {m['expected']}")
    if m["state"] == "online" and m["kmem_usage"] != m["kmem_expected"]:
        _fail("I14 kmem counter",
              f"{name} kmem usage {m['kmem_usage']} != objcg pages + page objects + in-flight "
              f"= {m['kmem_expected']}")
    objcg = m["objcg"]
    if objcg is not None:
        o = st.objcgs[objcg]
        if o["memcg"] != name or o["state"] != "active":
            _fail("I7", f"{name}->objcg {objcg} points at {o['memcg']} and is {o['state']}")
    if m["state"] == "online" and name != ROOT and objcg is None and st.sys["kernel"] != "5.8":
        _fail("I7", f"online memcg {name} has no active objcg")
    if name == ROOT and objcg is not None:
        _fail("I13", "the root memcg has an objcg")
    if m["state"] == "freed" and m["refcnt"] != 0:
        _fail("I9", f"{name} freed with css refcnt {m['refcnt']}")
    if m["nr_descendants"] < 0 or m["nr_dying_descendants"] < 0:
        _fail("I10", f"{name} has negative descendant counts")


def _check_cpu(st: State, c: dict[str, Any], bounded: bool = False) -> None:
    """I2. Inside refill_obj_stock/refill_stock a stock is briefly over its bound
    (that is what triggers the drain), so upper bounds are checked between commands."""
    ps, batch = st.sys["page_size"], st.sys["charge_batch"]
    cpu = c["name"]
    top = ps
    if state_has(st.sys, "refill_obj_stock_allow_uncharge"):
        # v5.14: a charge's tail is kept whole: below the charge's size plus a page
        top = kmalloc_max_size(ps) + ps - 2
    if c["nr_bytes"] < 0 or (bounded and c["nr_bytes"] > top):
        _fail("I2", f"{cpu} nr_bytes {c['nr_bytes']} outside [0, {top}]")
    if c["nr_pages"] < 0 or (bounded and c["nr_pages"] > batch):
        _fail("I2", f"{cpu} nr_pages {c['nr_pages']} outside [0, {batch}]")
    if c["cached_objcg"] is None and c["nr_bytes"]:
        _fail("I2", f"{cpu} holds {c['nr_bytes']} bytes for no objcg")
    if c["cached"] is None and c["nr_pages"]:
        _fail("I2", f"{cpu} holds {c['nr_pages']} pages for no memcg")


def _holder_ok(st: State, rec: dict[str, Any], holder: str) -> bool | None:
    """Whether the thing named by a holder exists and refers to rec (None: any count)."""
    name = rec["name"]
    what, _, who = holder.partition(":")
    if rec["kind"] == "objcg":
        if what == "base":
            return rec["state"] == "active"
        if what == "stock":
            if st.cpus[who]["dropping"] == name:
                return None  # drain_obj_stock between its put and its clear
            return st.cpus[who]["cached_objcg"] == name
        if what in ("obj", "page"):  # a page records its objcg from v5.13
            obj = st.objects.get(who)
            return obj is not None and obj["objcg"] == name
        if what == "task":  # v6.7: current->objcg
            task = st.tasks.get(who)
            return task is not None and task["objcg"] == name
        if holder == "orig_objcg":  # v6.7: memcg->orig_objcg, until the memcg is freed
            return st.memcgs[name]["state"] != "freed"
        return None  # "current", "get", "percpu" (checked at rest by check_all)
    if what == "base":
        return rec["state"] in ("allocated", "online")
    if what == "online":
        return rec["state"] == "online"
    if what == "stock":
        return st.cpus[who]["cached"] == name
    if what == "objcg":
        o = st.objcgs[who]
        return o["memcg"] == name and _listed(st, o, name)
    if what == "child":
        child = st.memcgs.get(who)
        return child is not None and child["parent"] == name and child["state"] != "freed"
    if what == "css_set":
        return rec["nr_tasks"] > 0
    if what == "page":
        obj = st.objects.get(who)
        return obj is not None and obj.get("memcg") == name
    return None  # "hold", "charge", "current": explicit or transient holders


def _check_holder(st: State, rec: dict[str, Any], holder: str) -> None:
    held = rec["holders"].get(holder, 0)
    if held < 0:
        _fail("I6/I9", f"{rec['name']} holder {holder} count {held}")
    ok = _holder_ok(st, rec, holder)
    if ok is not None and bool(held) != ok:
        _fail("I6/I9", f"{rec['kind']} {rec['name']}: holder {holder} present={bool(held)} "
                       "disagrees with the state")


def _check_descendant_counts(st: State, levels: list[list[Any]]) -> None:
    """I10: ancestors' counts move by exactly one per mkdir, rmdir and free."""
    # plain dicts, not Counters: a step of a deep mkdir or rmdir changes thousands of levels
    actual: dict[tuple[str, str], int] = {}
    expected: dict[tuple[str, str], int] = {}
    for _, rec, key, old, new in levels:
        if key != "state":
            at = (rec["name"], key)
            actual[at] = actual.get(at, 0) + new - old
            continue
        d_live = (new in ("allocated", "online")) - (old in ("allocated", "online"))
        d_dying = (new == "dying") - (old == "dying")
        node = rec["parent"]
        while node is not None:
            for at, delta in (((node, "nr_descendants"), d_live),
                              ((node, "nr_dying_descendants"), d_dying)):
                if delta:
                    expected[at] = expected.get(at, 0) + delta
            node = st.memcgs[node]["parent"]
    for at in expected.keys() | actual.keys():
        if expected.get(at, 0) != actual.get(at, 0):
            _fail("I10", f"{at[0]} {at[1]} changed by {actual.get(at, 0)}, "
                         f"expected {expected.get(at, 0)}")


# -- at the end of each command -------------------------------------------------------
# References held only inside a kernel function: the lookups' ("current") and the
# charge's memcg pin ("charge", from v5.13 "pin").
TRANSIENT = ("current", "charge", "pin")


def check_command_end(st: State, touched: Iterable[dict[str, Any]] | None) -> None:
    """Nothing is left in hand, pinned transiently or flagged as flushing (None: check all)."""
    records: Iterable[dict[str, Any]]
    if touched is None:
        records = list(st.memcgs.values()) + list(st.objcgs.values()) + list(st.cpus.values())
    else:
        records = touched
    for rec in records:
        kind = rec["kind"]
        if kind in ("memcg", "objcg"):
            if rec.get("inflight") or rec.get("kmem_inflight"):
                _fail("I1/I5", f"{kind} {rec['name']} still has pages or bytes in hand")
            for holder in rec["holders"]:
                if holder in TRANSIENT:
                    _fail("I6/I9", f"{kind} {rec['name']} keeps a transient '{holder}' reference")
        if kind == "memcg" and rec["state"] == "dying" and rec["kmem_state"] != "ONLINE":
            if rec["objcg"] is not None or rec["objcg_list"]:
                _fail("I8", f"dying {rec['name']} still owns objcgs")
        if kind == "cpu":
            _check_cpu(st, rec, bounded=True)
        if kind == "cpu" and rec["flushing"] and not _drain_queued(st, rec["cpu"]):
            _fail("I2", f"{rec['name']} FLUSHING_CACHED_CHARGE left set with no drain queued")


def _drain_queued(st: State, cpu: int) -> bool:
    """A drain of that CPU is queued (config work=manual keeps it there)."""
    return any(item[3] == "drain_local_stock" and item[2] == cpu for item in st.sys["work"])


# -- everything, from scratch -----------------------------------------------------------
def check_all(st: State) -> None:
    """Recompute every invariant from the whole state."""
    memcgs, objcgs, cpus = st.memcgs, st.objcgs, st.cpus
    orig = state_has(st.sys, "memcg_pins_orig_objcg")
    for c in cpus.values():
        _check_cpu(st, c, bounded=True)
    for o in objcgs.values():
        _check_objcg(st, o)
        if o["state"] != "released":
            want = Counter({"base": 1} if o["state"] == "active" else {})
            for c in cpus.values():
                if c["cached_objcg"] == o["name"]:
                    want[f"stock:{c['name']}"] += 1
            want.update(("page:" if x.get("type") == "pages" else "obj:") + x["name"]
                        for x in st.objects.values() if x["objcg"] == o["name"])
            want.update(f"task:{t['name']}" for t in st.tasks.values() if t["objcg"] == o["name"])
            if orig and st.memcgs[o["name"]]["state"] != "freed":
                want["orig_objcg"] += 1
            for m in memcgs.values():  # a memcg's per-CPU data (config mkdir_charge)
                want.update(f"percpu:{m['name']}" for objcg, _ in m["percpu"] if objcg == o["name"])
            have = Counter({h: n for h, n in o["holders"].items() if h != "get"})
            if have != want:
                _fail("I6", f"objcg {o['name']} holders {dict(have)} != {dict(want)}")
        if o["refcnt"] != sum(o["holders"].values()):
            _fail("I6", f"objcg {o['name']} refcnt {o['refcnt']} != its holders")
        if o["state"] == "released" and o["refcnt"] != 0:
            _fail("I6", f"released objcg {o['name']} has refcnt {o['refcnt']}")
    subtree_pages: Counter[str] = Counter()  # what each memory counter must hold
    kmem_pages: Counter[str] = Counter()  # what each v1 kmem counter must hold

    v1 = st.sys["cgroup"] == "v1"

    def credit(memcg: str | None, pages: int, books: Counter[str] = subtree_pages) -> None:
        if books is kmem_pages and not v1:
            return  # v2 has no kmem counter
        while memcg is not None:  # a charge reaches the memcg and its counter parents
            books[memcg] += pages
            memcg = memcgs[memcg]["counter_parent"]

    for c in cpus.values():
        if c["cached"] is not None:
            credit(c["cached"], c["nr_pages"])
    for o in objcgs.values():
        credit(o["memcg"], o["pages"])
        credit(o["memcg"], o["pages"], kmem_pages)
    for x in st.objects.values():
        if x.get("type") == "pages" and x["memcg"] is not None:
            credit(x["memcg"], 1 << x["order"])
            credit(x["memcg"], 1 << x["order"], kmem_pages)
    for m in memcgs.values():
        credit(m["name"], m["inflight"] - m["unbacked"])
        credit(m["name"], m["kmem_inflight"] - m["kmem_unbacked"], kmem_pages)
        subtree_pages[m["name"]] += m["clamped"]  # v5.13: this level only
        kmem_pages[m["name"]] += m["kmem_clamped"]
    for memcg, pages in slab_state.charged_pages_by_memcg(st).items():  # v5.8 slab pages
        credit(memcg, pages)
    slab_state.check_slabs(st)
    _check_slab_charges(st)
    _check_v1_and_pages(st, kmem_pages)
    listed: Counter[str] = Counter()
    for m in memcgs.values():
        for o in m["objcg_list"]:
            listed[o] += 1
            if objcgs[o]["listed"] != m["name"] or objcgs[o]["memcg"] != m["name"]:
                _fail("I7", f"objcg {o} on {m['name']}'s list is linked to "
                            f"{objcgs[o]['listed']} and points at {objcgs[o]['memcg']}")
    for o in objcgs.values():
        if listed[o["name"]] != (o["listed"] is not None):
            _fail("I7", f"objcg {o['name']} is on {listed[o['name']]} lists, linked to {o['listed']}")
    pinless = state_has(st.sys, "objcg_no_memcg_pin")
    for m in memcgs.values():
        _check_memcg(st, m)
        name = m["name"]
        if m["state"] == "online" and m["usage"] != subtree_pages[name]:
            _fail("I5", f"{name} usage {m['usage']} != recomputed {subtree_pages[name]}")
        if m["state"] == "online" and m["expected"] != subtree_pages[name]:
            _fail("I5", f"{name} running books {m['expected']} != recomputed {subtree_pages[name]}")
        if name == ROOT:
            continue
        if m["refcnt"] != sum(m["holders"].values()):
            _fail("I9", f"{name} refcnt {m['refcnt']} != its holders")
        for holder in m["holders"]:
            _check_holder(st, m, holder)
        want = {f"stock:{c['name']}" for c in cpus.values() if c["cached"] == name}
        if not pinless:  # until v5.14 every objcg on the list holds a css reference
            want |= {f"objcg:{o}" for o in m["objcg_list"]}
        want |= slab_state.cache_holders(st, name)
        want |= {f"child:{c}" for c in m["children"] if memcgs[c]["state"] != "freed"}
        want |= {f"page:{x['name']}" for x in st.objects.values() if x.get("memcg") == name}
        if m["state"] == "online":
            want |= {"base", "online"}
        if m["nr_tasks"]:
            want.add("css_set")
        have = {h for h in m["holders"] if h not in ("hold",)}
        if have != want:
            _fail("I9", f"{name} css holders {sorted(have)} != {sorted(want)}")
        if (m["state"] == "freed") != (m["refcnt"] == 0 and m["state"] != "online"):
            _fail("I9", f"{name} is {m['state']} with css refcnt {m['refcnt']}")
    for m in memcgs.values():
        live = dying = 0
        todo = list(m["children"])
        while todo:
            child = memcgs[todo.pop()]
            todo.extend(child["children"])
            live += child["state"] == "online"
            dying += child["state"] == "dying"
        if (live, dying) != (m["nr_descendants"], m["nr_dying_descendants"]):
            _fail("I10", f"{m['name']} counts ({m['nr_descendants']}, {m['nr_dying_descendants']}) "
                         f"!= ({live}, {dying})")


def _check_v1_and_pages(st: State, kmem_pages: Counter[str]) -> None:
    """I14 (cgroup v1): each online memcg's kmem counter holds exactly the pages charged
    through the objcgs and the page path in the memcgs it covers (no stock term: the
    kmem charge is never batched); v2 never touches it. I15: every accounted page
    object holds exactly one css reference on the memcg it recorded, which is not freed
    and not the root. I4: counter links follow use_hierarchy."""
    memcgs = st.memcgs
    v1 = st.sys["cgroup"] == "v1"
    for m in memcgs.values():
        name = m["name"]
        if not v1:
            if m["kmem_usage"] or m["kmem_expected"] or not m["use_hierarchy"]:
                _fail("I14", f"v2 memcg {name} has a kmem counter or lacks use_hierarchy")
        elif m["state"] == "online" and m["kmem_usage"] != kmem_pages[name]:
            _fail("I14 kmem counter", f"{name} kmem usage {m['kmem_usage']} != objcg pages "
                                      f"+ page objects = {kmem_pages[name]}")
        if m["state"] == "online" and m["kmem_expected"] != kmem_pages[name]:
            _fail("I14", f"{name} running kmem books {m['kmem_expected']} != {kmem_pages[name]}")
        parent = m["parent"]
        if m["state"] != "freed" and parent is not None:
            linked = parent if memcgs[parent]["use_hierarchy"] else (
                ROOT if state_has(st.sys, "v1_counters_link_root") else None)
            if m["counter_parent"] != linked:
                _fail("I4", f"{name}'s counters link to {m['counter_parent']}, expected {linked}")
    for x in st.objects.values():
        if x.get("type") == "pages":
            _check_page_object(st, x)


def _check_slab_charges(st: State) -> None:
    """A live slab object charged what obj_full_size() says when it was bound to an
    objcg (SIZE in byte mode, s->size + 8 in slab mode), and nothing when unaccounted."""
    slab_mode = st.sys["accounting"] == "slab"
    for x in st.objects.values():
        if x.get("type") == "pages" or st.sys["kernel"] == "5.8":
            continue
        size = x["size"]
        want = (-(-size // 8) * 8 + 8 if slab_mode else size) if x["objcg"] is not None else 0
        if x["charged"] != want:
            _fail("I1 object charge", f"object {x['name']} ({size} bytes, objcg "
                                      f"{x['objcg']}) records a charge of {x['charged']}, not {want}")


def _check_page_object(st: State, x: dict[str, Any]) -> None:
    """I15: a live, charged page object holds exactly one css reference on its memcg
    (from v5.13: one reference on its objcg, and no memcg)."""
    if st.objects.get(x["name"]) is not x:
        return  # freed in this step (its holder check covers the put)
    if x["objcg"] is not None:
        objcg = st.objcgs[x["objcg"]]
        held = objcg["holders"].get(f"page:{x['name']}", 0)
        if held != 1 or objcg["state"] == "released" or x["memcg"] is not None:
            _fail("I15 page pins its objcg",
                  f"page object {x['name']} recording objcg {objcg['name']} ({objcg['state']}) "
                  f"holds {held} reference(s) on it, memcg {x['memcg']}")
        return
    if x["memcg"] is None:
        return  # unaccounted
    memcg = st.memcgs[x["memcg"]]
    held = memcg["holders"].get(f"page:{x['name']}", 0)
    if held != 1 or memcg["state"] == "freed" or memcg["name"] == ROOT:
        _fail("I15 page pins its memcg",
              f"page object {x['name']} charged to {memcg['name']} ({memcg['state']}) "
              f"holds {held} css reference(s) on it, not 1")
    if x["objcg"] is not None or not x["accounted"]:
        _fail("I15", f"page object {x['name']} has objcg {x['objcg']} or is unaccounted")
