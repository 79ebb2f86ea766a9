"""`objcg-lab race`: the seed commit's races found from two-line scripts on 5.9, gone in
the release that fixed each, and back when that release's change is switched off."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.race import main_race, search, split_script

ROOT = Path(__file__).resolve().parent.parent
RACES = ROOT / "tests" / "races"
NULL = RACES / "flush_required_null.objcg"
CSS = RACES / "charge_css_get_zero.objcg"
LIMITS = RACES / "two_limits_one_mutex.objcg"


def outcomes(path: Path, kernel: str | None = None, bound: int = 2, rcu: bool = True,
             revert: tuple[str, ...] = ()) -> dict[str, object]:
    script = split_script(path.read_text(), str(path))
    report = search(script, str(path), bound, kernel, rcu=rcu, revert=revert)
    return {o.key: o for o in report.outcomes.values()}


def oopses(found: dict[str, object]) -> set[tuple[str, str, str]]:
    """(kind, function, innermost caller) of every oops outcome."""
    out = set()
    for outcome in found.values():
        oops = getattr(outcome, "oops")
        if oops:
            trace = oops["trace"]
            out.add((oops["kind"], oops["function"], trace[-1] if trace else ""))
    return out


def test_the_flush_required_null_dereference_on_5_9() -> None:
    """mm/memcontrol.c of 5.9, 3135-3147: obj_stock_flush_required tests and re-reads
    stock->cached_objcg; drain_obj_stock (3100-3133) puts the objcg then clears it."""
    assert ("null-deref", "obj_stock_flush_required", "obj_stock_flush_required") in \
        oopses(outcomes(NULL, "5.9"))


def test_the_flush_required_fix_of_6_5_at_bound_3() -> None:
    assert oopses(outcomes(NULL, "6.5", bound=3)) == set()
    # switched off, 6.5 crashes again: the change is what fixes it
    assert ("null-deref", "obj_stock_flush_required", "obj_stock_flush_required") in \
        oopses(outcomes(NULL, "6.5", revert=("flush_required_read_once",)))


def test_the_css_get_from_zero_on_5_9() -> None:
    """5.9 obj_cgroup_charge (3171-3207): css_get on obj_cgroup_memcg(objcg) under
    rcu_read_lock. rmdir's kill_css call_rcu()s the switch to atomic mode before the
    charging CPU enters that section, so the grace period need not wait for it; the
    offline then reparents the objcg and mem_cgroup_id_put drops /A's last reference."""
    assert ("css-resurrect", "css_get", "obj_cgroup_charge") in oopses(outcomes(CSS, "5.9"))


def test_the_css_tryget_fix_of_5_11() -> None:
    """eefbfa7fd678 (5.11): css_tryget fails on a count of zero; objcg->memcg is read
    again, and the reparented objcg points at the root by then."""
    fixed = oopses(outcomes(CSS, "5.11", bound=3))
    assert not any(caller == "obj_cgroup_charge" for _, _, caller in fixed)
    reverted = oopses(outcomes(CSS, "5.11", revert=("charge_memcg_tryget",)))
    assert ("css-resurrect", "css_get", "obj_cgroup_charge") in reverted


def test_the_stale_objcg_needs_readers_that_rcu_does_not_protect() -> None:
    """get_obj_cgroup_from_current of 5.9 (2911-2933) keeps `objcg` after a failed
    tryget; a walk that then reaches the root returns it without a reference
    (2f7659a31473, 5.11, clears it). The tryget can only fail once the objcg's count has
    been summed to zero after the grace period of its kill, and that grace period waits
    for the walker, whose rcu_read_lock came before the kill (lib/percpu-refcount.c):
    with real RCU no schedule gets there. Without the wait it does, and the put that
    balances the lookup drops a reference nobody took."""
    assert not any(kind == "ref-underflow" for kind, _, _ in oopses(outcomes(CSS, "5.9")))
    unprotected = oopses(outcomes(CSS, "5.9", rcu=False))
    assert ("ref-underflow", "obj_cgroup_put", "obj_cgroup_put") in unprotected
    assert ("use-after-free", "obj_cgroup_tryget", "get_obj_cgroup_from_current") in unprotected
    fixed = oopses(outcomes(CSS, "5.11", rcu=False))
    assert not any(kind == "ref-underflow" for kind, _, _ in fixed)


@pytest.mark.parametrize("name", ["flush_required_null", "flush_required_refill_switch",
                                  "two_limits_one_mutex"])
def test_every_outcome_has_a_script_that_reproduces_it(tmp_path: Path, name: str) -> None:
    out = io.StringIO()
    status = main_race(str(RACES / f"{name}.objcg"), 2, None, True, out, io.StringIO())
    doc = json.loads(out.getvalue())
    assert status == (1 if any(o["kind"] == "oops" for o in doc["outcomes"]) else 0)
    assert doc["kernel"] == "5.9" and doc["bound"] == 2 and doc["schedules"] > 0
    assert sum(o["count"] for o in doc["outcomes"]) == doc["schedules"]
    assert sum(o["in_order"] for o in doc["outcomes"]) == 1  # `run` without a schedule
    for n, outcome in enumerate(doc["outcomes"]):
        script = tmp_path / f"o{n}.objcg"
        script.write_text(outcome["script"])
        done = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(script), "--json"],
                              capture_output=True, text=True, cwd=ROOT)
        ran = json.loads(done.stdout)
        if outcome["kind"] == "oops":
            assert done.returncode == 3 and ran["oops"]["kind"] == outcome["oops"]["kind"]
        else:
            assert done.returncode == 0 and ran["state"] == outcome["state"]


@pytest.mark.parametrize("args, message", [
    (["--bound", "-1"], "--bound -1: from 0 to 6 preemptions"),
    (["--bound", "99"], "--bound 99: from 0 to 6 preemptions"),
    (["--kernel", "4.19"], "kernel=4.19: not a modelled release"),
])
def test_bad_arguments_are_one_line(args: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "tui.cli", "race", str(NULL), *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and message in done.stderr


@pytest.mark.parametrize("text, message", [
    ("config cpus=2\ndrain cpu=0\n", "race needs a together block"),
    ("config cpus=2\ntogether\ndrain cpu=0\n", ":2: error: together without end"),
    ("config cpus=2\ntogether\ndrain cpu=0\nend\ntogether\ndrain cpu=1\nend\n",
     ":5: error: race searches one together block"),
])
def test_bad_scripts_are_one_located_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.objcg"
    path.write_text(text)
    err = io.StringIO()
    assert main_race(str(path), 2, None, False, io.StringIO(), err) == 2
    assert err.getvalue().strip().count("\n") == 0 and message in err.getvalue()


def test_a_lost_drain_is_a_race_without_a_crash() -> None:
    """drain_all_stock takes percpu_charge_mutex with mutex_trylock (5.9 mm/memcontrol.c
    l.2290-2328): while cpu0 drains for /A, cpu1's drain for /B does nothing, so cpu0's
    page stock keeps /B's 31 pages and /B ends over its new limit of one page with an OOM
    event, which the threads in order do not give."""
    found = outcomes(LIMITS, "5.9")
    states = [o.state for o in found.values() if o.kind == "ok"]
    lost = [s for s in states if next(m for m in s["memcgs"] if m["name"] == "/B")["usage"] == 32]
    assert lost and all(s["cpus"][0]["nr_pages"] == 31 for s in lost)
    assert all(next(m for m in s["memcgs"] if m["name"] == "/B")["events_oom"] == 1 for s in lost)


def test_rcu_off_has_no_reproducer_scripts() -> None:
    out = io.StringIO()
    assert main_race(str(CSS), 1, None, True, out, io.StringIO(), rcu=False) == 1
    doc = json.loads(out.getvalue())
    assert doc["rcu"] == "off" and all(o["script"] is None for o in doc["outcomes"])


ROOT_CHARGE = RACES / "charge_through_root.objcg"


def warnings(found: dict[str, object]) -> set[str]:
    return {getattr(o, "key") for o in found.values() if getattr(o, "kind") == "warn"}


def test_a_charge_through_an_objcg_reparented_to_the_root_warns_on_5_9() -> None:
    """5.9: try_charge (2631-2644) skips the root, so the bytes the charge puts in the
    stock are backed by no page; draining them uncharges the root (3113, 3019-3027)."""
    assert "warn:WARNING in page_counter_cancel: / usage went negative (-1 pages)" in \
        warnings(outcomes(ROOT_CHARGE, "5.9", bound=1))


@pytest.mark.parametrize("kernel", ["5.14", "6.5", "6.14"])
def test_c5c8b16b596e_charges_the_root_from_5_14(kernel: str) -> None:
    """5.14 obj_cgroup_charge_pages (3009-3018) charges through try_charge_memcg, which
    has no root check; switched off, the root's counter underflows again (from 5.13
    page_counter_cancel clamps it to 0 and WARNs, 9317d0fffeb4). One preemption finds
    it (0.2 s; at bound 2, 2,169 to 2,452 schedules, no release from 5.14 WARNs either)."""
    assert warnings(outcomes(ROOT_CHARGE, kernel, bound=1)) == set()
    reverted = warnings(outcomes(ROOT_CHARGE, kernel, bound=1, revert=("objcg_charges_root",)))
    assert any("page_counter_cancel" in key for key in reverted), reverted
