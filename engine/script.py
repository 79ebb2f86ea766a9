"""The scenario script language: lines -> Command, with FILE:LINE errors.

This module only checks the *form* of a line (known command, arguments, options,
sizes). Whether a task, object or cgroup exists is checked when the command runs,
against the state at that moment (engine.commands).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


class ScriptError(Exception):
    """A malformed or inapplicable line; nothing of it was applied."""

    def __init__(self, message: str, where: str = "", line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.line = line

    def located(self, where: str, line: int) -> "ScriptError":
        return ScriptError(self.message, where, line)

    def __str__(self) -> str:
        if self.where:
            return f"{self.where}:{self.line}: error: {self.message}"
        return f"error: {self.message}"


@dataclass(frozen=True)
class Command:
    """One parsed script line."""

    name: str
    args: tuple[str, ...]
    opts: dict[str, str] = field(default_factory=dict, hash=False)
    text: str = ""
    line: int = 0
    size: int = 0  # SIZE of alloc, charge and uncharge, in bytes (checked when parsed)
    cpu: int | None = None  # cpu=N (checked against the machine when the command runs)


# name -> (positional argument names, required options, optional options)
GRAMMAR: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "config": ((), (), ("cpus", "page_size", "cgroup", "kernel", "accounting")),
    "mkdir": (("PATH",), (), ()),
    "rmdir": (("PATH",), (), ("cpu",)),
    "task": (("NAME", "PATH"), (), ()),
    "kthread": (("NAME",), (), ()),
    "move": (("NAME", "PATH"), (), ()),
    "exit": (("NAME",), (), ()),
    "use_memcg": (("NAME", "PATH|none"), (), ()),
    "alloc": (("OBJ", "SIZE"), ("task", "cpu"), ("gfp",)),
    "alloc_pages": (("NAME", "ORDER"), ("task", "cpu"), ("gfp",)),
    "free": (("OBJ",), ("cpu",), ()),
    "write": (("PATH", "FILE", "VALUE"), (), ("cpu",)),
    "hold": (("PATH",), (), ()),
    "unhold": (("PATH|NAME",), (), ()),
    "drain": ((), ("cpu",), ()),
    "charge": (("OBJCG", "SIZE"), ("cpu",), ("gfp",)),
    "uncharge": (("OBJCG", "SIZE"), ("cpu",), ()),
    "get": (("OBJCG",), (), ()),
    "put": (("OBJCG",), (), ()),
}

_SIZE = re.compile(r"^(-?\d+)([KM]?)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def strip_comment(text: str) -> list[str]:
    """Words of a line, up to a word that starts with '#'."""
    words = []
    for word in text.split():
        if word.startswith("#"):
            break
        words.append(word)
    return words


def parse_line(text: str, line: int = 0) -> Command | None:
    """Parse one line; None for a blank or comment line. Raises ScriptError."""
    words = strip_comment(text)
    if not words:
        return None
    name, rest = words[0], words[1:]
    if name not in GRAMMAR:
        known = ", ".join(sorted(GRAMMAR))
        raise ScriptError(f"unknown command '{name}' (known: {known})")
    positional, required, optional = GRAMMAR[name]
    args: list[str] = []
    opts: dict[str, str] = {}
    for word in rest:
        key, eq, value = word.partition("=")
        if eq and key.isidentifier():
            if key not in required and key not in optional:
                allowed = ", ".join(required + optional) or "none"
                raise ScriptError(f"{name}: unknown option '{key}' (options: {allowed})")
            if key in opts:
                raise ScriptError(f"{name}: option '{key}' given twice")
            if not value:
                raise ScriptError(f"{name}: option '{key}' has no value")
            opts[key] = value
        else:
            args.append(word)
    usage = usage_of(name)
    if len(args) != len(positional):
        what = "missing" if len(args) < len(positional) else "too many"
        raise ScriptError(f"{name}: {what} arguments (usage: {usage})")
    for key in required:
        if key not in opts:
            raise ScriptError(f"{name}: missing option {key}= (usage: {usage})")
    size = parse_size(args[1]) if name in ("alloc", "charge", "uncharge") else 0
    if name in ("alloc", "alloc_pages", "task", "kthread"):
        check_name(args[0], "task" if name in ("task", "kthread") else "object")
    cpu = parse_int(opts["cpu"], "cpu") if "cpu" in opts else None
    return Command(name, tuple(args), opts, " ".join(words), line, size, cpu)


def usage_of(name: str) -> str:
    positional, required, optional = GRAMMAR[name]
    parts = [name, *positional, *(f"{k}=..." for k in required), *(f"[{k}=...]" for k in optional)]
    return " ".join(parts)


def parse_script(text: str, where: str = "<script>") -> list[Command]:
    """Parse a whole script; the first bad line raises a located ScriptError."""
    commands = []
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            command = parse_line(raw, number)
        except ScriptError as err:
            raise err.located(where, number) from None
        if command is not None:
            commands.append(command)
    return commands


def parse_size(word: str, what: str = "size") -> int:
    """Bytes, with an optional K or M (1024-based) suffix; must be positive."""
    match = _SIZE.match(word)
    if not match:
        raise ScriptError(f"{what} '{word}' is not a number of bytes (e.g. 4000, 8K, 1M)")
    value = int(match.group(1)) * {"": 1, "K": 1024, "M": 1024 * 1024}[match.group(2)]
    if value <= 0:
        raise ScriptError(f"{what} must be positive, got {word}")
    return value


def parse_int(word: str, what: str) -> int:
    try:
        return int(word)
    except ValueError:
        raise ScriptError(f"{what} '{word}' is not a whole number") from None


def normalize_path(word: str) -> str:
    """'A', '/A', 'A/B/' -> '/A', '/A/B'; '/' is the root."""
    parts = [p for p in word.split("/") if p]
    for part in parts:
        if not _NAME.match(part) or part in (".", ".."):
            raise ScriptError(f"'{word}' is not a cgroup path (names are letters, digits, _ . -)")
    return "/" + "/".join(parts)


def check_name(word: str, what: str) -> str:
    if not _NAME.match(word):
        raise ScriptError(f"{what} name '{word}' must start with a letter and use letters, digits, _ . -")
    return word
