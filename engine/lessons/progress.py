"""The learner's progress: which steps of which lessons are done, in a small JSON file.

Pure file handling: the caller passes the path (default_path() is where the player
keeps it: $XDG_DATA_HOME/objcg-lab/progress.json, else ~/.local/share/...). A missing
or damaged file means "no progress yet", never an error: losing a learner's ticks is
better than refusing to start.

    {"version": 1, "lessons": {"02-byte-stock": {"done": [0, 1, 2], "completed": false}}}
"""
from __future__ import annotations

import json
import os
from typing import Any


def default_path() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "objcg-lab", "progress.json")


def load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {"version": 1, "lessons": {}}
    if not isinstance(data, dict) or not isinstance(data.get("lessons"), dict):
        return {"version": 1, "lessons": {}}
    return data


def save(path: str, data: dict[str, Any]) -> None:
    """Write atomically (a crash mid-write must not lose earlier progress)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.replace(tmp, path)


def mark(data: dict[str, Any], lesson: str, step: int, nr_steps: int) -> dict[str, Any]:
    """A new progress document with `step` of `lesson` done."""
    lessons = dict(data.get("lessons", {}))
    entry = lessons.get(lesson, {})
    done = sorted(set(entry.get("done", [])) | {step})
    lessons[lesson] = {"done": done, "completed": len(done) >= nr_steps}
    return {**data, "version": 1, "lessons": lessons}


def summary(data: dict[str, Any], lesson: str, nr_steps: int) -> str:
    """'done', 'not started' or '3/7' for the lesson list."""
    entry = data.get("lessons", {}).get(lesson)
    if not entry:
        return "not started"
    if entry.get("completed"):
        return "done"
    return f"{len(entry.get('done', []))}/{nr_steps}"


def reset(data: dict[str, Any], lesson: str | None = None) -> dict[str, Any]:
    """Forget one lesson's progress, or everything."""
    if lesson is None:
        return {"version": 1, "lessons": {}}
    lessons = {k: v for k, v in data.get("lessons", {}).items() if k != lesson}
    return {**data, "lessons": lessons}
