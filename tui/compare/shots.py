"""Pictures of the compare view for screenshots/ (called by `python3 -m tui.screenshots`).

Each comes from a script (screenshots/compare-ten.objcg for v5.8 against v5.9, the worked
example for later releases), opened and driven by keys as a person would, at a given
terminal size.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from engine.compare import DEFAULT_KERNELS, Attribution
from engine.headless import read_script
from tui.compare.app import CompareApp, load

SCRIPT = "screenshots/compare-ten.objcg"
WORKED = "tests/scenarios/worked_example.objcg"
TIMELINE = ("5.9", "5.13", "5.14", "6.14")


@dataclass(frozen=True)
class CompareShot:
    name: str
    caption: str
    keys: tuple[str, ...]
    size: tuple[int, int] = (120, 40)
    script: str = SCRIPT
    kernels: tuple[str, ...] = DEFAULT_KERNELS


SHOTS = (
    CompareShot("compare-ten", "objcg-lab compare on ten short-lived cgroups that each leave one "
                "256-byte object behind: ten dead v5.8 clones with a page each, one shared v5.9 page.",
                ("G",)),
    CompareShot("compare-step", "Both kernels inside the same alloc, stepping together: v5.8 "
                "charges a whole slab page to /C1 for its clone's first slab (≈ marks the "
                "model's simplification), v5.9 takes the bytes from the objcg's byte stock.",
                ("N",) * 15 + ("n",) * 8),
    CompareShot("compare-80x24", "The same comparison at 80x24.", ("G",), (80, 24)),
    CompareShot("compare-releases", "`compare tests/scenarios/worked_example.objcg --kernels "
                "5.9,5.13,5.14,6.14` at the end: a column per release, a row per figure that "
                "differs, each change highlighted against the release before it; `w` on the "
                "v5.14 cell of objcg /A nr_charged_bytes names 5387c90490f7.",
                ("G", "down", "down", "down", "down", "right", "right", "right", "w"),
                script=WORKED, kernels=TIMELINE),
    CompareShot("compare-releases-80x24", "The same table at 80x24, on memcg /A usage under "
                "v6.14: MEMCG_CHARGE_BATCH 64 (6.1).",
                ("G", "down", "right", "right", "right", "right", "w"), (80, 24),
                script=WORKED, kernels=TIMELINE),
    CompareShot("compare-two-releases", "Two releases side by side (`--kernels 5.9,5.14`): "
                "objcgs, stocks and memcgs, what differs highlighted, `w` naming the change.",
                ("G", "w", "w", "w", "w"), script=WORKED, kernels=("5.9", "5.14")),
)


async def _take(shot: CompareShot, script: str) -> str:
    app = CompareApp(load(shot.script, shot.kernels), shot.script,
                     attribution=Attribution(read_script(shot.script), shot.script))
    async with app.run_test(size=shot.size) as pilot:
        await pilot.pause()
        await pilot.press(*shot.keys)
        await pilot.pause()
        return app.export_screenshot(title=f"objcg-lab: {shot.name}")


def take_all(out: Path, png: bool) -> list[tuple[str, str]]:
    """Write each shot's SVG (and PNG) into `out`; (name, caption) for the README."""
    from tui.screenshots import svg_to_png

    done = []
    for shot in SHOTS:
        svg = out / f"{shot.name}.svg"
        svg.write_text(asyncio.run(_take(shot, SCRIPT)), encoding="utf-8")
        if png:
            svg_to_png(svg, out / f"{shot.name}.png")
        done.append((shot.name, shot.caption))
    return done


if __name__ == "__main__":
    import sys

    args = [a for a in sys.argv[1:] if a != "--png"]
    for name, _ in take_all(Path(args[0] if args else "screenshots"), "--png" in sys.argv):
        print(name)
