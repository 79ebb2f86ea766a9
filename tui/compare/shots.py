"""Pictures of the compare view for screenshots/ (called by `python3 -m tui.screenshots`).

Each comes from screenshots/compare-ten.objcg, opened and driven by keys as a person
would, at a given terminal size.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from tui.compare.app import CompareApp, load

SCRIPT = "screenshots/compare-ten.objcg"


@dataclass(frozen=True)
class CompareShot:
    name: str
    caption: str
    keys: tuple[str, ...]
    size: tuple[int, int] = (120, 40)


SHOTS = (
    CompareShot("compare-ten", "objcg-lab compare on ten short-lived cgroups that each leave one "
                "256-byte object behind: ten dead v5.8 clones with a page each, one shared v5.9 page.",
                ("G",)),
    CompareShot("compare-step", "Both kernels inside the same alloc, stepping together: v5.8 "
                "creates a clone and charges a whole slab page (≈ marks the model's "
                "simplification), v5.9 charges bytes through the objcg.",
                ("N",) * 17 + ("n",) * 5),
    CompareShot("compare-80x24", "The same comparison at 80x24.", ("G",), (80, 24)),
)


async def _take(shot: CompareShot, script: str) -> str:
    app = CompareApp(load(script), script)
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
