"""Comparing, reading and showing field values, the same way everywhere.

The JSON state holds ints, booleans, names (memcg and objcg names start with '/'),
None (null: no objcg, unlimited max) and lists (objcg_list). A teacher writes them in
TOML, a learner types them as text; both must compare equal to what the engine says.
"""
from __future__ import annotations

import re
from typing import Any

from engine.lessons.model import Value

_NUMBER = re.compile(r"^([+-]?\d+)\s*([KM]?)(?:i?B)?$", re.IGNORECASE)


_SIZE = re.compile(r"^\s*(\d+)\s*([KM])\s*$", re.IGNORECASE)


def size_value(text: str) -> int | None:
    """'8K' -> 8192, '1M' -> 1048576 (sizes as the script writes them); else None."""
    match = _SIZE.match(text)
    if match is None:
        return None
    return int(match.group(1)) * {"K": 1024, "M": 1024 * 1024}[match.group(2).upper()]


def same(expected: Value, actual: Any) -> bool:
    """Equal as the state means it: 1 is not true, '/A' is 'A' for a cgroup name."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(map(same, expected, actual))
    if isinstance(expected, str) and isinstance(actual, str):
        if actual.startswith("/"):  # a cgroup name: '/A' may be typed 'A'
            return "/" + expected.strip().lstrip("/") == actual
        return expected.strip() == actual
    return type(expected) is type(actual) and expected == actual


def parse_typed(text: str) -> Value:
    """What a learner typed: '4096', '4K', 'true', 'none', '/A', '/B, /A' (a list)."""
    text = text.strip()
    low = text.lower()
    if low in ("none", "null", "nothing", "-"):
        return None
    if low in ("true", "yes", "false", "no"):
        return low in ("true", "yes")
    match = _NUMBER.match(text)
    if match:
        return int(match.group(1)) * {"": 1, "K": 1024, "M": 1024 * 1024}[match.group(2).upper()]
    if low in ("[]", "empty", "(empty)"):
        return []
    if "," in text or text.startswith("["):
        parts = [p.strip() for p in text.strip("[]").split(",") if p.strip()]
        return [parse_typed(p) for p in parts]  # type: ignore[misc]
    return text


def show(value: Any) -> str:
    """A value as a teacher writes it in TOML (and as the answer key prints it)."""
    if value is None:
        return '"none"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def shown(value: Any) -> str:
    """A value as a learner types it: 4096, none, true, /A, [/A/B, /A]."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]" if value else "[] (empty)"
    return str(value)
