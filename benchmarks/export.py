"""Export benchmark (issues 5 and 10): a 1,000-micro-step recording exported as an
asciicast, SVGs (per chapter and per step), a handout and an HTML page.
Run: python3 benchmarks/export.py [--quick] [--only cast,svg-step,...]

Times are wall clock and this process's CPU time: on a shared machine the CPU time is
the figure to compare (other processes stretch the wall clock, not the CPU time).

The recording is generated (allocs and frees by tasks in 8 cgroups on 4 CPUs, a chapter
every ~100 micro-steps, a pause every ~50) and written to a temporary directory; every
export goes through the CLI's code path. Figures go to stdout; nothing asserts a time.
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

from engine import Machine  # noqa: E402
from engine.recording import Mark, render  # noqa: E402
from tui.export.run import (export_cast, export_handout, export_html,  # noqa: E402
                             export_svg)
from tui.export.screen import Options  # noqa: E402


def recording(steps: int, seed: int = 5) -> tuple[str, int, int]:
    """A recording of at least `steps` micro-steps: (text, micro-steps, commands)."""
    rng = random.Random(seed)
    lines = ["config cpus=4"] + [f"mkdir G{i}" for i in range(8)]
    lines += [f"task t{i} G{i}" for i in range(8)]
    machine = Machine()
    for n, line in enumerate(lines, 1):
        machine.run_line(line, "<bench>", n)
    live: list[str] = []
    serial = 0
    while len(machine.steps) < steps:
        if live and rng.random() < 0.45:
            line = f"free {live.pop(rng.randrange(len(live)))} cpu={rng.randrange(4)}"
        else:
            serial += 1
            live.append(f"X{serial}")
            line = (f"alloc X{serial} {rng.choice((64, 96, 700, 2000, 4000))} "
                    f"task=t{rng.randrange(8)} cpu={rng.randrange(4)}")
        machine.run_line(line, "<bench>", len(lines) + 1)
        lines.append(line)
    total = len(machine.steps)
    marks = [Mark(c, "chapter", f"Part {i + 1}") for i, c in enumerate(range(0, total, 100))]
    marks += [Mark(c, "pause") for c in range(50, total, 100)]
    commands = [(c.command.text, c.first, c.end) for c in machine.commands]
    return render(commands, marks, title="Benchmark"), total, len(commands)


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.iterdir())


def main(argv: list[str]) -> int:
    steps = 200 if "--quick" in argv else 1000
    only = argv[argv.index("--only") + 1].split(",") if "--only" in argv else None
    text, total, commands = recording(steps)
    options = Options()
    chapters = text.count("#@ chapter")
    print(f"recording: {commands} commands, {total} micro-steps, {chapters} chapters; "
          f"explorer at {options.size[0]}x{options.size[1]}")
    print("| export | wall time | CPU time | CPU per frame or picture | output |")
    print("| --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "bench.objcg"
        source.write_text(text)
        src = str(source)
        jobs = [
            ("cast", "bench.cast", total + 1,
             lambda out: export_cast(src, out, options, False)),
            ("svg-chapter", "chapters", chapters,
             lambda out: export_svg(src, out, options, "chapter", False, False)),
            ("svg-step", "steps", total + 1,
             lambda out: export_svg(src, out, options, "step", False, False)),
            ("handout", "handout", chapters,
             lambda out: export_handout(src, out, options, False, png=False)),
            ("html", "web", total + 1,
             lambda out: export_html(src, out, options, False)),
        ]
        for name, target, count, job in jobs:
            if only is not None and name not in only:
                continue
            out = Path(tmp) / target
            wall, cpu = time.perf_counter(), time.process_time()
            job(out)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"| {name} | {wall:.1f} s | {cpu:.1f} s | {1000 * cpu / count:.1f} ms | "
                  f"{size_of(out) / 1e6:.2f} MB |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
