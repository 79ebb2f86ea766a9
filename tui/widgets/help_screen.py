"""The `?` screen: every key and command in one place."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from rich.text import Text

from tui.widgets.themed import ThemedText

HELP = """\
[b]objcg-lab explorer[/b]: Linux v5.9 obj_cgroup (memcg slab accounting),
one micro-step at a time. A glossary of the kernel's words is at the end (scroll down).

[b]Moving through time[/b] (whatever panel has focus)
  n   F7     one micro-step forward
  b   F6     one micro-step back
  N   F8     to the end of the command (skips an animation)
  B   F5     to the start of the command
  space F9   play / pause            + -   faster / slower
  home  g    the very start          end  G   the end of history
  y          the other branch: a command typed in the past starts a new one, the
             old future is kept; y switches to it and back (nothing is lost)
  In the command line letters type: use the F-keys there, or Esc first.

[b]Looking around[/b]
  tab        next panel; up/down, pgup/pgdn move in it
  enter      fold a memcg's children, or show a whole objcg_list
  z          only the selected memcg's subtree (z again: whole tree)
  o          show / hide the objects panel
  t          the rest of the current command in the trail, dimmed (off: only
             what has run, so "what happens next?" stays a question)
  /          find: filter memcgs, objcgs and objects by name
  p          who pins the selected memcg or objcg? every chain of references
             keeping it alive (for a dying memcg: why it is not freed yet)
  : or i     the command line        ctrl+p  command palette (theme: any;
             objcg-projector, or objcg-lab --projector, for a class)
  escape     clear find and zoom     q       quit

[b]Recording course material[/b]
  R          record to a new file / stop (or: objcg-lab explore --record F)
  c          a chapter here (at an existing chapter: a note for the handout)
  ] \\[        the next / previous chapter (objcg-lab replay FILE)

[b]The command line[/b] takes any scenario command, e.g.
  mkdir A/C    task t3 A/C    alloc Z0 300 task=t3 cpu=1
  free Z0 cpu=0    rmdir A/C    drain cpu=1    charge /A 100 cpu=0
and the explorer's own: save FILE (the session as a script), find TEXT, help,
branches, branch N, discard N, undiscard. After Enter the line stays open.
Up/down recall earlier lines; Tab completes commands, paths, tasks, objects,
objcgs. A new command plays from its first micro-step.

[b]Reading the screen[/b]
  [black on yellow] like this [/]     what the last micro-step changed
  Δ /A css_refs 5→6  the same changes in one line, above "why:"
  [green]─▶ /A (own)[/]      an objcg pointing at the memcg that created it
  [magenta]⇧▶ /A (parent)[/]   an objcg reparented to an ancestor by rmdir
  [white on magenta]↷ old → new[/]     a pointer swinging in this very step
  nr_charged_bytes N (left N where space is short): bytes parked in the objcg
  …              a row too long for its panel: fields were left out, never cut
  ▼ N more below a panel that scrolls (up/down, pgup/pgdn)
  ✓ objcg /A: pages × PAGE_SIZE = live + in stocks + nr_charged_bytes ▕██▏

[b]Glossary[/b] (Linux v5.9)
  [b]objcg[/b]  struct obj_cgroup: what a charged slab object points to instead of
    its memcg. Each online memcg has one active objcg (memcg->objcg); the objcg
    points at a memcg (objcg->memcg), its own or, once reparented, an ancestor.
  [b]byte stock[/b]  per CPU, bytes already charged for one objcg (cached_objcg,
    nr_bytes): obj_cgroup_charge takes from it without touching a page counter.
    More than PAGE_SIZE in it is drained.
  [b]page stock[/b]  per CPU, pages already charged to one memcg (cached, nr_pages,
    up to the batch of 32): try_charge charges a batch and keeps the surplus here.
  [b]nr_charged_bytes[/b]  bytes charged through an objcg that no CPU's byte stock
    holds: drain_obj_stock uncharges whole pages and parks the sub-page rest here;
    the next refill of that objcg's stock takes it back (xchg).
  [b]dying[/b]  a memcg removed by rmdir and offline, but not freed while anything
    holds its css (a page stock, a reparented objcg, a hold). Its ancestors count
    it in nr_dying_descendants: a count, not a state of theirs.
  [b]reparenting[/b]  memcg_reparent_objcgs at offline: the memcg's objcg (and those
    it inherited) now point at the parent and join the parent's objcg_list, so the
    bytes still charged through them are charged to, and given back from, the
    parent.

Press escape, q or ? to close."""


class HelpScreen(ModalScreen[None]):
    """Keys, commands and the meaning of colours."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close help")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 84; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield ThemedText(Text.from_markup(HELP))
