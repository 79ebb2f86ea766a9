"""Moves through the timeline, submitting, saving, and the engine's failures."""
from __future__ import annotations

import subprocess
import sys

import pytest
from engine import ScriptError
from engine.invariants import InvariantViolation

from tui.session import LoadError, Session


def test_command_moves_go_to_command_boundaries(default_session):
    s = default_session
    bounds = [0] + [c.end for c in s.machine.commands]
    s.goto(0)
    s.next_command()
    assert s.cursor == bounds[1]
    s.step()
    s.next_command()  # mid-command: to its end
    assert s.cursor == bounds[2]
    s.back()
    s.prev_command()  # mid-command: to its start
    assert s.cursor == bounds[1]
    s.prev_command()
    assert s.cursor == 0
    s.prev_command()
    assert s.cursor == 0
    s.goto(s.total)
    s.next_command()
    assert s.cursor == s.total and s.at_end


def test_position_and_next_command(default_session):
    s = default_session
    s.goto(0)
    pos = s.position()
    assert pos.command is None and pos.next_text == "config cpus=2"
    s.next_command()
    pos = s.position()
    assert (pos.command, pos.step_in_command, pos.text, pos.next_text) == (0, 1, "config cpus=2", "mkdir A")


def test_a_bad_command_changes_nothing(default_session):
    s = default_session
    before = (s.cursor, s.total, len(s.machine.commands), s.machine.snapshot())
    for bad in ("frob", "alloc Q 0 task=web cpu=0", "free NOPE cpu=0", "rmdir /nothere"):
        with pytest.raises(ScriptError) as err:
            s.submit(bad)
        assert str(err.value).startswith("<command line>:") and "\n" not in str(err.value)
    assert (s.cursor, s.total, len(s.machine.commands), s.machine.snapshot()) == before


def test_submitting_in_the_past_starts_a_branch(default_session):
    s = default_session
    old = [c.command.text for c in s.machine.commands]
    s.goto(0)
    s.next_command()
    s.next_command()  # after config, mkdir A
    done = s.submit("mkdir Q")
    assert done.record is not None
    assert [c.command.text for c in s.machine.commands] == ["config cpus=2", "mkdir A", "mkdir Q"]
    assert done.forked is not None and s.branches == [done.forked]
    assert done.forked.fork == 2 and done.forked.commands() == old[2:]


def test_the_first_typed_command_leaves_rmdir_reachable_and_switching_is_exact(default_session):
    from tui.scenarios import opening

    s = default_session
    s.goto(s.total)
    end_state = s.machine.snapshot()
    s.goto(opening(s))  # where the built-in scenario opens: before rmdir A/B
    s.submit("mkdir Z")
    assert s.machine.commands[-1].command.text == "mkdir Z"
    assert s.branches[0].commands() == ["rmdir A/B"]
    said = s.switch(1)
    assert "y switches back" in said and s.cursor == s.machine.commands[-1].first
    s.goto(s.total)
    assert s.machine.commands[-1].command.text == "rmdir A/B"
    assert s.machine.snapshot() == end_state  # re-run: the very same machine state
    assert s.branches[0].lines == ("mkdir Z",)  # and the other future is kept in turn


def test_a_branch_forking_inside_a_left_future_is_rebased(default_session):
    s = default_session
    texts = [c.command.text for c in s.machine.commands]
    s.goto(s.machine.commands[10].end)
    s.submit("mkdir P")  # branch 1: commands 12.. of the original line
    s.goto(s.machine.commands[5].end)
    s.submit("mkdir Q")  # branch 2: commands 7..11 and mkdir P; branch 1 now forks at 6 too
    assert [b.fork for b in s.branches] == [6, 6]
    assert s.branches[0].commands() == texts[6:]
    assert s.branches[1].commands() == texts[6:11] + ["mkdir P"]
    s.switch(1)
    assert [c.command.text for c in s.machine.commands] == texts


def test_discard_and_undiscard(default_session):
    s = default_session
    s.goto(0)
    s.submit("mkdir Q")
    assert "undiscard" in s.discard(1) and s.branches == []
    assert "is back" in s.undiscard() and len(s.branches) == 1
    assert s.undiscard() == "nothing discarded"
    assert s.switch(5).startswith("no branch 5")


def test_save_writes_a_script_that_replays_to_the_same_state(default_session, tmp_path):
    s = default_session
    s.submit("alloc Z0 300 task=web cpu=1")
    path = tmp_path / "session.objcg"
    assert s.save(str(path)) == f"saved 14 commands to {path}"
    replay = Session.from_file(str(path))
    assert replay.machine.snapshot() == s.machine.snapshot()
    out = subprocess.run([sys.executable, "-m", "tui.cli", "run", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_save_to_a_bad_place_is_a_one_line_error(default_session, tmp_path):
    with pytest.raises(LoadError) as err:
        default_session.save(str(tmp_path / "no" / "such" / "dir.objcg"))
    assert "cannot write" in str(err.value) and "\n" not in str(err.value)


def test_ghosts_are_what_the_current_command_freed(default_session):
    s = default_session
    s.goto(s.total)
    memcgs, objcgs = s.ghosts()
    assert memcgs == {"/A/B"} and objcgs == frozenset()
    s.prev_command()
    assert s.ghosts() == (frozenset(), frozenset())


def test_warnings_appear_when_their_function_is_reached():
    script = "mkdir A\ncharge /A 100 cpu=0\nuncharge /A 50 cpu=0\nrmdir A\n"
    s = Session.from_text(script, "<test>")
    rec = s.machine.commands[-1]
    assert rec.warnings, "50 bytes never uncharged: obj_cgroup_release warns"
    s.goto(rec.first + 1)
    assert s.visible_warnings() == []
    s.goto(rec.end)
    assert s.visible_warnings() == rec.warnings


def test_an_engine_invariant_violation_is_kept_not_raised(default_session, monkeypatch):
    def broken(*_args, **_kwargs):
        raise InvariantViolation("I1: bytes went missing")

    monkeypatch.setattr(default_session.machine, "run_line", broken)
    done = default_session.submit("drain cpu=0")
    assert done.record is None
    assert default_session.violation == "<command line>:1: I1: bytes went missing"


def test_load_errors_are_one_line(tmp_path):
    with pytest.raises(LoadError) as err:
        Session.from_file(str(tmp_path / "missing.objcg"))
    assert "cannot read the script" in str(err.value)
    bad = tmp_path / "bad.objcg"
    bad.write_text("mkdir A\nalloc\n")
    with pytest.raises(LoadError) as err:
        Session.from_file(str(bad))
    assert str(err.value).startswith(f"{bad}:2: error:")


def test_a_bad_command_typed_in_the_past_keeps_the_future(default_session):
    s = default_session
    s.goto(5)
    before = (s.cursor, s.total, [c.command.text for c in s.machine.commands])
    with pytest.raises(ScriptError):
        s.submit("free NOPE cpu=0")
    assert (s.cursor, s.total, [c.command.text for c in s.machine.commands]) == before
    s.goto(s.total)
    assert s.machine.snapshot() == Session.from_text(
        "\n".join(before[2]), "<replay>").machine.snapshot()


def test_a_big_script_runs_a_fast_prelude_then_keeps_history(monkeypatch):
    from engine import Machine
    from tui import session as session_module
    from tui.scenarios import scale_script

    monkeypatch.setattr(session_module, "BIG_SCRIPT", 50)
    monkeypatch.setattr(session_module, "HISTORY_TAIL", 10)
    text = scale_script(memcgs=20, objcgs=40, cpus=2)
    lines = text.splitlines()
    progress: list[tuple[int, int]] = []
    s = Session.from_text(text * 1 + "\n" * 1000, "<big>", lambda d, t: progress.append((d, t)))
    full = Machine()
    for number, line in enumerate(lines, start=1):
        full.run_line(line, "<full>", number)
    assert s.violation is None and progress and progress[-1][1] == len(lines) + 1000
    m = s.machine
    assert m.prelude == len(m.commands) - 10 and len(m.commands) == len(full.commands)
    assert m.snapshot() == full.snapshot()  # the same end state, checks on for the tail
    full.goto(full.commands[m.prelude - 1].end)
    s.goto(0)  # the timeline starts after the prelude
    assert m.snapshot() == full.snapshot()
    assert s.position().command == m.prelude - 1 and s.position().steps_in_command == 0
    s.submit("mkdir NEW")  # typed at the start of the timeline: the prelude stays
    assert len(m.commands) == m.prelude + 1 and len(s.branches[0].lines) == 10


def test_scenarios_module_has_a_help_and_one_line_errors():
    out = subprocess.run([sys.executable, "-m", "tui.scenarios", "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "usage:" in out.stdout and "Traceback" not in out.stderr
    out = subprocess.run([sys.executable, "-m", "tui.scenarios", "x"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "invalid int" in out.stderr
    out = subprocess.run([sys.executable, "-m", "tui.scenarios", "12", "3", "2"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("config cpus=2\n")


def test_an_undiscarded_branch_still_replays_its_own_past(default_session):
    s = default_session
    texts = [c.command.text for c in s.machine.commands]
    s.goto(s.machine.commands[10].end)
    s.submit("mkdir P")  # branch 1: commands 12.. of the original line
    s.discard(1)
    s.goto(s.machine.commands[5].end)
    s.submit("mkdir Q")  # the discarded branch forked inside what this leaves
    s.undiscard()
    number = next(n for n, b in enumerate(s.branches, start=1) if b.commands()[-1] == texts[-1])
    s.switch(number)
    assert [c.command.text for c in s.machine.commands] == texts
