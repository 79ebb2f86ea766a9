"""Lines typed at the command line, decided without an app."""
from __future__ import annotations

import os

from tui import typed


def test_a_script_command_runs_and_is_to_be_played(default_session):
    out = typed.execute(default_session, "alloc Z0 300 task=web cpu=1")
    assert out.consumed and out.record is not None
    assert out.message.plain.startswith("alloc Z0 300 task=web cpu=1 → 0")


def test_a_kernel_refusal_is_a_result_not_an_error(default_session):
    default_session.goto(default_session.total)
    out = typed.execute(default_session, "rmdir A")  # the task web is in /A
    assert out.consumed and out.record is not None and out.record.ret == -16
    assert "→ -EBUSY" in out.message.plain


def test_errors_keep_the_line(default_session, tmp_path):
    for line in ("frob", "save", "save a b", f"save {tmp_path}/no/dir/x.objcg", "alloc"):
        out = typed.execute(default_session, line)
        assert not out.consumed and "error" in out.message.plain and "\n" not in out.message.plain


def test_explorer_commands(default_session, tmp_path):
    assert typed.execute(default_session, "find /A/B").find == "/A/B"
    assert typed.execute(default_session, "find").find == ""
    assert typed.execute(default_session, "help").help
    out = typed.execute(default_session, f"save {tmp_path}/s.objcg")
    assert out.consumed and (tmp_path / "s.objcg").exists()
    (tmp_path / "s.objcg").write_text("mine\n")
    again = typed.execute(default_session, f"save {tmp_path}/s.objcg")
    assert "already exists" in again.message.plain and (tmp_path / "s.objcg").read_text() == "mine\n"
    forced = typed.execute(default_session, f"save {tmp_path}/s.objcg --force")
    assert "saved" in forced.message.plain and (tmp_path / "s.objcg").read_text() != "mine\n"
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "s.objcg").stat().st_mode & 0o777 == 0o666 & ~umask  # as open() makes it


def test_names_for_completion(default_session):
    names = typed.names_of(default_session)
    assert names.paths == ("/", "/A") and names.tasks == ("web", "job")  # /A/B was removed
    assert names.objects == ("X0", "Y0", "X2", "Y1") and names.cpus == 2


def test_a_command_typed_in_the_past_says_the_old_future_is_kept(default_session):
    default_session.goto(0)
    default_session.next_command()
    out = typed.execute(default_session, "mkdir Q")
    assert "the 12 later command(s)" in out.message.plain and "y switches back" in out.message.plain
    out = typed.execute(default_session, "mkdir R")
    assert "branch" not in out.message.plain
    assert typed.execute(default_session, "branches").message.plain.startswith("1: after command 1")
    assert not typed.execute(default_session, "branch x").consumed
