"""The `?` screen: every key and command in one place."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]objcg-lab explorer[/b]: Linux v5.9 obj_cgroup (memcg slab accounting),
one micro-step at a time.

[b]Moving through time[/b] (whatever panel has focus)
  n   F7     one micro-step forward
  b   F6     one micro-step back
  N   F8     to the end of the command (skips an animation)
  B   F5     to the start of the command
  space F9   play / pause            + -   faster / slower
  home  g    the very start          end  G   the end of history
  In the command line letters type: use the F-keys there, or Esc first.

[b]Looking around[/b]
  tab        next panel; up/down, pgup/pgdn move in it
  enter      fold a memcg's children, or show a whole objcg_list
  z          only the selected memcg's subtree (z again: whole tree)
  o          show / hide the objects panel
  /          find: filter memcgs, objcgs and objects by name
  p          who pins the selected memcg or objcg? every chain of references
             keeping it alive (for a dying memcg: why it is not freed yet)
  : or i     the command line        ctrl+p  command palette
  escape     clear find and zoom     q       quit

[b]Recording course material[/b]
  R          record to a new file / stop (or: objcg-lab explore --record F)
  c          a chapter here (at an existing chapter: a note for the handout)
  ] \\[        the next / previous chapter (objcg-lab replay FILE)

[b]The command line[/b] takes any scenario command, e.g.
  mkdir A/C    task t3 A/C    alloc Z0 300 task=t3 cpu=1
  free Z0 cpu=0    rmdir A/C    drain cpu=1    charge /A 100 cpu=0
and the explorer's own: save FILE (the session as a script), find TEXT, help.
Up/down recall earlier lines; Tab completes commands, paths, tasks, objects,
objcgs. A new command plays from its first micro-step.

[b]Reading the screen[/b]
  [black on yellow] like this [/]     what the last micro-step changed
  [green]─▶ /A (own)[/]      an objcg pointing at the memcg that created it
  [magenta]⇧▶ /A (parent)[/]   an objcg reparented to an ancestor by rmdir
  [white on magenta]↷ old → new[/]     a pointer swinging in this very step
  left N         the objcg's nr_charged_bytes (charged, in no stock)
  ✓ objcg /A: pages × PAGE_SIZE = live + in stocks + nr_charged_bytes

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
            yield Static(HELP)
