"""`config kernel=V` for the releases after v5.9: golden scenarios per release, each of
which must fail once its release's change is switched off, and every existing scenario
and lesson script under every release, with every invariant checked.

The goldens live in tests/scenarios/kernels/ (the same `#=` format as test_golden.py);
each was derived by hand from that release's own source, cited in its header.
"""
from __future__ import annotations

import json
from pathlib import Path
import pytest

from engine import Machine, ScriptError
from engine.invariants import check_all
from engine.kernel.versions import BY_NAME, KERNELS
from engine.lessons.loader import load_lesson
from engine.lessons.player import canonical, restarts
from engine.script import script_lines
from test_golden import actual, load, same

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "tests" / "scenarios" / "kernels"

# golden file -> the changes whose revert (each alone) must break it
SHOWS: dict[str, str | tuple[str, ...]] = {
    "v510_v1_reparent_no_underflow.objcg": "v1_counters_link_root",
    "v510_failed_charge_fails_alloc.objcg": "charge_failure_fails_alloc",
    "v511_use_hierarchy_refused.objcg": "hierarchy_always",
    "v511_pages_drained_into_page_stock.objcg": "uncharge_through_page_stock",
    "v513_page_pins_objcg.objcg": "kmem_pages_through_objcg",
    "v514_worked_example.objcg": ("refill_obj_stock_allow_uncharge", "objcg_no_memcg_pin"),
    "v614_cpu_down_drains_obj_stock.objcg": "hotplug_drains_obj_stock",
}


def play(path: Path, revert: tuple[str, ...] = ()) -> list[str]:
    """Run a golden with history and every check; the expectations that failed."""
    machine = Machine(history=True, check=True, revert=revert)
    failures: list[str] = []
    for number, text, expectations in load(path):
        record = machine.run_line(text, path.name, number)
        assert record is not None
        for exp in expectations:
            got = actual(machine, record, exp.ref)
            if not same(got, exp.value):
                failures.append(f"{path.name}:{exp.line}: {exp.ref}: expected "
                                f"{json.dumps(exp.value)}, got {json.dumps(got)}")
    check_all(machine.state)
    return failures


def test_every_golden_names_the_change_it_shows() -> None:
    files = sorted(p.name for p in GOLDENS.glob("*.objcg"))
    assert files == sorted(SHOWS), "a golden without an entry in SHOWS, or the reverse"
    assert all(change in BY_NAME for name in SHOWS for change in _changes(name))


def _changes(name: str) -> tuple[str, ...]:
    shows = SHOWS[name]
    return (shows,) if isinstance(shows, str) else shows


@pytest.mark.parametrize("name", sorted(SHOWS))
def test_golden_of_a_release(name: str) -> None:
    failures = play(GOLDENS / name)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name,change", [(n, c) for n in sorted(SHOWS) for c in _changes(n)])
def test_golden_fails_with_its_change_switched_off(name: str, change: str) -> None:
    """The figures really come from the change: without it the expectations break (or
    the script cannot run on, e.g. a later line needs what the change made)."""
    try:
        failures = play(GOLDENS / name, revert=(change,))
    except ScriptError as err:
        failures = [str(err)]
    assert failures, f"{name} still holds with {change} switched off"


# -- every existing script under every release ------------------------------------------
def _scripts() -> list[tuple[str, str]]:
    """(label, text) of every scenario, screenshot script and lesson segment."""
    out = [(p.name, p.read_text()) for p in sorted((ROOT / "tests" / "scenarios").glob("*.objcg"))]
    out += [(p.name, p.read_text()) for p in sorted((ROOT / "screenshots").glob("*.objcg"))]
    for path in sorted((ROOT / "lessons").glob("*.toml")):
        lesson, _ = load_lesson(str(path))
        assert lesson is not None, path
        segments = [lesson.setup.text]
        for index, step in enumerate(lesson.steps):
            if restarts(lesson, index):
                segments.append(step.restart.text)  # type: ignore[union-attr]
            segments[-1] += "\n" + canonical(step).text
        out += [(f"{path.stem}#{n}", text) for n, text in enumerate(segments)]
    return out


SCRIPTS = _scripts()
LATER = [k for k in KERNELS if k not in ("5.8", "5.9")]


def run_all(text: str, where: str, kernel: str) -> Machine:
    machine = Machine(history=False, check=True, kernel=kernel)
    for number, raw in enumerate(script_lines(text), start=1):
        machine.run_line(raw, where, number)
    check_all(machine.state)
    return machine


# Scripts that stop early under a release, and why: a line that the script wrote for
# v5.9's outcome of an earlier line (a name reused after an allocation that failed there
# succeeds here). The run up to that line is still checked.
STOPS = {
    ("v1_kmem_limit_failure.objcg", "6.5"): "no kmem limit from 5.16: alloc_pages P succeeds, "
                                            "so the next `alloc_pages P` reuses a live name",
    ("v1_kmem_limit_failure.objcg", "6.14"): "the same",
}


@pytest.mark.parametrize("kernel", LATER)
def test_every_script_runs_under_every_release(kernel: str) -> None:
    """No invariant breaks (InvariantViolation would raise) and no line is refused, but
    for the stops listed (which must still happen: the list cannot go stale)."""
    ran, stopped = [], []
    for label, text in SCRIPTS:
        try:
            run_all(text, label, kernel)
            ran.append(label)
        except ScriptError as err:
            assert (label, kernel) in STOPS, f"{label} under {kernel}: {err}"
            stopped.append(label)
    assert sorted(stopped) == sorted(label for label, k in STOPS if k == kernel)
    assert len(ran) + len(stopped) == len(SCRIPTS) > 40


# -- random scripts under every release ------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from test_properties import SETUP, command, play_and_replay, v1_command, v1_setup  # noqa: E402


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LATER), st.lists(st.one_of(command, v1_command), min_size=5, max_size=60))
def test_random_scripts_under_every_release(kernel: str, lines: list[str]) -> None:
    """v2 with pages and the raw objcg API: every invariant after every micro-step, the
    full check after every command, and history replays bit for bit."""
    m = Machine(checkpoint_every=8, kernel=kernel)
    for line in SETUP:
        m.run_line(line)
    v2 = [line for line in lines if "limit_in_bytes" not in line and "use_hierarchy" not in line]
    play_and_replay(v2, m, len(SETUP))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LATER), st.sampled_from(["0", "1"]),
       st.lists(v1_command, min_size=5, max_size=60))
def test_random_v1_scripts_under_every_release(kernel: str, hierarchy: str,
                                               lines: list[str]) -> None:
    m = Machine(checkpoint_every=8, kernel=kernel)
    setup = v1_setup(hierarchy)
    for line in setup:
        m.run_line(line)
    play_and_replay(lines, m, len(setup))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(LATER), st.data(), st.lists(st.one_of(command, v1_command), min_size=5,
                                                     max_size=50))
def test_random_scripts_with_one_change_switched_off(kernel: str, data: st.DataObject,
                                                    lines: list[str]) -> None:
    """compare --why runs a release with one of its changes switched off: such a machine
    keeps every invariant too."""
    from engine.kernel.versions import changes_in

    change = data.draw(st.sampled_from(sorted(changes_in(kernel))))
    m = Machine(checkpoint_every=8, kernel=kernel, revert=(change,))
    for line in SETUP:
        m.run_line(line)
    v2 = [line for line in lines if "limit_in_bytes" not in line and "use_hierarchy" not in line]
    play_and_replay(v2, m, len(SETUP))


# -- what the explorer shows of a release ----------------------------------------------
def test_a_step_a_later_release_takes_names_its_release_and_commit() -> None:
    from engine.steps import STEPS, explain
    from engine.version_steps import STEP_CHANGES, difference_note

    assert explain("__memcg_kmem_charge_page.objcg").startswith(
        "5.13, b4e0b68fbd9d: The page pins the objcg, not the memcg")
    assert explain("refill_obj_stock.trim").startswith("5.14, 5387c90490f7: ")
    assert difference_note("refill_obj_stock.added") is None  # v5.9's own step
    for step, change in STEP_CHANGES.items():  # every such step is in the trail's table
        assert step in STEPS and change in BY_NAME


def test_every_release_runs_with_its_own_steps() -> None:
    """The trail of a release uses that release's steps: 5.13's kmem page records the
    objcg (no v5.9 page step), 5.14 trims the byte stock instead of draining it."""
    from engine.version_steps import STEP_CHANGES

    def step_ids(kernel: str, text: str) -> set[str]:
        m = Machine(kernel=kernel)
        for number, raw in enumerate(script_lines(text), start=1):
            m.run_line(raw, "<t>", number)
        return {s.data[0] for s in m.steps}

    pages = "mkdir A\ntask t A\nalloc_pages P 0 task=t cpu=0\nfree P cpu=0\n"
    assert "__memcg_kmem_charge_page.charged" in step_ids("5.9", pages)
    later = step_ids("5.13", pages)
    assert "__memcg_kmem_charge_page.objcg" in later and "__memcg_kmem_charge_page.charged" not in later
    worked = (GOLDENS.parent / "worked_example.objcg").read_text()
    assert "refill_obj_stock.trim" in step_ids("5.14", worked)
    assert not {s for s in step_ids("5.9", worked) if s in STEP_CHANGES}


def test_tab_completes_every_release() -> None:
    from tui.complete import Names, candidates

    assert candidates("config kernel=", Names())[1] == [f"kernel={k}" for k in KERNELS]


def test_kernel_functions_ask_the_table_never_a_release_number() -> None:
    """engine/kernel/ names no release but 5.8 (a different design, engine.kernel.v58)
    outside versions.py, and reads the configured release only in base.py (which turns it
    into k.changes): a kernel function asks k.has(change), so reverting one works."""
    import re

    release = re.compile(r"[\"'](5\.(9|1[0-9])|6\.[0-9]+)[\"']")
    found = []
    for path in sorted((ROOT / "engine" / "kernel").glob("*.py")):
        if path.name == "versions.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            reads_release = '["kernel"]' in code or 'get("kernel"' in code
            if release.search(code) or (reads_release and path.name != "base.py"):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert not found, "\n".join(found)
