"""The big comparison (issue 12): a generated workload under v5.8 and v5.9.

Run: python3 benchmarks/compare.py [--quick] [--write FILE]

A few long-lived services allocate objects that stay; many short-lived jobs come and go,
each allocating a burst of objects of a few sizes, freeing most of them and leaving some
alive after its rmdir (as dentries, inodes and socket buffers outlive the job that made
them). Prints both kernels' slab pages and utilisation, the saving, and the time of
`compare` against `run` on the same script (best of three, both with every invariant
checked, as the headless commands run). `--write FILE` saves the script, for
`objcg-lab compare FILE`. Figures go to stdout; nothing here asserts a time.
"""
from __future__ import annotations

import os
import random
import sys
import time

sys.path[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

from engine.compare import run_both, summary_line  # noqa: E402
from engine.headless import run_script  # noqa: E402

SIZES = (64, 192, 256, 512, 1024)  # a dentry-, inode-, skbuff-like mix


def churn_workload(jobs: int = 300, services: int = 6, cpus: int = 4, seed: int = 58) -> list[str]:
    """Long-lived services plus `jobs` short-lived cgroups whose leftovers outlive them."""
    rng = random.Random(seed)
    lines = [f"config cpus={cpus}"]
    live: list[str] = []
    serial = 0

    def alloc(task: str, size: int) -> str:
        nonlocal serial
        name = f"o{serial}"
        serial += 1
        lines.append(f"alloc {name} {size} task={task} cpu={rng.randrange(cpus)}")
        return name

    for s in range(services):
        lines += [f"mkdir svc{s}", f"task s{s} svc{s}"]
    for j in range(jobs):
        lines += [f"mkdir job{j}", f"task j{j} job{j}"]
        burst = [alloc(f"j{j}", rng.choice(SIZES)) for _ in range(rng.randrange(8, 40))]
        rng.shuffle(burst)
        keep = max(1, len(burst) // 10)  # about one object in ten outlives the job
        for name in burst[keep:]:
            lines.append(f"free {name} cpu={rng.randrange(cpus)}")
        live += burst[:keep]
        lines += [f"exit j{j}", f"rmdir job{j}"]
        for _ in range(rng.randrange(10, 30)):  # the services keep working meanwhile
            live.append(alloc(f"s{rng.randrange(services)}", rng.choice(SIZES)))
        while len(live) > 300 * services and rng.random() < 0.97:  # old objects go, at random
            lines.append(f"free {live.pop(rng.randrange(len(live)))} cpu={rng.randrange(cpus)}")
    return lines


def best_of(runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    quick = "--quick" in sys.argv
    lines = churn_workload(jobs=60 if quick else 300)
    text = "\n".join(lines) + "\n"
    if "--write" in sys.argv:
        path = sys.argv[sys.argv.index("--write") + 1]
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {path}")
    sides = run_both(text, "<churn>")
    old, new = sides["5.8"].figures(), sides["5.9"].figures()
    print(f"workload: {len(lines)} commands, {old.objects} objects alive at the end")
    for kernel, f in (("v5.8", old), ("v5.9", new)):
        print(f"  {kernel}: {f.pages} slab pages, utilisation {100 * (f.utilisation or 0):.1f}%, "
              f"{f.caches} caches ({f.dead_caches} dead), {f.dying_memcgs} dying memcgs")
    if old.pages:
        print(f"  slab memory saved: {100 * (old.pages - new.pages) / old.pages:.1f}%; "
              f"utilisation {100 * (old.utilisation or 0):.1f}% -> {100 * (new.utilisation or 0):.1f}%")
    print(summary_line(old, new))
    runs = 1 if quick else 3
    # CPU time of this process: the machine is shared, wall time would measure the others
    t_run = best_of(runs, lambda: run_script(text, "<churn>"))
    t_compare = best_of(runs, lambda: run_both(text, "<churn>"))
    print(f"run: {t_run:.2f} s; compare: {t_compare:.2f} s ({t_compare / t_run:.2f}x run; target < 3x)")


if __name__ == "__main__":
    main()
