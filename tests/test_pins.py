"""Who pins this? The reference graph and its chains, against states whose holders are
known from the v5.9 code (a killed objcg pins its new memcg; objects pin only their objcg;
a page stock pins the memcg it caches even with 0 pages)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from engine import Machine, ScriptError
from engine.pins import UnknownTarget, parse_target, pins, reference_graph
from tests.test_properties import SETUP, command
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "tests" / "scenarios"


def machine_after(lines: list[str]) -> Machine:
    machine = Machine(history=False, check=False)
    for line in lines:
        machine.run_line(line)
    return machine


def starts(answer) -> list[str]:
    return [chain[0].label for chain in answer.chains]


def test_a_held_dying_memcg_names_the_hold_and_its_empty_page_stock():
    machine = machine_after(["mkdir A", "task t A", "alloc x 4096 task=t cpu=0",
                             "alloc y 126976 task=t cpu=0", "hold A", "exit t", "rmdir A"])
    answer = pins(machine.snapshot(), "/A")
    assert answer.state == "dying" and answer.refcnt == 2
    assert sorted(starts(answer)) == ["an external hold", "cpu0 page stock (0 pages)"]
    assert all(len(chain) == 1 for chain in answer.chains)


def test_objects_pin_their_objcg_and_through_it_the_parent_not_the_dead_memcg():
    machine = machine_after(["mkdir A", "mkdir A/B", "task t A/B", "alloc X0 100 task=t cpu=0",
                             "alloc X1 200 task=t cpu=1", "move t A", "rmdir A/B"])
    state = machine.snapshot()
    assert pins(state, "A/B").state == "freed" and pins(state, "A/B").chains == []
    objcg = pins(state, "objcg:/A/B")
    assert objcg.state == "killed" and sorted(starts(objcg)) == ["object X0 (100 bytes)",
                                                                  "object X1 (200 bytes)"]
    parent = pins(state, "/A")
    through = [[l.node for l in c] for c in parent.chains if len(c) == 2]
    assert sorted(through) == [["obj:X0", "objcg:/A/B"], ["obj:X1", "objcg:/A/B"]]


def test_many_objects_are_one_node_so_chains_stay_readable():
    lines = ["mkdir A", "task t A"] + [f"alloc X{i} 64 task=t cpu=0" for i in range(40)]
    answer = pins(machine_after(lines).snapshot(), "objcg:/A")
    labels = starts(answer)
    assert "40 objects (X0, X1, X2, +37 more)" in labels
    # the objects, cpu0's byte stock, and memcg /A's base reference with what keeps /A
    # (its base, ID pin, page stock and task: three listed, one counted)
    assert len(answer.chains) == 5 and len([c for c in answer.chains if len(c) == 2]) == 3
    assert answer.more == 1


def test_root_is_not_counted_and_targets_are_checked():
    state = machine_after(["mkdir A"]).snapshot()
    assert pins(state, "/").refcnt is None
    assert parse_target("objcg:A/B") == ("objcg", "/A/B")
    for bad in ("/Z", "objcg:/", "memcg:"):
        try:
            pins(state, bad)
        except UnknownTarget as err:
            assert "\n" not in str(err)
        else:
            raise AssertionError(f"{bad} accepted")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command, min_size=1, max_size=40))
def test_every_reference_counted_is_on_some_chain(lines):
    """Each direct holder of every memcg and objcg ends some chain, and the counts agree:
    a live record with references has chains, a freed one has none."""
    machine = machine_after(SETUP)
    for line in lines:
        try:
            machine.run_line(line)
        except ScriptError:
            pass
    state = machine.snapshot()
    graph = reference_graph(state)
    records = [("memcg", m["name"], m["css_holders"]) for m in state["memcgs"]]
    records += [("objcg", o["name"], o["holders"]) for o in state["objcgs"]]
    for kind, name, holders in records:
        answer = pins(state, f"{kind}:{name}")
        direct = set(graph.predecessors(f"{kind}:{name}"))
        assert direct == {chain[-1].node for chain in answer.chains}
        assert bool(holders) == bool(answer.chains)


def test_run_pins_prints_chains_and_json():
    script = SCENARIOS / "empty_page_stock_pins_dying.objcg"
    lines = [l for l in script.read_text().splitlines() if l.startswith(("config", "mkdir",
             "task", "alloc", "exit", "rmdir"))][:9]  # stop while /A is dying
    path = ROOT / "tests" / "_pins_tmp.objcg"
    try:
        path.write_text("\n".join(lines) + "\n")
        text = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(path), "--pins", "A"],
                              cwd=ROOT, capture_output=True, text=True)
        assert text.returncode == 0, text.stderr
        assert text.stdout.splitlines()[0] == "memcg /A: dying, refcnt 1"
        assert "cpu0 page stock (0 pages) -> memcg /A" in text.stdout
        doc = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(path), "--pins", "A",
                              "--json"], cwd=ROOT, capture_output=True, text=True)
        data = json.loads(doc.stdout)
        assert data["state"] == "dying" and data["chains"][0][0]["node"] == "stock:cpu0:page"
        bad = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(path), "--pins", "/Q"],
                             cwd=ROOT, capture_output=True, text=True)
        assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    finally:
        path.unlink(missing_ok=True)
