"""Mutation check: small wrong changes to the engine and the screen that a test must catch.

Run: python3 benchmarks/mutants.py [--list] [--only TEXT] [--tests FILE...] [--no-baseline]

Each mutant replaces one exact piece of source (it must occur exactly once, or the
mutant is reported stale: mend it after the code moved) in a temporary copy of the
tree, never in the working tree, and runs the tests chosen for it there (`-x`: the first
failure kills it). A mutant the tests let pass is a survivor; the score to keep is 0
survivors. Before the mutants, each test selection runs once on the unchanged copy: a
selection that fails already would kill every mutant and prove nothing.

On demand, not in CI: it takes a few minutes (about 25 s per engine mutant survivor).
Exit status: 0 when every mutant is killed, 1 otherwise.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Test selections: the engine tier (goldens, properties, invariants; about 25 s) and the
# screen tier (figures read back from the panels).
ENGINE = ("tests/test_golden.py", "tests/test_engine.py", "tests/test_invariant_checks.py",
          "tests/test_v1_pages.py", "tests/test_properties.py",
          "tests/test_properties_stateful.py", "tests/test_properties_slab.py")
SCREEN = ("tests/tui/test_figures_by_hand.py", "tests/tui/test_panel_figures.py",
          "tests/tui/test_tui_present.py")
BRIDGE = ("tests/test_export_textual_bridge.py",)
ROWS = ("tests/tui/test_row_memo.py",)
GUARD = ("tests/test_engine.py",)


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTANTS = [
    # -- the seven a mutation review found unguarded ----------------------------------------
    Mutant("v1 memory.events counted in the ancestors", "engine/kernel/memcg.py",
           "        k.st.add(k.memcgs[name], field, 1)\n        if k.v1:\n            break\n",
           "        k.st.add(k.memcgs[name], field, 1)\n", ENGINE),
    Mutant("the KiB beside usage from 1024-byte pages", "tui/present/tree_text.py",
           "kib(usage * world.page_size)", "kib(usage * 1024)", SCREEN),
    Mutant("kfail shows the memory failcnt", "tui/present/tree_text.py",
           'f" kfail {failcnt}"', "f\" kfail {rec['failcnt']}\"", SCREEN),
    Mutant("objcg ref counts the kinds of holder", "tui/present/objcg.py",
           "f\" ref {rec['refcnt']}\"", "f\" ref {len(rec['holders'])}\"", SCREEN),
    Mutant("the size of memory.max from the batch", "tui/present/tree_text.py",
           "kib(limit * world.page_size)", "kib(limit * world.batch)", SCREEN),
    Mutant("the Δ line drops the bytes unit", "tui/present/delta.py",
           'return f"{_show(old)}→{_show(new)} B"', 'return f"{_show(old)}→{_show(new)}"',
           SCREEN),
    Mutant("settle swallows a failed handler", "tui/export/textual_bridge.py",
           "            if app._exception is not None:  # a handler failed: say what, not \"did"
           " not settle\"\n                raise app._exception\n", "", BRIDGE),
    # -- more figures on the panels ------------------------------------------------------------
    Mutant("the byte stock shows the page stock's owner", "tui/present/stocks.py",
           '_named(_ptr(cpu["cached_objcg"])', '_named(_ptr(cpu["cached"])', SCREEN),
    Mutant("an object's size counts the objcg pointer", "tui/present/objects.py",
           "field(f\"{rec['size']:>7} B\"", "field(f\"{rec['size'] + 8:>7} B\"", SCREEN),
    Mutant("the byte sum's live bytes are the stocked ones", "tui/present/status.py",
           'Text.assemble((f"{c.live} live", LIVE)', 'Text.assemble((f"{c.stocks} live", LIVE)',
           SCREEN),
    Mutant("the tree counts live descendants as dying", "tui/present/tree_text.py",
           'dying = rec["nr_dying_descendants"]', 'dying = rec["nr_descendants"]', SCREEN),
    Mutant("the Δ line swaps old and new", "tui/present/delta.py",
           "_change(fld, old, new)", "_change(fld, new, old)", SCREEN),
    Mutant("the objcg panel's nr_charged_bytes are its live bytes", "tui/present/objcg.py",
           'styled(f" {lab} {left}", changed, "cyan" if left else DIM)',
           'styled(f" {lab} {rec[\'live\']}", changed, "cyan" if left else DIM)', SCREEN),
    Mutant("kept rows survive a step that touched what they read", "tui/widgets/rowmemo.py",
           "kept = {key: value for key, value in kept.items() if not value[1] & change.touched}",
           "kept = dict(kept)", ROWS),
    Mutant("the engine imports rich where it is used", "engine/pins.py",
           "from __future__ import annotations\n",
           "from __future__ import annotations\n\n\ndef _styled() -> None:\n    import rich\n",
           GUARD),
    # -- the byte stock ------------------------------------------------------------------------
    Mutant("refill_obj_stock drains at exactly PAGE_SIZE", "engine/kernel/objstock.py",
           "    if total <= ps:\n        pass\n", "    if total < ps:\n        pass\n", ENGINE),
    Mutant("consume_obj_stock refuses an exact fit", "engine/kernel/objstock.py",
           "if cached != objcg or have < nr_bytes:", "if cached != objcg or have <= nr_bytes:",
           ENGINE),
    Mutant("drain_obj_stock overwrites nr_charged_bytes", "engine/kernel/objstock.py",
           '            memcg_kmem_uncharge(k, memcg, nr_pages)\n        st.add(rec, "nr_charged_bytes", rem)',
           '            memcg_kmem_uncharge(k, memcg, nr_pages)\n        st.set(rec, "nr_charged_bytes", rem)',
           ENGINE),
    Mutant("drain_obj_stock uncharges the objcg's first memcg", "engine/kernel/objstock.py",
           'memcg = rec["memcg"]  # the objcg\'s *current* memcg', "memcg = old  #", ENGINE),
    Mutant("obj_stock_flush_required reads the objcg's first memcg", "engine/kernel/objstock.py",
           'return k.is_descendant(rec["memcg"], root_memcg)',
           "return k.is_descendant(cached, root_memcg)", ENGINE),
    # -- charging ------------------------------------------------------------------------------
    Mutant("obj_cgroup_charge rounds the pages down", "engine/kernel/objcg.py",
           "    if rem:\n        nr_pages += 1\n", "", ENGINE),
    Mutant("try_charge's batch one page short", "engine/kernel/memcg.py",
           "batch = max(k.batch, nr_pages)", "batch = max(k.batch - 1, nr_pages)", ENGINE),
    Mutant("try_charge charges the root", "engine/kernel/memcg.py",
           "    if memcg == ROOT and root_check:\n        # Nothing is charged",
           "    if False:\n        # Nothing is charged", ENGINE),
    # (refill_stock's `> MEMCG_CHARGE_BATCH` turned `>=` is no mutant: in v5.9 only
    # try_charge refills, after a miss, so the page stock never reaches the batch)
    Mutant("consume_stock refuses an exact fit", "engine/kernel/stock.py",
           'stock["nr_pages"] < nr_pages:', 'stock["nr_pages"] <= nr_pages:', ENGINE),
    Mutant("drain_stock keeps its css reference", "engine/kernel/stock.py",
           '    css_put(k, old, f"stock:cpu{cpu}")\n', "", ENGINE),
    Mutant("the fast mode forgets the dying count of the ancestors", "engine/kernel/base.py",
           "                if key2:\n                    rec[key2] += delta2\n", "", ENGINE),
    # -- a memcg's end -----------------------------------------------------------------------------
    Mutant("reparenting forgets the parent's css_get", "engine/kernel/lifecycle.py",
           '    css_get(k, parent, f"objcg:{objcg}")\n', "", ENGINE),
    Mutant("reparenting forgets the dying memcg's css_put", "engine/kernel/lifecycle.py",
           '        css_put(k, memcg, f"objcg:{child_objcg}")\n', "", ENGINE),
    Mutant("offline leaves the children's kmemcg_id", "engine/kernel/lifecycle.py",
           'if child["kmemcg_id"] == kmemcg_id:', "if False:", ENGINE),
    Mutant("obj_cgroup_release rounds the leftover up", "engine/kernel/refs.py",
           "nr_pages = nr_bytes // ps", "nr_pages = -(-nr_bytes // ps)", ENGINE),
    Mutant("obj_cgroup_release keeps its css reference", "engine/kernel/refs.py",
           '    css_put(k, memcg, f"objcg:{objcg}")\n', "", ENGINE),
    Mutant("get_obj_cgroup_from_current stops at a memcg without objcg", "engine/kernel/objcg.py",
           "        memcg = parent\n", "        break\n", ENGINE),
]


def copy_tree(into: Path) -> Path:
    tree = into / "tree"
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", ".pytest_cache", ".hypothesis", "*.egg-info", "build"))
    return tree


def run_tests(tree: Path, tests: tuple[str, ...]) -> tuple[bool, str, float]:
    """(passed, the first failure's name or the tail of the output, seconds)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1",
           "OBJCG_LAB_HYPOTHESIS": "mutants"}  # tests/conftest.py: no shrinking
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                               *tests], cwd=tree, env=env, capture_output=True, text=True,
                              timeout=900)
    except subprocess.TimeoutExpired:
        return False, "timed out (a mutant that never ends is killed)", time.monotonic() - start
    took = time.monotonic() - start
    failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    why = failed[0] if failed else " / ".join(done.stdout.strip().splitlines()[-2:])
    return done.returncode == 0, why, took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--only", default="", help="run the mutants whose name contains TEXT")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run of each selection on the unchanged tree")
    parser.add_argument("--tests", nargs="+", metavar="FILE",
                        help="run these tests for every mutant instead of its own selection")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args()
    chosen = [m for m in MUTANTS if args.only.lower() in m.name.lower()]
    if args.tests:
        chosen = [replace(m, tests=tuple(args.tests)) for m in chosen]
    if args.list:
        for m in chosen:
            print(f"{m.path:32} {m.name}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="objcg-mutants-"))
    try:
        tree = copy_tree(work)
        if not args.no_baseline:
            for tests in dict.fromkeys(m.tests for m in chosen):
                ok, why, took = run_tests(tree, tests)
                print(f"baseline {' '.join(tests)}: {'passes' if ok else 'FAILS'} ({took:.0f} s)")
                if not ok:
                    print(f"  {why}\nthe unchanged tree fails: no mutant can be judged")
                    return 1
        survivors, stale = [], []
        for m in chosen:
            source = tree / m.path
            original = source.read_text()
            if original.count(m.old) != 1:
                stale.append(m)
                print(f"STALE     {m.name}: the text to change occurs {original.count(m.old)} "
                      f"times in {m.path}")
                continue
            source.write_text(original.replace(m.old, m.new))
            try:
                passed, why, took = run_tests(tree, m.tests)
            finally:
                source.write_text(original)
            if passed:
                survivors.append(m)
            print(f"{'SURVIVED' if passed else 'killed  '}  {m.name} ({took:.0f} s)"
                  + ("" if passed else f"\n          by {why}"), flush=True)
        print(f"\n{len(chosen) - len(survivors) - len(stale)} killed, {len(survivors)} survived, "
              f"{len(stale)} stale, of {len(chosen)} mutants")
        return 1 if survivors or stale else 0
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
