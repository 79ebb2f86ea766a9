"""Readable in every Textual theme, and a projector mode for a class.

tui.present draws with a small set of Rich colours chosen for a dark terminal. Under a
light theme yellow and cyan text vanish on white, and under a projector faint grey text
vanishes altogether. Rather than teach every drawing function about themes, each drawn
`Text` passes through `recolor`, which swaps those colours for the active theme's
palette; the row cursor is a blend of the theme's own background and primary colour,
so selected rows keep the theme's contrast (light stays light, dark stays dark).
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import App

PROJECTOR = "objcg-projector"

# High contrast, no faint text: pure black, white text, saturated accents.
PROJECTOR_THEME = Theme(
    name=PROJECTOR, dark=True,
    primary="#4fa3ff", secondary="#ffd700", accent="#ffd700", warning="#ffd700",
    error="#ff4040", success="#40ff40", foreground="#ffffff", background="#000000",
    surface="#000000", panel="#1a1a1a", boost="#262626",
    variables={"footer-key-foreground": "#ffd700", "footer-description-foreground": "#ffffff",
               "input-cursor-foreground": "#000000", "block-cursor-text-style": "bold",
               "text-muted": "#ffffff", "text-disabled": "#d0d0d0"},
)

# colour words of tui.present -> the colour to use instead
LIGHT = {"yellow": "#8a5a00", "green": "#0b6e0b", "cyan": "#00677a", "magenta": "#8e1f8e",
         "blue": "#1f4fbf", "red": "#b00020", "grey50": "#5c5c5c", "grey42": "#707070",
         "white": "#ffffff", "black": "#000000"}
PROJECTOR_COLOURS = {"yellow": "#ffd700", "green": "#40ff40", "cyan": "#40ffff",
                     "magenta": "#ff60ff", "blue": "#60a0ff", "red": "#ff4040",
                     "grey50": "#ffffff", "grey42": "#d0d0d0", "white": "#ffffff", "black": "#000000"}
# backgrounds of the "changed" and "swing" marks, which must stay loud on any theme
LOUD_BG = {"yellow": "#ffd75f", "magenta": "#a0209f", "red": "#c00020"}


def palette(app: App[object]) -> str:
    """'dark', 'light' or 'projector': the active theme's family."""
    if app.theme == PROJECTOR:
        return "projector"
    return "dark" if app.current_theme.dark else "light"


def recolor(text: Text, family: str) -> Text:
    """`text` with tui.present's colour words swapped for the theme family's palette."""
    if family == "dark":
        return text
    out = text.copy()
    out.style = _style(str(out.style), family) if out.style else out.style
    out.spans = [span._replace(style=_style(str(span.style), family)) for span in out.spans]
    return out


@lru_cache(maxsize=512)
def _style(style: str, family: str) -> str:
    colours = LIGHT if family == "light" else PROJECTOR_COLOURS
    words = style.split()
    out = []
    for i, word in enumerate(words):
        background = i > 0 and words[i - 1] == "on"
        if background and word in LOUD_BG:
            out.append(LOUD_BG[word])
        elif family == "projector" and word == "dim":
            continue  # no faint text on a projector
        else:
            out.append(colours.get(word, word))
    if family == "projector" and "strike" not in words and not any(w == "on" for w in words):
        out.insert(0, "bold")
    return " ".join(out)


def cursor_style(app: App[object], focused: bool) -> Style:
    """The row cursor: the theme's primary colour blended into its background, as strongly
    as the theme's text allows (WCAG contrast at least 4.5 against the foreground)."""
    theme = app.current_theme
    background = Color.parse(theme.background or ("#000000" if theme.dark else "#ffffff"))
    foreground = Color.parse(theme.foreground or ("#e0e0e0" if theme.dark else "#000000"))
    if foreground.ansi is not None or background.ansi is not None:
        # ANSI themes leave colours to the terminal: no blend can be judged, so no colour
        return Style(bold=True, underline=focused, reverse=not focused)
    primary = Color.parse(theme.primary)
    amount = (0.45 if focused else 0.2) if app.theme != PROJECTOR else (0.7 if focused else 0.35)
    blend = background.blend(primary, amount)
    while amount > 0.1 and contrast(foreground, blend) < 4.5:
        amount -= 0.05
        blend = background.blend(primary, amount)
    return Style(bgcolor=blend.rich_color)


def contrast(a: Color, b: Color) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _luminance(color: Color) -> float:
    def channel(c: int) -> float:
        c_ = c / 255
        return c_ / 12.92 if c_ <= 0.03928 else ((c_ + 0.055) / 1.055) ** 2.4
    r, g, b = color.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def install(app: App[object], projector: bool) -> None:
    """Register the projector theme (ctrl+p -> theme lists it) and switch to it if asked."""
    app.register_theme(PROJECTOR_THEME)
    if projector:
        app.theme = PROJECTOR
