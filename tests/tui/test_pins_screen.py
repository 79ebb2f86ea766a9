"""The explorer's `p`: who pins the selected memcg or objcg, on screen."""
from __future__ import annotations

from textual.widgets import Static

from tui.widgets.memcg_tree import MemcgTree
from tui.widgets.objcg_list import ObjcgList
from tui.widgets.pins_screen import PinsScreen

HELD = """\
config cpus=2
mkdir A
mkdir A/B
task t A/B
alloc X0 100 task=t cpu=0
hold A/B
move t A
rmdir A/B
"""


async def test_p_answers_why_a_dying_memcg_is_not_freed_and_who_holds_its_objcg(make_app):
    app = make_app(HELD, at="end")
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(MemcgTree)
        assert tree.select_key(("memcg", "/A/B", None))
        tree.focus()
        await pilot.press("p")
        assert isinstance(app.screen, PinsScreen)
        text = str(app.screen.query_one("#pins", Static).render())
        assert text.startswith("Who pins memcg /A/B?  dying, css_refs 1")
        assert "an external hold → memcg /A/B" in text and "object X0" not in text
        await pilot.press("escape")
        assert not isinstance(app.screen, PinsScreen)

        objcgs = app.query_one(ObjcgList)
        objcgs.focus()
        app.selected_objcg = "/A/B"
        await pilot.press("p")
        text = str(app.screen.query_one("#pins", Static).render())
        assert text.startswith("Who pins objcg /A/B?  killed, refcnt 1")
        assert "object X0 (100 bytes) → objcg /A/B" in text
