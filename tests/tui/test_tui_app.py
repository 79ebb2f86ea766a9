"""The explorer driven by Pilot: every key binding, the command line, the banner."""
from __future__ import annotations

import subprocess
import sys

import pytest

from engine.invariants import InvariantViolation
from textual.command import CommandPalette
from textual.widgets import Static

from tests.tui.conftest import painter, press
from tui.app import ExplorerApp
from tui.widgets.banner import ViolationBanner
from tui.widgets.command_line import CommandLine
from tui.widgets.explanation import Explanation
from tui.widgets.help_screen import HelpScreen
from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.object_list import ObjectList
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.status import InvariantStatus
from tui.widgets.trail import Trail

SIZE = (120, 40)


def loading_app(text: str, during, greeting: str) -> ExplorerApp:
    """An explorer opening `text` behind the progress bar; `during()` runs in the loader."""
    from engine import Machine
    from tui.session import Session

    def load(progress):
        progress(1, 2)
        during()
        return Session.from_text(text, "<big>"), greeting

    return ExplorerApp(Session(Machine(), "<big>"), loader=load)


async def loaded(app: ExplorerApp, pilot) -> None:
    """Until a big scenario's worker thread has handed its session over (bounded)."""
    for _ in range(400):
        if app.loader is None:
            return
        await pilot.pause(0.05)


async def settle(app: ExplorerApp) -> None:
    await painter(app).settle()


def message(app: ExplorerApp) -> str:
    return str(app.query_one("#message", Static).content)  # as said, before it is wrapped


async def test_micro_steps_forward_and_back(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        start = app.session.cursor
        await press(app, "n", "n", "n")
        assert app.session.cursor == start + 3
        await press(app, "b")
        assert app.session.cursor == start + 2
        trail = app.query_one(Trail)
        assert trail.cursor == 1  # the current step (second of rmdir) is highlighted


async def test_command_forward_and_back(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        session = app.session
        rec = session.machine.commands[-1]
        assert session.cursor == rec.first  # the built-in scenario opens before its rmdir
        await press(app, "N")
        assert session.cursor == rec.end
        await press(app, "B")
        assert session.cursor == rec.first
        await press(app, "B")
        assert session.cursor == session.machine.commands[-2].first


async def test_start_and_end(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        await press(app, "home")
        assert app.session.cursor == 0
        await press(app, "end")
        assert app.session.at_end
        await press(app, "g")
        assert app.session.cursor == 0
        await press(app, "G")
        assert app.session.at_end


async def test_play_pause_and_speed(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus", "plus", "plus", "plus")
        assert app.speed == 60.0
        await pilot.press("minus")
        assert app.speed == 30.0
        await pilot.press("equals_sign")
        assert app.speed == 60.0
        await pilot.press(*["minus"] * 4)
        assert app.speed == 4.0
        start = app.session.cursor
        await pilot.press("space")
        assert app.playing
        await pilot.pause(0.6)
        await pilot.press("space")
        assert not app.playing
        moved = app.session.cursor - start
        assert moved > 0
        await pilot.pause(0.2)
        assert app.session.cursor - start == moved  # paused means paused


async def test_play_stops_at_the_end(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.speed = 60.0
        await pilot.press("space")
        for _ in range(400):  # bounded: however loaded the machine, play ends by itself
            if not app.playing:
                break
            await pilot.pause(0.05)
        assert app.session.at_end and not app.playing
        await pilot.press("space")  # nothing left to play: says so
        assert not app.playing and "end of history" in message(app)


async def test_a_play_tick_after_quitting_at_the_end_is_harmless(make_app):
    """The play timer can tick once more while the app quits: at the end of history that
    tick stopped play and redrew the position bar, which was gone (NoMatches at exit)."""
    app = make_app(at="end")
    async with app.run_test(size=SIZE):
        pass
    app.set_reactive(type(app).playing, True)  # it was playing (no watcher: nothing to draw)
    app._tick()
    assert app.playing  # nothing happened


async def test_step_keys_win_over_a_focused_panel(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        for panel in (ObjcgList, Trail, MemcgTree):
            app.query_one(panel).focus()
            before = app.session.cursor
            await press(app, "n")
            assert app.session.cursor == before + 1, panel


async def test_letters_type_in_the_command_line_but_f_keys_step(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        await press(app, "colon")
        assert isinstance(app.focused, CommandLine)
        before = app.session.cursor
        await press(app, "n", "b", "space")
        assert app.query_one(CommandLine).value == "nb "
        assert app.session.cursor == before
        await press(app, "f7", "f7")
        assert app.session.cursor == before + 2
        await press(app, "f6")
        assert app.session.cursor == before + 1
        await press(app, "f8")
        assert app.session.at_end
        await press(app, "f5")
        assert app.session.cursor == app.session.machine.commands[-1].first
        await press(app, "f9")
        assert app.playing
        await press(app, "f9")
        assert not app.playing
        await press(app, "escape")
        assert isinstance(app.focused, MemcgTree)


async def test_a_typed_command_runs_and_plays(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "i")
        await pilot.press(*"alloc Z0 300 task=web cpu=1")
        app.speed = 0.5  # one tick per 2 s: the check below sees play started, not where it got
        await pilot.press("enter")
        rec = app.session.machine.commands[-1]
        assert rec.command.text == "alloc Z0 300 task=web cpu=1"
        # Play starts at the command's first micro-step; how far the timer got by now
        # depends on the machine's load, so only the range is checked.
        assert rec.first <= app.session.cursor <= rec.end
        assert app.playing or app.session.cursor == rec.end
        assert "→ 0" in message(app)
        assert isinstance(app.focused, CommandLine)  # a prompt: ready for the next command
        assert app.query_one(CommandLine).value == ""
        await pilot.press("escape", "N")
        assert app.session.cursor == rec.end
        assert app.session.world().object("Z0") is not None


async def test_a_bad_command_shows_one_line_and_changes_nothing(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        before = (app.session.cursor, app.session.total, app.session.machine.snapshot())
        await press(app, "colon", *"free NOPE cpu=0", "enter")
        text = message(app)
        assert text.startswith("error: ") and "NOPE" in text and "\n" not in text
        assert (app.session.cursor, app.session.total, app.session.machine.snapshot()) == before
        assert app.query_one(CommandLine).value == "free NOPE cpu=0"  # kept to fix it
        assert isinstance(app.focused, CommandLine)
        selection = app.query_one(CommandLine).selection  # selected: typing replaces it
        assert (min(selection), max(selection)) == (0, len("free NOPE cpu=0"))
        await press(app, *"frob", "enter")
        assert "unknown command 'frob'" in message(app)
        await press(app, "escape", "colon", *"drain cpu=0", "enter")  # ':' starts afresh
        assert "drain cpu=0 → 0" in message(app)
        await press(app, "colon", "up", "up")  # the refused line is in the history
        assert app.query_one(CommandLine).value == "frob"
        # and the app quits while "drain cpu=0" is still playing: no error at exit


@pytest.mark.real_pilot
async def test_history_and_completion(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        line = app.query_one(CommandLine)
        await pilot.press("colon", *"drain cpu=0", "enter")
        await pilot.press("up")  # the prompt is still open after Enter
        assert line.value == "drain cpu=0"
        await pilot.press("down")
        assert line.value == ""
        await pilot.press(*"rmd", "tab")
        assert line.value == "rmdir "
        await pilot.press(*"/A", "tab")
        assert line.value == "rmdir /A"  # /A and /A/B: common prefix only
        assert "/A/B" in message(app)


async def test_save_find_and_help_at_the_command_line(make_app, tmp_path):
    app = make_app()
    path = tmp_path / "mine.objcg"
    async with app.run_test(size=SIZE):
        await press(app, "colon", *f"save {path}", "enter")
        lines = path.read_text().splitlines()
        assert len([line for line in lines if not line.startswith("#")]) == 13  # the commands
        assert lines[0] == "# objcg-lab recording v1" and lines[-1] == "#@ end"
        assert "saved 13 commands" in message(app)
        await press(app, "colon", *"save", "enter")
        assert "usage: save FILE" in message(app)
        await press(app, "escape", "slash")
        assert app.query_one(CommandLine).value == "find "
        await press(app, "Y")
        assert app.find_text == "Y"  # filters as you type
        assert app.query_one(ObjectList).rows == ["Y0", "Y1"]
        await press(app, "1")
        assert app.query_one(ObjectList).rows == ["Y1"]
        # Y1 is shown with its objcg, the memcg that objcg points at, and its ancestors
        assert app.query_one(ObjcgList).rows == ["/A/B"]
        assert [r.memcg for r in app.query_one(MemcgTree).rows if r.kind == "memcg"] == [
            "/", "/A", "/A/B"]
        assert "1 match" in message(app)
        await press(app, "enter")
        assert app.find_text == "Y1" and app.query_one(CommandLine).value == ""
        await press(app, *"find NOPE")
        assert "no match" in message(app) and app.query_one(ObjectList).rows == []
        await press(app, "ctrl+u", *"find Y1", "enter")
        await press(app, "escape", "escape")  # leave the prompt, then clear the filter
        assert app.find_text == ""
        await press(app, "colon", *"help", "enter")
        assert isinstance(app.screen, HelpScreen)


async def test_help_screen_opens_and_closes_and_blocks_step_keys(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        await press(app, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        before = app.session.cursor
        await press(app, "n", "q")  # q closes help, it does not quit
        assert app.session.cursor == before
        assert not isinstance(app.screen, HelpScreen)
        await press(app, "question_mark", "escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_runs_explorer_commands(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before = app.session.cursor
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Step forward")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.cursor == before + 1


async def test_objects_zoom_fold_and_clear(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        objects = app.query_one(ObjectList)
        assert objects.display  # 40 rows: room for it
        await press(app, "o")
        assert not objects.display
        await press(app, "o")
        assert objects.display
        tree = app.query_one(MemcgTree)
        tree.focus()
        assert tree.select_key(("memcg", "/A", None))
        await press(app, "z")
        assert app.tree_options.zoom == "/A" and tree.rows[0].memcg == "/A"
        await press(app, "z")
        assert app.tree_options.zoom is None
        assert tree.select_key(("memcg", "/A", None))
        count = len(tree.rows)
        await press(app, "enter")  # fold /A's children
        assert len(tree.rows) < count
        await press(app, "enter")
        assert len(tree.rows) == count
        await press(app, "z", "escape")
        assert app.tree_options.zoom is None


async def test_tab_moves_focus_and_q_quits(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        tree = app.focused
        assert isinstance(tree, MemcgTree) and tree.cursor == 0 and len(tree.rows) > 4
        cursor = app.session.cursor
        moves = [("down", 1), ("j", 2), ("up", 1), ("k", 0), ("pagedown", len(tree.rows) - 1),
                 ("pageup", 0)]
        for key, row in moves:  # a list's own keys move its selection, not the history
            await press(app, key)
            assert tree.cursor == row, (key, tree.cursor)
        assert app.session.cursor == cursor
        await press(app, "tab")
        objcgs = app.focused
        assert isinstance(objcgs, ObjcgList) and objcgs.cursor == 0
        await press(app, "j")
        assert objcgs.cursor == 1 and tree.cursor == 0
        await press(app, "q")
    assert app.return_code == 0 and not app.is_running


async def test_selection_drives_the_conservation_sum(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        await press(app, *"n" * 7)  # offline (after the RCU callback): objcg /A/B moves, the sum follows
        status = app.query_one(InvariantStatus).plain
        assert status.startswith("✓ objcg /A/B:")
        objcgs = app.query_one(ObjcgList)
        objcgs.focus()
        await press(app, "down", "up")  # the learner picks /A: it stays picked
        await press(app, "n", "n")
        status = app.query_one(InvariantStatus).plain
        assert status.startswith("✓ objcg /A:") and "nr_charged_bytes" in status


async def test_invariant_violation_shows_a_banner_and_the_app_goes_on(make_app, monkeypatch):
    app = make_app()
    async with app.run_test(size=SIZE):
        banner = app.query_one(ViolationBanner)
        assert not banner.has_class("-shown")

        def broken(*_a, **_k):
            raise InvariantViolation("I1: byte conservation broken for /A")

        monkeypatch.setattr(app.session.machine, "run_line", broken)
        await press(app, "colon", *"drain cpu=0", "enter")
        assert banner.has_class("-shown")
        assert "I1: byte conservation broken" in str(banner.render())
        before = app.session.cursor
        await press(app, "escape", "b")
        assert app.session.cursor == before - 1  # still usable


async def test_a_violation_while_loading_is_bannered_at_start(make_app):
    app = make_app()
    app.session.violation = "<test>:3: I2: refcount mismatch"
    async with app.run_test(size=SIZE):
        assert app.query_one(ViolationBanner).has_class("-shown")


async def test_kernel_warn_is_shown_as_dmesg_prints_it(make_app):
    app = make_app("mkdir A\ncharge /A 100 cpu=0\nuncharge /A 50 cpu=0\nrmdir A\n", at="end")
    async with app.run_test(size=SIZE):
        why = "\n".join(line.plain for line in app.query_one(Explanation).lines)
        assert "------------[ cut here ]------------" in why
        assert "WARNING: CPU: 0 at mm/memcontrol.c obj_cgroup_release" in why


async def test_small_terminal_hides_objects_until_asked(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)):
        assert not app.query_one(ObjectList).display
        assert app.screen.has_class("-compact")
        await press(app, "o")
        assert app.query_one(ObjectList).display
        await press(app, "n", "N")
        assert app.session.at_end


async def test_a_big_tree_starts_folded_and_steps(make_app):
    from tui.scenarios import scale_script

    app = make_app(scale_script(memcgs=120, objcgs=600, cpus=8, tops=4), at="end")
    async with app.run_test(size=SIZE):
        tree = app.query_one(MemcgTree)
        assert app.tree_options.auto_collapse
        shown = [r.memcg for r in tree.rows if r.kind == "memcg"]
        assert shown[:4] == ["/", "/T0", "/T1", "/T2"] and "/T0/C0" not in shown
        # the last command removed a cgroup below /T3: that branch is open, the rest folded
        assert "/T3/C0" in shown
        assert len(app.query_one(ObjcgList).rows) == 600
        await press(app, "B", "n", "n", "n", "n", "b")
        assert app.session.cursor == app.session.machine.commands[-1].first + 3
        # the rmdir's memcg, folded two levels down, is opened for the learner
        removed = app.session.machine.commands[-1].command.args[0]
        assert ("memcg", "/" + removed, None) in [(r.kind, r.memcg, r.objcg) for r in tree.rows]


def test_bad_file_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.objcg"
    bad.write_text("mkdir A\nalloc X\n")
    for target in (str(bad), str(tmp_path / "missing.objcg")):
        out = subprocess.run([sys.executable, "-m", "tui.cli", "explore", target],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 2
        assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
        assert "error:" in out.stderr


async def test_keys_typed_in_a_burst_complete_in_order(make_app):
    """tmux (or a fast typist) delivers ':rm<Tab>X' before the app has drawn anything."""
    from textual import events

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for key, char in [("colon", ":"), ("r", "r"), ("m", "m"), ("tab", None), ("X", "X")]:
            app.post_message(events.Key(key, char))
        await pilot.pause(0.3)
        assert app.query_one(CommandLine).value == "rmdir X"


async def test_stepping_past_either_end_says_so(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        await press(app, "end", "n")
        assert "end of history" in message(app)
        await press(app, "home", "b")
        assert app.session.cursor == 0 and "at the start" in message(app)


async def test_clicking_a_row_selects_it(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        tree = app.query_one(MemcgTree)
        await pilot.click(MemcgTree, offset=(4, 3))  # border, then rows 0, 1, 2: /A
        assert tree.selected is not None and tree.selected.memcg == "/A"
        await pilot.click(MemcgTree, offset=(4, 3))  # a second click opens/folds it
        assert not any(r.memcg == "/A/B" for r in tree.rows)


async def test_ctrl_q_quits_even_from_the_command_line(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        await press(app, "colon", "q")
        assert app.query_one(CommandLine).value == "q" and app.is_running
        await press(app, "ctrl+q")
    assert app.return_code == 0


async def test_messages_go_when_they_stop_being_true():
    from tui import scenarios
    from tui.session import Session

    session = Session.from_text(scenarios.default_text(), scenarios.DEFAULT_NAME)
    rmdir = session.machine.commands[-1]
    app = ExplorerApp(session, start_at=rmdir.first, greeting="stopped before its last command")
    async with app.run_test(size=SIZE):
        await press(app, "n")
        assert "stopped before" in message(app)  # still true: the rmdir is being stepped
        await press(app, "N")  # the rmdir has run
        assert "stopped before" not in message(app)
        await press(app, "B", "colon", *"drain cpu=0", "enter")
        assert "playing its" in message(app) or not app.playing
        app.playing = False  # paused (or play already over: the same either way)
        await settle(app)
        assert "playing its" not in message(app) and "drain cpu=0 → 0" in message(app)
        assert "a new branch" in message(app)


async def test_a_big_scenario_opens_behind_a_progress_bar():
    from tui.loading import LoadingScreen
    from tui.scenarios import scale_script

    text = scale_script(memcgs=20, objcgs=40, cpus=2)
    seen: list[int] = []
    app = loading_app(text, lambda: seen.append(1), "loaded: hello")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(app, pilot)
        assert seen and not isinstance(app.screen, LoadingScreen)
        assert len(app.session.machine.commands) == len(text.splitlines())
        assert "loaded: hello" in message(app)
        await pilot.press("b")
        assert app.session.cursor == app.session.total - 1


# -- help and messages (issue 19, point 4) ---------------------------------------------------
def _screen(app) -> list[str]:
    return ["".join(s.text for s in strip) for strip in app.screen._compositor.render_strips()]


def _header(app) -> str:
    return app.query_one("#position").plain


async def test_the_help_has_no_word_left_alone_at_any_width(make_app):
    """The help is wrapped at the width it is shown at, entries with a hanging indent:
    no line of it is re-wrapped by the screen, and no line holds one word alone."""
    from rich.cells import cell_len

    from tui.widgets.help_screen import HelpText

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.action_help()
        for width in (40, 52, 64, 80, 100, 120):
            await pilot.resize_terminal(width, 40)
            await pilot.pause()
            await pilot.pause()
            box = app.screen.query_one(HelpText)
            region = box.content_region
            assert all(cell_len(line) <= region.width for line in box.render().plain.split("\n")), width
            help_screen = app.screen
            lines = ["".join(s.text for s in strip) for strip in help_screen._compositor.render_strips()]
            shown = [lines[y][region.x:region.right].strip() for y in range(region.y, min(region.bottom, len(lines)))]
            alone = [line for line in shown if len(line.split()) == 1 and line.strip("─│╭╮╰╯▁▔")]
            assert not alone, (width, alone)


def test_every_mark_the_screen_draws_is_in_the_help():
    """The words and glyphs a learner meets on screen, each explained in the help."""
    from tui.widgets.help_screen import help_plain

    said = help_plain()
    for word in ("▸N", "{base +2}", "in flight", "ghost", "‖", "NULL", "left", "nr_charged_bytes",
                 "dying-desc", "held by", "⇧▶", "↷", "↳", "◀ moved in", "⋯", "≈", "▼ N more below",
                 "▲ N more above", "…", "Δ", ">PAGE", "cpu2-cpu3", "✓", "✗", "▕██▏", "● REC", "step 0/N",
                 "1 other branch (y)", "max ∞", "ref -", "×3", "kfail", "K = KiB", "pg", "→ -ENOMEM"):
        assert word in said, word


async def test_every_glyph_on_screen_is_in_the_help(make_app):
    """Walk scenarios through their marks; every glyph drawn (not letters, digits, ASCII
    punctuation, frames or bars) appears in the help."""
    from tui.app import ExplorerApp
    from tui.session import Session
    from tui.widgets.help_screen import help_plain

    said = help_plain()
    frames = {chr(c) for c in range(0x2500, 0x2580)} | set("▁▂▃▄▅▆▇█▉▊▋▌▍▎▏▐▕")
    script = ("config cpus=4\nmkdir system.slice\nmkdir system.slice/a-very-long-service-name.service\n"
              "write system.slice memory.max 8K\nmkdir B\nmkdir B/C\nmkdir B/D\ntask t system.slice/a-very-long-service-name.service\n"
              "alloc X 4000 task=t cpu=0\nalloc Y 5000 task=t cpu=1 gfp=GFP_NOWAIT\nhold system.slice/a-very-long-service-name.service\n"
              "move t /\nrmdir system.slice/a-very-long-service-name.service\n")
    seen: set[str] = set()
    for text, size, keys in ((script, (80, 24), ("B", "n", "n", "n", "n", "n", "n", "n", "G", "o")),
                             (script, (120, 40), ("B", "n", "n", "n", "n", "n", "n", "t", "G", "N", "space"))):
        app = ExplorerApp(Session.from_text(text, "<marks>"))
        async with app.run_test(size=size) as pilot:
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
                for line in _screen(app):
                    seen |= {ch for ch in line if ord(ch) > 127 and ch not in frames}
    missing = sorted(ch for ch in seen if ch not in said)
    assert not missing, missing


async def test_unknown_command_lists_the_explorers_own_commands_too(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon", *"frob", "enter")
        await pilot.pause()
        said = message(app)
        assert "unknown command 'frob'" in said and "alloc" in said
        assert all(word in said for word in ("save", "find", "branches", "undiscard", "help"))


async def test_esc_leaves_no_stale_text_in_the_prompt_row(make_app):
    """Esc leaves the command line empty (the placeholder shows), the line kept in the
    history: what the row shows is never a line Enter would not run."""
    from tui.widgets.command_line import ASLEEP, CommandLine

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        line = app.query_one(CommandLine)
        await pilot.press("colon", *"alloc Q", "escape")
        await pilot.pause()
        assert line.value == "" and line.placeholder == ASLEEP
        await pilot.press("colon", "up")
        assert line.value == "alloc Q"


async def test_keys_typed_while_a_big_scenario_loads_are_plainly_refused():
    """The progress bar says which key was not taken, and nothing is done with it once
    the explorer opens."""
    import threading

    from tui.loading import LoadingScreen
    from tui.scenarios import scale_script

    text = scale_script(memcgs=5, objcgs=10, cpus=2)
    go = threading.Event()
    app = loading_app(text, lambda: go.wait(10), "loaded")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoadingScreen)
        await pilot.press("n")
        await pilot.pause()
        assert "'n' not taken" in str(app.screen.query_one("#loading-keys").render())
        go.set()
        await loaded(app, pilot)
        assert app.session.cursor == app.session.total  # the 'n' did nothing


async def test_n_and_b_go_as_the_readme_says(make_app):
    """README: N to the end of the next command, B to the start of the previous; the
    header says where in its own terms (a command's start is its step 0)."""
    app = make_app()  # the built-in scenario, stopped before its last command (rmdir A/B)
    async with app.run_test(size=SIZE) as pilot:
        commands = app.session.machine.commands
        n = len(commands)

        def steps(k: int) -> int:
            return commands[k - 1].end - commands[k - 1].first

        await pilot.press("B")
        assert f"command {n - 1}/{n} · step 0/{steps(n - 1)} " in _header(app)
        await pilot.press("B")
        assert f"command {n - 2}/{n} · step 0/{steps(n - 2)} " in _header(app)
        await pilot.press("N")
        assert f"command {n - 2}/{n} · step {steps(n - 2)}/{steps(n - 2)} " in _header(app)
        await pilot.press("N", "N")
        assert f"command {n}/{n} · step {steps(n)}/{steps(n)} " in _header(app)
        await pilot.press("B")
        assert f"command {n}/{n} · step 0/{steps(n)} " in _header(app)
        assert "Nothing applied yet" in app.query_one("#why").plain
        await pilot.press("n")
        assert f"command {n}/{n} · step 1/{steps(n)} " in _header(app)
