"""The scenario script language: lines -> Command, with FILE:LINE errors.

This module only checks the *form* of a line (known command, arguments, options,
sizes). Whether a task, object or cgroup exists is checked when the command runs,
against the state at that moment (engine.commands).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, NamedTuple

BOM = "\ufeff"  # a UTF-8 byte order mark, as some editors start a file with


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
        message = printable(self.message)
        if self.where:
            return f"{self.where}:{self.line}: error: {message}"
        return f"error: {message}"


MESSAGE_MAX = 400  # characters: an error quoting a huge word stays one readable line


def printable(text: str) -> str:
    """Show invisible characters (a stray BOM, a control byte) as escapes, not as nothing,
    and cut the middle out of a message that quotes a word thousands of characters long."""
    if len(text) > MESSAGE_MAX:
        half = MESSAGE_MAX // 2
        text = f"{text[:half]} ...[{len(text) - 2 * half} characters]... {text[-half:]}"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


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
    "config": ((), (), ("cpus", "page_size", "cgroup", "kernel", "accounting", "work",
                        "mkdir_charge")),
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
    # deferred work, CPU hotplug, CPUs at once (engine.threads)
    "run_work": ((), (), ("cpu",)),
    "rcu_sync": ((), (), ()),
    "cpu_down": (("CPU",), (), ()),
    "cpu_up": (("CPU",), (), ()),
    "together": ((), (), ("schedule",)),
    "end": ((), (), ()),
}
# Commands that make no sense as one CPU's thread inside `together`.
NOT_IN_BLOCK = ("config", "run_work", "rcu_sync", "cpu_down", "cpu_up", "together", "end")

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def strip_comment(text: str) -> list[str]:
    """Words of a line, up to a word that starts with '#'."""
    if "#" not in text:
        return text.split()
    words = []
    for word in text.split():
        if word.startswith("#"):
            break
        words.append(word)
    return words


def script_lines(text: str) -> Iterator[str]:
    """The lines of a script file as an editor numbers them: split at '\n' only (not at
    form feeds or U+2028, which str.splitlines also takes), a '\r\n' ending and a
    leading byte order mark dropped. One at a time: a huge script is not copied."""
    start = 1 if text.startswith(BOM) else 0
    while start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        raw = text[start:end]
        yield raw[:-1] if raw.endswith("\r") else raw
        start = end + 1


def parse_line(text: str, line: int = 0, in_block: bool = False) -> Command | None:
    """Parse one line; None for a blank or comment line. Raises ScriptError.

    Inside a `together` block every command is one CPU's thread: it takes cpu=N, also
    those that have no cpu= elsewhere (mkdir, write, move...)."""
    if line == 1 and text.startswith(BOM):
        text = text[1:]  # a file that starts with a BOM, read line by line
    words = strip_comment(text)
    if not words:
        return None
    name, rest = words[0], words[1:]
    grammar = GRAMMAR.get(name)
    if grammar is None:
        known = ", ".join(sorted(GRAMMAR))
        raise ScriptError(f"unknown command '{name}' (known: {known})")
    positional, required, optional = grammar
    if in_block:
        if name in NOT_IN_BLOCK and name != "end":
            if name == "together":
                raise ScriptError("together inside together: blocks do not nest "
                                  "(end the first one)")
            raise ScriptError(f"{name} cannot be one CPU's thread inside together "
                              "(put it before or after the block)")
        if name != "end":
            required = tuple(dict.fromkeys(required + ("cpu",)))
            optional = tuple(o for o in optional if o != "cpu")
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
    if len(args) != len(positional):
        what = "missing" if len(args) < len(positional) else "too many"
        raise ScriptError(f"{name}: {what} arguments (usage: {usage_of(name)})")
    for key in required:
        if key not in opts:
            if in_block and key == "cpu":
                raise ScriptError(f"{name}: inside together every line says which CPU runs "
                                  "it: add cpu=N")
            raise ScriptError(f"{name}: missing option {key}= (usage: {usage_of(name)})")
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
    in_block = False
    for number, raw in enumerate(script_lines(text), start=1):
        try:
            command = parse_line(raw, number, in_block)
        except ScriptError as err:
            raise err.located(where, number) from None
        if command is not None:
            commands.append(command)
            if command.name in ("together", "end"):
                in_block = command.name == "together"
    return commands


# -- numbers: bounded before any arithmetic ------------------------------------------------
# Every number of a script goes through the functions below. They read decimal digits
# only (ASCII: no other script's digits, no '_'), and never convert more digits than the
# bound needs, so no input can be too long for int() or make arithmetic slow.

U64_MAX = 2**64 - 1  # memparse() reads an unsigned long long
LONG_MAX = 2**63 - 1
KERNEL_MAX_ORDER = 11  # the kernel's MAX_ORDER (default zone order): blocks up to 2^10 pages
SHIFTS = {"": 0, "K": 10, "M": 20, "G": 30}
_BYTES = re.compile(r"(-?)([0-9]+)([KMG]?)", re.ASCII)
_INT = re.compile(r"-?[0-9]+", re.ASCII)
_INT_DIGITS = 18  # any whole-number option (cpu=, cpus=, page_size=) fits easily


def parse_bytes(word: str, what: str = "size", *, allow_zero: bool = False) -> int:
    """Bytes: decimal digits with an optional K, M or G (1024-based), at most 2^64 - 1."""
    match = _BYTES.fullmatch(word)
    if not match:
        raise ScriptError(f"{what} '{word}' is not a number of bytes (e.g. 4000, 8K, 1M)")
    minus, digits, suffix = match.groups()
    digits = digits.lstrip("0") or "0"
    if minus and digits != "0":
        floor = "0 or more" if allow_zero else "positive"
        raise ScriptError(f"{what} must be {floor}, got {word}")
    value = int(digits) << SHIFTS[suffix] if len(digits) <= 20 else U64_MAX + 1
    if value > U64_MAX:
        raise ScriptError(f"{what} {short_word(word)} is more than 2^64 - 1 bytes, the largest "
                          "number the kernel's memparse() reads (it would wrap around)")
    if value == 0 and not allow_zero:
        raise ScriptError(f"{what} must be positive, got {word}")
    return value


def parse_size(word: str, what: str = "size") -> int:
    """An object or charge size in bytes: positive, at most 2^64 - 1 (see check_alloc_size)."""
    return parse_bytes(word, what)


def page_counter_max(page_size: int) -> int:
    """PAGE_COUNTER_MAX on 64-bit: LONG_MAX / PAGE_SIZE pages."""
    return LONG_MAX // page_size


# -- the kernel's own parsers for the values written to cgroup files (v5.9) -------------
# lib/kstrtox.c and lib/cmdline.c: base 0 reads 0x... as hex and 0... as octal; memparse
# takes one suffix letter of either case; simple_strtoull and the shifts wrap modulo 2^64
# where kstrtoull reports -ERANGE.
EINVAL, ERANGE = -22, -34
_SHIFT = {"k": 10, "m": 20, "g": 30, "t": 40, "p": 50, "e": 60}
_DIGITS = "0123456789abcdef"
_CHUNK = 15  # digits converted at once, so a word of any length costs linear time


def _fixup_radix(word: str) -> tuple[str, int]:
    """_parse_integer_fixup_radix(s, 0): the digits to read and their base."""
    if word.startswith("0"):
        if word[1:2].lower() == "x" and word[2:3].lower() in _DIGITS and word[2:3]:
            return word[2:], 16
        return word, 8
    return word, 10


def _parse_integer(word: str, base: int) -> tuple[int, int, bool]:
    """_parse_integer(): (value modulo 2^64, characters read, whether it overflowed)."""
    valid = _DIGITS[:base]
    count = 0
    while count < len(word) and word[count].lower() in valid:
        count += 1
    value, overflow = 0, False
    for start in range(0, count, _CHUNK):
        chunk = word[start:min(start + _CHUNK, count)]
        value = value * base ** len(chunk) + int(chunk, base)
        if value > U64_MAX:
            overflow, value = True, value % (U64_MAX + 1)
    return value, count, overflow


def memparse(word: str) -> tuple[int, str, bool]:
    """memparse() (lib/cmdline.c): simple_strtoull(word, base 0), then an optional
    K, M, G, T, P or E of either case: (bytes modulo 2^64, what is left unread, whether
    the number or its shift wrapped around 2^64)."""
    digits, base = _fixup_radix(word)
    value, count, wrapped = _parse_integer(digits, base)
    rest = digits[count:]
    shift = _SHIFT.get(rest[:1].lower())
    if shift is not None:
        shifted = value << shift
        value, rest, wrapped = shifted % (U64_MAX + 1), rest[1:], wrapped or shifted > U64_MAX
    return value, rest, wrapped


class Limit(NamedTuple):
    """What page_counter_memparse() makes of a limit file's value."""

    err: int  # 0 or -EINVAL
    pages: int | None  # None: PAGE_COUNTER_MAX, no limit
    wrapped: bool = False  # memparse wrapped the number around 2^64 (the kernel says nothing)


def page_counter_memparse(word: str, unlimited: str, page_size: int) -> Limit:
    """page_counter_memparse() (mm/page_counter.c): the limit in pages, or -EINVAL.

    `unlimited` ("max" for memory.max, "-1" for v1's limit_in_bytes files) means
    PAGE_COUNTER_MAX, no limit, returned as None; so is any size of PAGE_COUNTER_MAX pages
    or more, to which the kernel clamps it. Anything left after memparse is -EINVAL."""
    if word == unlimited:
        return Limit(0, None)
    nbytes, rest, wrapped = memparse(word)
    if rest:
        return Limit(EINVAL, None)
    top = page_counter_max(page_size)
    pages = min(nbytes // page_size, top)
    return Limit(0, None if pages == top else pages, wrapped)


def kstrtoull(word: str) -> tuple[int, int]:
    """kstrtoull(word, 0) (lib/kstrtox.c), as cgroup_file_write calls it for a write_u64
    file: an optional '+', then base-0 digits and nothing else. (0, value), or
    (-EINVAL, 0) for anything else, (-ERANGE, 0) above 2^64 - 1."""
    digits, base = _fixup_radix(word[1:] if word.startswith("+") else word)
    value, count, overflow = _parse_integer(digits, base)
    if overflow:
        return ERANGE, 0
    if count == 0 or digits[count:]:
        return EINVAL, 0
    return 0, value


def kmalloc_max_size(page_size: int) -> int:
    """KMALLOC_MAX_SIZE (SLUB): the largest block kmalloc can return, 2^(MAX_ORDER-1) pages."""
    return page_size << (KERNEL_MAX_ORDER - 1)


def check_alloc_size(size: int, what: str, page_size: int) -> int:
    """Refuse a size no allocation could have (kmalloc fails above KMALLOC_MAX_SIZE)."""
    top = kmalloc_max_size(page_size)
    if size > top:
        raise ScriptError(f"{what} {size} bytes is above KMALLOC_MAX_SIZE, {top} bytes "
                          f"({top // page_size} pages of {page_size}): no kernel allocation "
                          "is that large")
    return size


def parse_int(word: str, what: str) -> int:
    """A whole number of at most 18 digits (options such as cpu=, cpus=, page_size=)."""
    if len(word) <= _INT_DIGITS and word.isascii() and word.isdigit():
        return int(word)  # the common case, quickly
    if not _INT.fullmatch(word):
        raise ScriptError(f"{what} '{word}' is not a whole number")
    if len(word.lstrip("-").lstrip("0")) > _INT_DIGITS:
        raise ScriptError(f"{what} {short_word(word)} is far too large")
    return int(word)


def short_word(word: str) -> str:
    """A number quoted in an error, shortened if it has thousands of digits."""
    return word if len(word) <= 40 else f"{word[:12]}...{word[-6:]} ({len(word)} characters)"


_PATH_CHARS = re.compile(r"[A-Za-z0-9_./-]*", re.ASCII)
_NOT_A_NAME_START = "0123456789.-"  # so no '.', '..' or '-x' either


def _bad_name_start(word: str) -> bool:
    """A name of the path starts with a digit, '.' or '-' (substring searches: C speed)."""
    if word and word[0] in _NOT_A_NAME_START:
        return True
    return any("/" + c in word for c in _NOT_A_NAME_START)


def normalize_path(word: str) -> str:
    """'A', '/A', 'A/B/' -> '/A', '/A/B'; '/' is the root.

    Checked over the whole word at once (every name starts with a letter or '_' and uses
    letters, digits, _ . -), not name by name: a path thousands of levels deep is read
    at C speed.
    """
    if not _PATH_CHARS.fullmatch(word) or _bad_name_start(word):
        raise ScriptError(f"'{word}' is not a cgroup path (names are letters, digits, _ . -)")
    if "//" in word or (word.endswith("/") and word != "/"):
        return "/" + "/".join(p for p in word.split("/") if p)
    return word if word.startswith("/") else "/" + word


def check_name(word: str, what: str) -> str:
    if not _NAME.match(word):
        raise ScriptError(f"{what} name '{word}' must start with a letter and use letters, digits, _ . -")
    return word
