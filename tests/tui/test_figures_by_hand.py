"""Figures the panels draw, against values derived by hand from the v5.9 sources.

Each test runs a short script, draws the row a learner reads (through the same
presentation functions the widgets call) and checks the figure against a number worked
out in its comment, never against the program's own output. These are the figures a
mutation review found unguarded: the KiB beside usage, the limit's size, v1's kmem
failcnt, an objcg's refcnt, the unit of a byte-stock change.
"""
from __future__ import annotations

import re

from engine import Machine
from tui import present
from tui.present import NO_HIGHLIGHT, TreeOptions
from tui.session import Session
from tui.world import World


def machine(script: str) -> Machine:
    m = Machine()
    for number, line in enumerate(script.splitlines(), 1):
        m.run_line(line, "<test>", number)
    return m


def memcg_row(m: Machine, name: str) -> str:
    """The tree row of memcg `name`, drawn wide enough for every field."""
    world = World(m.state)
    rows = present.tree_rows(world, TreeOptions())
    row = next(r for r in rows if r.kind == "memcg" and r.memcg == name)
    return present.tree_row_text(world, row, NO_HIGHLIGHT, TreeOptions(), width=200).plain


def test_usage_beside_its_size_in_bytes() -> None:
    # alloc X 100: 1 page rounded up, try_charge charges a batch of 32 (MEMCG_CHARGE_BATCH)
    # and parks 31 in cpu0's page stock: /A usage 32 pages = 32 x 4096 = 131072 = 128K.
    m = machine("mkdir A\ntask t A\nalloc X 100 task=t cpu=0")
    row = memcg_row(m, "/A")
    assert re.search(r"\b32 pg\s+128K\b", row), row
    # With 16 KiB pages the same 32 pages are 32 x 16384 = 524288 = 512K.
    m = machine("config page_size=16384\nmkdir A\ntask t A\nalloc X 100 task=t cpu=0")
    assert re.search(r"\b32 pg\s+512K\b", memcg_row(m, "/A")), memcg_row(m, "/A")


def test_memory_max_in_pages_and_bytes() -> None:
    # memory.max 8K: page_counter_memparse rounds 8192 bytes down to 8192 / 4096 = 2 pages,
    # shown as the page count and its size, 2 x 4096 = 8K.
    m = machine("mkdir A\nwrite A memory.max 8K")
    assert " max 2 (8K)" in memcg_row(m, "/A"), memcg_row(m, "/A")
    # 100000 bytes round down to 24 pages = 98304 bytes = 96K.
    m = machine("mkdir A\nwrite A memory.max 100000")
    assert " max 24 (96K)" in memcg_row(m, "/A"), memcg_row(m, "/A")


def test_v1_kmem_failcnt_is_the_kmem_counters_own() -> None:
    # v1, kmem limit 4K = 1 page. X (4096 bytes, 1 page): try_charge takes a batch of 32
    # on `memory` (no memory limit: never refused), kmem +1 = 1, allowed. Y: 1 page from
    # cpu0's page stock, then kmem 2 > 1: refused, kmem failcnt 1, cancel_charge. The
    # memory counter never refused anything: its failcnt stays 0.
    m = machine("config cgroup=v1\nmkdir A\ntask t A\nwrite A memory.kmem.limit_in_bytes 4K\n"
                "alloc X 4096 task=t cpu=0\nalloc Y 4096 task=t cpu=0")
    row = memcg_row(m, "/A")
    assert " kmem 1/1" in row and " kfail 1" in row, row
    assert " failcnt " not in row, row  # the memory failcnt (0) is not drawn


def test_objcg_refcnt_counts_every_reference() -> None:
    # obj_cgroup_alloc: percpu_ref_init at 1 (the base reference); two obj_cgroup_get: 3,
    # although only two kinds of holder exist (base, get x2).
    m = machine("mkdir A\nget /A\nget /A")
    world = World(m.state)
    assert " ref 3 " in present.objcg_text(world, "/A", NO_HIGHLIGHT, width=200).plain
    rows = present.tree_rows(world, TreeOptions())
    objcg_row = next(r for r in rows if r.kind == "objcg" and r.memcg == "/A")
    text = present.tree_row_text(world, objcg_row, NO_HIGHLIGHT, TreeOptions(), width=200).plain
    assert " ref 3" in text, text


def test_a_byte_stock_change_says_bytes() -> None:
    # alloc X 100 on cpu0: 1 page charged for 100 bytes; refill_obj_stock parks the tail,
    # 4096 - 100 = 3996 bytes, in cpu0's byte stock, which held 0.
    session = Session.from_text("mkdir A\ntask t A\nalloc X 100 task=t cpu=0", "<test>")
    session.goto(0)
    while session.step() is not None:
        parts = present.delta_parts(session.highlight(), session.world())
        if any("stock->nr_bytes" in p for p in parts):
            break
    else:
        raise AssertionError("no micro-step changed cpu0's byte stock")
    assert "cpu0 stock->nr_bytes 0→3996 B" in parts, parts
