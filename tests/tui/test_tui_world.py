"""The explorer reads the engine's records in place (snapshots are too slow at scale);
these tests pin every field it reads against the public JSON state."""
from __future__ import annotations

from tui import world as w
from tui.world import World, field_swings


def test_world_fields_agree_with_the_json_state(make_machine, reparent_script):
    m = make_machine(reparent_script)
    for cursor in range(0, len(m.steps) + 1, 7):
        m.goto(cursor)
        snap, world = m.snapshot(), World(m.state)
        for doc in snap["memcgs"]:
            rec = world.memcg(doc["name"])
            assert rec is not None
            assert (rec["state"], rec["usage"], rec["max"], rec["objcg"], rec["parent"]) == (
                doc["state"], doc["usage"], doc["max"], doc["objcg"], doc["parent"])
            assert w.css_refs(rec) == doc["css_refs"]
            assert list(w.objcg_list(rec)) == doc["objcg_list"]
            assert rec["nr_dying_descendants"] == doc["nr_dying_descendants"]
        for doc in snap["objcgs"]:
            rec = world.objcg(doc["name"])
            assert rec is not None
            assert (rec["memcg"], rec["state"], rec["refcnt"], rec["nr_charged_bytes"]) == (
                doc["memcg"], doc["state"], doc["refcnt"], doc["nr_charged_bytes"])
            assert w.holders(rec) == doc["holders"]
            assert w.charged_pages(rec) == doc["audit"]["charged_pages"]
            assert w.live_bytes(rec) == doc["audit"]["live_bytes"]
        assert [{k: c[k] for k in ("cpu", "cached", "nr_pages", "cached_objcg", "nr_bytes")}
                for c in world.cpus()] == snap["cpus"]
        assert [o["name"] for o in world.objects()] == [o["name"] for o in snap["objects"]]
        assert [o["name"] for o in world.objcgs()] == [o["name"] for o in snap["objcgs"]]


def test_walk_is_depth_first_in_creation_order(make_machine):
    m = make_machine("mkdir B\nmkdir A\nmkdir B/Y\nmkdir A/X\nmkdir B/Z\n")
    assert [(r["name"], d) for r, d in World(m.state).walk()] == [
        ("/", 0), ("/B", 1), ("/B/Y", 2), ("/B/Z", 2), ("/A", 1), ("/A/X", 2)]


def test_field_swings_give_old_and_new_pointer(make_machine, reparent_script):
    m = make_machine(reparent_script)
    swing = [field_swings(s.changes).get(("objcg", "/A/B/C", "memcg")) for s in m.steps]
    assert ("/A/B/C", "/A/B") in swing  # rmdir A/B/C
    assert ("/A/B", "/A") in swing  # rmdir A/B: the inherited objcg swings again


def test_v1_and_page_fields_agree_with_the_json_state(make_machine):
    m = make_machine("config cgroup=v1\nmkdir A\ntask t A\nalloc X 100 task=t cpu=0\n"
                     "alloc_pages P 1 task=t cpu=1\nwrite A memory.kmem.limit_in_bytes 64K\n"
                     "move t /\nrmdir A\n")
    for cursor in range(0, len(m.steps) + 1, 3):
        m.goto(cursor)
        snap, world = m.snapshot(), World(m.state)
        assert world.v1 == (snap["config"]["cgroup"] == "v1")
        for doc in snap["memcgs"]:
            rec = world.memcg(doc["name"])
            assert rec is not None
            if world.v1:
                assert w.kmem_counter(rec) == (doc["kmem_usage"], doc["kmem_max"], doc["kmem_failcnt"])
            assert w.page_pins(rec) == [h[5:] for h in doc["css_holders"] if h.startswith("page:")]
        for doc in snap["objects"]:
            rec = world.object(doc["name"])
            assert rec is not None and w.object_kind(rec) == doc.get("kind", "slab")
            if doc.get("kind") == "pages":
                assert (rec["order"], rec["memcg"]) == (doc["order"], doc["memcg"])  # objects.py reads these
