"""CPUs at once in the explorer: a `together` block stepped by hand with the keys the
footer shows, the lanes of the trail, a value read and not used yet, a kernel oops and
stepping back from it, deferred work under the stocks, offline CPUs, and the schedule
kept in scripts and recordings."""
from __future__ import annotations

import re

import pytest
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from engine import ScriptError
from engine.machine import Machine
from engine.pins import pins
from engine.recording import load
from tests.tui.conftest import settled
from tui import hand
from tui.complete import Names, candidates
from tui.present import NO_HIGHLIGHT, stock_lines
from tui.session import Session
from tui.widgets.lanes import LanesPanel
from tui.widgets.oops import OopsBox
from tui.widgets.trail import Trail
from tui.world import World

PRELUDE = """\
config cpus=2
mkdir A
task tA A
alloc X 100 task=tA cpu=1
"""
BLOCK = ("together", "  write A memory.max 0 cpu=0", "  drain cpu=1", "end")
# The obj_stock_flush_required race of v5.9 (mm/memcontrol.c), micro-step by micro-step as
# the model cuts it (each shared access its own step). Thread 0, memory_max_write: the new
# max (1), drain_all_stock (2); cpu0: its page stock read (3), obj_stock_flush_required
# tests cpu0's cached_objcg, NULL (4), cpu0 skipped (5); cpu1: its page stock read (6),
# cpu1's cached_objcg tested, /A (7). Thread 1, drain_local_stock(cpu1): its start (1),
# drain_obj_stock flushes the 3996 bytes (2), obj_cgroup_put (3), cached_objcg = NULL (4).
# Thread 0 then reads cpu1's cached_objcg again to use it (the read 3b8abb323953 removed
# in 6.5): NULL, and obj_cgroup_memcg(NULL) dereferences it.
RACE = ("0",) * 7 + ("1",) * 4 + ("0",)


def typed_block() -> Session:
    session = Session.from_text(PRELUDE, "<test>")
    for line in BLOCK:
        session.submit(line)
    return session


def take_all(session: Session, labels: tuple[str, ...]) -> None:
    for label in labels:
        assert hand.take(session, label) in ("", "the kernel oopsed: b steps back"), label


# -- the session: choosing threads ---------------------------------------------------------------
def test_a_block_typed_at_the_prompt_waits_for_the_learner():
    session = typed_block()
    m = session.machine
    assert m.live is not None and m.commands[-1].first == m.commands[-1].end  # nothing ran
    view = hand.block_at(session)
    assert view is not None and view.at_live_end and view.choices == ("0", "1")
    assert hand.default_next(view) == "0"  # the first line's thread, as the block's order


def test_the_race_by_hand_oopses_with_both_call_stacks():
    session = typed_block()
    take_all(session, RACE)
    m = session.machine
    assert m.live is None and m.oops is not None
    assert m.oops.headline() == ("BUG: kernel NULL pointer dereference in "
                                 "obj_stock_flush_required on cpu0")
    assert m.oops.stacks == {"0": ("memory_max_write", "drain_all_stock",
                                   "obj_stock_flush_required"),
                             "1": ("drain_local_stock", "drain_obj_stock")}
    record = m.commands[-1]
    assert record.command.text == "together schedule=0*7,1*4"  # the chosen steps


def test_nothing_runs_after_the_oops_until_stepped_back():
    session = typed_block()
    take_all(session, RACE)
    with pytest.raises(ScriptError, match="the kernel oopsed .*step back"):
        session.submit("mkdir B")
    view = hand.block_at(session)
    assert view is not None and not view.can_choose  # at the oops: nothing to choose


def test_a_value_read_shows_until_its_thread_steps_again():
    session = typed_block()
    take_all(session, ("0",) * 7)
    rows = {row.label: row for row in hand.thread_rows(session, hand.block_at(session))}
    assert rows["0"].read == "cpu1's stock->cached_objcg is /A"
    assert rows["0"].steps == 7 and rows["0"].place == "in obj_stock_flush_required"
    assert rows["1"].read is None and rows["1"].steps == 0
    take_all(session, ("1",))  # another thread's step: the value is still held
    assert hand.thread_rows(session, hand.block_at(session))[0].read is not None
    take_all(session, ("0",))  # thread 0 used it: its second read (no NULL: cpu1 has not
    # cleared cached_objcg yet, its drain has only begun)
    rows = {row.label: row for row in hand.thread_rows(session, hand.block_at(session))}
    assert rows["0"].read is None and rows["0"].steps == 8
    assert session.machine.steps[-1].data[:3] == ("obj_stock_flush_required.deref", 1, "/A")


def test_stepping_back_from_the_oops_and_choosing_otherwise():
    session = typed_block()
    take_all(session, RACE)
    session.back()
    session.back()  # before thread 1 clears cpu1's cached_objcg
    view = hand.block_at(session)
    assert view is not None and view.can_choose and view.next_in_history == "1"
    said = hand.take(session, "0")  # thread 0's second read comes first now
    assert "branch 1" in said
    m = session.machine
    assert m.oops is None and m.live is not None
    assert m.steps[-1].data[:3] == ("obj_stock_flush_required.deref", 1, "/A")
    assert session.branches[0].lines[0].startswith("together schedule=0*7,1*4\n")
    assert session.switch(1).startswith("switched to the branch")  # the old course again
    session.goto(session.total)
    assert m.oops is not None and m.oops.kind == "null-deref"


def test_stepped_back_the_same_thread_replays_history():
    session = typed_block()
    take_all(session, RACE)
    session.goto(session.machine.commands[-1].first + 3)
    steps = list(session.machine.steps)
    assert hand.take(session, "0") == ""  # what happened the last time: history moves on
    assert session.machine.steps == steps and not session.branches


def test_n_takes_the_next_in_order_and_N_the_rest():
    session = typed_block()
    assert hand.step_default(session) == ""
    assert session.machine.steps[-1].lane == "0"
    said = hand.run_rest(session)
    m = session.machine
    assert m.live is None and said.startswith("the block has ended")
    assert [p.command.text for p in m.commands[-1].parts] == ["write A memory.max 0 cpu=0",
                                                             "drain cpu=1"]
    places = [row.place for row in hand.thread_rows(session, hand.block_at(session))]
    # each thread's last line, by its text: a number would count the file's lines (a
    # lesson's block sits at line 133 of its TOML) where the trail counts the block's
    assert places == ["write A memory.max 0 cpu=0 returned 0", "drain cpu=1 returned 0"]


def test_a_wrong_thread_is_one_line_and_changes_nothing():
    session = typed_block()
    cursor = session.cursor
    assert hand.take(session, "5") == "this block has no thread 5 (its threads: 0 1)"
    assert session.cursor == cursor
    assert "kworker w1 has no work ready" in hand.take(session, "w1")


# -- scripts and recordings keep the interleaving --------------------------------------------------
def test_the_chosen_schedule_is_saved_and_replays_the_same_steps():
    session = typed_block()
    take_all(session, RACE)
    text = session.script_text()
    assert "together schedule=0*7,1*4\n  write A memory.max 0 cpu=0\n  drain cpu=1\nend\n" in text
    loaded = load(text, "<saved>", Machine)
    assert loaded.problem is None
    assert [s.data for s in loaded.machine.steps] == [s.data for s in session.machine.steps]
    assert loaded.machine.oops is not None


def test_a_branch_holding_a_block_is_written_and_read_back():
    session = typed_block()
    take_all(session, RACE)
    session.back()
    session.back()
    hand.take(session, "0")
    hand.run_rest(session)
    loaded = load(session.script_text(), "<saved>", Machine)
    assert loaded.problem is None
    assert loaded.branches[0].lines == ("together schedule=0*7,1*4\n  write A memory.max 0 "
                                        "cpu=0\n  drain cpu=1\nend",)


def test_a_block_left_open_in_a_script_is_an_error_at_its_line():
    with pytest.raises(ScriptError) as err:
        Session.from_text(PRELUDE + "together\n  drain cpu=1\n", "f.objcg")
    assert str(err.value) == "f.objcg:5: error: together without end: the block's lines never ran"


# -- deferred work, hotplug, pins, completion ---------------------------------------------------------
def stocks_text(session: Session) -> list[str]:
    return [line.plain.rstrip() for line in stock_lines(session.world(), NO_HIGHLIGHT, 70)]


def test_pending_work_is_listed_under_the_stocks_until_it_runs():
    # v5.9 kernel/cgroup/cgroup.c: rmdir's kill_css kills the css percpu_ref with
    # percpu_ref_kill_and_confirm; its confirmation comes after an RCU grace period
    # (css_killed_ref_fn), which queues css_killed_work_fn, which takes the css offline.
    session = Session.from_text("config cpus=2 work=manual\nmkdir A\nrmdir A\n", "<test>")
    assert stocks_text(session)[4:] == ["RCU cpu0 ◷ percpu_ref_switch_to_atomic_rcu(css /A)"]
    session.submit("rcu_sync")
    assert stocks_text(session)[4:] == ["cpu0 kworker ◷ css_killed_work_fn(/A)"]
    session.submit("run_work cpu=0")
    assert "css_killed_work_fn(/A)" not in " ".join(stocks_text(session))


async def test_the_trail_shows_the_lane_of_each_step(make_app):
    app = make_app(PRELUDE + "together\n  write A memory.max 0 cpu=0\n  drain cpu=1\nend\n",
                   at="end")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        trail = app.query_one(Trail)
        lines = [trail._line_text(row).plain for row in trail.rows]
        # in order: thread 0 to drain_all_stock's schedule_work_on(cpu1), which the
        # idle machine's cpu1 kworker runs at once (work=auto), then thread 1
        assert lines[0].startswith("  0│") and "memory.max of /A" in lines[0]
        kworker = [line for line in lines if line.startswith(" w1│")]
        assert kworker and "drain_local_stock(cpu1)" in kworker[0]
        assert lines[-1].startswith("  1│") or lines[-1].startswith("   │")


def test_an_offline_cpu_is_greyed_and_its_stock_named_in_p():
    session = Session.from_text(PRELUDE + "cpu_down 1\n", "<test>")
    lines = stocks_text(session)
    assert lines[2].startswith("cpu1 page NULL") and lines[2].endswith("offline")
    # v5.9 memcg_hotplug_cpu_dead drains the page stock only: cpu1's byte stock keeps its
    # 3996 bytes (4096 charged for the 100-byte X) and its reference on objcg /A
    answer = pins(session.machine.snapshot(), "objcg:/A")
    labels = [chain[0].label for chain in answer.chains]
    assert "cpu1 (offline CPU) byte stock (3996 bytes)" in labels


def test_tab_completes_the_new_commands_and_a_block_line_needs_cpu():
    names = Names(paths=("/", "/A"), tasks=("tA",), cpus=2)
    assert candidates("to", names)[1] == ["together"]
    assert candidates("config work=", names)[1] == ["work=auto", "work=manual"]
    assert candidates("cpu_", names)[1] == ["cpu_down", "cpu_up"]
    assert candidates("cpu_up ", names)[1] == ["0", "1"]
    assert "end" not in candidates("e", names)[1]  # no block open: `end` is refused
    block = Names(paths=("/", "/A"), tasks=("tA",), cpus=2, in_block=True)
    assert candidates("e", block)[1] == ["end", "exit"]
    assert "rcu_sync" not in candidates("", block)[1]  # not one CPU's thread
    assert candidates("drain ", block)[1] == ["cpu="]
    assert candidates("rmdir A ", block)[1] == ["cpu="]  # optional outside, required inside


# -- the explorer, by its keys ----------------------------------------------------------------------
def footer_keys(app) -> dict[str, str]:
    return {key.key_display: key.description for key in app.query(FooterKey)}


async def test_the_race_by_hand_with_the_keys_the_footer_shows(make_app):
    app = make_app(PRELUDE, at="end")
    async with app.run_test(size=(120, 40)) as pilot:
        assert "0" not in footer_keys(app)  # no block: no thread keys
        await pilot.press("colon")
        for line in BLOCK:
            await pilot.press(*line.strip(), "enter")
        await pilot.pause()
        keys = footer_keys(app)
        assert keys.get("0") == "cpu0" and keys.get("1") == "cpu1" and "2" not in keys
        assert "play" not in keys.values()  # nothing to play while the block waits
        assert not app.playing  # and the header says "paused", not "▶ playing"
        for key in RACE[:-1]:
            await pilot.press(key)
        await pilot.pause()
        panel = app.query_one(LanesPanel)
        assert panel.display and "read cpu1's stock->cached_objcg is /A" in panel.plain
        box = app.query_one(OopsBox)
        assert not box.display
        await pilot.press(RACE[-1])
        await pilot.pause()
        assert box.display
        text = box.plain
        assert text.startswith("BUG: kernel NULL pointer dereference in "
                               "obj_stock_flush_required on cpu0")
        for part in ("CPU: 0 (thread 0)", "CPU: 1 (thread 1)", "drain_all_stock",
                     "memory_max_write", "drain_obj_stock", "drain_local_stock"):
            assert part in text
        assert "0" not in footer_keys(app)  # nothing to choose at the oops
        await pilot.press("b", "b")
        assert not box.display
        assert footer_keys(app).get("0") == "cpu0"
        await pilot.press("0")  # the second read before cpu1's drain clears the pointer
        await pilot.pause()
        assert app.session.machine.oops is None
        assert "branch 1" in str(app.query_one("#message", Static).render())


async def test_a_kworker_is_chosen_with_w_and_its_cpu(make_app):
    app = make_app(PRELUDE, at="end")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("colon")
        for line in ("together", "write A memory.max 0 cpu=0", "end"):
            await pilot.press(*line, "enter")
        # thread 0 alone: memory_max_write, drain_all_stock, cpu0 (read, test, skip), cpu1
        # (read, test, the second read), then schedule_work_on(cpu1): a drain for cpu1's
        # kworker (9 steps)
        for _ in range(9):
            await pilot.press("0")
        await pilot.pause()
        assert footer_keys(app).get("w+N") == "kworker"
        await pilot.press("w", "1")
        await pilot.pause()
        step = app.session.machine.steps[-1]
        assert step.lane == "w1" and step.data[0] == "drain_local_stock.start"


# -- what it looks like ----------------------------------------------------------------------------
HAND_KEYS = ("colon", *"together", "enter", *"write A memory.max 0 cpu=0", "enter",
             *"drain cpu=1", "enter", *"end", "enter")


def test_snapshot_a_block_stepped_by_hand(snap_compare, make_app):
    app = make_app(PRELUDE, at="end")
    keys = HAND_KEYS + ("0",) * 7 + ("1",) * 2
    assert snap_compare(app, run_before=settled(*keys), terminal_size=(120, 40))


def test_snapshot_an_oops_at_80x24(snap_compare, make_app):
    app = make_app(PRELUDE, at="end")
    assert snap_compare(app, run_before=settled(*HAND_KEYS, *RACE), terminal_size=(80, 24))


def test_world_reads_the_work_queue():
    session = Session.from_text("config cpus=2 work=manual\nmkdir A\nrmdir A\n", "<test>")
    assert [item[3] for item in World(session.machine.state).work()] == [
        "percpu_ref_switch_to_atomic_rcu"]


async def test_the_lesson_goal_is_reached_by_hand(tmp_path):
    """Lesson 17 asks for the oops: typed without schedule=, the block waits for the keys,
    and the goal is checked after each thread's step."""
    import os

    from engine.lessons import Goal, load_lesson
    from tui.lesson.app import LessonApp

    path = os.path.join(os.path.dirname(__file__), "..", "..", "lessons",
                        "17-the-bug-in-this-commit.toml")
    lesson, _problems = load_lesson(path)
    goal = next(i for i, step in enumerate(lesson.steps)
                if isinstance(step, Goal) and any(e.field == "oops kind" for e in step.expect))
    app = LessonApp(path, progress_path=str(tmp_path / "progress.json"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.enter(goal)
        await pilot.pause()
        await pilot.press("colon")
        for line in BLOCK:
            await pilot.press(*line.strip(), "enter")
        await pilot.pause()
        assert not app.reached and app.session.machine.live is not None
        for key in RACE[:-1]:
            await pilot.press(key)
        assert not app.reached
        await pilot.press(RACE[-1])
        await pilot.pause()
        assert app.reached and app.query_one(OopsBox).display


def test_the_race_by_hand_in_a_real_terminal(tmp_path):
    """tmux: the block typed at the prompt, then the keys the footer shows, one at a time
    as a person presses them, each waited for on screen; the oops; back; otherwise."""
    import shutil

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    from tests.tui.test_tmux import ROOT, Terminal

    script = tmp_path / "race.objcg"
    script.write_text(PRELUDE, encoding="utf-8")
    import sys

    term = Terminal([sys.executable, "-m", "tui.cli", "explore", str(script)], ROOT,
                    tmp_path / "tmux.sock")
    try:
        term.wait_for(lambda s: "kernel trail" in s and "? help" in s, "the explorer")
        term.keys(":")
        for line in BLOCK:
            term.type(line.strip())
            term.keys("Enter")
        # the footer (the last non-blank row; its gaps may be no-break spaces)
        term.wait_for(lambda s: re.search(r"\s0\s+cpu0\s", [r for r in s.splitlines() if r.strip()][-1]),
                      "the thread keys in the footer")
        for n, key in enumerate(RACE, start=1):
            term.keys(key)
            term.wait_for(lambda s, n=n: f"step {n}/{n}" in s, f"micro-step {n} of the block")
        screen = term.wait_for(lambda s: "kernel oops" in s, "the oops")
        assert "BUG: kernel NULL pointer dereference in obj_stock_flush_required on cpu0" in screen
        assert "CPU: 0 (thread 0)" in screen and "CPU: 1 (thread 1)" in screen
        term.keys("b")
        term.keys("b")
        term.wait_for(lambda s: "step 10/12" in s and "kernel oops" not in s, "two steps back")
        term.keys("0")
        screen = term.wait_for(lambda s: "branch 1" in s, "the block run again from there")
        assert "reads cpu1's stock->cached_objcg again: /A" in " ".join(screen.split()), screen  # wrapped
    finally:
        term.close()


def test_a_block_as_written_is_saved_as_written_and_read_back_as_one_command():
    written = "together   # two CPUs\n  write A memory.max 0 cpu=0\n  # the drain\n  drain cpu=1\nend"
    session = Session.from_text(PRELUDE + written + "\nmkdir B\n", "<test>")
    assert [session.line_of(c) for c in session.machine.commands][-2:] == [written, "mkdir B"]
    text = session.script_text()
    assert f"\n{written}\nmkdir B\n" in text
    loaded = load(text, "<saved>", Machine)
    assert loaded.problem is None and loaded.lines[-2:] == [written, "mkdir B"]
    assert len(loaded.lines) == len(loaded.machine.commands)


def test_the_header_says_an_oopsed_block_never_returned():
    """run says the block 'did not return (oops)': the header must not say '→ 0'."""
    from tui.present.header import header_text

    session = Session.from_text(PRELUDE + "together schedule=0*7,1*4\n  write A memory.max 0 cpu=0\n"
                                "  drain cpu=1\nend\n", "<test>")
    assert session.machine.oops is not None
    session.goto(session.total)
    header = header_text(session.position(), False, 4.0, width=120).plain
    assert "→ oops" in header and "→ 0" not in header, header


def test_a_queued_call_too_long_for_its_row_goes_under_it_not_away():
    """At the width of the lesson player's stocks panel a queued RCU callback's call does
    not fit beside 'RCU cpu0 ◷': it goes on the rows under it, whole, never dropped."""
    from tui.present.work import work_lines

    item = (1, "rcu", 0, "percpu_ref_switch_to_atomic_rcu", ("objcg", "/A"), (), None)
    for width in (60, 40):
        text = " ".join(" ".join(line.plain for line in work_lines([item], width)).split())
        assert text == "RCU cpu0 ◷ percpu_ref_switch_to_atomic_rcu(objcg /A)", (width, text)
