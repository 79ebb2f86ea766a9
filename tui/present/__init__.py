"""Pure presentation: the machine's state (through `World`) -> rows and rich `Text`.

Widgets only hold rows, scroll and call these functions for the rows they draw, so
everything a learner reads on screen is decided here and unit-tested without an app.

Two kinds of functions:
- layout (`tree_rows`, `objcg_rows`, `object_rows`): which rows exist, in a stable
  order (creation order, depth first), cheap enough to rebuild at 11,000 rows;
- drawing (`*_text`): one row -> `Text`, called only for visible rows.

`Highlight` carries what the current micro-step changed; every figure it names is drawn
in the "changed" style wherever it shows.
"""
from __future__ import annotations

from tui.present.delta import delta_line, delta_parts, delta_text
from tui.present.header import Position, header_text
from tui.present.highlight import NO_HIGHLIGHT, Highlight, hides_step, structural
from tui.present.objcg import objcg_label_width, objcg_rows, objcg_text, pointer_kind
from tui.present.objects import object_rows, object_text
from tui.present.status import conservation, conservation_text
from tui.present.stocks import stock_lines
from tui.present.style import (MASK, MASKED, CHANGED, DIM, ERRNO, GHOST, OWN, PARENT, SELECTED, STATE_STYLE,
                               SWING, bar, errno_name, holder_label, holders_text, kib)
from tui.present.trail import (HIDDEN_LINE, Entry, TrailLine, Where, call_line, trail_entries, trail_line_text,
                               trail_lines, trail_text, wrap_entries, place_lines)
from tui.present.tree import (LIST_PREVIEW, Row, RowKind, TreeOptions, is_collapsed, tree_label_width,
                              tree_rows)
from tui.present.tree_text import tree_row_text
from tui.present.warn import kernel_warning, warn_function

__all__ = [
    "HIDDEN_LINE", "MASK", "MASKED", "hides_step",
    "delta_line", "delta_parts", "delta_text", "CHANGED", "DIM", "ERRNO", "GHOST", "LIST_PREVIEW", "NO_HIGHLIGHT", "OWN", "PARENT", "SELECTED",
    "STATE_STYLE", "SWING", "Highlight", "Position", "Row", "RowKind", "TreeOptions", "Where", "bar",
    "conservation", "conservation_text", "errno_name", "header_text", "Entry", "TrailLine",
    "call_line", "trail_entries", "trail_line_text", "trail_lines", "trail_text", "wrap_entries",
    "place_lines",
    "holder_label", "holders_text", "is_collapsed", "kernel_warning", "kib", "object_rows",
    "object_text", "objcg_label_width", "objcg_rows", "objcg_text", "pointer_kind", "stock_lines",
    "structural", "tree_label_width", "tree_row_text", "tree_rows", "warn_function",
]
