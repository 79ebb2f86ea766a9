"""File names a person may give (at `save`, `R`, an export): refused at once, in one line,
when the file system would reject them with a traceback (too long) or when they would
read differently from what they are (control characters, bidirectional overrides).

Linux limits a name to NAME_MAX = 255 bytes and a path to PATH_MAX = 4096 bytes,
terminating NUL included (include/uapi/linux/limits.h).
"""
from __future__ import annotations

import unicodedata

NAME_MAX = 255
PATH_MAX = 4096

# Characters that reorder the text around them: a name holding U+202E shows
# "cod.exe" as "exe.doc". The explicit embeddings, overrides and isolates, and the marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")
SHOWN_MAX = 60  # characters of a refused name quoted in its message


def shown(name: str) -> str:
    """`name` safe to print on one line: control and bidi characters escaped, a long
    name cut in the middle."""
    text = "".join(_escaped(c) for c in name)
    if not text.strip():
        return f'"{text}"'  # an empty name still shows where the message starts
    if len(text) > SHOWN_MAX:
        text = f"{text[:40]}…{text[-12:]} ({len(name)} characters)"
    return text


def name_problem(path: str) -> str | None:
    """Why `path` cannot be a file name given by a person, as one line, or None."""
    if not path.strip():
        return "error: no file name given"
    for char in path:
        if unicodedata.category(char) == "Cc" or char in "\u2028\u2029":
            return f"error: the name holds a control character ({_code(char)}); " \
                   "give a plain file name"
        if char in BIDI_CONTROLS:
            return f"error: the name holds a bidirectional control ({_code(char)}), which " \
                   "makes it read differently from what it is; give a plain file name"
    if len(path.encode("utf-8", "surrogateescape")) >= PATH_MAX:
        return f"error: the path is longer than {PATH_MAX - 1} bytes"
    for part in path.split("/"):
        if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX:
            return f"error: a name is longer than {NAME_MAX} bytes (the file system's limit)"
    return None


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


def _escaped(char: str) -> str:
    if unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS or char in "\u2028\u2029":
        return f"\\u{ord(char):04x}" if ord(char) > 0xff else f"\\x{ord(char):02x}"
    return char
