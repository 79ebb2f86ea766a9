"""A wheel built from the repository carries the lessons and the built-in scenario: a
regular (non-editable) install lists, checks and plays the course (issue 11).

Slow but bounded (a wheel build and a venv, about half a minute): it needs setuptools
and wheel, which pip fetches for the isolated build, or finds installed, and pip 22.3 or
newer (`pip --python` installs the wheel into a venv made without pip). A wheel that
does not build or install fails the test.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: Any) -> tuple[str, dict[str, str]]:
    """(the venv's python, its environment): the wheel installed without the clone."""
    base = tmp_path_factory.mktemp("wheel")
    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = base / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "*.egg-info", "__pycache__", "tests", "screenshots", "benchmarks"))
    built = run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w",
                 str(base / "dist")])
    assert built.returncode == 0, f"the wheel does not build:\n{built.stderr}"
    wheels = glob.glob(str(base / "dist" / "objcg_lab-*.whl"))
    assert len(wheels) == 1, wheels
    wheel = wheels[0]
    # A venv without its own pip (ensurepip costs seconds): this pip installs into it.
    venv.create(base / "venv", with_pip=False)
    python = str(base / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python")
    done = run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                "--no-index", "-q", wheel])
    assert done.returncode == 0, done.stderr
    # Dependencies (textual, rich...) come from this interpreter's site-packages, put on
    # PYTHONPATH: .pth files there are not read, so a development (editable) install of
    # objcg-lab cannot shadow the wheel.
    env = {**os.environ, "PYTHONPATH": sysconfig.get_path("purelib")}
    return python, env


def test_the_wheel_has_the_course(installed: tuple[str, dict[str, str]], tmp_path: Any) -> None:
    python, env = installed
    cwd = str(tmp_path)  # nowhere near the clone
    where = run([python, "-c", "import engine, lessons, os; print(engine.__file__)"], cwd=cwd, env=env)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(os.path.dirname(os.path.dirname(python))), where.stdout
    listed = run([python, "-m", "tui.cli", "lesson"], cwd=cwd, env=env)
    assert listed.returncode == 0, listed.stderr
    assert " 1. 01-why-objcg" in listed.stdout and "14-memory-max" in listed.stdout
    checked = run([python, "-m", "tui.cli", "lesson", "check", "1", "6", "14"], cwd=cwd, env=env)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.count(": ok: ") == 3
    practice = run([python, "-m", "tui.cli", "practice", "--seed", "1", "-c", "-n", "2"], cwd=cwd, env=env)
    assert practice.returncode == 0 and practice.stdout.count("  A: ") == 2, practice.stderr


def test_the_wheel_plays_a_lesson_and_opens_the_scenario(installed: tuple[str, dict[str, str]],
                                                          tmp_path: Any) -> None:
    python, env = installed
    script = (
        "import asyncio\n"
        "from tui.lesson.app import LessonApp\n"
        "from engine.lessons.course import find\n"
        "from tui import scenarios\n"
        "assert 'rmdir' in scenarios.default_text()\n"
        "async def main():\n"
        "    app = LessonApp(find('2').path, progress_path='progress.json')\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        await pilot.pause()\n"
        "        assert app.player is not None and app.player.index == 0\n"
        "        await pilot.press('right_square_bracket')\n"
        "        await pilot.pause()\n"
        "        print('step', app.player.index)\n"
        "asyncio.run(main())\n")
    done = run([python, "-c", script], cwd=str(tmp_path), env=env)
    assert done.returncode == 0, done.stderr
    assert "step 1" in done.stdout
