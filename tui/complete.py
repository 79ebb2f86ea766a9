"""Tab completion for the command line: command names, cgroup paths, tasks, objects,
objcgs and options, from the script grammar and the state at the cursor."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from engine.kernel.versions import KERNELS
from engine.script import GRAMMAR, NOT_IN_BLOCK

# Explorer commands that are not script commands (handled by the app, never recorded).
UI_COMMANDS = {"save": "save FILE [--force]", "find": "find [TEXT]", "help": "help",
               "branches": "branches", "branch": "branch N", "discard": "discard N",
               "undiscard": "undiscard"}
GFP = ("GFP_KERNEL", "GFP_NOWAIT", "GFP_KERNEL|__GFP_NORETRY", "GFP_KERNEL|__GFP_NOFAIL")


@dataclass(frozen=True)
class Names:
    """What exists now, to complete against."""

    paths: tuple[str, ...] = ()  # live cgroup paths, '/A/B'
    memcgs: tuple[str, ...] = ()  # every memcg name, '/A#2' included
    tasks: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    objcgs: tuple[str, ...] = ()
    cpus: int = 2
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)
    in_block: bool = False  # a `together` block is being typed: its lines need cpu=


def _for_argument(command: str, slot: str, names: Names) -> tuple[str, ...]:
    if command == "alloc" and slot == "OBJ":
        return ()  # a new name: nothing to complete
    if command in ("task", "kthread", "alloc_pages") and slot == "NAME":
        return ()
    table: dict[str, tuple[str, ...]] = {
        "PATH": names.paths, "NAME": names.tasks, "OBJ": names.objects, "OBJCG": names.objcgs,
        "PATH|none": names.paths + ("none",), "PATH|NAME": names.paths + names.memcgs,
        "FILE": ("memory.max", "memory.limit_in_bytes", "memory.kmem.limit_in_bytes",
                 "memory.use_hierarchy"),
        "VALUE": ("max",), "ORDER": tuple(str(n) for n in range(11)),
        "CPU": tuple(str(i) for i in range(names.cpus)),
    }
    return table.get(slot, ())


def _for_option(key: str, names: Names) -> tuple[str, ...]:
    values: dict[str, tuple[str, ...]] = {
        "task": names.tasks, "cpu": tuple(str(i) for i in range(names.cpus)), "gfp": GFP,
        "cgroup": ("v2", "v1"), "kernel": KERNELS, "accounting": ("bytes", "slab"),
        "work": ("auto", "manual"),
    }
    return values.get(key, ())


def candidates(text: str, names: Names) -> tuple[str, list[str]]:
    """(the word being completed, every word that could complete it)."""
    words = text.split()
    partial = "" if not words or text.endswith(" ") else words[-1]
    done = words if partial == "" else words[:-1]
    if not done:
        pool = sorted(set(GRAMMAR) - set(NOT_IN_BLOCK) | {"end"}) if names.in_block \
            else sorted(set(GRAMMAR) - {"end"} | set(UI_COMMANDS))
        return partial, [c for c in pool if c.startswith(partial)]
    command = done[0]
    if command == "save":
        return partial, _files(partial)
    if command not in GRAMMAR:
        return partial, []
    positional, required, optional = GRAMMAR[command]
    if names.in_block and command != "end":  # every line of a block says its CPU
        required, optional = (*required, "cpu") if "cpu" not in required else required, \
            tuple(o for o in optional if o != "cpu")
    if "=" in partial:
        key, _, value = partial.partition("=")
        return partial, [f"{key}={v}" for v in _for_option(key, names) if v.startswith(value)]
    used = {w.partition("=")[0] for w in done[1:] if "=" in w}
    n_args = sum(1 for w in done[1:] if "=" not in w)
    pool_list: list[str] = []
    if n_args < len(positional):
        pool_list += _for_argument(command, positional[n_args], names)
        pool_list += [p.lstrip("/") for p in pool_list if p.startswith("/") and p != "/"
                      and not partial.startswith("/") and partial != ""]
    pool_list += [f"{k}=" for k in required + optional if k not in used]
    seen: dict[str, None] = {}
    for c in pool_list:
        if c.startswith(partial):
            seen.setdefault(c, None)
    return partial, list(seen)


def complete(text: str, names: Names) -> tuple[str, list[str]]:
    """Complete the last word as far as it is unambiguous: (new text, the candidates)."""
    partial, found = candidates(text, names)
    if not found:
        return text, []
    common = os.path.commonprefix(found)
    base = text[: len(text) - len(partial)]
    if len(found) == 1 and not common.endswith("="):
        return base + common + " ", found
    return base + common, found


def _files(partial: str) -> list[str]:
    from tui.outfiles import OutputError, confined

    folder, _, stem = partial.rpartition("/")
    try:
        confined(os.path.join(folder or ".", "x"))  # a served session lists only its folder
    except OutputError:
        return []
    try:
        entries = sorted(os.listdir(folder or "."))
    except OSError:
        return []
    prefix = f"{folder}/" if folder else ""
    return [prefix + e for e in entries if e.startswith(stem) and not e.startswith(".")][:50]
