"""The explorer's entries in Textual's command palette (ctrl+p)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from textual.app import SystemCommand

if TYPE_CHECKING:
    from tui.host import Explorer

# (title, help, action) — actions of ExplorerApp
ENTRIES = [
    ("Step forward", "Apply one micro-step (n)", "micro(1, 'any')"),
    ("Step back", "Undo one micro-step (b)", "micro(-1, 'any')"),
    ("Next command", "To the end of the current or next command (N)", "command(1, 'any')"),
    ("Previous command", "To the start of the current or previous command (B)", "command(-1, 'any')"),
    ("Play / pause", "Step automatically at the current speed (space)", "play('any')"),
    ("Faster", "Play more micro-steps per second (+)", "speed(1)"),
    ("Slower", "Play fewer micro-steps per second (-)", "speed(-1)"),
    ("Jump to start", "Before the first command (home)", "jump('start', 'any')"),
    ("Jump to end", "After the last command (end)", "jump('end', 'any')"),
    ("Switch branch", "Switch to the future left behind last; again: back (y)", "other_branch"),
    ("Toggle objects panel", "Show or hide live objects (o)", "objects"),
    ("Zoom to selected memcg", "Show only the selected memcg's subtree (z)", "zoom"),
    ("Who pins this?", "Every chain of references keeping the selected memcg or objcg "
     "alive (p)", "pins"),
    ("Find", "Filter memcgs, objcgs and objects by name (/)", "find"),
    ("Clear find and zoom", "Show everything again (escape)", "clear"),
    ("Command line", "Type a scenario command (:)", "prompt"),
    ("Save session", "Write the session as a script to a new objcg-session*.objcg", "save_default"),
    ("Record session", "Start or stop recording the session to a new file (R)", "record"),
    ("Add chapter", "A chapter starting here; at a chapter, a note for it (c)", "chapter"),
    ("Mark a pause", "Replay's play stops here, when recording (P)", "recording('pause')"),
    ("Set recording title", "The title of the recording, its handout and web page",
     "recording('title')"),
    ("Rename chapter", "A new title for the chapter the cursor is in", "recording('rename')"),
    ("Delete chapter", "Remove the chapter the cursor is in (its notes too)",
     "recording('delete')"),
    ("Next chapter", "Jump to the next chapter (])", "chapter_jump(1)"),
    ("Previous chapter", "Jump to the previous chapter ([)", "chapter_jump(-1)"),
    ("Help", "Keys, commands and colours (?)", "help"),
]


def explorer_commands(app: Explorer) -> Iterator[SystemCommand]:
    for title, help_text, action in ENTRIES:
        yield SystemCommand(title, help_text, _runner(app, action))


def _runner(app: Explorer, action: str):  # type: ignore[no-untyped-def]
    async def run() -> None:
        await app.run_action(action)

    return run
