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
    assert "gfp=" in candidates("alloc Z 100 task=job cpu=1 ", NAMES)[1]
    assert "task=" not in candidates("alloc Z 100 task=job ", NAMES)[1]


def test_nothing_to_complete():
    assert complete("frob ", NAMES) == ("frob ", [])
    assert complete("alloc ", NAMES)[1] == ["task=", "cpu=", "gfp="]  # a new object: no names


def test_save_completes_file_names(tmp_path, monkeypatch):
    (tmp_path / "lesson1.objcg").write_text("")
    monkeypatch.chdir(tmp_path)
    assert complete("save les", NAMES) == ("save lesson1.objcg ", ["lesson1.objcg"])
