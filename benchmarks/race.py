"""How fast `objcg-lab race` searches (issue: a two-CPU block of up to 80 micro-steps at
bound 2 in under 5 s on the 2-core development machine).

Run: python3 benchmarks/race.py [--runs N]

For each script: the block's micro-steps (threads in order), the schedules run, the
whole `objcg-lab race` process (wall and CPU time, best of N), schedules per second, and
for the seed races the schedules and CPU time until the first oops. Figures go to
stdout; nothing here asserts a time.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path[0] = ROOT

from engine.machine import Machine  # noqa: E402
from engine.race import Outcome, search, split_script  # noqa: E402

# Two CPUs, 78 micro-steps when the threads run in order: allocations that charge pages
# and switch byte stocks, frees, a limit write whose drain_all_stock reads the other
# CPU's stock, and a drain of that stock.
EIGHTY = """config cpus=2
mkdir A
mkdir B
task tA A
task tB B
alloc X 100 task=tA cpu=1
together
  alloc X1 4000 task=tA cpu=0
  alloc X2 200 task=tA cpu=0
  free X1 cpu=0
  write A memory.max 1M cpu=0
  alloc Y1 200 task=tB cpu=1
  free X cpu=1
  drain cpu=1
end
"""
SCRIPTS = [("80 micro-steps", None), ("flush_required_null", "tests/races/flush_required_null.objcg"),
           ("charge_css_get_zero", "tests/races/charge_css_get_zero.objcg")]


def micro_steps(text: str) -> int:
    machine = Machine(history=True, check=False)
    record = None
    for number, line in enumerate(text.splitlines(), 1):
        record = machine.run_line(line, "<bench>", number) or record
    return len(record.taken) if record is not None else 0


def whole_process(path: str, runs: int) -> tuple[float, float]:
    """Best wall and CPU seconds of `objcg-lab race PATH` (a fresh interpreter each)."""
    best_wall = best_cpu = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tui.cli", "race", path], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


def first_oops(text: str, where: str) -> tuple[int | None, float]:
    """Schedules and CPU seconds until the search meets its first oops."""
    script = split_script(text, where)
    start = time.process_time()
    seen: list[float] = []

    def new(outcome: Outcome) -> None:
        if outcome.kind == "oops" and not seen:
            seen.append(time.process_time() - start)

    report = search(script, where, 2, None, on_new=new)
    return report.first_oops_at, seen[0] if seen else float("nan")


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores); best of {runs}")
    for name, path in SCRIPTS:
        if path is None:
            with tempfile.NamedTemporaryFile("w", suffix=".objcg", delete=False) as handle:
                handle.write(EIGHTY)
            path, text = handle.name, EIGHTY
        else:
            path = os.path.join(ROOT, path)
            text = open(path, encoding="utf-8").read()
        script = split_script(text, path)
        start = time.process_time()
        report = search(script, path, 2, None)
        cpu = time.process_time() - start
        wall, process_cpu = whole_process(path, runs)
        print(f"{name}: {micro_steps(text)} micro-steps in order, {report.schedules} schedules "
              f"at bound 2, {len(report.outcomes)} outcomes")
        print(f"  search {cpu:.2f} s CPU ({report.schedules / cpu:.0f} schedules/s); "
              f"`objcg-lab race` {wall:.2f} s wall, {process_cpu:.2f} s CPU")
        if report.first_oops_at is not None:
            at, seconds = first_oops(text, path)
            print(f"  first oops at schedule {at}, after {seconds:.3f} s CPU")


if __name__ == "__main__":
    main()
