"""Property-based tests of the slab pages under both kernels: random scripts keep every
invariant (v5.8: usage = page stocks + pages of slabs charged to the memcg and
invariant I5), the slab structure checks after every command, and history replays bit for bit.
Sizes are small so that objects share slabs and cgroups come and go around them."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Machine, ScriptError
from engine.compare import run_both
from engine.invariants import check_all
from engine.slab_state import figures
from tests.test_properties import CPUS, GFPS, OBJECTS, PATHS, SETUP, TASKS, play_and_replay

SIZES = [8, 64, 200, 512, 1000, 2048, 3000, 5000]

path = st.sampled_from(PATHS + ["/"])
cpu = st.integers(0, CPUS - 1)

command = st.one_of(
    st.builds("mkdir {}".format, path),
    st.builds("rmdir {}".format, path),
    st.builds("task {} {}".format, st.sampled_from(TASKS), path),
    st.builds("move {} {}".format, st.sampled_from(TASKS), path),
    st.builds("exit {}".format, st.sampled_from(TASKS)),
    st.builds("use_memcg {} {}".format, st.sampled_from(TASKS), st.sampled_from(PATHS + ["none"])),
    st.builds("alloc {} {} task={} cpu={} gfp={}".format, st.sampled_from(OBJECTS),
              st.sampled_from(SIZES), st.sampled_from(TASKS), cpu, st.sampled_from(GFPS)),
    st.builds("alloc {} {} task={} cpu={}".format, st.sampled_from(OBJECTS),
              st.sampled_from(SIZES), st.sampled_from(TASKS), cpu),
    st.builds("free {} cpu={}".format, st.sampled_from(OBJECTS), cpu),
    st.builds("write {} memory.max {}".format, st.sampled_from(PATHS),
              st.sampled_from(["4K", "16K", "64K", "max"])),
    st.builds("hold {}".format, st.sampled_from(PATHS)),
    st.builds("unhold {}".format, st.sampled_from(PATHS)),
    st.builds("drain cpu={}".format, cpu),
)


def play(lines: list[str], machine: Machine) -> list[str]:
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["5.8", "5.9"]), st.booleans(), st.lists(command, min_size=5, max_size=50))
def test_both_kernels_keep_every_invariant_and_replay(kernel: str, trail: bool,
                                                      lines: list[str]) -> None:
    m = Machine(checkpoint_every=8)
    m.kernel.show_slab = trail
    for line in [f"config cpus={CPUS} kernel={kernel}"] + SETUP[1:]:
        m.run_line(line)
    play_and_replay(lines, m, len(SETUP))


@settings(max_examples=40, deadline=None)
@given(st.lists(command, min_size=5, max_size=40))
def test_the_slab_trail_changes_no_state(lines: list[str]) -> None:
    """Under v5.9 the slab steps in the trail (compare) leave every figure as without them."""
    plain, trailed = Machine(), Machine()
    trailed.kernel.show_slab = True
    trailed.kernel.read_config()
    for machine in (plain, trailed):
        for line in SETUP + lines:
            try:
                machine.run_line(line)
            except ScriptError:
                pass
    assert plain.snapshot() == trailed.snapshot()
    assert len(trailed.steps) >= len(plain.steps)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([64, 200, 512]), st.integers(1, 6)), min_size=1, max_size=8))
def test_short_lived_cgroups_never_save_pages_under_v58(groups: list[tuple[int, int]]) -> None:
    """Cgroups that each leave objects behind: v5.9's shared caches never need more slab
    pages than v5.8's clones, and the objects are the same on both. In v5.8 a cgroup's
    first object comes from the root cache while its clone is created (by deferred
    work), so only a cgroup with two objects or more leaves a dead clone behind
    (memcg_kmem_get_cache / memcg_schedule_kmem_cache_create, v5.8)."""
    lines = ["config cpus=2"]
    for n, (size, count) in enumerate(groups):
        lines += [f"mkdir G{n}", f"task t{n} G{n}"]
        lines += [f"alloc o{n}_{i} {size} task=t{n} cpu={i % 2}" for i in range(count)]
        lines += [f"exit t{n}", f"rmdir G{n}"]
    sides = run_both("\n".join(lines), "<generated>", check=True)
    old, new = sides["5.8"].figures(), sides["5.9"].figures()
    assert new.pages <= old.pages
    assert new.objects == old.objects == sum(c for _, c in groups)
    assert old.dead_caches == sum(1 for _, count in groups if count >= 2)
    assert figures(sides["5.9"].machine.state).dead_caches == 0
