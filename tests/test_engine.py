"""Engine behaviour through its public API: GIVEN a script, WHEN it runs, THEN figures."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import Machine, ScriptError
from engine.fields import resolve
from engine.invariants import check_all

ROOT = Path(__file__).resolve().parent.parent
WORKED = ROOT / "tests" / "scenarios" / "worked_example.objcg"


def run(*lines: str, **kw: bool) -> Machine:
    m = Machine(**kw)
    for n, line in enumerate(lines, 1):
        m.run_line(line, "<test>", n)
    return m


def val(m: Machine, ref: str):  # noqa: ANN201
    return resolve(m.snapshot(), ref)


UI = ("textual", "rich", "tui")


def engine_modules() -> list[str]:
    """Every module of the engine package, found on disk (a new one is covered at once)."""
    files = sorted((ROOT / "engine").rglob("*.py"))
    assert len(files) > 40, files
    return [".".join(f.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for f in files]


def test_engine_never_imports_the_ui() -> None:
    """engine/ never imports textual, rich or tui: no import statement of any engine module
    (in a function too, where a lazy import would hide) names them, and importing every
    engine module loads none of them."""
    import ast

    for module in engine_modules():
        path = ROOT / Path(*module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad = [n for n in names if n.split(".")[0] in UI]
            assert not bad, f"{path.relative_to(ROOT)}:{node.lineno} imports {bad}"
    code = (f"import importlib, sys\nfor m in {engine_modules()!r}: importlib.import_module(m)\n"
            f"bad = [m for m in sys.modules if m.split('.')[0] in {UI!r}]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_worked_example_figures_through_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(WORKED), "--json"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    doc = json.loads(done.stdout)
    state = doc["state"]
    assert [r["command"].split()[0] for r in doc["results"]] == (
        ["config", "mkdir", "mkdir", "task", "task"] + ["alloc"] * 4 + ["free"] * 3)
    assert all(r["ret"] == 0 and r["warnings"] == [] for r in doc["results"])
    assert resolve(state, "objcg /A nr_charged_bytes") == 4096
    assert resolve(state, "objcg /A refcnt") == 1
    assert resolve(state, "memcg /A usage") == 32
    assert resolve(state, "memcg /B usage") == 32
    assert resolve(state, "memcg / usage") == 64
    assert state["cpus"][0] == {"cpu": 0, "cached": "/A", "nr_pages": 31,
                                "cached_objcg": None, "nr_bytes": 0}
    assert state["cpus"][1] == {"cpu": 1, "cached": "/B", "nr_pages": 31,
                                "cached_objcg": "/B", "nr_bytes": 3996}


def test_worked_example_continued_rmdir_releases_the_whole_page_from_root() -> None:
    m = run(*WORKED.read_text().splitlines(), "move tA /", "rmdir A")
    assert m.commands[-1].warnings == []
    assert val(m, "objcg /A state") == "released"
    assert val(m, "objcg /A memcg") == "/"
    assert val(m, "memcg /A state") == "freed"
    assert val(m, "memcg /A usage") == 1  # stale
    assert val(m, "memcg / usage") == 32
    assert val(m, "cpu 0 cached") is None
    assert val(m, "memcg / nr_dying_descendants") == 0
    check_all(m.state)


def test_every_micro_step_replays_bit_for_bit() -> None:
    m = run(*WORKED.read_text().splitlines(), "move tA /", "rmdir A", "mkdir A",
            checkpoint_every=16)
    forward = []
    m.goto(0)
    forward.append(json.dumps(m.snapshot()))
    while m.step() is not None:
        forward.append(json.dumps(m.snapshot()))
    backward = [json.dumps(m.snapshot())]
    while m.back() is not None:
        backward.append(json.dumps(m.snapshot()))
    assert backward[::-1] == forward
    for target in (len(forward) - 1, 3, 57, 0, 40, 17):
        m.goto(target)
        assert json.dumps(m.snapshot()) == forward[target], target


def test_recreated_cgroup_gets_a_new_name_while_the_old_one_dies() -> None:
    m = run("mkdir A", "hold A", "rmdir A", "mkdir A")
    assert val(m, "memcg /A state") == "dying"
    assert val(m, "memcg /A#2 state") == "online"
    assert val(m, "objcg /A#2 memcg") == "/A#2"
    m.run_line("unhold A")  # the newest memcg at /A with a hold: the dying one
    assert val(m, "memcg /A state") == "freed"


def test_a_bad_line_changes_nothing_and_names_file_and_line() -> None:
    m = run("mkdir A", "task t A", "alloc X 100 task=t cpu=0")
    before, steps = json.dumps(m.snapshot()), len(m.steps)
    for bad in ("alloc X 100 task=t cpu=0", "free Y cpu=0", "alloc Z 100 task=t cpu=7",
                "rmdir /nope", "config cpus=4", "put /A", "frob"):
        with pytest.raises(ScriptError) as err:
            m.run_line(bad, "lesson.objcg", 9)
        assert str(err.value).startswith("lesson.objcg:9: error: ")
        assert json.dumps(m.snapshot()) == before and len(m.steps) == steps


def test_fast_mode_reaches_the_same_state() -> None:
    lines = [*WORKED.read_text().splitlines(), "move tA /", "rmdir A", "write B memory.max 8K"]
    slow = run(*lines)
    fast = run(*lines, history=False, check=False)
    assert fast.snapshot() == slow.snapshot()


def test_byte_stock_of_exactly_page_size_is_kept_and_one_more_byte_drains() -> None:
    m = run("mkdir A", "task t A", "alloc X 100 task=t cpu=0", "free X cpu=0")
    assert val(m, "cpu 0 nr_bytes") == 4096  # 3996 + 100: kept, not drained
    m.run_line("alloc Y 4096 task=t cpu=0")  # served whole from the stock
    assert val(m, "cpu 0 nr_bytes") == 0 and val(m, "memcg /A usage") == 32
    m.run_line("charge /A 1 cpu=1")  # cpu1: a fresh page, 4095 bytes to its stock
    m.run_line("uncharge /A 2 cpu=1")  # 4097 > PAGE_SIZE: drains one page, 1 byte left over
    assert val(m, "cpu 1 cached_objcg") is None
    assert val(m, "objcg /A nr_charged_bytes") == 1


def test_charge_over_the_limit_fails_and_leaves_the_object_unaccounted() -> None:
    m = run("mkdir A", "write A memory.max 8K", "task t A",
            "alloc X 3 task=t cpu=0 gfp=GFP_NOWAIT")
    assert val(m, "memcg /A usage") == 1 and val(m, "memcg /A failcnt") == 1
    record = m.run_line("alloc Y 8K task=t cpu=0 gfp=GFP_NOWAIT")
    assert record is not None and record.ret == -12
    assert val(m, "object Y accounted") is False and val(m, "object Y objcg") is None
    assert val(m, "memcg /A usage") == 1
    assert val(m, "memcg /A failcnt") == 3  # the batch attempt, then the exact one
    assert val(m, "memcg /A events_max") == 0  # NOWAIT gives up before the event
    check_all(m.state)


def test_small_gfp_kernel_charge_is_forced_through_the_oom_path() -> None:
    m = run("mkdir A", "write A memory.max 4K", "task t A", "alloc X 100 task=t cpu=0",
            "alloc Y 5000 task=t cpu=1")
    record = m.commands[-1]
    assert record.ret == 0 and any("OOM" in n for n in record.notes)
    # X's 100 bytes took 1 page (max 1); Y forces 2 more, then cpu1's stock pulls in
    # X's drained 3996 leftover bytes: 3996 + 3192 > PAGE_SIZE, one page goes back.
    assert val(m, "memcg /A usage") == 2
    assert val(m, "objcg /A nr_charged_bytes") == 3092
    assert val(m, "memcg /A events_oom") == 1
    # X: the batch; Y: the batch, the exact charge, the retry after the drain, 16 retries
    assert val(m, "memcg /A failcnt") == 1 + 1 + 1 + 1 + 16
    assert val(m, "memcg /A events_max") == 18


def test_a_mismatched_raw_uncharge_warns_at_release_and_leaks_a_page() -> None:
    m = run("mkdir A", "charge /A 100 cpu=0", "uncharge /A 50 cpu=0", "rmdir A")
    record = m.commands[-1]
    assert len(record.warnings) == 1 and "obj_cgroup_release" in record.warnings[0]
    assert "prints only this first" in record.warnings[0]
    assert val(m, "memcg / usage") == 1  # the page stays charged for ever
    m = run("mkdir A", "charge /A 100 cpu=0", "uncharge /A 50 cpu=0", "rmdir A",
            "mkdir B", "charge /B 10 cpu=0", "rmdir B")
    assert "already printed once" in m.commands[-1].warnings[0]


@pytest.mark.parametrize("lines, message", [
    (["frob A"], "unknown command 'frob'"),
    (["mkdir A", "task t A", "alloc X 100 cpu=0"], "missing option task="),
    (["mkdir A", "alloc X 100 task=nobody cpu=0"], "no task 'nobody'"),
    (["free X cpu=0"], "no live object 'X'"),
    (["mkdir A", "task t A", "alloc X 100 task=t cpu=0", "free X cpu=0", "free X cpu=0"],
     "no live object 'X'"),
    (["mkdir A", "task t A", "alloc X 0 task=t cpu=0"], "size must be positive"),
    (["mkdir A", "config cpus=4"], "config must come before every other command"),
    (["mkdir A/B"], "no cgroup /A"),
    (["task t /nowhere"], "no cgroup /nowhere"),
])
def test_bad_scripts_give_one_line_errors_and_exit_2(tmp_path: Path, lines: list[str],
                                                     message: str) -> None:
    script = tmp_path / "bad.objcg"
    script.write_text("\n".join(lines) + "\n")
    for extra in ([], ["--json"]):
        done = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(script), *extra],
                              cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr + done.stdout
        assert done.stderr.strip() == f"{script}:{len(lines)}: error: " + done.stderr.split(
            ": error: ", 1)[1].strip()
        assert message in done.stderr and done.stderr.count("\n") == 1


def test_unreadable_script_is_a_one_line_error(tmp_path: Path) -> None:
    for path, content in ((tmp_path / "missing.objcg", None), (tmp_path / "binary.objcg", b"\xff\xfe")):
        if content is not None:
            path.write_bytes(content)
        done = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(path)],
                              cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        where = f"{path}:1" if content else f"{path}"  # bytes that are not UTF-8: their line
        assert done.stderr.startswith(f"{where}: error: cannot read the script")


def test_slab_accounting_charges_obj_full_size() -> None:
    m = run("config accounting=slab", "mkdir A", "task t A", "alloc X 100 task=t cpu=0")
    # obj_full_size = s->size + sizeof(objcg pointer); SLUB's calculate_sizes (mm/slub.c,
    # v5.9) makes s->size = ALIGN(100, 8) = 104 for a cache aligned to 8: 104 + 8 = 112
    assert val(m, "object X charged") == 112
    assert val(m, "cpu 0 nr_bytes") == 4096 - 112
    m.run_line("free X cpu=0")
    assert val(m, "cpu 0 nr_bytes") == 4096
    assert val(m, "objcg /A audit") == {"charged_pages": 1, "live_bytes": 0, "in_hand_bytes": 0}


def test_a_command_typed_in_the_past_replaces_the_future_only_if_it_runs() -> None:
    m = run("mkdir A", "task t A", "alloc X 100 task=t cpu=0", "alloc Y 200 task=t cpu=1")
    future = json.dumps(m.snapshot())
    middle = m.commands[2].first + 2  # inside "alloc X"
    m.goto(middle)
    with pytest.raises(ScriptError):
        m.run_line("free NOPE cpu=0")
    assert m.cursor == middle and len(m.commands) == 4
    m.goto(len(m.steps))
    assert json.dumps(m.snapshot()) == future
    m.goto(middle)
    m.run_line("free X cpu=1")  # runs after alloc X completes; alloc Y is dropped
    assert [c.command.text for c in m.commands] == ["mkdir A", "task t A",
                                                    "alloc X 100 task=t cpu=0", "free X cpu=1"]
    assert val(m, "cpu 1 nr_bytes") == 100 and val(m, "cpu 0 nr_bytes") == 3996


def test_each_warning_names_the_step_that_printed_it() -> None:
    m = run("mkdir A", "charge /A 100 cpu=0", "uncharge /A 50 cpu=0", "rmdir A")
    record = m.commands[-1]
    (at,) = record.warned_at
    assert m.steps[at].data[0] == "obj_cgroup_release.uncharge"
