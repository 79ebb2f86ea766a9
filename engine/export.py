"""The JSON state document (docs/state.md), built from the live state."""
from __future__ import annotations

from typing import Any

from engine.kernel.base import ROOT
from engine.kernel.versions import state_has
from engine.model import State
from engine.kernel.work import describe_item
from engine.slab_state import slab_json


def state_json(st: State) -> dict[str, Any]:
    sysrec = st.sys
    v1 = sysrec["cgroup"] == "v1"
    # The extensions show only where a script uses them, so the JSON of every v2 script
    # without alloc_pages stays byte for byte what it was.
    kinds = v1 or sysrec["pages_seen"]
    task_objcg = state_has(sysrec, "task_objcg")
    no_kmem_state = state_has(sysrec, "kmemcg_id_is_memcg_id")  # 5.16: the field is gone
    doc = {
        "config": {"cpus": sysrec["cpus"], "page_size": sysrec["page_size"], "cgroup": sysrec["cgroup"],
                   "kernel": sysrec["kernel"], "charge_batch": sysrec["charge_batch"],
                   "accounting": sysrec["accounting"],
                   **({"mkdir_charge": list(sysrec["mkdir_charge"])} if sysrec["mkdir_charge"] else {})},
        "memcgs": [_memcg(m, v1, no_kmem_state) for m in st.in_order("memcgs")],
        "objcgs": [_objcg(o) for o in st.in_order("objcgs")],
        "cpus": [_cpu(c) for c in st.in_order("cpus")],
        "tasks": [_task(t, task_objcg) for t in st.in_order("tasks")],
        "objects": [_object(o, kinds) for o in st.in_order("objects")],
        "slab": slab_json(st),  # the slab pages of both kernels (engine.slab_state)
    }
    if sysrec.get("work_seen") or sysrec["work"]:  # deferred work: once a script uses it, or pending
        doc["config"]["work"] = sysrec["work_mode"]
        doc["work"] = [describe_item(item) for item in sysrec["work"]]
    if sysrec.get("hotplug_seen"):
        for cpu, rec in zip(doc["cpus"], st.in_order("cpus")):
            cpu["online"] = rec["online"]
    return doc


def _task(t: dict[str, Any], task_objcg: bool) -> dict[str, Any]:
    out = {"name": t["name"], "memcg": t["memcg"], "mm": t["mm"],
           "active_memcg": t["active_memcg"]}
    if task_objcg:  # v6.7: current->objcg and its update flag
        out["objcg"] = t["objcg"]
        out["objcg_update"] = t["objcg_update"]
    return out


def _object(o: dict[str, Any], kinds: bool) -> dict[str, Any]:
    out = {"name": o["name"], "size": o["size"], "objcg": o["objcg"],
           "accounted": o["accounted"], "charged": o["charged"]}
    if kinds:
        kind = o.get("type", "slab")
        out["kind"] = kind
        if kind == "pages":
            out["memcg"] = o["memcg"]  # page->mem_cgroup: the memcg the page pins
            out["order"] = o["order"]
    return out


def _memcg(m: dict[str, Any], v1: bool, no_kmem_state: bool) -> dict[str, Any]:
    root = m["name"] == ROOT
    out = {
        "name": m["name"], "path": m["path"], "state": m["state"],
        "usage": m["usage"], "max": m["max"], "watermark": m["watermark"],
        "failcnt": m["failcnt"], "events_max": m["events_max"],
        # the root css is CSS_NO_REF: the kernel does not count its references
        "css_refs": None if root else m["refcnt"],
        "objcg": m["objcg"], "objcg_list": list(m["objcg_list"]),
        "nr_descendants": m["nr_descendants"],
        "nr_dying_descendants": m["nr_dying_descendants"],
        # extensions: more kernel figures, then the holders behind css_refs
        "events_oom": m["events_oom"], "kmemcg_id": m["kmemcg_id"],
        "kmem_state": None if no_kmem_state else m["kmem_state"], "parent": m["parent"],
        "css_holders": dict(sorted(m["holders"].items())),
    }
    if v1:
        out.update({
            "kmem_usage": m["kmem_usage"], "kmem_max": m["kmem_max"],
            "kmem_failcnt": m["kmem_failcnt"], "kmem_watermark": m["kmem_watermark"],
            "use_hierarchy": m["use_hierarchy"],
            # parent_mem_cgroup(): the memory counter's parent (null without use_hierarchy)
            "counter_parent": m["counter_parent"],
        })
    return out


def _objcg(o: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": o["name"], "memcg": o["memcg"], "state": o["state"],
        "refcnt": o["refcnt"], "nr_charged_bytes": o["nr_charged_bytes"],
        "holders": dict(sorted(o["holders"].items())),
        # not kernel fields: the simulator's books behind byte conservation (invariant I1)
        "audit": {"charged_pages": o["pages"], "live_bytes": o["live"],
                  "in_hand_bytes": o["inflight"]},
    }


def _cpu(c: dict[str, Any]) -> dict[str, Any]:
    return {"cpu": c["cpu"], "cached": c["cached"], "nr_pages": c["nr_pages"],
            "cached_objcg": c["cached_objcg"], "nr_bytes": c["nr_bytes"]}
