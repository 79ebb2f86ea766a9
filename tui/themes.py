"""Readable in every Textual theme, by measure, and a projector mode for a class.

tui.present draws with a small set of colour words (yellow, green, grey50, ...). Left
to the terminal's ANSI palette they vanish on some themes (yellow on white, grey on a
grey panel), so every drawn `Text` passes through `recolor`, which swaps each word for
a colour computed for the active theme: the word's hue, made light or dark enough for
WCAG AA contrast (4.5:1) against every background the explorer draws text on under that
theme (the screen, its panels, the command line, the row cursor). The loud marks (what
a step changed, a pointer swinging, a '?' asked about) keep fixed pairs that pass on
their own. The theme's own variables that the explorer's text uses (panel titles, the
key bar, the prompt's placeholder) are made readable the same way (`readable_variables`).
The row cursor is a blend of the theme's background and primary colour, so selected
rows keep the theme's look (light stays light, dark stays dark).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.theme import Theme

if TYPE_CHECKING:
    from textual.app import App

PROJECTOR = "objcg-projector"
AA = 4.5  # WCAG 2 AA contrast for text

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

# the hue of each colour word of tui.present, by theme family, before it is made readable
DARK = {"yellow": "#e5c07b", "green": "#7fd962", "cyan": "#56c8d8", "magenta": "#e07ee0",
        "blue": "#7aa6ff", "red": "#ff6b6b", "grey50": "#9a9a9a", "grey42": "#8c8c8c",
        "white": "#ffffff", "black": "#000000"}
LIGHT = {"yellow": "#8a5a00", "green": "#0b6e0b", "cyan": "#00677a", "magenta": "#8e1f8e",
         "blue": "#1f4fbf", "red": "#b00020", "grey50": "#5c5c5c", "grey42": "#707070",
         "white": "#ffffff", "black": "#000000"}
PROJECTOR_COLOURS = {"yellow": "#ffd700", "green": "#40ff40", "cyan": "#40ffff",
                     "magenta": "#ff60ff", "blue": "#60a0ff", "red": "#ff4040",
                     "grey50": "#ffffff", "grey42": "#d0d0d0", "white": "#ffffff", "black": "#000000"}
# backgrounds of the loud marks, with the text drawn on them (each pair passes AA alone)
LOUD_BG = {"yellow": "#ffd75f", "magenta": "#a0209f", "red": "#c00020", "blue": "#1f4fbf"}
ON_LOUD = {"yellow": "#000000", "magenta": "#ffffff", "red": "#ffffff", "blue": "#ffffff"}


@dataclass(frozen=True)
class Palette:
    """What the colour words become under one theme (None: the terminal's own colours,
    an ANSI theme, left alone)."""

    name: str
    words: tuple[tuple[str, str], ...] | None
    projector: bool = False


@dataclass(frozen=True)
class Measured:
    """One theme's colours for the explorer, each text colour measured against the
    backgrounds it is drawn on: `css` (variables for the sheets) and `palette`."""

    css: dict[str, str]
    palette: Palette
    cursors: tuple[Color, Color]  # the row cursor, focused and not


_MEASURED: dict[tuple[str, int], Measured | None] = {}  # by theme name and Theme object


def measured(app: App[object]) -> Measured | None:
    """The active theme's colours, computed once per theme (a row's drawing asks);
    None for a theme that leaves colours to the terminal (ANSI)."""
    theme = app.current_theme
    key = (app.theme, id(theme))
    if key not in _MEASURED:  # the theme's own variables, as Textual combines them
        variables = {**app.get_theme_variable_defaults(), **theme.to_color_system().generate(),
                     **theme.variables}
        _MEASURED[key] = measure(app.theme, theme, variables)
    return _MEASURED[key]


def palette(app: App[object]) -> Palette:
    """The active theme's palette for `recolor`."""
    found = measured(app)
    return found.palette if found is not None else Palette(app.theme, None)


def measure(name: str, theme: Theme, variables: dict[str, str]) -> Measured | None:
    """The explorer's colours under `theme`, every text colour at AA contrast on the
    backgrounds it meets: the screen, surface and panel (header, help), the command
    line with and without focus, the row cursor, the key bar."""
    try:
        grounds = {key: Color.parse(variables[key]) for key in
                   ("background", "surface", "panel", "foreground", "accent", "primary", "footer-background")}
        boost = grounds["background"] + Color.parse(variables["boost"])
    except Exception:  # noqa: BLE001  an ANSI theme: 'ansi_default' is no colour to measure
        return None
    if any(c.ansi is not None for c in grounds.values()):
        return None
    projector = name == PROJECTOR
    background, accent, primary = grounds["background"], grounds["accent"], grounds["primary"]
    plain = [background, grounds["surface"], grounds["panel"], boost]
    text = readable(grounds["foreground"], plain)
    cursors = (_blend_under(text, background, primary, 0.7 if projector else 0.45),
               _blend_under(text, background, primary, 0.35 if projector else 0.2))
    # the command line with focus, tinted $foreground 5% as Textual's Input does
    prompt = _blend_under(text, background, accent, 0.4, tint=text)
    selection = _blend_under(text, prompt, primary, 0.5)
    hues = PROJECTOR_COLOURS if projector else (DARK if theme.dark else LIGHT)
    words = tuple((word, readable(Color.parse(hue), [*plain, *cursors]).hex) for word, hue in hues.items())
    footer = grounds["footer-background"]
    css = {"foreground": text.hex, "objcg-prompt": prompt.hex, "input-selection-background": selection.hex,
           "input-selection-foreground": text.hex,
           "text-disabled": readable(text.blend(boost, 0.4), [boost, prompt.blend(text, 0.05)]).hex,
           "objcg-title": readable(accent, [background, grounds["surface"]]).hex,
           "objcg-on-panel": readable(text, [grounds["panel"]]).hex}
    for key in ("footer-key-foreground", "footer-description-foreground"):
        colour = text if variables[key].startswith("auto") else Color.parse(variables[key])
        css[key] = readable(colour, [footer]).hex
    return Measured(css, Palette(name, words, projector), cursors)


def _blend_under(text: Color, ground: Color, colour: Color, amount: float, tint: Color | None = None) -> Color:
    """`colour` blended into `ground` at `amount`, or less: as much as keeps `text` at AA."""
    while True:
        blend = ground.blend(colour, amount)
        shown = blend.blend(tint, 0.05) if tint is not None else blend
        if amount <= 0.05 or contrast(text, shown) >= AA + 0.05:
            return blend
        amount -= 0.05


def readable(color: Color, backgrounds: list[Color]) -> Color:
    """`color`, lightened or darkened just enough for AA contrast on every background."""
    darkest = min(backgrounds, key=_luminance)
    toward = Color(255, 255, 255) if _luminance(darkest) < 0.18 else Color(0, 0, 0)
    shade, amount = color, 0.0
    while min(contrast(shade, b) for b in backgrounds) < AA + 0.05 and amount < 1.0:
        amount = min(1.0, amount + 0.04)
        shade = color.blend(toward, amount)
    return shade


def recolor(text: Text, colours: Palette) -> Text:
    """`text` with tui.present's colour words swapped for the palette's."""
    if colours.words is None:
        return text
    out = text.copy()
    out.style = _style(str(out.style), colours) if out.style else out.style
    out.spans = [span._replace(style=_style(str(span.style), colours)) for span in out.spans]
    return out


@lru_cache(maxsize=2048)
def _style(style: str, colours: Palette) -> str:
    words = style.split()
    table = dict(colours.words or ())
    loud = next((words[i + 1] for i, w in enumerate(words[:-1]) if w == "on" and words[i + 1] in LOUD_BG), None)
    out = []
    for i, word in enumerate(words):
        background = i > 0 and words[i - 1] == "on"
        if background and word in LOUD_BG:
            out.append(LOUD_BG[word])
        elif loud is not None and word in ("black", "white") and not background:
            out.append(ON_LOUD[loud])  # the text of a loud mark: its own pair
        elif colours.projector and word == "dim":
            continue  # no faint text on a projector
        else:
            out.append(table.get(word, word))
    if colours.projector and "strike" not in words and "on" not in words:
        out.insert(0, "bold")
    return " ".join(out)


def cursor_style(app: App[object], focused: bool) -> Style:
    """The row cursor: the theme's primary colour blended into its background, as strongly
    as the theme's text allows (WCAG contrast at least 4.5 against the text)."""
    found = measured(app)
    if found is None:
        # ANSI themes leave colours to the terminal: no blend can be judged, so no colour
        return Style(bold=True, underline=focused, reverse=not focused)
    return Style(bgcolor=found.cursors[0 if focused else 1].rich_color)


def readable_variables(app: App[object], variables: dict[str, str]) -> dict[str, str]:
    """The theme's CSS variables with those the explorer's text uses made readable (the
    text itself, the prompt and its placeholder, the selection, the key bar, the panel
    titles and the header); an ANSI theme's own, with ours pointing at them."""
    found = measured(app)
    if found is None:
        return {**variables, "objcg-title": variables.get("accent", "ansi_yellow"),
                "objcg-on-panel": variables.get("foreground", "ansi_default"),
                "objcg-prompt": variables.get("boost", "ansi_default")}
    return {**variables, **found.css}


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
