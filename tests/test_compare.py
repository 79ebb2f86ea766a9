"""`objcg-lab compare FILE [--json]` and `config kernel=5.8`, through the CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEN = ROOT / "screenshots" / "compare-ten.objcg"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_compare_json_has_both_kernels_with_results_and_state() -> None:
    done = cli("compare", str(TEN), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert sorted(doc) == ["5.8", "5.9"]
    for kernel, side in doc.items():
        assert sorted(side) == ["results", "state"]
        assert side["state"]["config"]["kernel"] == kernel
        assert len(side["results"]) == 111 and all(r["ret"] == 0 for r in side["results"])
    old, new = doc["5.8"]["state"]["slab"], doc["5.9"]["state"]["slab"]
    assert (old["pages"], new["pages"]) == (10, 1)
    assert (old["dead_caches"], new["dead_caches"]) == (10, 0)
    assert (old["utilisation"], new["utilisation"]) == (0.0625, 0.625)
    # the objects are the same on both; v5.8's hold no objcg
    assert [o["name"] for o in doc["5.8"]["state"]["objects"]] == \
           [o["name"] for o in doc["5.9"]["state"]["objects"]]
    assert all(o["objcg"] is None for o in doc["5.8"]["state"]["objects"])


def test_compare_text_ends_on_the_summary_line() -> None:
    done = cli("compare", str(TEN))
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("v5.9 uses 1 slab pages where v5.8 uses 10")
    assert "slab dead_caches" in done.stdout and "  *" in done.stdout


def test_a_config_kernel_line_is_ignored_with_a_note(tmp_path: Path) -> None:
    script = tmp_path / "k.objcg"
    script.write_text("config cpus=1 kernel=5.9\nmkdir A\n")
    doc = json.loads(cli("compare", str(script), "--json").stdout)
    assert doc["5.8"]["state"]["config"]["kernel"] == "5.8"
    assert any("ignored" in n for n in doc["5.8"]["results"][0]["notes"])
    assert doc["5.9"]["results"][0]["notes"] == []
    said = cli("compare", str(script)).stdout  # the text report says it too
    assert "note: the script's kernel=5.9 is ignored: each column runs it under its own release" in said


def test_errors_are_one_line_and_status_2(tmp_path: Path) -> None:
    script = tmp_path / "bad.objcg"
    script.write_text("mkdir A\ncharge /A 100 cpu=0\n")
    done = cli("compare", str(script))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (f"{script}:2: error: under kernel 5.8: kernel 5.8 has no "
                                   "obj_cgroup: charge, uncharge, get and put need kernel=5.9")
    done = cli("run", str(script).replace("bad", "nope"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    v1 = tmp_path / "v1.objcg"
    v1.write_text("config cgroup=v1 kernel=5.8\n")
    done = cli("run", str(v1))
    assert done.returncode == 2
    assert done.stderr.strip().endswith("kernel=5.8 is modelled with cgroup v2 only "
                                        "(config cgroup=v2 kernel=5.8)")
    bad = tmp_path / "k.objcg"
    bad.write_text("config kernel=5.7\n")
    assert "kernel=5.7: not a modelled release (one of 5.8, 5.9, 5.10, 5.11, 5.13, 5.14, 6.5, 6.14)" in cli("run", str(bad)).stderr


def test_run_under_kernel_58_names_v58_functions() -> None:
    done = cli("run", str(ROOT / "tests" / "scenarios" / "slab_v58_objects_outlive_cgroup.objcg"))
    assert done.returncode == 0, done.stderr
    for name in ("memcg_kmem_get_cache", "memcg_create_kmem_cache", "memcg_charge_slab",
                 "memcg_deactivate_kmem_caches", "memcg_uncharge_slab", "kmemcg_cache_shutdown",
                 "memcg_schedule_kmem_cache_create", "kmemcg_workfn"):
        assert name in done.stdout, name
    assert "≈ memcg_charge_slab" in done.stdout  # a simplification is marked
    # the clone is created by deferred work, never in the allocation that missed it
    trace = done.stdout
    assert trace.index("a1 comes from the root cache size-512") < trace.index(
        "memcg_create_kmem_cache: clone size-512(/A)")
    assert "memcg_online_kmem(/A): kmemcg_id 0; no objcg (v5.8)" in done.stdout


# -- any number of releases ------------------------------------------------------------
WORKED = ROOT / "tests" / "scenarios" / "worked_example.objcg"


def test_kernels_json_has_one_key_per_release() -> None:
    done = cli("compare", str(WORKED), "--kernels", "5.9,5.13,5.14,6.14", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert list(doc) == ["5.9", "5.13", "5.14", "6.14"]
    for kernel, side in doc.items():
        assert side["state"]["config"]["kernel"] == kernel
    # hand-derived (tests/scenarios/kernels/v514_worked_example.objcg): 5.14 keeps 92 bytes
    # cached in cpu0's stock after `free X1`, 5.9 drains them to nr_charged_bytes
    objcg = {k: next(o for o in s["state"]["objcgs"] if o["name"] == "/A") for k, s in doc.items()}
    assert objcg["5.9"]["nr_charged_bytes"] == 4096 and objcg["5.14"]["nr_charged_bytes"] == 4004
    # 6.1's MEMCG_CHARGE_BATCH of 64: the batch of X0 leaves 63 pages, plus the page
    # free X1 hands back (v5.11's page-stock uncharge): 64
    assert doc["6.14"]["state"]["config"]["charge_batch"] == 64
    assert doc["6.14"]["state"]["cpus"][0]["nr_pages"] == 64


def test_kernels_text_is_a_table_of_what_differs_with_the_commit_behind_it() -> None:
    done = cli("compare", str(WORKED), "--kernels", "5.9,5.13,5.14", "--why")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["v5.9", "v5.13", "v5.14"]
    row = next(line for line in lines if line.strip().startswith("objcg /A nr_charged_bytes"))
    assert row.split()[-4:] == ["4096", "4096", "4004", "*"]
    why = lines[lines.index(row) + 1]
    assert why.strip() == ("5.13 -> 5.14: 5.14, 5387c90490f7: mm/memcg: improve "
                           "refill_obj_stock() performance")
    assert not any("slab pages" in line for line in lines)  # equal under every release
    assert lines[-1] == ("v5.13 differs from v5.9 in 3 figure(s); "
                         "v5.14 differs from v5.13 in 4 figure(s)")


def test_unknown_or_repeated_releases_are_one_error_line(tmp_path: Path) -> None:
    for arg, says in (("5.9,5.12", "5.12: not a modelled release"),
                      ("5.9,5.9", "named twice"), ("6.14", "at least two")):
        done = cli("compare", str(WORKED), "--kernels", arg)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.strip().startswith(f"{WORKED}: error: --kernels: ") and says in done.stderr
        assert "\n" not in done.stderr.strip()


def test_attribution_finds_the_change_by_switching_it_off() -> None:
    from engine.compare import Attribution

    text = WORKED.read_text()
    why = Attribution(text, "w").why("cpu 0 nr_pages", "5.9", "5.11", 11)
    # v5.11's __memcg_kmem_uncharge sends free X1's page to cpu0's page stock (31 -> 32)
    assert [c.commits[0] for c in why.changes] == ["3de7d4f25a74"] and not why.together
    assert Attribution(text, "w").why("slab pages", "5.8", "5.9", 11).design


# -- the model's slab layout against SLUB's ---------------------------------------------
def test_slub_layout_follows_calculate_order() -> None:
    """v5.9 mm/slub.c, worked by hand for 2 CPUs (min_objects = 4 * (fls(2) + 1) = 12):
    512 B: get_order(12 * 512) = 1, 8192 % 512 = 0 -> order 1, 16 objects; 4000 B: order 3
    holds 8 < 12, so min_objects = 8, 32768 % 4000 = 768 <= 32768 / 16 -> order 3, 8;
    100 B rounds to 104 (a word): 39 per page; min_partial = ilog2(4096) / 2 = 6."""
    from engine.kernel.slab_pages import slub_layout

    assert slub_layout(512, 2, 4096)[1:3] == (1, 16)
    assert slub_layout(4000, 2, 4096)[1:3] == (3, 8)
    assert slub_layout(100, 2, 4096)[:3] == (104, 0, 39)
    assert slub_layout(4096, 2, 4096).min_partial == 6
    assert slub_layout(64, 2, 4096).min_partial == 5  # ilog2(64) / 2 = 3, clamped to 5


def test_the_saving_keeps_its_sign_under_slubs_layout() -> None:
    """compare's page figures (v5.8 against v5.9) point the same way when the live objects
    are packed into SLUB's slabs instead of the model's."""
    from engine.compare import run_both
    from engine.slab_state import slub_pages_lower_bound

    for script in (TEN, ROOT / "tests" / "scenarios" / "large_objects.objcg",
                   ROOT / "tests" / "scenarios" / "slab_v58_objects_outlive_cgroup.objcg"):
        sides = run_both(script.read_text(), str(script))
        model = {k: s.figures().pages for k, s in sides.items()}
        slub = {k: slub_pages_lower_bound(s.machine.state) for k, s in sides.items()}
        sign = (model["5.8"] > model["5.9"]) - (model["5.8"] < model["5.9"])
        assert sign == (slub["5.8"] > slub["5.9"]) - (slub["5.8"] < slub["5.9"]), script
