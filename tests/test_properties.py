"""Property-based tests: random command sequences keep every spec §10 invariant after
every micro-step (the engine checks those itself and raises), the full from-scratch
check after every command, and history replays bit for bit."""
from __future__ import annotations

import json
import random
import re

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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command, min_size=5, max_size=60))
def test_random_scripts_keep_every_invariant_and_replay(lines: list[str]) -> None:
    m = Machine(checkpoint_every=8)
    for line in SETUP:
        m.run_line(line)
    states = play(lines, m)
    done = m.commands[len(SETUP):]
    assert len(done) == len(states)
    for record, state in list(zip(done, states))[::-1]:
        m.goto(record.end)
        assert json.dumps(m.snapshot()) == state
    m.goto(0)
    for record, state in zip(done, states):
        m.goto(record.end)
        assert json.dumps(m.snapshot()) == state


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
