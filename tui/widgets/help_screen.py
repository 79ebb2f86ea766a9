"""The `?` screen: every key and command, and every mark the screen draws, in one place.

The help is data (sections of key/meaning entries and paragraphs), wrapped at the
width of the screen it is shown on, entries with a hanging indent: a line broken for
80 columns and wrapped again at 60 leaves a word alone on a line; this never does.
"""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from tui.present.wrap import wrap_text
from tui.widgets.themed import ThemedText

# (title, entries): an entry is (key, meaning), or ("", paragraph); rich markup allowed
HELP: list[tuple[str, list[tuple[str, str]]]] = [
    ("", [("", "[b]objcg-lab explorer[/b]: Linux v5.9 obj_cgroup (memcg slab accounting), one "
               "micro-step at a time. Every mark the screen draws is explained under "
               "[b]Reading the screen[/b]; a glossary of the kernel's words is at the end "
               "(scroll down).")]),
    ("Moving through time (whatever panel has focus)", [
        ("n  F7", "one micro-step forward"),
        ("b  F6", "one micro-step back"),
        ("N  F8", "to the end of the next command: the one under way, or the one ahead "
                  "(skips an animation)"),
        ("B  F5", "to the start of the previous command: the one under way, or the one just "
                  "done; the header then says step 0/N"),
        ("space  F9", "play / pause (the header: ▶ playing, ‖ paused, and the speed, 4/s)"),
        ("+  -", "faster / slower"),
        ("home  g", "the very start"),
        ("end  G", "the end of history"),
        ("y", "the other branch: a command typed in the past starts a new one, the old "
              "future is kept; y switches to it and back (nothing is lost)"),
        ("", "In the command line letters type: use the F-keys there, or Esc first."),
    ]),
    ("Looking around", [
        ("tab", "next panel; up/down, pgup/pgdn move in it"),
        ("enter", "fold a memcg's children (▸N), or show a whole objcg_list"),
        ("z", "only the selected memcg's subtree (z again: whole tree)"),
        ("o", "show / hide the objects panel"),
        ("t", "the rest of the current command in the trail, dimmed (off: only what has "
              "run, so \"what happens next?\" stays a question)"),
        ("/", "find: filter memcgs, objcgs and objects by name"),
        ("p", "who pins the selected memcg or objcg? every chain of references keeping it "
              "alive (for a dying memcg: why it is not freed yet)"),
        (": or i", "the command line"),
        ("ctrl+p", "command palette (theme: any; objcg-projector, or objcg-lab --projector, "
                   "for a class)"),
        ("escape", "clear find and zoom"),
        ("q", "quit"),
    ]),
    ("Two CPUs at once (a together block: see the command line below)", [
        ("0 .. 9", "that CPU's thread takes the next micro-step (the key bar shows the CPUs "
                   "that can); w then a digit: that CPU's kworker"),
        ("n  N", "the next step in the block's own order; the rest of the block"),
        ("", "Stepped back into a block, n replays what happened; a thread's key makes the "
             "block run again from there (what came after is kept as a branch: y). The "
             "trail's gutter names who took each step ([cyan]0[/] cpu0, [magenta]1[/] cpu1, "
             "w1 what runs later on cpu1: its kworker's items, and the RCU callbacks it queued, "
             "which the kernel runs in softirq); above it each thread's place, and a shared value it has read "
             "but not used yet (another CPU can change it in between). Pending work (a "
             "kworker's, an RCU callback's) waits under the stocks with ◷; an offline CPU is "
             "greyed. A kernel oops is shown as the kernel prints it: nothing more runs "
             "until you step back (b)."),
    ]),
    ("Recording course material", [
        ("R", "record to a new file / stop (or: objcg-lab explore --record F); the header "
              "says ● REC and the file"),
        ("c", "a chapter here (at an existing chapter: a note for the handout)"),
        ("P", "a pause mark: replay's play stops here"),
        ("]  \\[", "the next / previous chapter (objcg-lab replay FILE)"),
    ]),
    ("The command line", [
        ("", "It takes any scenario command, e.g. mkdir A/C, task t3 A/C, alloc Z0 300 "
             "task=t3 cpu=1, free Z0 cpu=0, rmdir A/C, drain cpu=1, charge /A 100 cpu=0; and "
             "the explorer's own: save FILE (the session as a script), find TEXT, help, "
             "branches, branch N, discard N, undiscard. After Enter the line stays open; Esc "
             "leaves it and empties it. Up/down recall earlier lines. Tab completes "
             "commands, paths, tasks, objects and objcgs with what the machine accepts, and "
             "lists the candidates under the line; Tab again goes round them. A new command "
             "plays from its first micro-step."),
        ("", "Deferred work and CPUs: config work=manual (before any other command), then "
             "run_work \\[cpu=N] and rcu_sync run what is queued; cpu_down N, cpu_up N. A "
             "block: together, then lines that each say their CPU (write A memory.max 0 "
             "cpu=0, drain cpu=1), then end: you choose which CPU takes each step."),
    ]),
    ("Reading the screen", [
        ("[black on yellow] like this [/]", "what the last micro-step changed"),
        ("Δ /A css_refs 5→6", "the same changes in one line, above \"why:\"; +N more: changes "
                              "that did not fit, highlighted where they show"),
        ("[green]─▶ /A (own)[/]", "an objcg pointing at the memcg that created it"),
        ("[magenta]⇧▶ /A (parent)[/]", "an objcg reparented to an ancestor by rmdir"),
        ("[white on magenta]↷ old → new[/]", "a pointer swinging in this very step"),
        ("↳ /A/B", "an entry of the memcg's objcg_list: a killed objcg that now charges it"),
        ("⇧ /A/B → /A", "an objcg on its way up to its parent's objcg_list; ◀ moved in: it "
                        "just arrived"),
        ("objcg NULL", "no active objcg (the root's; a memcg's once offline: (was /A/B) "
                       "says which it had); NULL in a stock: it caches nothing"),
        ("33 pg  132K", "a memcg's usage in pages, and in bytes (K = KiB, M = MiB, B = bytes)"),
        ("max 8 (32K)", "its memory.max in pages (and bytes); max ∞: no limit. failcnt N: "
                        "charges refused at this level. kmem N/M, kfail N: cgroup v1's kmem "
                        "counter"),
        ("ref 5  ref -", "the css (or objcg) reference count; - for the root, whose css is "
                         "not counted (CSS_NO_REF)"),
        ("{base +2}", "who holds those references: base, online, css_set, a CPU stock (cpu1), "
                      "an object (X0), a child, a hold...; +2: two more not shown; ×3: three "
                      "references from one holder"),
        ("held by {...}", "what still holds a dying memcg: the answer to \"why isn't it "
                          "freed?\" (p shows every chain)"),
        ("dying-desc N", "nr_dying_descendants: descendants removed but not yet freed (a "
                         "count, not a state)"),
        ("nr_charged_bytes N", "bytes parked in the objcg; left N is the same figure where "
                               "space is short"),
        ("ghost (freed)", "a memcg freed by this command, greyed until the command is over "
                          "(a released objcg likewise)"),
        ("page /A 31/32", "a CPU's page stock: the memcg it caches, nr_pages / the batch "
                          "(pg where space is short)"),
        ("byte /A 3996B", "a CPU's byte stock: the objcg it caches, nr_bytes (B where space "
                          "is short); >PAGE: more than a page, it drains"),
        ("cpu2-cpu3", "CPUs whose stocks are both empty, on one line"),
        ("…", "a row too long for its panel: fields were left out, never cut; in a name, "
              "what was left out of its middle (/system.slice/…/nginx.service)"),
        ("▼ N more below", "a panel that scrolls (up/down, pgup/pgdn); ▲ N more above"),
        ("▶", "in the trail: the micro-step just applied"),
        ("⋯ N more micro-steps to come", "the rest of the command, not run yet (t shows it)"),
        ("refill_stock(/B, 31)", "a caller's line, before its callees', with the arguments it "
                                 "got (… where they are not shown)"),
        ("≈", "a step the model simplifies (said how in its line)"),
        ("command 3/13 · step 2/7", "the header: the command the cursor is in and its "
                                    "micro-steps applied; → 0 or → -ENOMEM: what it returned; "
                                    "next: the command after it; v5.9: the kernel modelled (config "
                                    "kernel= picks one of eight releases from v5.8 to v6.14; Tab "
                                    "completes them)"),
        ("1 other branch (y)", "futures kept by typing a command in the past"),
        ("✓ objcg /A: ...", "the byte sum of the selected objcg: pages × PAGE_SIZE = live + in "
                            "stocks + nr_charged_bytes, and a bar ▕██▏ of the three; + N in "
                            "flight: bytes a kernel function holds in hand mid-charge; ✗ and "
                            "(off by N): the sum does not hold"),
        ("?", "in a lesson: a figure a prediction asks about, hidden until answered"),
    ]),
    ("Glossary (Linux v5.9)", [
        ("objcg", "struct obj_cgroup: what a charged slab object points to instead of its "
                  "memcg. Each online memcg has one active objcg (memcg->objcg); the objcg "
                  "points at a memcg (objcg->memcg), its own or, once reparented, an ancestor."),
        ("byte stock", "per CPU, bytes already charged for one objcg (cached_objcg, "
                       "nr_bytes): obj_cgroup_charge takes from it without touching a page "
                       "counter. More than PAGE_SIZE in it is drained."),
        ("page stock", "per CPU, pages already charged to one memcg (cached, nr_pages, up to "
                       "the batch of 32): try_charge charges a batch and keeps the surplus here."),
        ("nr_charged_bytes", "bytes charged through an objcg that no CPU's byte stock holds: "
                             "drain_obj_stock uncharges whole pages and parks the sub-page rest "
                             "here; the next refill of that objcg's stock takes it back (xchg)."),
        ("dying", "a memcg removed by rmdir and offline, but not freed while anything holds "
                  "its css (a page stock, a reparented objcg, a hold). Its ancestors count it "
                  "in nr_dying_descendants: a count, not a state of theirs."),
        ("reparenting", "memcg_reparent_objcgs at offline: the memcg's objcg (and those it "
                        "inherited) now point at the parent and join the parent's objcg_list, "
                        "so the bytes still charged through them are charged to, and given "
                        "back from, the parent."),
    ]),
    ("", [("", "Press escape, q or ? to close.")]),
]
KEY_COLUMN = 22  # cells for the key of an entry, the meaning beside it (under it if longer)


def help_text(width: int) -> Text:
    """The help wrapped to `width` cells: entries with a hanging indent, nothing wrapped twice."""
    width = max(20, width)
    key_room = min(KEY_COLUMN, width // 4)
    lines: list[Text] = []
    for title, entries in HELP:
        if lines:
            lines.append(Text())
        if title:
            lines += wrap_text(Text.from_markup(f"[b]{title}[/b]"), width, orphans=False)
        for key, meaning in entries:
            body = Text.from_markup(meaning)
            if not key:
                lines += wrap_text(body, width, orphans=False)
                continue
            head = Text.from_markup(key)
            indent = key_room + 2
            if head.cell_len > key_room:  # a long key: its meaning starts on the next line
                lines += [Text("  ") + part for part in wrap_text(head, width - 2)]
                lines += [Text(" " * indent) + part for part in wrap_text(body, width - indent, orphans=False)]
                continue
            parts = wrap_text(body, width - indent, orphans=False)
            lines.append(Text("  ") + head + Text(" " * (indent - 2 - head.cell_len)) + parts[0])
            lines += [Text(" " * indent) + part for part in parts[1:]]
    return Text("\n").join(lines)


def help_plain() -> str:
    """Every word of the help, unwrapped (what tests search)."""
    return " ".join(Text.from_markup(f"{key} {meaning}").plain for _t, entries in HELP
                    for key, meaning in entries) + " " + " ".join(title for title, _e in HELP)


class HelpText(ThemedText):
    """The help, wrapped again whenever its width changes (a scrollbar coming, a resize)."""

    prose = False  # wrapped here, with its indents
    def on_resize(self) -> None:
        width = self.content_size.width
        if width > 0 and width != getattr(self, "_wrapped_at", None):
            self._wrapped_at = width
            self.show(help_text(width))


class HelpScreen(ModalScreen[None]):
    """Keys, commands and the meaning of every mark and colour."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close help")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield HelpText(help_text(90), id="help")
