"""Tab completion on the command line."""
from __future__ import annotations

from tui.complete import Names, candidates, complete

NAMES = Names(paths=("/", "/A", "/A/B", "/C"), memcgs=("/", "/A", "/A/B", "/C"),
              tasks=("web", "job"), objects=("X0", "X1", "Y0"), objcgs=("/A", "/A/B", "/C"), cpus=2)


def test_command_names():
    assert complete("al", NAMES) == ("alloc", ["alloc", "alloc_pages"])
    assert complete("alloc_", NAMES) == ("alloc_pages ", ["alloc_pages"])
    new, found = complete("u", NAMES)
    assert new == "u" and found == ["uncharge", "undiscard", "unhold", "use_memcg"]
    assert "save" in candidates("", NAMES)[1] and "find" in candidates("", NAMES)[1]


def test_paths_tasks_objects_objcgs():
    assert complete("rmdir A/", NAMES) == ("rmdir A/B ", ["A/B"])
    assert complete("rmdir /A/", NAMES) == ("rmdir /A/B ", ["/A/B"])
    assert complete("move w", NAMES) == ("move web ", ["web"])
    assert complete("free Y", NAMES) == ("free Y0 ", ["Y0"])
    assert complete("put /C", NAMES) == ("put /C ", ["/C"])
    assert complete("free X", NAMES)[1] == ["X0", "X1"]


def test_options_and_their_values():
    assert complete("alloc Z 100 t", NAMES) == ("alloc Z 100 task=", ["task="])
    assert complete("alloc Z 100 task=j", NAMES) == ("alloc Z 100 task=job ", ["task=job"])
    assert complete("alloc Z 100 task=job cpu=", NAMES)[1] == ["cpu=0", "cpu=1"]
    assert "gfp=" in candidates("alloc Z 100 task=job cpu=1 g", NAMES)[1]
    assert "task=" not in candidates("alloc Z 100 task=job ", NAMES)[1]


def test_nothing_to_complete():
    assert complete("frob ", NAMES) == ("frob ", [])
    assert complete("alloc ", NAMES)[1] == ["task=", "cpu="]  # a new object: no names


def test_save_completes_file_names(tmp_path, monkeypatch):
    (tmp_path / "lesson1.objcg").write_text("")
    monkeypatch.chdir(tmp_path)
    assert complete("save les", NAMES) == ("save lesson1.objcg ", ["lesson1.objcg"])


# -- nothing the machine would refuse (issue 19, point 5) -----------------------------------
V1 = Names(paths=("/", "/A"), memcgs=("/", "/A"), v1=True, started=True)
STARTED = Names(paths=("/", "/A", "/A/B"), memcgs=("/", "/A", "/A/B"), cpus=2, started=True)


def test_a_complete_line_is_not_lured_into_an_option_without_its_value():
    """`rmdir A/B` runs as it is: Tab offers no `cpu=` (which, left without a value, the
    parser refuses: "option 'cpu' has no value"); typed, it is completed and its values
    listed."""
    assert complete("rmdir A/B ", NAMES) == ("rmdir A/B ", [])
    assert complete("rmdir A/B c", NAMES) == ("rmdir A/B cpu=", ["cpu="])
    assert complete("rmdir A/B cpu=", NAMES)[1] == ["cpu=0", "cpu=1"]
    assert complete("alloc Z 100 task=job cpu=1 ", NAMES)[1] == []  # gfp= is optional


def test_files_of_the_machines_cgroup_version_only():
    """v2 has memory.max and refuses the v1 files, v1 the other way round (engine/commands.py)."""
    assert complete("write A memory.", NAMES) == ("write A memory.max ", ["memory.max"])
    assert complete("write A memory.", V1)[1] == ["memory.limit_in_bytes", "memory.kmem.limit_in_bytes",
                                                  "memory.use_hierarchy"]
    assert complete("write A memory.max ", NAMES)[1] == ["max"]
    assert complete("write A memory.use_hierarchy ", V1)[1] == ["0", "1"]
    assert complete("write A memory.limit_in_bytes ", V1)[1] == ["-1"]


def test_what_the_machine_refuses_is_not_offered():
    assert "config" in candidates("c", NAMES)[1]  # nothing has run yet
    assert "config" not in candidates("c", STARTED)[1]  # "config must come before every other command"
    assert "/" not in candidates("write ", STARTED)[1]  # "the root cgroup has no memory.max"
    assert "/" not in candidates("hold ", STARTED)[1]  # "the root css is not reference counted"
    assert complete("mkdir A", STARTED) == ("mkdir A/", ["A/", "A/B/"])  # a new child, not -EEXIST
    # every modelled release that starts 5. (engine.kernel.versions.KERNELS, in order)
    assert complete("config kernel=5.", NAMES)[1] == ["kernel=5.8", "kernel=5.9", "kernel=5.10",
                                                      "kernel=5.11", "kernel=5.13", "kernel=5.14"]


def _message(app) -> str:
    return str(app.query_one("#message").content)


async def test_tab_again_goes_round_the_candidates(make_app):
    """`al` Tab: `alloc` (the common part, itself a command), the candidates listed; Tab
    again: `alloc_pages`; again: back to `alloc`."""
    from tui.widgets.command_line import CommandLine

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        line = app.query_one(CommandLine)
        await pilot.press("colon", "a", "l", "tab")
        await pilot.pause()
        assert line.value == "alloc" and "alloc_pages" in _message(app)
        await pilot.press("tab")
        await pilot.pause()
        assert line.value == "alloc_pages"
        await pilot.press("tab")
        await pilot.pause()
        assert line.value == "alloc"


async def test_the_candidates_go_when_the_line_changes(make_app):
    """The list under the line is about the line: typing on makes it go, not stay
    to mislead (it once still said 'alloc  alloc_pages' under 'alloc X9 100 task=')."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("colon", "a", "l", "tab")
        await pilot.pause()
        assert "alloc_pages" in _message(app)
        await pilot.press("space", "X")
        await pilot.pause()
        assert "alloc_pages" not in _message(app)
