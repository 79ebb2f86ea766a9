"""Property tests that reach the kernel's interesting paths: a hypothesis state machine
over script commands, and long random scripts.

Random lines from a fixed vocabulary mostly miss what matters (freeing an object that
exists, removing a cgroup whose tasks have left, a parent removed after its child so
that it hands on an inherited objcg). The state machine picks its commands from the
simulated machine's state instead: it frees live objects, empties a cgroup of its tasks
before removing it, and removes parents after children, under cgroup v2 and v1 (with and
without use_hierarchy), v5.8's slab design, slab-sized charges and 16 KiB pages. After
every rule (one command or a few):

- every invariant, recomputed from scratch (the machine also checks each micro-step);
- differential: a fast-mode machine (no history, no checks) fed the same lines accepts
  and refuses the same ones and holds the same JSON state (a refused line changes none);
- at the end, history replays: stepping back and forth brings every command's state back.

The examples are derandomized (tests/conftest.py) and bounded, so a run is the same in CI
and takes seconds.
"""
from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from engine import Machine, ScriptError
from engine.invariants import check_all
from engine.model import State

CPUS = 3
PATHS = ["A", "B", "A/C", "A/D", "A/C/E", "B/F"]
TASKS = ["t0", "t1", "t2", "t3"]
SIZES = [8, 92, 100, 700, 3000, 4000, 4096, 4097, 5000, 8192, 20000]
GFPS = ["GFP_KERNEL", "GFP_NOWAIT", "GFP_KERNEL|__GFP_NORETRY", "GFP_KERNEL|__GFP_NOFAIL"]
LIMITS = ["4K", "16K", "64K", "256K", "max"]

# the machine's configuration, then the cgroups and tasks every run starts from
MODES = {
    "v2": [f"config cpus={CPUS}"],
    "v2 slab": [f"config cpus={CPUS} accounting=slab"],
    "v2 16K pages": ["config cpus=2 page_size=16384"],
    "v1 hierarchy": [f"config cpus={CPUS} cgroup=v1", "write / memory.use_hierarchy 1"],
    "v1 flat": [f"config cpus={CPUS} cgroup=v1"],
    "5.8": [f"config cpus={CPUS} kernel=5.8"],
}
START = ["mkdir A", "mkdir B", "mkdir A/C", "task t0 A", "task t1 B", "task t2 A/C",
         "kthread k0"]

cpu = st.integers(0, CPUS - 1)
path = st.sampled_from(PATHS)


class Lab(RuleBasedStateMachine):
    """One checked machine with history and one fast machine, driven by the same lines."""

    def __init__(self) -> None:
        super().__init__()
        self.slow = Machine(checkpoint_every=16)
        self.fast = Machine(history=False, check=False)
        self.ends: list[tuple[int, str]] = []  # (history index, JSON state) per command
        self.serial = 0
        self.mode = ""

    # -- running a line on both machines --------------------------------------------------
    def run(self, line: str) -> bool:
        """Submit `line` to both machines: they must accept or refuse it alike, and a
        refused line changes nothing."""
        try:
            self.slow.run_line(line)
        except ScriptError:
            try:
                self.fast.run_line(line)
            except ScriptError:
                if self.ends:
                    assert json.dumps(self.slow.snapshot()) == self.ends[-1][1], line
                return False
            raise AssertionError(f"{self.mode}: the fast machine accepted {line!r}")
        self.fast.run_line(line)
        self.ends.append((len(self.slow.steps), json.dumps(self.slow.snapshot())))
        return True

    @property
    def state(self) -> State:
        return self.slow.state

    def on_cpu(self, c: int) -> int:
        return c % self.state.sys["cpus"]

    def live_paths(self) -> list[str]:
        return sorted(p.lstrip("/") for p in self.state.paths if p != "/")

    # -- rules ------------------------------------------------------------------------------
    MODE = "v2"

    @initialize()
    def boot(self) -> None:
        self.mode = self.MODE
        for line in MODES[self.mode] + START:
            assert self.run(line), (self.mode, line)

    @rule(where=path)
    def mkdir(self, where: str) -> None:
        self.run(f"mkdir {where}")

    @rule(task=st.sampled_from(TASKS), where=st.sampled_from(PATHS + ["/"]))
    def task_or_move(self, task: str, where: str) -> None:
        verb = "move" if task in self.state.tasks else "task"
        self.run(f"{verb} {task} {where}")

    @rule(task=st.sampled_from(TASKS[1:]))
    def exit_task(self, task: str) -> None:
        self.run(f"exit {task}")

    @rule(size=st.sampled_from(SIZES), task=st.sampled_from(TASKS + ["k0"]), c=cpu,
          gfp=st.sampled_from(GFPS))
    def alloc(self, size: int, task: str, c: int, gfp: str) -> None:
        self.serial += 1
        self.run(f"alloc X{self.serial} {size} task={task} cpu={self.on_cpu(c)} gfp={gfp}")

    @precondition(lambda self: bool(self.live_paths()))
    @rule(pick=st.integers(0, 1 << 16), size=st.sampled_from(SIZES), c=cpu,
          count=st.integers(2, 6))
    def burst_in(self, pick: int, size: int, c: int, count: int) -> None:
        """A worker task moves into a cgroup (a deep one more often) and allocates there:
        objects that keep the cgroup's objcg alive after its rmdir."""
        paths = self.live_paths()
        deep = [p for p in paths if "/" in p]
        among = deep if deep and pick % 3 else paths
        where = among[pick % len(among)]
        self.run(f"{'move' if 't3' in self.state.tasks else 'task'} t3 {where}")
        for _ in range(count):
            self.serial += 1
            self.run(f"alloc X{self.serial} {size} task=t3 cpu={self.on_cpu(c)}")

    @precondition(lambda self: bool(self.state.objects))
    @rule(pick=st.integers(0, 1 << 16), c=cpu)
    def free(self, pick: int, c: int) -> None:
        names = sorted(self.state.objects)
        self.run(f"free {names[pick % len(names)]} cpu={self.on_cpu(c)}")

    @precondition(lambda self: bool(self.state.objects))
    @rule(pick=st.integers(0, 1 << 16), c=cpu, count=st.integers(2, 8))
    def free_some(self, pick: int, c: int, count: int) -> None:
        rng = random.Random(pick)
        names = sorted(self.state.objects)
        for name in rng.sample(names, min(count, len(names))):
            self.run(f"free {name} cpu={self.on_cpu(rng.randrange(CPUS))}")

    def remove(self, where: str) -> None:
        """Remove a cgroup and its live descendants, deepest first, each once its tasks
        have moved to the root."""
        subtree = [p for p in self.live_paths() if p == where or p.startswith(where + "/")]
        for path in sorted(subtree, key=lambda p: -p.count("/")):
            memcg = self.state.paths["/" + path]["memcg"]
            for task in sorted(t["name"] for t in self.state.tasks.values() if t["memcg"] == memcg):
                self.run(f"move {task} /")
            self.run(f"rmdir {path}")

    @precondition(lambda self: bool(self.live_paths()))
    @rule(pick=st.integers(0, 1 << 16))
    def rmdir(self, pick: int) -> None:
        paths = self.live_paths()
        self.remove(paths[pick % len(paths)])

    @precondition(lambda self: any("/" in p for p in self.live_paths()))
    @rule(pick=st.integers(0, 1 << 16))
    def rmdir_child_then_parent(self, pick: int) -> None:
        """A child, then its parent: the parent hands on the objcg it inherited."""
        nested = [p for p in self.live_paths() if "/" in p]
        child = nested[pick % len(nested)]
        self.remove(child)
        self.remove(child.rsplit("/", 1)[0])

    @rule(where=path, limit=st.sampled_from(LIMITS))
    def limit(self, where: str, limit: str) -> None:
        if self.state.sys["cgroup"] == "v1":
            self.run(f"write {where} memory.limit_in_bytes {'-1' if limit == 'max' else limit}")
        else:
            self.run(f"write {where} memory.max {limit}")

    @precondition(lambda self: self.state.sys["cgroup"] == "v1")
    @rule(where=path, limit=st.sampled_from(["8K", "32K", "-1"]))
    def kmem_limit(self, where: str, limit: str) -> None:
        self.run(f"write {where} memory.kmem.limit_in_bytes {limit}")

    @rule(what=st.sampled_from(["drain", "hold", "unhold", "use_memcg"]), where=path, c=cpu)
    def pin_or_drain(self, what: str, where: str, c: int) -> None:
        """An external css reference, remote charging, or a CPU's stocks drained."""
        self.run({"drain": f"drain cpu={self.on_cpu(c)}", "hold": f"hold {where}",
                  "unhold": f"unhold {where}", "use_memcg": f"use_memcg k0 {where}"}[what])

    @rule(order=st.integers(0, 3), task=st.sampled_from(TASKS), c=cpu)
    def alloc_pages(self, order: int, task: str, c: int) -> None:
        self.serial += 1
        self.run(f"alloc_pages P{self.serial} {order} task={task} cpu={self.on_cpu(c)}")

    @rule(objcg=path, size=st.sampled_from(SIZES), c=cpu, charge=st.booleans())
    def raw_api(self, objcg: str, size: int, c: int, charge: bool) -> None:
        """The raw obj_cgroup API, misuse included (it must still keep the books)."""
        self.run(f"{'charge' if charge else 'uncharge'} /{objcg} {size} cpu={self.on_cpu(c)}")

    # -- after every rule -------------------------------------------------------------------------
    @invariant()
    def the_books_balance_and_both_machines_agree(self) -> None:
        if not self.mode:
            return
        check_all(self.state)
        assert self.fast.snapshot() == self.slow.snapshot(), self.mode

    def teardown(self) -> None:
        """History replays every command's state, backwards then forwards."""
        if not self.ends:
            return
        marks = self.ends[::-1][:: max(1, len(self.ends) // 12)]
        for at, state in marks + marks[::-1]:
            self.slow.goto(at)
            assert json.dumps(self.slow.snapshot()) == state, (self.mode, at)


def lab_in(mode: str) -> type:
    """The state machine's test case, booted in one mode (each mode gets its examples:
    a mode drawn by hypothesis would mostly be the first)."""
    machine = type(f"Lab {mode}", (Lab,), {"MODE": mode})
    machine.TestCase.settings = settings(max_examples=8, stateful_step_count=100,
                                         suppress_health_check=[HealthCheck.too_slow])
    return machine.TestCase


test_v2 = lab_in("v2")
test_v2_slab_sizes = lab_in("v2 slab")
test_v2_16k_pages = lab_in("v2 16K pages")
test_v1_use_hierarchy = lab_in("v1 hierarchy")
test_v1_flat = lab_in("v1 flat")
test_v58 = lab_in("5.8")


# -- long scripts, frees and rmdirs weighted up ------------------------------------------------
def weighted(*pairs: tuple[int, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """one_of with weights: each strategy listed `weight` times."""
    return st.one_of(*[strategy for weight, strategy in pairs for _ in range(weight)])


OBJECTS = [f"X{i}" for i in range(16)]
long_command = weighted(
    (4, st.builds("alloc {} {} task={} cpu={}".format, st.sampled_from(OBJECTS),
                  st.sampled_from(SIZES), st.sampled_from(TASKS), cpu)),
    (4, st.builds("free {} cpu={}".format, st.sampled_from(OBJECTS), cpu)),
    (2, st.builds("mkdir {}".format, path)),
    (2, st.builds("move {} {}".format, st.sampled_from(TASKS), st.sampled_from(PATHS + ["/"]))),
    (2, st.builds("rmdir {}".format, path)),
    (1, st.builds("task {} {}".format, st.sampled_from(TASKS), path)),
    (1, st.builds("write {} memory.max {}".format, path, st.sampled_from(LIMITS))),
    (1, st.builds("drain cpu={}".format, cpu)),
    (1, st.builds("hold {}".format, path)),
    (1, st.builds("unhold {}".format, path)),
)


@pytest.mark.parametrize("mode", sorted(MODES))
@settings(max_examples=3, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=st.lists(long_command, min_size=200, max_size=400))
def test_hundreds_of_commands_agree_in_both_modes(mode: str, lines: list[str]) -> None:
    """Hundreds of commands per script: checked with history against the fast mode, and
    the whole state recomputed from scratch at the end."""
    slow, fast = Machine(checkpoint_every=64), Machine(history=False, check=False)
    for line in MODES[mode] + START + lines:
        try:
            slow.run_line(line)
        except ScriptError:
            try:
                fast.run_line(line)
            except ScriptError:
                continue
            raise AssertionError(f"the fast machine accepted {line!r}")
        fast.run_line(line)
    check_all(slow.state)
    assert fast.snapshot() == slow.snapshot()
    final = json.dumps(slow.snapshot())
    slow.goto(slow.commands[len(slow.commands) // 2].end)
    check_all(slow.state)
    slow.goto(len(slow.steps))
    assert json.dumps(slow.snapshot()) == final
