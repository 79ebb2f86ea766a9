"""Who pins this? The reference graph of a state and every chain keeping a memcg or an
objcg alive.

The kernel keeps only counts (css refcnt, the objcg's percpu_ref); the engine names each
holder ("stock:cpu0", "obj:X0", "objcg:/A/B", ...). This module turns those holders into a
directed graph, holder -> held, and answers the question a memcg developer asks first:
"why is this cgroup still dying?" A chain runs from something that holds a reference for
its own sake (a live object, a CPU's stock, a task, an external hold, the cgroup itself)
through whatever it pins, to the target.

It reads the JSON state document (engine.export.state_json), the public contract, so a
chain can be computed for any state an autograder or the explorer holds. networkx is
imported at first use: `objcg-lab run` without `--pins` never pays for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["memcg", "objcg"]
PER_HOLDER = 3  # chains listed per reference the count includes; the rest are counted
GROUP_AFTER = 3  # more objects (or tasks) than this holding one thing: one node for all


@dataclass(frozen=True)
class Link:
    """One reference: `holder` pins the next node of the chain, for `why`."""

    node: str  # graph node id, e.g. "memcg:/A", "stock:cpu0:page", "objects:/A"
    label: str  # what the learner reads: "cpu0 page stock (31 pages)"
    why: str  # the kernel reference it holds, in kernel words


@dataclass(frozen=True)
class Pins:
    """The answer for one target: its count, every chain, and what could not be listed."""

    target: str  # "memcg:/A/B" or "objcg:/A/B"
    label: str
    state: str  # online / dying / freed, or active / killed / released
    refcnt: int | None  # None for the root memcg, which is CSS_NO_REF
    chains: list[list[Link]]  # each from a holder that pins for its own sake to the target
    more: int  # chains not listed (past PER_HOLDER for one reference)

    def text(self) -> list[str]:
        """The answer as lines, as `objcg-lab run --pins` prints it: each chain, then each
        of its references with the kernel reason."""
        count = "CSS_NO_REF (not counted)" if self.refcnt is None else f"refcnt {self.refcnt}"
        lines = [f"{self.label}: {self.state}, {count}"]
        if not self.chains:
            lines.append("  freed: nothing pins it any more" if self.state in FREED
                         else "  nothing holds a reference to it")
        for chain in self.chains:
            labels = [link.label for link in chain] + [self.label]
            lines.append("  " + " -> ".join(labels))
            for link, pinned in zip(chain, labels[1:]):
                lines.append(f"      -> {pinned}: {link.why}")
        if self.more:
            lines.append(f"  ... and {self.more} longer chains through the same references")
        return lines

    def as_json(self) -> dict[str, Any]:
        return {"target": self.target, "state": self.state, "refcnt": self.refcnt,
                "chains": [[{"node": l.node, "label": l.label, "why": l.why} for l in chain]
                           for chain in self.chains],
                "more": self.more}


FREED = ("freed", "released")


class UnknownTarget(ValueError):
    """No memcg or objcg of that name in the state; str() is one line."""


def parse_target(text: str) -> tuple[Kind, str]:
    """`memcg:/A`, `objcg:/A/B`, or a bare path (a memcg): `A/B` is `/A/B`."""
    kind: Kind = "memcg"
    name = text.strip()
    for prefix in ("memcg:", "objcg:"):
        if name.startswith(prefix):
            kind = "objcg" if prefix == "objcg:" else "memcg"
            name = name[len(prefix):]
    if not name:
        raise UnknownTarget("--pins needs a memcg or objcg name, e.g. /A or objcg:/A")
    return kind, name if name.startswith("/") else "/" + name


def pins(state: dict[str, Any], target: str) -> Pins:
    """Every chain of references keeping the named memcg or objcg alive in `state`: for
    each reference its count includes, up to PER_HOLDER chains (shortest first), the rest
    counted."""
    kind, name = parse_target(target)
    node = f"{kind}:{name}"
    graph = reference_graph(state, node)
    if node not in graph:
        raise UnknownTarget(f"no {kind} named {name} in this state")
    record = graph.nodes[node]
    chains: list[list[Link]] = []
    more = 0
    counted: dict[str, int] = {}  # chains through each node, shared by the holders
    for holder in sorted(graph.predecessors(node), key=lambda n: _order(graph, n)):
        found = _chains_to(graph, holder, node)[:PER_HOLDER]
        chains.extend(found)
        more += _count_sources(graph, holder, counted) - len(found)
    return Pins(node, record["label"], record["state"], record["refcnt"], chains, more)


def _order(graph: Any, node: str) -> tuple[int, str]:
    """Holders for their own sake first, then objcgs, then child memcgs; by name."""
    rank = 2 if node.startswith("memcg:") else 1 if node.startswith("objcg:") else 0
    return rank, node


def _chains_to(graph: Any, holder: str, target: str) -> list[list[Link]]:
    """Chains from holders-for-their-own-sake through `holder` to `target`, shortest
    first, at most PER_HOLDER of them (a breadth-first walk up the holders)."""
    found: list[list[Link]] = []
    frontier: list[list[str]] = [[holder, target]]
    while frontier and len(found) < PER_HOLDER:
        nxt: list[list[str]] = []
        for path in frontier:
            above = sorted(graph.predecessors(path[0]), key=lambda n: _order(graph, n))
            if not above:
                found.append([Link(n, graph.nodes[n]["label"], graph.edges[n, path[i + 1]]["why"])
                              for i, n in enumerate(path[:-1])])
            nxt += [[a] + path for a in above if a not in path]
        frontier = nxt[:PER_HOLDER * 8]  # enough to find the shortest few
    return found


def _count_sources(graph: Any, holder: str, memo: dict[str, int]) -> int:
    """How many chains run through `holder`: paths from holders-for-their-own-sake to it
    (the reference graph is acyclic: a memcg pins only its active objcg, which pins
    nothing, and killed objcgs and children pin upwards)."""
    visiting: set[str] = set()  # on the walk's stack: a cycle, were there one, counts 0
    stack = [holder]
    while stack:
        n = stack[-1]
        if n in memo:
            stack.pop()
            continue
        visiting.add(n)
        preds = list(graph.predecessors(n))
        pending = [a for a in preds if a not in memo and a not in visiting]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        visiting.discard(n)
        memo[n] = sum(memo.get(a, 0) for a in preds) if preds else 1
    return memo[holder]


def reference_graph(state: dict[str, Any], target: str | None = None) -> Any:
    """A networkx DiGraph with an edge holder -> held for every named reference in
    `state`; with a `target` node ("memcg:/A"), only the part that pins it (built upwards
    from it, so a 10,000-objcg state costs what the target's holders cost)."""
    import networkx as nx

    graph = nx.DiGraph()
    memcgs = {m["name"]: m for m in state["memcgs"]}
    objcgs = {o["name"]: o for o in state["objcgs"]}
    cpus = {f"cpu{c['cpu']}": c for c in state["cpus"]}
    # the state lists objects in creation order: rank keeps it for grouped names
    objects = {o["name"]: {**o, "rank": i} for i, o in enumerate(state["objects"])}

    def add_record(node: str) -> None:
        kind, _, name = node.partition(":")
        rec = memcgs[name] if kind == "memcg" else objcgs[name]
        graph.add_node(node, label=f"{kind} {name}", state=rec["state"],
                       refcnt=rec["css_refs"] if kind == "memcg" else rec["refcnt"])
        if kind == "memcg":
            _memcg_holders(graph, rec, cpus, objects, state["tasks"])
        else:
            _objcg_holders(graph, rec, memcgs, cpus, objects)

    todo = [target] if target is not None else \
        [f"memcg:{n}" for n in memcgs] + [f"objcg:{n}" for n in objcgs]
    done: set[str] = set()
    while todo:
        node = todo.pop()
        kind, _, name = node.partition(":")
        if node in done or name not in (memcgs if kind == "memcg" else objcgs):
            continue
        done.add(node)
        add_record(node)
        todo += [h for h in graph.predecessors(node) if h.startswith(("memcg:", "objcg:"))]
    return graph


def _memcg_holders(graph: Any, m: dict[str, Any], cpus: dict[str, Any],
                   objects: dict[str, Any], tasks: list[dict[str, Any]]) -> None:
    held = f"memcg:{m['name']}"
    for holder, count in m.get("css_holders", {}).items():
        kind, _, rest = holder.partition(":")
        if kind == "child":
            _edge(graph, f"memcg:{rest}", held, f"child memcg {rest}: a css pins its parent "
                  "until css_free_rwork_fn")
        elif kind == "objcg":
            _edge(graph, f"objcg:{rest}", held, f"objcg {rest} on {m['name']}'s objcg_list; "
                  "obj_cgroup_release drops this css reference")
        elif kind == "stock":
            cpu = cpus.get(rest, {})
            _leaf(graph, f"stock:{rest}:page", held, f"{rest}{_offline(cpu)} page stock "
                  f"({cpu.get('nr_pages', '?')} pages)", "memcg_stock.cached: refill_stock's "
                  "css_get, dropped by drain_stock")
        elif kind == "css_set":
            names = [t["name"] for t in tasks if t["memcg"] == m["name"]]
            _leaf(graph, f"tasks:{m['name']}", held, _group("task", names),
                  "the tasks' css_set pins the memory css while they live in the cgroup")
        elif kind in ("obj", "page") and rest in objects:
            _leaf(graph, f"obj:{rest}", held, _object_label(objects[rest]),
                  "a page charged by __memcg_kmem_charge_page keeps a css reference "
                  "until __memcg_kmem_uncharge_page")
        else:
            label, why = _MEMCG_SELF.get(holder, (holder, f"a reference held as '{holder}'"))
            _leaf(graph, f"{holder}:{held}", held, f"{label} ×{count}" if count > 1 else label,
                  why)


_MEMCG_SELF = {
    "base": ("the cgroup itself", "the css base reference; kill_css drops it at rmdir"),
    "online": ("the memcg ID", "mem_cgroup_id pin taken at css_online; "
               "mem_cgroup_id_put at offline drops it"),
    "hold": ("an external hold", "a css reference held outside memcg (as an fsnotify group's)"),
    "charge": ("a charge in progress", "obj_cgroup_charge's css_get around __memcg_kmem_charge"),
    "current": ("get_mem_cgroup_from_current", "the lookup's css reference, held while "
                "__memcg_kmem_charge_page charges the page"),
    "pin": ("get_mem_cgroup_from_objcg", "css_tryget of the objcg's memcg, held while "
            "obj_cgroup_charge_pages or obj_cgroup_uncharge_pages works (v5.13)"),
}


def _objcg_holders(graph: Any, o: dict[str, Any], memcgs: dict[str, Any],
                   cpus: dict[str, Any], objects: dict[str, Any]) -> None:
    held = f"objcg:{o['name']}"
    pinned_by_objects = []
    for holder, count in o.get("holders", {}).items():
        kind, _, rest = holder.partition(":")
        if kind == "obj":
            pinned_by_objects.append(rest)
        elif kind == "page":
            _leaf(graph, f"obj:{rest}", held, _object_label(objects.get(rest, {"name": rest})),
                  "page->memcg_data records the objcg (v5.13): the page holds its reference "
                  "until __memcg_kmem_uncharge_page")
        elif kind == "task":
            _leaf(graph, f"task:{rest}", held, f"task {rest}",
                  "current->objcg (v6.7): the task's own reference, put when it allocates "
                  "after a move, or exits")
        elif holder == "orig_objcg" and o["name"] in memcgs:
            _edge(graph, f"memcg:{o['name']}", held, "memcg->orig_objcg (v6.7): the memcg "
                  "keeps its first objcg until __mem_cgroup_free")
        elif kind == "stock":
            cpu = cpus.get(rest, {})
            _leaf(graph, f"stock:{rest}:byte", held, f"{rest}{_offline(cpu)} byte stock "
                  f"({cpu.get('nr_bytes', '?')} bytes)", "memcg_stock.cached_objcg: "
                  "refill_obj_stock's obj_cgroup_get, dropped by drain_obj_stock"
                  + (_DEAD_BYTE_STOCK if not cpu.get("online", True) else ""))
        elif holder == "base" and memcgs.get(o["name"], {}).get("objcg") == o["name"]:
            _edge(graph, f"memcg:{o['name']}", held, "memcg->objcg: the base reference, "
                  "until memcg_reparent_objcgs kills it")
        else:
            label, why = _OBJCG_SELF.get(holder, (holder, f"a reference held as '{holder}'"))
            _leaf(graph, f"{holder}:{held}", held, f"{label} ×{count}" if count > 1 else label,
                  why)
    pinned_by_objects.sort(key=lambda n: objects[n]["rank"] if n in objects else len(objects))
    if len(pinned_by_objects) > GROUP_AFTER:
        _leaf(graph, f"objects:{o['name']}", held, _group("object", pinned_by_objects),
              "each object's slot in page->obj_cgroups holds an objcg reference until freed")
    else:
        for obj in pinned_by_objects:
            _leaf(graph, f"obj:{obj}", held, _object_label(objects.get(obj, {"name": obj})),
                  "its slot in page->obj_cgroups holds an objcg reference until it is freed")


_OBJCG_SELF = {
    "base": ("the percpu_ref base", "killed by memcg_reparent_objcgs; here its put lands "
             "when the ref has switched to atomic mode, after the RCU grace period"),
    "get": ("an explicit obj_cgroup_get", "a caller's obj_cgroup_get, until obj_cgroup_put"),
    "current": ("get_obj_cgroup_from_current", "the lookup's reference, put after the "
                "object took its own"),
}


def _offline(cpu: dict[str, Any]) -> str:
    """' (offline CPU)' for a CPU taken down by cpu_down: its stocks stay as it left them."""
    return " (offline CPU)" if not cpu.get("online", True) else ""


# v5.9's memcg_hotplug_cpu_dead drains the page stock only (6.14, 9f01b4954490, drains the
# byte stock too): what a dead CPU's byte stock caches stays pinned until it comes back
_DEAD_BYTE_STOCK = "; memcg_hotplug_cpu_dead leaves it there until the CPU comes back up"


def _edge(graph: Any, holder: str, held: str, why: str) -> None:
    graph.add_edge(holder, held, why=why)


def _leaf(graph: Any, node: str, held: str, label: str, why: str) -> None:
    """A holder that pins for its own sake (nothing pins it in turn)."""
    graph.add_node(node, label=label, state="", refcnt=None)
    graph.add_edge(node, held, why=why)


def _object_label(obj: dict[str, Any]) -> str:
    size = obj.get("size")
    return f"object {obj['name']}" + (f" ({size} bytes)" if size is not None else "")


def _group(noun: str, names: list[str]) -> str:
    shown = ", ".join(names[:GROUP_AFTER])
    rest = len(names) - GROUP_AFTER
    plural = noun + ("s" if len(names) != 1 else "")
    return f"{len(names)} {plural} ({shown}{f', +{rest} more' if rest > 0 else ''})"


def main_pins(path: str, target: str, as_json: bool, out: Any, err: Any) -> int:
    """`objcg-lab run FILE --pins NAME [--json]`: run the script, then who pins NAME."""
    import json

    from engine.headless import run_script, script_or_say
    from engine.script import ScriptError

    text = script_or_say(path, err)
    if text is None:
        return 2
    try:
        machine, _ = run_script(text, path, history=False, check=False)
        answer = pins(machine.snapshot(), target)
    except (ScriptError, UnknownTarget) as exc:
        print(exc if isinstance(exc, ScriptError) else f"{path}: error: --pins: {exc}", file=err)
        return 2
    if as_json:
        json.dump(answer.as_json(), out, indent=1)
        out.write("\n")
    else:
        out.write("\n".join(answer.text()) + "\n")
    return 0
