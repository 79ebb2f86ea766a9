"""Kernel WARN_ON_ONCE hits drawn as dmesg prints them."""
from __future__ import annotations

import re


_WARN = re.compile(r"^WARNING in (?P<fn>\w+): (?P<msg>.*?)(?: \(WARN_ON_ONCE: (?P<once>.*)\))?$")
_WARN_FILE = {"obj_cgroup_release": "mm/memcontrol.c", "page_counter_cancel": "mm/page_counter.c"}


def warn_function(warning: str) -> str | None:
    match = _WARN.match(warning)
    return match.group("fn") if match else None


def kernel_warning(warning: str, cpu: int | None) -> list[str]:
    """A WARN_ON_ONCE hit as dmesg shows it; a repeat the kernel stays silent about says so."""
    match = _WARN.match(warning)
    if match is None:
        return [warning]
    fn, msg, once = match.group("fn"), match.group("msg"), match.group("once") or ""
    if "already printed" in once:
        return [f"(WARN_ON_ONCE in {fn} hit again: the kernel prints nothing this time)"]
    where = f"CPU: {cpu if cpu is not None else 0}"
    return ["------------[ cut here ]------------",
            f"WARNING: {where} at {_WARN_FILE.get(fn, 'mm/memcontrol.c')} {fn}",
            msg,
            "---[ end trace ]---"]
