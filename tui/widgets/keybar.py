"""The key bar: Textual's Footer, drawn again only when what it shows changes.

Textual's Footer rebuilds its keys (a widget each, styled) at every change of the
bindings, focus moving included, once per signal: ten times before the explorer's
first frame, most of the time that frame cost beyond a bare app's. Here the signals
of one refresh make one check, and the keys are rebuilt only if the keys to show differ.
"""
from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeyBar(Footer):
    _pending = False
    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or self._pending:
            return
        if self.is_attached and screen is self.screen:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        shown = tuple((binding.key, binding.action, binding.description, enabled, tooltip)
                      for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
                      if binding.show or binding.action == "command_palette")
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
