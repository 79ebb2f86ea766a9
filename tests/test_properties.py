"""Property-based tests: random command sequences keep every invariant after
every micro-step (the engine checks those itself and raises), the full from-scratch
check after every command, and history replays bit for bit."""
from __future__ import annotations

import json
import random
import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Machine, ScriptError
from engine.invariants import check_all

PATHS = ["A", "B", "A/C", "A/D", "A/C/E", "B/F"]
TASKS = ["t0", "t1", "t2"]
OBJECTS = [f"X{i}" for i in range(12)]
CPUS = 4
GFPS = ["GFP_KERNEL", "GFP_NOWAIT", "GFP_KERNEL|__GFP_NORETRY", "GFP_KERNEL|__GFP_NOFAIL"]
SIZES = [1, 8, 92, 100, 700, 4000, 4096, 4097, 5000, 8192, 20000, 200000]

path = st.sampled_from(PATHS + ["/"])
cpu = st.integers(0, CPUS - 1)
size = st.sampled_from(SIZES)

command = st.one_of(
    st.builds("mkdir {}".format, path),
    st.builds("rmdir {}".format, path),
    st.builds("task {} {}".format, st.sampled_from(TASKS), path),
    st.builds("move {} {}".format, st.sampled_from(TASKS), path),
    st.builds("exit {}".format, st.sampled_from(TASKS)),
    st.builds("use_memcg {} {}".format, st.sampled_from(TASKS), st.sampled_from(PATHS + ["none"])),
    st.builds("alloc {} {} task={} cpu={} gfp={}".format, st.sampled_from(OBJECTS), size,
              st.sampled_from(TASKS), cpu, st.sampled_from(GFPS)),
    st.builds("alloc {} {} task={} cpu={}".format, st.sampled_from(OBJECTS), size,
              st.sampled_from(TASKS), cpu),
    st.builds("free {} cpu={}".format, st.sampled_from(OBJECTS), cpu),
    st.builds("write {} memory.max {}".format, st.sampled_from(PATHS),
              st.sampled_from(["4K", "16K", "64K", "256K", "max"])),
    st.builds("hold {}".format, st.sampled_from(PATHS)),
    st.builds("unhold {}".format, st.sampled_from(PATHS)),
    st.builds("drain cpu={}".format, cpu),
    st.builds("charge {} {} cpu={}".format, st.sampled_from(PATHS), size, cpu),
    st.builds("uncharge {} {} cpu={}".format, st.sampled_from(PATHS), size, cpu),
)


SETUP = [f"config cpus={CPUS}", "mkdir A", "mkdir B", "mkdir A/C", "task t0 A", "task t1 B",
         "task t2 A/C"]


def play(lines: list[str], machine: Machine) -> list[str]:
    """Run lines, skipping refused ones; returns the state JSON after each command."""
    states = []
    for line in lines:
        before = json.dumps(machine.snapshot())
        try:
            machine.run_line(line)
        except ScriptError:
            assert json.dumps(machine.snapshot()) == before, f"'{line}' changed state"
            continue
        check_all(machine.state)
        states.append(json.dumps(machine.snapshot()))
    return states


def play_and_replay(lines: list[str], m: Machine, setup: int) -> None:
    """Play `lines` after `setup` commands (every invariant checked), then step history
    back and forward through every command's end: each state comes back bit for bit."""
    states = play(lines, m)
    done = m.commands[setup:]
    assert len(done) == len(states)
    for record, state in list(zip(done, states))[::-1]:
        m.goto(record.end)
        assert json.dumps(m.snapshot()) == state
    m.goto(0)
    for record, state in zip(done, states):
        m.goto(record.end)
        assert json.dumps(m.snapshot()) == state


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command, min_size=5, max_size=60))
def test_random_scripts_keep_every_invariant_and_replay(lines: list[str]) -> None:
    m = Machine(checkpoint_every=8)
    for line in SETUP:
        m.run_line(line)
    play_and_replay(lines, m, len(SETUP))


@settings(max_examples=30, deadline=None)
@given(st.lists(command, min_size=5, max_size=40))
def test_fast_mode_agrees_with_checked_history(lines: list[str]) -> None:
    slow, fast = Machine(), Machine(history=False, check=False)
    for machine in (slow, fast):
        for line in SETUP + lines:
            try:
                machine.run_line(line)
            except ScriptError:
                pass
    assert fast.snapshot() == slow.snapshot()


def test_a_long_seeded_random_walk() -> None:
    """Thousands of commands (tens of thousands of micro-steps), checked throughout."""
    rng = random.Random(5_9)
    m = Machine(checkpoint_every=256)
    m.run_line(f"config cpus={CPUS}")
    for _ in range(3000):
        kind = rng.random()
        if kind < 0.45:
            line = (f"alloc {rng.choice(OBJECTS)} {rng.choice(SIZES)} task={rng.choice(TASKS)} "
                    f"cpu={rng.randrange(CPUS)}")
        elif kind < 0.8:
            line = f"free {rng.choice(OBJECTS)} cpu={rng.randrange(CPUS)}"
        elif kind < 0.88:
            line = f"mkdir {rng.choice(PATHS)}"
        elif kind < 0.93:
            line = f"move {rng.choice(TASKS)} {rng.choice(PATHS + ['/'])}"
        elif kind < 0.96:
            line = f"task {rng.choice(TASKS)} {rng.choice(PATHS)}"
        elif kind < 0.98:
            line = f"write {rng.choice(PATHS)} memory.max {rng.choice(['64K', '1M', 'max'])}"
        else:
            line = f"rmdir {rng.choice(PATHS)}"
        try:
            m.run_line(line)
        except ScriptError:
            continue
    check_all(m.state)
    assert len(m.steps) > 10000
    final = json.dumps(m.snapshot())
    middle = m.commands[len(m.commands) // 2].end  # a quiescent point
    m.goto(middle)
    check_all(m.state)
    m.goto(len(m.steps))
    assert json.dumps(m.snapshot()) == final


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([1, 2, 3, 8]), st.sampled_from([4096, 16384]),
       st.sampled_from(["bytes", "slab"]),
       st.lists(st.one_of(command,
                          st.builds("get {}".format, st.sampled_from(PATHS)),
                          st.builds("put {}".format, st.sampled_from(PATHS)),
                          st.builds("kthread k{}".format, st.integers(0, 1)),
                          st.builds("use_memcg k{} {}".format, st.integers(0, 1),
                                    st.sampled_from(PATHS + ["none"]))),
                min_size=5, max_size=50))
def test_other_machines_keep_every_invariant(cpus: int, page_size: int, accounting: str,
                                             lines: list[str]) -> None:
    m = Machine()
    setup = [f"config cpus={cpus} page_size={page_size} accounting={accounting}", *SETUP[1:]]
    for line in setup:
        m.run_line(line)
    on_this_machine = [re.sub(r"cpu=(\d+)", lambda c: f"cpu={int(c.group(1)) % cpus}", line)
                       for line in lines]
    play(on_this_machine, m)


# -- cgroup v1 and page-charged kmem -----------------------------------------------------
V1_PATHS = ["A", "B", "A/C", "A/C/E", "B/F"]
v1_command = st.one_of(
    command,
    st.builds("alloc_pages P{} {} task={} cpu={}".format, st.integers(0, 5), st.integers(0, 4),
              st.sampled_from(TASKS + ["k0"]), cpu),
    st.builds("alloc_pages P{} {} task={} cpu={} gfp={}".format, st.integers(0, 5),
              st.integers(0, 4), st.sampled_from(TASKS), cpu, st.sampled_from(GFPS)),
    st.builds("free P{} cpu={}".format, st.integers(0, 5), cpu),
    st.builds("write {} memory.limit_in_bytes {}".format, st.sampled_from(V1_PATHS + ["/"]),
              st.sampled_from(["0", "4K", "64K", "256K", "-1", "max"])),
    st.builds("write {} memory.kmem.limit_in_bytes {}".format, st.sampled_from(V1_PATHS),
              st.sampled_from(["0", "8K", "32K", "128K", "-1"])),
    st.builds("write {} memory.use_hierarchy {}".format, st.sampled_from(V1_PATHS + ["/"]),
              st.sampled_from(["0", "1", "2"])),
    st.builds("use_memcg k0 {}".format, st.sampled_from(PATHS + ["none"])),
)


def v1_setup(hierarchy: str) -> list[str]:
    return [f"config cpus={CPUS} cgroup=v1", f"write / memory.use_hierarchy {hierarchy}",
            "kthread k0", *SETUP[1:]]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["0", "1"]), st.lists(v1_command, min_size=5, max_size=60))
def test_v1_and_pages_keep_every_invariant_and_replay(hierarchy: str, lines: list[str]) -> None:
    """v1 (with and without use_hierarchy) and alloc_pages: check_all after every
    command, then history replays every state bit for bit, backwards and forwards."""
    m = Machine(checkpoint_every=8)
    setup = v1_setup(hierarchy)
    for line in setup:
        m.run_line(line)
    play_and_replay(lines, m, len(setup))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(command,
                          st.builds("alloc_pages P{} {} task={} cpu={}".format, st.integers(0, 5),
                                    st.integers(0, 4), st.sampled_from(TASKS), cpu),
                          st.builds("free P{} cpu={}".format, st.integers(0, 5), cpu)),
                min_size=5, max_size=60))
def test_pages_on_v2_keep_every_invariant(lines: list[str]) -> None:
    m = Machine(checkpoint_every=8)
    for line in SETUP:
        m.run_line(line)
    play(lines, m)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["0", "1"]), st.lists(v1_command, min_size=5, max_size=40))
def test_v1_fast_mode_agrees_with_checked_history(hierarchy: str, lines: list[str]) -> None:
    slow, fast = Machine(), Machine(history=False, check=False)
    for machine in (slow, fast):
        for line in v1_setup(hierarchy) + lines:
            try:
                machine.run_line(line)
            except ScriptError:
                pass
    assert fast.snapshot() == slow.snapshot()


def test_a_long_seeded_v1_walk_with_pages() -> None:
    """Thousands of v1 commands, slab and page allocations, limits and rmdirs, with and
    without use_hierarchy: checked after every micro-step and in full at the end."""
    for hierarchy in ("0", "1"):
        rng = random.Random(5_9 + int(hierarchy))
        m = Machine(checkpoint_every=256)
        for line in v1_setup(hierarchy):
            m.run_line(line)
        ran: Counter[str] = Counter()
        for _ in range(2500):
            kind = rng.random()
            task, c = rng.choice(TASKS + ["k0"]), rng.randrange(CPUS)
            if kind < 0.3:
                line = f"alloc {rng.choice(OBJECTS)} {rng.choice(SIZES)} task={task} cpu={c}"
            elif kind < 0.5:
                line = f"alloc_pages P{rng.randrange(6)} {rng.randrange(4)} task={task} cpu={c}"
            elif kind < 0.75:
                line = f"free {rng.choice(OBJECTS + [f'P{i}' for i in range(6)])} cpu={c}"
            elif kind < 0.82:
                line = f"mkdir {rng.choice(PATHS)}"
            elif kind < 0.87:
                line = f"move {rng.choice(TASKS)} {rng.choice(PATHS + ['/'])}"
            elif kind < 0.9:
                line = f"task {rng.choice(TASKS)} {rng.choice(PATHS)}"
            elif kind < 0.92:
                line = f"use_memcg k0 {rng.choice(PATHS + ['none'])}"
            elif kind < 0.95:
                line = (f"write {rng.choice(PATHS)} "
                        f"{rng.choice(['memory.limit_in_bytes', 'memory.kmem.limit_in_bytes'])} "
                        f"{rng.choice(['16K', '64K', '1M', '-1'])}")
            else:
                line = f"rmdir {rng.choice(PATHS)}"
            try:
                m.run_line(line)
            except ScriptError:
                continue
            ran[line.split()[0]] += 1
        check_all(m.state)
        assert ran["alloc_pages"] > 100 and ran["rmdir"] > 20, ran
        final = json.dumps(m.snapshot())
        m.goto(m.commands[len(m.commands) // 2].end)
        check_all(m.state)
        m.goto(len(m.steps))
        assert json.dumps(m.snapshot()) == final
