"""cgroup v1 and alloc_pages at the command layer: what is an error, what is a kernel
result, and what the JSON state shows (v2 scripts without alloc_pages: unchanged)."""
from __future__ import annotations

import io
import json

import pytest

from engine import Machine, ScriptError
from engine.headless import main_run


def run(lines: list[str]) -> Machine:
    m = Machine()
    for line in lines:
        m.run_line(line)
    return m


@pytest.mark.parametrize("setup,line,message", [
    (["config cgroup=v1", "mkdir A"], "write A memory.max 4K", "cgroup v2 file"),
    (["mkdir A"], "write A memory.limit_in_bytes 4K", "cgroup v1 file"),
    (["mkdir A"], "write A memory.kmem.limit_in_bytes 4K", "cgroup v1 file"),
    (["mkdir A"], "write A memory.use_hierarchy 1", "cgroup v1 file"),
    (["config cgroup=v1", "mkdir A"], "write A memory.swappiness 10", "not modelled"),
    (["mkdir A", "task t A"], "alloc_pages P 11 task=t cpu=0", "from 0 to 10"),
    (["mkdir A", "task t A"], "alloc_pages P -1 task=t cpu=0", "from 0 to 10"),
    (["mkdir A", "task t A"], "alloc_pages P 1 task=u cpu=0", "no task 'u'"),
    (["mkdir A", "task t A"], "alloc_pages P 1 task=t cpu=7", "cpu=7 does not exist"),
    (["mkdir A", "task t A", "alloc_pages P 0 task=t cpu=0"], "alloc_pages P 0 task=t cpu=0",
     "already exists"),
    ([], "config cgroup=v3", "cgroup=v3"),
    # remote charging into a dying memcg without use_hierarchy: v5.9's walk would oops
    (["config cgroup=v1", "mkdir A", "hold A", "kthread k", "use_memcg k A", "rmdir A"],
     "alloc X 100 task=k cpu=0", "dereference"),
])
def test_errors_name_what_is_wrong_and_change_nothing(setup: list[str], line: str,
                                                      message: str) -> None:
    m = run(setup)
    before = json.dumps(m.snapshot())
    with pytest.raises(ScriptError, match=message):
        m.run_line(line)
    assert json.dumps(m.snapshot()) == before


def test_the_page_path_charges_a_dying_memcg_where_the_slab_walk_would_oops() -> None:
    m = run(["config cgroup=v1", "mkdir A", "hold A", "kthread k", "use_memcg k A", "rmdir A",
             "alloc_pages P 0 task=k cpu=0"])
    state = m.snapshot()
    page = next(o for o in state["objects"] if o["name"] == "P")
    assert page["memcg"] == "/A" and page["kind"] == "pages"


def test_a_failed_page_charge_leaves_no_object_and_no_reference() -> None:
    m = run(["mkdir A", "task t A", "write A memory.max 4K", "alloc_pages P 0 task=t cpu=0"])
    record = m.run_line("alloc_pages Q 1 task=t cpu=0 gfp=GFP_NOWAIT")
    assert record is not None and record.ret == -12
    state = m.snapshot()
    assert [o["name"] for o in state["objects"]] == ["P"]
    a = next(x for x in state["memcgs"] if x["name"] == "/A")
    assert a["css_holders"] == {"base": 1, "css_set": 1, "online": 1, "page:P": 1}


def test_v1_results_are_kernel_results_not_errors() -> None:
    m = run(["config cgroup=v1", "mkdir A", "mkdir A/B"])
    rets = [m.run_line(line).ret for line in [  # type: ignore[union-attr]
        "write / memory.limit_in_bytes 4K",     # the root's limit: -EINVAL
        "write A memory.limit_in_bytes max",    # v1 writes -1 for no limit
        "write A memory.use_hierarchy 1",       # A has a child
        "write A/B memory.use_hierarchy 2",
        "write A memory.limit_in_bytes 0",      # usage 0: a limit of 0 is fine
        "write A memory.limit_in_bytes 1G",
        "write A memory.kmem.limit_in_bytes 9223372036854775807",  # PAGE_COUNTER_MAX
        "write A memory.limit_in_bytes 16t",    # memparse: K M G T P E, either case
        "write A memory.limit_in_bytes 16X",
        "write A memory.use_hierarchy yes",     # kstrtoull refuses it: -EINVAL, no error
        "write A memory.kmem.limit_in_bytes " + "9" * 5000,  # memparse wraps; no error
    ]]
    assert rets == [-22, -22, -16, -22, 0, 0, 0, 0, -22, -22, 0]
    a = next(x for x in m.snapshot()["memcgs"] if x["name"] == "/A")
    assert a["max"] == (16 << 40) // 4096 and a["kmem_max"] is None  # PAGE_COUNTER_MAX: none


def test_v2_json_gains_kind_only_once_a_script_uses_alloc_pages() -> None:
    m = run(["mkdir A", "task t A", "alloc X 100 task=t cpu=0"])
    state = m.snapshot()
    assert "kind" not in state["objects"][0]
    assert "kmem_usage" not in state["memcgs"][0] and state["config"]["cgroup"] == "v2"
    m.run_line("alloc_pages P 2 task=t cpu=1")
    objects = {o["name"]: o for o in m.snapshot()["objects"]}
    assert objects["X"]["kind"] == "slab" and "memcg" not in objects["X"]
    assert objects["P"] == {"name": "P", "size": 16384, "objcg": None, "accounted": True,
                            "charged": 16384, "kind": "pages", "memcg": "/A", "order": 2}
    m.goto(m.commands[-2].end)  # back in history, before alloc_pages: no kind again
    assert "kind" not in m.snapshot()["objects"][0]


def test_run_json_of_a_v1_script(tmp_path) -> None:  # type: ignore[no-untyped-def]
    script = tmp_path / "v1.objcg"
    script.write_text("config cgroup=v1\nmkdir A\ntask t A\nalloc_pages P 0 task=t cpu=0\n")
    out = io.StringIO()
    assert main_run(str(script), as_json=True, out=out) == 0
    doc = json.loads(out.getvalue())
    a = next(x for x in doc["state"]["memcgs"] if x["name"] == "/A")
    assert (a["kmem_usage"], a["kmem_max"], a["use_hierarchy"], a["counter_parent"]) == (1, None, False, None)
    assert doc["state"]["config"]["cgroup"] == "v1"


def test_history_restores_a_freed_page_from_a_later_checkpoint() -> None:
    """A page object changes after it is created (its memcg is set by the charge) and is
    then dropped; going back from a checkpoint taken after the drop must bring it back
    with the values it had, not those of an earlier visit (found by hypothesis)."""
    m = Machine(checkpoint_every=8)
    for line in ["config cpus=4 cgroup=v1", "write / memory.use_hierarchy 0", "kthread k0",
                 "mkdir A", "mkdir B", "mkdir A/C",
                 "task t0 A", "task t1 B", "task t2 A/C", *["mkdir A"] * 6,
                 "alloc X 1 task=t0 cpu=0", "alloc_pages P 0 task=t0 cpu=0"]:
        m.run_line(line)
    charged = m.snapshot()
    m.run_line("free P cpu=0")
    assert len(m.steps) in m._checkpoints  # a checkpoint after the free
    m.goto(m.commands[-2].first)  # before the page existed: its record is emptied
    m.goto(m.commands[-2].end)  # nearer the checkpoint after the free: steps back from it
    assert m.snapshot() == charged
