"""The presentation layer, without an app: rows, their order, and what each row says."""
from __future__ import annotations

import pytest
from engine.diff import changed_fields

from tui import present
from engine.conservation import Conservation
from tui.present import Highlight, Position, TreeOptions
from rich.text import Text
from tui.world import World, field_swings


def hl_of(step) -> Highlight:
    return Highlight(frozenset(changed_fields(step.changes)), field_swings(step.changes))


def step_index(m, step_id: str, *args: object) -> int:
    """Index just after the first step with this id (and leading args)."""
    for i, s in enumerate(m.steps):
        if s.data[0] == step_id and s.data[1:1 + len(args)] == args:
            return i + 1
    raise AssertionError(f"no step {step_id} {args}")


# -- small helpers ----------------------------------------------------------------------------
@pytest.mark.parametrize("value,expected", [(0, "0B"), (1023, "1023B"), (4096, "4K"),
                                            (6144, "6K"), (4100, "4.0K"), (3 << 20, "3M"),
                                            (9000 * 4096, "35.2M")])
def test_kib(value, expected):
    assert present.kib(value) == expected


def test_bar_is_full_at_total_and_eighth_precise():
    assert present.bar(4096, 4096, 8) == "█" * 8
    assert present.bar(0, 4096, 8) == " " * 8
    assert present.bar(2048, 4096, 8) == "████    "
    assert present.bar(256, 4096, 8) == "▌       "  # half a cell
    assert present.bar(9999, 4096, 4) == "████"  # clamped
    assert len(present.bar(31, 32, 13)) == 13


def test_holders_are_named_as_learners_read_them():
    text = present.holders_text({"base": 1, "stock:cpu1": 1, "obj:X0": 1, "get": 2})
    assert text == "{base cpu1 X0 get×2}"
    many = {f"obj:O{i}": 1 for i in range(10)}
    assert present.holders_text(many, limit=3) == "{O0 O1 O2 +7}"


def test_errno_names():
    assert [present.errno_name(r) for r in (0, -16, -12, -17, -5)] == [
        "0", "-EBUSY", "-ENOMEM", "-EEXIST", "-5"]


def test_structural_changes_are_those_that_add_or_remove_rows():
    assert present.structural({("objcg", "/A", "*")})
    assert present.structural({("memcg", "/A", "objcg_list")})
    assert present.structural({("objcg", "/A", "state")})
    assert not present.structural({("memcg", "/A", "usage"), ("cpu", "cpu0", "nr_bytes")})


# -- the memcg tree -----------------------------------------------------------------------------
def kinds(rows):
    return [(r.kind, r.memcg, r.objcg) for r in rows]


def test_tree_rows_list_each_memcg_its_objcg_and_objcg_list_in_order(make_machine, reparent_script):
    m = make_machine(reparent_script)
    rows = present.tree_rows(World(m.state), TreeOptions())
    # /A/B and /A/B/C are freed: gone once their command is over. /A's list reads
    # inherited (/A/B/C), then the former active (/A/B): the kernel's splice order.
    assert kinds(rows) == [
        ("memcg", "/", None), ("objcg", "/", None),
        ("memcg", "/A", None), ("objcg", "/A", "/A"),
        ("item", "/A", "/A/B/C"), ("item", "/A", "/A/B"),
    ]


def test_freed_memcgs_show_as_ghosts_while_their_command_runs(make_machine, reparent_script):
    m = make_machine(reparent_script)
    world = World(m.state)
    rows = present.tree_rows(world, TreeOptions(ghosts=frozenset({"/A/B"})))
    ghost = next(r for r in rows if r.memcg == "/A/B" and r.kind == "memcg")
    text = present.tree_row_text(world, ghost, present.NO_HIGHLIGHT, TreeOptions())
    assert "ghost (freed)" in text.plain


def test_tree_is_stable_from_step_to_step(make_machine, reparent_script):
    """Rows never reorder: each layout is the previous one with rows added or removed."""
    m = make_machine(reparent_script)
    previous: list[tuple[str, str]] = []
    for cursor in range(len(m.steps) + 1):
        m.goto(cursor)
        ghosts = frozenset(n for n, r in m.state.memcgs.items() if r["state"] == "freed")
        memcgs = [r.memcg for r in present.tree_rows(World(m.state), TreeOptions(ghosts=ghosts))
                  if r.kind == "memcg"]
        common = [n for n in previous if n in memcgs]
        assert common == [n for n in memcgs if n in previous]
        previous = memcgs


def test_folding_finding_and_zooming(make_machine):
    m = make_machine("mkdir A\nmkdir A/X\nmkdir A/Y\nmkdir B\nmkdir B/Z\n")
    world = World(m.state)

    def names(opts):
        return [r.memcg for r in present.tree_rows(world, opts) if r.kind == "memcg"]

    assert names(TreeOptions()) == ["/", "/A", "/A/X", "/A/Y", "/B", "/B/Z"]
    assert names(TreeOptions(auto_collapse=True)) == ["/", "/A", "/B"]
    assert names(TreeOptions(auto_collapse=True, toggled=frozenset({"/B"}))) == ["/", "/A", "/B", "/B/Z"]
    assert names(TreeOptions(toggled=frozenset({"/A"}))) == ["/", "/A", "/B", "/B/Z"]
    # what the current command touches opens up in a folded tree
    assert names(TreeOptions(auto_collapse=True, reveal=frozenset({"/B/Z"}))) == ["/", "/A", "/B", "/B/Z"]
    assert names(TreeOptions(find="Z")) == ["/", "/B", "/B/Z"]
    assert names(TreeOptions(zoom="/A")) == ["/A", "/A/X", "/A/Y"]
    folded = present.tree_rows(world, TreeOptions(auto_collapse=True))
    text = present.tree_row_text(world, folded[2], present.NO_HIGHLIGHT, TreeOptions(auto_collapse=True))
    assert "▸2" in text.plain  # /A folds two children


def test_long_objcg_lists_are_previewed_until_expanded(make_machine):
    script = ["mkdir A"]
    for i in range(5):
        script += [f"mkdir A/D{i}", f"task t{i} A/D{i}", f"alloc O{i} 64 task=t{i} cpu=0",
                   f"exit t{i}", f"rmdir A/D{i}"]
    m = make_machine("\n".join(script))
    world = World(m.state)
    rows = present.tree_rows(world, TreeOptions())
    items = [r.objcg for r in rows if r.kind == "item"]
    assert items == ["/A/D4", "/A/D3", "/A/D2"]  # newest first: list_add at the head
    more = [r for r in rows if r.kind == "more"]
    assert len(more) == 1
    assert "2 more" in present.tree_row_text(world, more[0], present.NO_HIGHLIGHT, TreeOptions()).plain
    full = present.tree_rows(world, TreeOptions(expanded_lists=frozenset({"/A"})))
    assert len([r for r in full if r.kind == "item"]) == 5


def test_reparent_step_marks_the_moved_objcg_and_the_detached_pointer(make_machine, reparent_script):
    m = make_machine(reparent_script)
    at = step_index(m, "memcg_reparent_objcgs.active", "/A/B")
    m.goto(at)
    world, hl = World(m.state), hl_of(m.steps[at - 1])
    rows = present.tree_rows(world, TreeOptions())
    moved = next(r for r in rows if r.kind == "item" and r.objcg == "/A/B")
    assert "◀ moved in" in present.tree_row_text(world, moved, hl, TreeOptions()).plain
    objcg_row = present.objcg_text(world, "/A/B", hl)
    assert "↷ /A/B → /A" in objcg_row.plain  # the pointer swings in this very step
    detach = step_index(m, "memcg_reparent_objcgs.detach", "/A/B")
    m.goto(detach)
    hl = hl_of(m.steps[detach - 1])
    row = next(r for r in present.tree_rows(World(m.state), TreeOptions())
               if r.kind == "objcg" and r.memcg == "/A/B")
    assert "NULL (was /A/B)" in present.tree_row_text(World(m.state), row, hl, TreeOptions()).plain


def test_memcg_row_reads_usage_in_pages_and_bytes_refs_and_state(default_session):
    world = default_session.world()
    rows = present.tree_rows(world, TreeOptions())
    row = next(r for r in rows if r.kind == "memcg" and r.memcg == "/A")
    plain = present.tree_row_text(world, row, present.NO_HIGHLIGHT, TreeOptions()).plain
    assert "/A" in plain and " pg" in plain and "max ∞" in plain and "ref " in plain and "online" in plain
    narrow = present.tree_row_text(world, row, present.NO_HIGHLIGHT, TreeOptions(), width=30).plain
    assert len(narrow) <= 30 and "max" not in narrow  # the default limit goes first, silently
    assert f"{world.memcg('/A')['usage']} pg" in narrow and "ref 5" in narrow


def test_fit_shortens_labels_then_drops_fields_with_a_marker_never_cuts():
    from tui.present.fit import field, fit

    fields = [field("/A/B"), field(" nr_charged_bytes 3096", " left 3096", drop=1),
              field(" ref 2", drop=2), field(" 132K", drop=3, quiet=True)]
    assert fit(fields, None).plain == "/A/B nr_charged_bytes 3096 ref 2 132K"
    assert fit(fields, 32).plain == "/A/B nr_charged_bytes 3096 ref 2"  # quiet: no marker
    assert fit(fields, 22).plain == "/A/B left 3096 ref 2"
    assert fit(fields, 16).plain == "/A/B left 3096 …"
    assert fit(fields, 8).plain == "/A/B …"


# -- the objcg view -------------------------------------------------------------------------------
def test_pointer_to_parent_is_drawn_unlike_pointer_to_own_creator(make_machine, reparent_script):
    m = make_machine(reparent_script)
    world = World(m.state)
    own = present.objcg_text(world, "/A", present.NO_HIGHLIGHT)
    moved = present.objcg_text(world, "/A/B/C", present.NO_HIGHLIGHT)
    assert "─▶ /A (own)" in own.plain
    assert "⇧▶ /A (parent)" in moved.plain
    assert {s.style for s in own.spans} != {s.style for s in moved.spans}
    assert "killed" in moved.plain and "{obj:X1}" not in moved.plain and "X1" in moved.plain


def test_objcg_rows_hide_released_objcgs_unless_ghosts(make_machine):
    m = make_machine("mkdir A\nrmdir A\n")
    world = World(m.state)
    assert present.objcg_rows(world) == []
    assert present.objcg_rows(world, ghosts=frozenset({"/A"})) == ["/A"]
    assert "released" in present.objcg_text(world, "/A", present.NO_HIGHLIGHT).plain


def test_objects_are_filtered_by_name_or_objcg(default_session):
    world = default_session.world()
    assert present.object_rows(world) == ["X0", "Y0", "X2", "Y1"]
    assert present.object_rows(world, "Y") == ["Y0", "Y1"]
    assert present.object_rows(world, "/A/B") == ["Y0", "Y1"]
    assert "→ objcg /A/B" in present.object_text(world, "Y0", present.NO_HIGHLIGHT).plain


# -- stocks ---------------------------------------------------------------------------------------------
def test_stock_lines_two_per_cpu_with_bars_against_batch_and_page(default_session):
    world = default_session.world()
    lines = [t.plain for t in present.stock_lines(world, present.NO_HIGHLIGHT, 60)]
    assert len(lines) == 4
    assert lines[0].startswith("cpu0 page") and "/32" in lines[0]
    assert "byte" in lines[1]
    assert lines[2].count("█") >= 1  # cpu1 holds 31 of 32 pages
    one = [t.plain for t in present.stock_lines(world, present.NO_HIGHLIGHT, 80, one_line=True)]
    assert len(one) == 2 and " pg " in one[0] and " B " in one[0]


# -- conservation ----------------------------------------------------------------------------------------
def test_byte_conservation_holds_at_every_micro_step(make_machine, reparent_script):
    m = make_machine(reparent_script)
    for cursor in range(len(m.steps) + 1):
        m.goto(cursor)
        world = World(m.state)
        for rec in world.objcgs():
            found = present.conservation(world, rec["name"])
            assert found is not None and found.holds, (cursor, found)


def test_conservation_text_shows_the_sum_and_a_mismatch():
    good = Conservation("/A", 1, 4096, 4092, 0, 4, 0)
    assert present.conservation_text(good).plain == (
        "✓ objcg /A: 1 pg × 4096 = 4096 = 4092 live + 0 in stocks + 4 nr_charged_bytes")
    bad = Conservation("/A", 1, 4096, 4000, 0, 4, 0)
    assert not bad.holds
    assert "✗" in present.conservation_text(bad).plain
    assert "off by 92" in present.conservation_text(bad).plain
    flying = Conservation("/A", 1, 4096, 4000, 0, 0, 96)
    assert flying.holds and "96 in flight" in present.conservation_text(flying).plain


# -- WARNs, header, trail -----------------------------------------------------------------------------------
def test_kernel_warning_as_dmesg_prints_it_once():
    first = ("WARNING in obj_cgroup_release: objcg /A nr_charged_bytes 100 is not a multiple of "
             "PAGE_SIZE; 1 page(s) stay charged to / for ever "
             "(WARN_ON_ONCE: the kernel prints only this first hit)")
    lines = present.kernel_warning(first, 1)
    assert lines[0] == "------------[ cut here ]------------"
    assert lines[1] == "WARNING: CPU: 1 at mm/memcontrol.c obj_cgroup_release"
    assert lines[2].startswith("objcg /A nr_charged_bytes 100")
    again = first.replace("the kernel prints only this first hit",
                          "already printed once, the kernel stays silent now")
    assert present.kernel_warning(again, 0) == [
        "(WARN_ON_ONCE in obj_cgroup_release hit again: the kernel prints nothing this time)"]
    assert present.warn_function(first) == "obj_cgroup_release"


def test_header_says_where_the_cursor_is():
    pos = Position(8, 13, 7, 9, "alloc Y0 100 task=tB cpu=1", 0, "free X2 cpu=0")
    plain = present.header_text(pos, False, 4.0).plain
    assert "command 9/13" in plain and "step 7/9" in plain and "alloc Y0 100" in plain
    assert "next:" not in plain  # mid-command
    done = Position(8, 13, 9, 9, "rmdir A", -16, "free X2 cpu=0")
    plain = present.header_text(done, True, 8.0).plain
    assert "→ -EBUSY" in plain and "next: free X2 cpu=0" in plain and "playing 8/s" in plain
    start = Position(None, 3, 0, 0, "", None, "mkdir A")
    assert "start" in present.header_text(start, False, 1.0).plain
    assert "REC" not in plain
    assert "● REC race.objcg" in present.header_text(start, False, 1.0, "race.objcg").plain


def test_trail_marks_the_current_step_and_indents_by_depth():
    current = present.trail_text("consume_obj_stock: hit", 2, "current")
    assert current.plain == "▶     consume_obj_stock: hit"
    assert present.trail_text("x", 0, "future").plain == "  x"


def test_inherited_objcgs_swing_then_are_spliced_in_kernel_order(make_machine, reparent_script):
    """rmdir A/B: the inherited /A/B/C first points up while still on /A/B's list, then the
    splice puts it at the head of /A's list, marked as moved in."""
    m = make_machine(reparent_script)

    def item(at: int, memcg: str, objcg: str) -> str:
        m.goto(at)
        world, hl = World(m.state), hl_of(m.steps[at - 1])
        row = next(r for r in present.tree_rows(world, TreeOptions())
                   if r.kind == "item" and r.memcg == memcg and r.objcg == objcg)
        return present.tree_row_text(world, row, hl, TreeOptions()).plain

    swing = step_index(m, "memcg_reparent_objcgs.inherited", "/A/B/C", "/A/B")
    assert "⇧▶ /A" in item(swing, "/A/B", "/A/B/C")
    splice = step_index(m, "memcg_reparent_objcgs.splice", "/A/B")
    assert "◀ moved in" in item(splice, "/A", "/A/B/C")
    assert "◀ moved in" not in item(splice, "/A", "/A/B")  # it came in a step earlier


def _reparent_step(session):
    rec = session.machine.commands[-1]
    session.goto(rec.first)
    while session.step() is not None:
        if present.delta_parts(session.highlight()) and any(
                "objcg_list +" in p for p in present.delta_parts(session.highlight())):
            return session.highlight()
    raise AssertionError("no reparenting step")


def test_delta_names_the_last_steps_changes_in_kernel_words(default_session):
    hl = _reparent_step(default_session)
    parts = present.delta_parts(hl, default_session.world())
    assert "/A objcg_list +/A/B" in parts and "/A css_refs 5→6" in parts
    assert "objcg /A/B memcg /A/B→/A" in parts
    assert present.delta_text(hl).plain.startswith("Δ ")


def test_the_reparented_objcg_travels_up_the_tree_frame_by_frame(default_session):
    from tui.present.travel import FRAMES, arrivals, travel_rows

    hl = _reparent_step(default_session)
    assert arrivals(hl) == [("/A/B", "/A/B", "/A")]
    rows = present.tree_rows(default_session.world(), TreeOptions())
    places = []
    for frame in range(FRAMES - 1):
        moved = travel_rows(rows, arrivals(hl), frame)
        assert len(moved) == len(rows)
        places.append(next(i for i, r in enumerate(moved) if r.kind == "travel"))
    assert places == sorted(places, reverse=True) and places[0] > places[-1]  # it climbs
    assert travel_rows(rows, arrivals(hl), FRAMES - 1) == rows  # the last frame: where it landed


def test_selected_rows_and_colours_stay_readable_in_every_theme():
    """The row cursor keeps the theme's text readable (light themes: no dark bar), and under
    light themes and the projector the dark-terminal colours are swapped."""
    from textual.app import App
    from textual.color import Color

    from tui import themes

    app = App()
    themes.install(app, projector=False)
    for name in app.available_themes:
        app.theme = name
        found = themes.measured(app)
        for focused in (True, False):
            style = themes.cursor_style(app, focused)
            if found is None:  # the terminal's own colours: bold and underline/reverse
                assert style.bold and (style.underline or style.reverse)
                continue
            text = Color.parse(found.css["foreground"])
            assert themes.contrast(text, Color(*style.bgcolor.get_truecolor())) >= 4.5, (name, focused)
    app.theme = "textual-light"
    light = themes.recolor(present.trail_text("x", 0, "current"), themes.palette(app))
    assert all("yellow" not in str(span.style).replace("on #", "") for span in light.spans)
    app.theme = themes.PROJECTOR
    projector = themes.recolor(Text("faint", present.DIM), themes.palette(app))
    assert "grey" not in str(projector.spans[0].style if projector.spans else projector.style)


def test_v1_rows_show_the_kmem_counter_and_pages_pin_their_memcg(make_machine):
    m = make_machine("config cgroup=v1\nmkdir A\ntask t A\nalloc X 100 task=t cpu=0\n"
                     "alloc_pages P 1 task=t cpu=0\nwrite A memory.kmem.limit_in_bytes 64K\n"
                     "move t /\nrmdir A\n")
    world = World(m.state)
    rows = {r.memcg: r for r in present.tree_rows(world, TreeOptions()) if r.kind == "memcg"}
    dying = present.tree_row_text(world, rows["/A"], present.NO_HIGHLIGHT, TreeOptions()).plain
    assert "kmem 3/16" in dying and "ref 1 (page P)" in dying and "dying" in dying
    root = present.tree_row_text(world, rows["/"], present.NO_HIGHLIGHT, TreeOptions()).plain
    assert "kmem 0" in root  # v1 without use_hierarchy: /A's counters reach no parent
    page = present.object_text(world, "P", present.NO_HIGHLIGHT).plain
    assert "pages o1" in page and "→ memcg /A" in page and "objcg" not in page
    assert "→ objcg /A" in present.object_text(world, "X", present.NO_HIGHLIGHT).plain


def test_v2_rows_show_no_kmem_counter(make_machine, reparent_script):
    world = World(make_machine(reparent_script).state)
    for row in present.tree_rows(world, TreeOptions()):
        assert "kmem" not in present.tree_row_text(world, row, present.NO_HIGHLIGHT, TreeOptions()).plain


def test_trail_puts_callers_before_callees_at_the_real_depth(default_session):
    """rmdir: cgroup_rmdir -> cgroup_destroy_locked -> kill_css, one level each; the
    offline comes later, from a kworker, after the grace period of the kill (v5.9
    kernel/cgroup/cgroup.c): percpu_ref_switch_to_atomic_rcu, then css_killed_work_fn ->
    mem_cgroup_css_offline -> memcg_offline_kmem -> memcg_reparent_objcgs."""
    steps = default_session.machine.steps
    rec = default_session.machine.commands[-1]
    entries = present.trail_entries(steps, rec.first, rec.end)
    heads = [(e.depth, e.text.split("(")[0].split(":")[0]) for e in entries[:9]]
    assert heads == [(0, "cgroup_rmdir"), (1, "cgroup_destroy_locked"), (2, "kill_css"),
                     (0, "percpu_ref_switch_to_atomic_rcu"), (1, "percpu_ref_switch_to_atomic_rcu"),
                     (0, "css_killed_work_fn"), (1, "mem_cgroup_css_offline"),
                     (2, "memcg_offline_kmem"), (3, "memcg_reparent_objcgs")]
    offline = next(e for e in entries if e.text.startswith("memcg_offline_kmem: kmemcg_id"))
    assert offline.depth == 2  # its own line comes after the function it called, at its depth


def test_no_trail_line_goes_deeper_than_one_level_below_its_caller():
    from pathlib import Path

    from engine import Machine

    paths = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.objcg"))
    assert len(paths) > 20, "the golden scenarios are not where this test looks"
    for path in paths:
        m = Machine()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m.run_line(line, path.name, number)
        for rec in m.commands:
            depth = -1
            for entry in present.trail_entries(m.steps, rec.first, rec.end):
                assert entry.depth <= depth + 1, (path, rec.command.text, entry.text)
                depth = entry.depth


def test_trail_shows_nothing_before_its_micro_step_has_run(default_session):
    steps = default_session.machine.steps
    rec = default_session.machine.commands[-1]
    entries = present.trail_entries(steps, rec.first, rec.end)
    at = rec.first + 5  # five micro-steps of rmdir applied
    lines = present.trail_lines(entries, at, 80)
    assert all(line.entry.at < at for line in lines)
    assert [line.where for line in lines if line.first and line.entry.step is not None][-1] == "current"
    future = present.trail_lines(entries, at, 80, future=True)
    assert len(future) > len(lines) and {line.where for line in future[len(lines):]} == {"future"}
    assert all(len(line.text) <= 78 for line in future)  # wrapped, not cut


def test_a_trail_caller_line_names_the_callees_real_arguments(make_machine):
    """alloc Y0 on cpu1 for /B: try_charge refills cpu1's page stock with /B's 31 spare
    pages (a batch of 32 less the 1 charged; hand derivation), after draining /A's.
    refill_stock's caller line, before drain_stock's, is refill_stock(/B, 31): the
    arguments refill_stock got, not the /A that drain_stock drains."""
    m = make_machine("config cpus=2\nmkdir A\nmkdir B\ntask tA A\ntask tB B\n"
                     "alloc X0 4000 task=tA cpu=1\nalloc Y0 100 task=tB cpu=1\n")
    rec = m.commands[-1]
    texts = [e.text for e in present.trail_entries(m.steps, rec.first, rec.end)]
    drain = next(i for i, text in enumerate(texts) if text.startswith("drain_stock(cpu1)"))
    assert texts[drain - 1] == "refill_stock(/B, 31)"
    assert "/A" in texts[drain] and not any(t.startswith("refill_stock(/A") for t in texts)


def test_the_header_keeps_another_release_at_every_width() -> None:
    """Under `config kernel=5.13` the release is what the screen is about (lesson 18 runs
    beside its narration): the title and the command text go first, never the release."""
    from tui.present.header import Position, header_text

    pos = Position(4, 7, 8, 8, "alloc Y0 100 task=tB cpu=1", 0, None, kernel="5.13")
    for width in (120, 70, 50, 40, 30):
        assert "v5.13" in header_text(pos, False, 4.0, width=width).plain, width
    default = Position(4, 7, 8, 8, "alloc Y0 100 task=tB cpu=1", 0, None)
    assert "v5.9" in header_text(default, False, 4.0, width=120).plain
