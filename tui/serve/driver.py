"""The session's end of the browser: Textual's web driver with back-pressure.

Textual's WebDriver reads stdin in a thread and posts every key to the app at once, so
a tab sending keys faster than the app handles them grows the app's queues without
limit (millions of `n` became gigabytes). Here the reading thread waits while the app
has a backlog: stdin is then left unread, the pipe fills, and the server stops sending
(tui/serve/inputs.py bounds what it holds meanwhile). And SIGTERM ends the session at
once: Textual's handler would only queue an exit behind that backlog.
"""
from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

from textual.drivers.web_driver import WebDriver

MAX_BACKLOG = 64  # messages waiting in the app, its screen and the focused widget
POLL = 0.005  # seconds between looks at the backlog while it is full


class BoundedWebDriver(WebDriver):
    def start_application_mode(self) -> None:
        super().start_application_mode()
        # The server sends SIGTERM only once the session did not quit when asked:
        # the default action ends it whatever its queues hold.
        asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)

    def send_message(self, message: Any) -> None:
        """In the input thread: post, then wait until the app has taken it in and has
        room for more."""
        future = asyncio.run_coroutine_threadsafe(self._app._post_message(message),
                                                  loop=self._loop)
        while not self.exit_event.is_set():
            try:
                future.result(timeout=0.1)
                break
            except TimeoutError:
                continue
            except Exception:  # the app is closing: nothing more to wait for
                return
        self._wait_for_room()

    def on_meta(self, packet_type: str, payload: dict[str, object]) -> None:
        self._wait_for_room()  # a flood of resizes is a flood too
        super().on_meta(packet_type, payload)

    def _wait_for_room(self) -> None:
        while self._backlog() > MAX_BACKLOG and not self.exit_event.is_set():
            time.sleep(POLL)

    def _backlog(self) -> int:
        app = self._app
        try:  # read from this thread without locks: a length, never a structure
            nodes = [app, app.screen, app.focused]
        except Exception:  # no screen yet, or the app is closing
            nodes = [app]
        return sum(node.message_queue_size for node in nodes if node is not None)
