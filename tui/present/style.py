"""Styles shared by every panel, and the small formatting helpers they use."""
from __future__ import annotations

from rich.text import Text

CHANGED = "bold black on yellow"
SWING = "bold white on magenta"
SELECTED = "reverse"
OWN = "green"
PARENT = "magenta"
DIM = "grey50"
GHOST = "grey42 strike"
COUNT = "bold"  # a count (nr_dying_descendants), never in the colour of a state
STATE_STYLE = {"online": "green", "dying": "yellow", "freed": GHOST, "allocated": DIM,
               "active": "green", "killed": "yellow", "released": GHOST}
ERRNO = {0: "0", -12: "-ENOMEM", -16: "-EBUSY", -17: "-EEXIST", -22: "-EINVAL", -34: "-ERANGE"}


def kib(nbytes: int) -> str:
    """4096 -> '4K', 135168 -> '132K', 36,864,000 -> '35.2M'; exact bytes below 1 KiB."""
    size = abs(nbytes)
    if size < 1024:
        return f"{nbytes}B"
    if size < 1024 * 1024:
        return f"{nbytes // 1024}K" if nbytes % 1024 == 0 else f"{nbytes / 1024:.1f}K"
    if nbytes % (1024 * 1024) == 0:
        return f"{nbytes // (1024 * 1024)}M"
    return f"{nbytes / (1024 * 1024):.1f}M"


def bar(value: int, total: int, width: int) -> str:
    """A left-to-right bar of `width` cells, eighth-cell precision, full at `total`."""
    if width <= 0 or total <= 0:
        return ""
    eighths = max(0, min(width * 8, round(value * width * 8 / total)))
    full, part = divmod(eighths, 8)
    text = "█" * full + ("" if part == 0 else " ▏▎▍▌▋▊▉"[part])
    return text.ljust(width)


def errno_name(ret: int) -> str:
    return ERRNO.get(ret, str(ret))


def holder_label(holder: str) -> str:
    """'stock:cpu1' -> 'cpu1', 'obj:X0' -> 'X0'; others as the engine names them."""
    return holder.split(":", 1)[1] if holder.startswith(("stock:", "obj:")) else holder


def holders_text(holders: dict[str, int], limit: int = 6) -> str:
    names = []
    for holder, count in holders.items():
        label = holder_label(holder)
        names.append(label if count == 1 else f"{label}×{count}")
    shown = names[:limit] + ([f"+{len(names) - limit}"] if len(names) > limit else [])
    return "{" + " ".join(shown) + "}"


def put(text: Text, value: str, changed: bool, style: str = "") -> None:
    text.append(value, CHANGED if changed else style)


MASKED = "bold white on blue"
MASK = "?"  # a figure hidden until the learner answers the prediction about it


def hidden(label: str = "") -> Text:
    """A masked figure: its label, if any, then '?' (see Highlight.masked)."""
    return Text(label) + Text(MASK, MASKED)


def styled(value: str, changed: bool, style: str = "") -> Text:
    """A piece of a row in its own style, or in CHANGED if the last micro-step changed it."""
    return Text(value, CHANGED if changed else style)


def charged_label() -> tuple[str, str]:
    """The kernel's name for an objcg's leftover bytes, and the short form where it can't fit."""
    return ("nr_charged_bytes", "left")
