"""`together` blocks: threads that run in order end as their lines would one after
another; a schedule interleaves them; bad blocks are FILE:LINE errors with nothing
applied; deferred work with work=manual, run_work, rcu_sync; CPU hotplug."""
from __future__ import annotations

import io
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Machine, ScriptError
from engine.headless import main_run, results_json
from engine.invariants import check_all
from engine.script import parse_line

from test_properties import SETUP, command

# Commands that have no cpu= outside a block: their cpu inside one only says which
# thread runs them (they touch no per-CPU stock).
NO_CPU = {"mkdir", "task", "move", "exit", "use_memcg", "hold", "unhold", "get", "put", "kthread"}


def run_lines(lines: list[str], check: bool = True) -> Machine:
    m = Machine(history=False, check=check)
    for number, line in enumerate(lines, 1):
        m.run_line(line, "<t>", number)
    m.finish("<t>")
    return m


def as_block(window: list[str], rng: random.Random, cpus: int = 4) -> tuple[list[str], list[str]]:
    """The window's lines grouped into threads; returns (the same lines one after another
    in thread order, the block)."""
    threads: dict[int, list[tuple[str, str]]] = {}
    for line in window:
        cmd = parse_line(line)
        assert cmd is not None
        cpu = cmd.cpu if cmd.cpu is not None else rng.randrange(cpus)
        inside = line if cmd.cpu is not None else f"{line} cpu={cpu}"
        threads.setdefault(cpu, []).append((line, inside))
    in_order = [plain for lines in threads.values() for plain, _ in lines]
    block = ["together"] + [inside for lines in threads.values() for _, inside in lines] + ["end"]
    return in_order, block


def result_docs(m: Machine) -> list:
    """What each line returned and printed (its number and text differ: cpu= is added)."""
    return [(r["ret"], r["warnings"], r["notes"]) for r in results_json(m.commands)]


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(command, min_size=4, max_size=40), st.integers(0, 2**16),
       st.integers(2, 6))
def test_threads_in_order_end_as_their_lines_one_after_another(lines: list[str], seed: int,
                                                                width: int) -> None:
    """The block's default order (each thread to its end, in the order of its first line;
    queued work as outside a block) gives the same results and state, byte for byte."""
    rng = random.Random(seed)
    kept = []
    probe = run_lines(SETUP)
    for line in lines:  # only lines the machine takes, so both runs get the same ones
        try:
            probe.run_line(line)
        except ScriptError:
            continue
        kept.append(line)
    cut = rng.randrange(len(kept) + 1)
    window = kept[cut:cut + width]
    if not window:
        return
    in_order, block = as_block(window, rng)
    head = SETUP + kept[:cut]
    try:
        plain = run_lines(head + in_order)
    except ScriptError:
        return  # regrouped, a line depends on one that now runs later
    blocked = run_lines(head + block)
    assert json.dumps(blocked.snapshot()) == json.dumps(plain.snapshot())
    assert result_docs(blocked) == result_docs(plain)
    check_all(blocked.state)


RACE_SETUP = ["config cpus=2", "mkdir A", "task tA A", "alloc X 100 task=tA cpu=1"]
RACE_BLOCK = ["together", "write A memory.max 0 cpu=0", "drain cpu=1", "end"]


def test_a_schedule_interleaves_the_threads_step_by_step() -> None:
    """obj_stock_flush_required (v5.9, mm/memcontrol.c 3135-3147) tests
    stock->cached_objcg and reads it again to dereference it. Thread 0's steps: the
    memory.max write, drain_all_stock's start, cpu0's page-stock read, its cached_objcg
    test, the skip, cpu1's page-stock read, cpu1's cached_objcg test (7). Then thread 1's
    drain_local_stock: start, flush, obj_cgroup_put, cached_objcg = NULL (4). Thread 0's
    second read finds NULL: the kernel oopses."""
    block = ["together schedule=0*7,1*4"] + RACE_BLOCK[1:]
    m = Machine()
    for n, line in enumerate(RACE_SETUP + block, 1):
        record = m.run_line(line, "<t>", n)
    assert record is not None and record.oops is not None
    assert (record.oops.kind, record.oops.function, record.oops.cpu) == (
        "null-deref", "obj_stock_flush_required", 0)
    assert record.taken == ("0",) * 7 + ("1",) * 4
    assert m.steps[-1].data[0] == "oops.null-deref" and m.steps[-1].lane == "0"
    assert set(record.oops.stacks) == {"0", "1"}  # both CPUs' call stacks
    assert "drain_local_stock" in record.oops.stacks["1"]
    with pytest.raises(ScriptError, match="oopsed"):
        m.run_line("drain cpu=0", "<t>", 20)
    m.back()  # back before the crash and before cpu1 cleared cached_objcg: thread 0
    m.back()  # reads it again while it still points at /A, and goes on
    assert m.step_thread("0") is None
    assert m.live is not None and m.oops is None
    record = m.finish_block()
    assert record.oops is None and record.command.text == "together schedule=0*7,1*3,0"
    m.run_line("drain cpu=0", "<t>", 20)


def test_the_oops_stops_run_with_status_3(tmp_path) -> None:
    path = tmp_path / "race.objcg"
    path.write_text("\n".join(RACE_SETUP + ["together schedule=0*7,1*4"] + RACE_BLOCK[1:]) + "\n")
    out, err = io.StringIO(), io.StringIO()
    assert main_run(str(path), True, out, err) == 3
    doc = json.loads(out.getvalue())
    assert doc["oops"]["kind"] == "null-deref" and doc["oops"]["function"] == "obj_stock_flush_required"
    assert [r["line"] for r in doc["results"]] == [1, 2, 3, 4, 6, 7]  # every line of the block
    assert err.getvalue().count("\n") == 1 and "exit 3" in err.getvalue()
    out = io.StringIO()
    assert main_run(str(path), False, out, io.StringIO()) == 3
    assert "Call trace of thread 1: drain_obj_stock <- drain_local_stock" in out.getvalue()


def test_the_fix_of_6_5_reads_cached_objcg_once() -> None:
    """3b8abb323953 (6.5): the pointer tested is the pointer used: the same schedule runs
    to its end (thread 0 now takes one read for cpu1, so 0*6,1*4 is the same moment)."""
    m = Machine(kernel="6.5")
    for n, line in enumerate(RACE_SETUP + ["together schedule=0*6,1*4"] + RACE_BLOCK[1:], 1):
        record = m.run_line(line, "<t>", n)
    assert record is not None and record.oops is None


@pytest.mark.parametrize("lines, line, message", [
    (["config cpus=2", "together", "drain cpu=0"], 2, "together without end"),
    (["config cpus=2", "together", "together", "end"], 3, "blocks do not nest"),
    (["config cpus=2", "together", "mkdir A", "end"], 3, "add cpu=N"),
    (["config cpus=2", "together", "drain", "end"], 3, "add cpu=N"),
    (["config cpus=2", "together", "config cpus=4 cpu=0", "end"], 3, "cannot be one CPU's thread"),
    (["config cpus=2", "end"], 2, "end without together"),
    (["config cpus=2", "together", "drain cpu=5", "end"], 3, "cpu=5 does not exist"),
    (["config cpus=2", "cpu_down 1", "together", "drain cpu=1", "end"], 4, "cpu1 is offline"),
    (["config cpus=2", "together schedule=0,2", "drain cpu=0", "end"], 2, "no line of this block runs on cpu2"),
    (["config cpus=2", "together schedule=0,x", "drain cpu=0", "end"], 2, "is not a thread"),
    (["config cpus=2", "together schedule=0*50", "drain cpu=0", "end"], 2, "thread 0 has finished"),
    # thread 0 holds cgroup_mutex from its first step (cgroup_rmdir): thread 1's mkdir waits
    (["config cpus=2", "mkdir A", "together schedule=0,1", "rmdir A cpu=0", "mkdir B cpu=1", "end"],
     3, "thread 1 waits for cgroup_mutex, held by thread 0"),
    (["config cpus=2", "together", "end"], 2, "holds no line"),
])
def test_a_bad_block_is_one_located_error_and_nothing_applied(tmp_path, lines, line, message) -> None:
    path = tmp_path / "bad.objcg"
    path.write_text("\n".join(lines) + "\n")
    out, err = io.StringIO(), io.StringIO()
    assert main_run(str(path), True, out, err) == 2
    assert out.getvalue() == ""
    text = err.getvalue().strip()
    assert text.count("\n") == 0 and text.startswith(f"{path}:{line}: error: ") and message in text
    m = Machine()
    before = None
    for n, text_line in enumerate(lines, 1):
        if n == line or (lines[line - 1].startswith("together") and n >= line):
            break
        m.run_line(text_line, "<t>", n)
    before = json.dumps(m.snapshot())
    with pytest.raises(ScriptError):
        for n, text_line in enumerate(lines[n - 1:], n):
            m.run_line(text_line, "<t>", n)
        m.finish("<t>")
    assert json.dumps(m.snapshot()) == before


def test_manual_work_waits_for_run_work_and_rcu_sync() -> None:
    """kill_css puts the base reference at once and call_rcu()s the switch to atomic
    mode; css_killed_ref_fn then queues css_killed_work_fn, which takes the css offline
    (kernel/cgroup/cgroup.c of v5.9)."""
    m = run_lines(["config cpus=2 work=manual", "mkdir A", "rmdir A cpu=1"])
    doc = m.snapshot()
    assert doc["config"]["work"] == "manual"
    assert doc["work"] == [{"cpu": 1, "kind": "rcu", "fn": "percpu_ref_switch_to_atomic_rcu",
                            "args": ["css", "/A"]}]
    a = next(x for x in doc["memcgs"] if x["name"] == "/A")
    assert a["state"] == "dying" and a["objcg"] == "/A"  # not offline yet: still its objcg
    assert a["css_holders"] == {"online": 1}  # the base reference is gone already
    m.run_line("run_work", "<t>", 4)  # no work yet: the RCU callback needs a grace period
    assert len(m.snapshot()["work"]) == 1
    m.run_line("rcu_sync", "<t>", 5)
    assert [w["fn"] for w in m.snapshot()["work"]] == ["css_killed_work_fn"]
    m.run_line("run_work cpu=0", "<t>", 6)  # it was queued on cpu1
    assert [w["fn"] for w in m.snapshot()["work"]] == ["css_killed_work_fn"]
    m.run_line("run_work cpu=1", "<t>", 7)
    doc = m.snapshot()
    a = next(x for x in doc["memcgs"] if x["name"] == "/A")
    assert a["objcg"] is None and a["css_refs"] == 0  # offline; the ID pin dropped
    # css_release_work_fn was queued on cpu1 and ran too; the objcg's kill and the
    # css free (queue_rcu_work) wait for a grace period
    assert [w["fn"] for w in doc["work"]] == ["percpu_ref_switch_to_atomic_rcu", "queue_rcu_work"]
    for n, line in enumerate(["run_work", "rcu_sync", "rcu_sync", "run_work"], 8):
        m.run_line(line, "<t>", n)
    doc = m.snapshot()
    assert doc["work"] == []
    assert next(x for x in doc["memcgs"] if x["name"] == "/A")["state"] == "freed"
    assert next(x for x in doc["objcgs"] if x["name"] == "/A")["state"] == "released"
    check_all(m.state)


def test_auto_work_keeps_the_json_of_scripts_without_it() -> None:
    doc = run_lines(["config cpus=2", "mkdir A", "rmdir A"]).snapshot()
    assert "work" not in doc and "work" not in doc["config"]
    assert all("online" not in cpu for cpu in doc["cpus"])


# `exit t` at the end: from 6.7 a task keeps its objcg referenced until it exits or
# allocates again (current->objcg, 1aacbd354313), which would hide what hotplug does
HOTPLUG = ["config cpus=2", "mkdir A", "task t A", "alloc X 100 task=t cpu=1",
           "free X cpu=1", "cpu_down 1", "move t /", "rmdir A", "exit t"]


def test_v59_leaks_a_dead_cpus_byte_stock_and_6_14_drains_it() -> None:
    """alloc X (100 bytes) on cpu1 charges a page: cpu1's byte stock caches objcg /A with
    4096 - 100 = 3996 bytes; free X gives 100 back: 4096 bytes, one whole page, parked
    (refill_obj_stock drains only above PAGE_SIZE). v5.9's memcg_hotplug_cpu_dead
    (mm/memcontrol.c 2330-2336) drains the page stock only: objcg /A keeps the reference
    of cpu1's stock and is never released after rmdir, and its page stays charged to the
    root it was reparented to. 6.14's (9f01b4954490) drains the byte stock first."""
    old = run_lines(HOTPLUG).snapshot()
    cpu1 = old["cpus"][1]
    assert (cpu1["online"], cpu1["cached_objcg"], cpu1["nr_bytes"]) == (False, "/A", 4096)
    objcg = old["objcgs"][0]
    assert (objcg["state"], objcg["holders"]) == ("killed", {"stock:cpu1": 1})
    assert old["memcgs"][0]["usage"] == 1  # root: the leaked page
    new = run_lines(["config cpus=2 kernel=6.14"] + HOTPLUG[1:]).snapshot()
    assert new["cpus"][1]["cached_objcg"] is None and new["objcgs"][0]["state"] == "released"
    reverted = Machine(history=False, check=True, kernel="6.14", revert=("hotplug_drains_obj_stock",))
    for n, line in enumerate(HOTPLUG, 1):
        reverted.run_line(line, "<t>", n)
    assert reverted.snapshot()["objcgs"][0]["state"] == "killed"  # the change is what fixes it


def test_a_command_on_an_offline_cpu_is_an_error() -> None:
    m = run_lines(["config cpus=2", "mkdir A", "task t A", "cpu_down 1"])
    for line, message in [("alloc X 8 task=t cpu=1", "cpu1 is offline"),
                          ("cpu_down 0", "last online CPU"), ("cpu_down 1", "already offline"),
                          ("cpu_up 0", "already online"), ("cpu_down 7", "cpu0..cpu1")]:
        with pytest.raises(ScriptError, match=message):
            m.run_line(line)
    m.run_line("cpu_up 1")
    m.run_line("alloc X 8 task=t cpu=1")
