"""SVG snapshots of the main views at fixed terminal sizes (pytest-textual-snapshot).

Update after an intended change of the screen with `pytest tests/tui --snapshot-update`
and look at the report before committing."""
from __future__ import annotations

from tests.tui.conftest import settled
from tui.scenarios import scale_script

WIDE = (120, 40)
SMALL = (80, 24)
WARN = "mkdir A\ncharge /A 100 cpu=0\nuncharge /A 50 cpu=0\nrmdir A\n"


def test_opening_view(snap_compare, make_app):
    assert snap_compare(make_app(), run_before=settled(), terminal_size=WIDE)


# rmdir A/B's micro-steps 1-7: rmdir, destroy, kill_css (offline waits for an RCU grace
# period), the grace period queues css_killed_work_fn, which runs offline: /A/B->objcg =
# NULL, then the objcg's memcg pointer swings to /A and it joins /A's list (step 7)
TO_THE_SWING = ("n",) * 7


def test_mid_reparent_pointer_swing(snap_compare, make_app):
    assert snap_compare(make_app(), run_before=settled(*TO_THE_SWING), terminal_size=WIDE)


def test_mid_reparent_at_80x24(snap_compare, make_app):
    assert snap_compare(make_app(), run_before=settled(*TO_THE_SWING), terminal_size=SMALL)


def test_after_rmdir_the_freed_memcg_is_a_ghost(snap_compare, make_app):
    assert snap_compare(make_app(), run_before=settled("N"), terminal_size=WIDE)


def test_bad_command_error_in_place(snap_compare, make_app):
    assert snap_compare(make_app(), run_before=settled("colon", *"free NOPE cpu=0", "enter"), terminal_size=WIDE)


def test_help_screen(snap_compare, make_app):
    assert snap_compare(make_app(), run_before=settled("question_mark"), terminal_size=WIDE)


def test_kernel_warn(snap_compare, make_app):
    assert snap_compare(make_app(WARN, at="end"), run_before=settled(), terminal_size=WIDE)


def test_big_tree_folded(snap_compare, make_app):
    app = make_app(scale_script(memcgs=120, objcgs=600, cpus=8, tops=4), at="end")
    assert snap_compare(app, run_before=settled(), terminal_size=WIDE)
