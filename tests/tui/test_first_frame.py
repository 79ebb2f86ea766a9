"""The explorer's first frame costs what the first screen needs, no more (its time is
measured by benchmarks/tui.py against a bare Textual app; here, what it does)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import tui.launch
seen = {}
def explore(*args, **kwargs):
    seen["modules"] = sorted(sys.modules)
    return 0
tui.launch.main_explore = explore
import tui.cli
tui.cli.main([])
print(json.dumps(seen["modules"]))
"""


def test_the_explorer_starts_without_what_its_first_screen_does_not_need():
    """`objcg-lab` (the explorer) imports neither the lessons and practice (once read for
    the practice command's help), nor the recording, export and serving commands, nor
    the help, completion, find and who-pins machinery."""
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True).stdout
    modules = set(json.loads(out))
    unneeded = {"engine.practice_cli", "engine.practice", "engine.lessons", "tui.export.cli",
                "tui.serve.cli", "tui.serve", "tui.widgets.help_screen", "tui.complete", "tui.typed",
                "tui.find", "engine.pins", "networkx"}
    assert not unneeded & modules, sorted(unneeded & modules)
    assert "tui.app" in modules  # the probe did reach the explorer


async def test_the_key_bar_is_built_once_for_the_first_frame(make_app, monkeypatch):
    """Textual's Footer rebuilt its keys at every bindings signal: ten times before the
    first frame. The key bar rebuilds only when the keys to show change."""
    from textual.widgets import Footer

    from tui.widgets.keybar import KeyBar

    builds = []
    original = Footer.recompose

    async def counted(self) -> None:
        builds.append(type(self))
        await original(self)

    monkeypatch.setattr(Footer, "recompose", counted)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert len(builds) <= 1, builds
        bar = app.query_one(KeyBar)
        assert "step" in " ".join(str(key.render()) for key in bar.query("FooterKey"))
        await pilot.press("colon")  # the command line's own keys: one rebuild
        await pilot.pause()
        assert len(builds) <= 2, builds
