"""The classroom web server: textual-serve's Server with a session limit, a "class is
full" page, same-origin websockets, and every session process stopped with its tab."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.server import Server, to_int

from tui.serve.sessions import SessionPlan, SessionProcess

log = logging.getLogger("textual-serve")

TEMPLATES = Path(__file__).parent / "templates"
FULL_CLOSE_CODE = 4001  # application-defined websocket close code: no free session
CLIENT_JS = "/objcg-lab/textual.js"
# textual.js keeps its xterm.js Terminal to itself; hang it on the terminal's element so
# that a page script (the browser tests, the benchmark) can read the screen's text
# through xterm's buffer API: the canvas renderer puts no text in the DOM.
OPEN_TERMINAL = "this.terminal.open(e)"
EXPOSE_TERMINAL = "this.terminal.open(e),e.xterm=this.terminal"


def client_script(statics: Path) -> bytes:
    """textual-serve's browser client, with the terminal reachable from its element."""
    text = (statics / "js" / "textual.js").read_text(encoding="utf-8")
    if text.count(OPEN_TERMINAL) == 1:
        text = text.replace(OPEN_TERMINAL, EXPOSE_TERMINAL)
    else:  # another textual-serve: serve its client as it is (only tests lose the text)
        log.warning("textual.js: terminal not exposed (unknown textual-serve client)")
    return text.encode("utf-8")


class ClassroomServer(Server):
    def __init__(self, plan: SessionPlan, *, host: str, port: int, title: str,
                 announce: list[str]) -> None:
        super().__init__(" ".join(plan.argv), host=host, port=port, title=title,
                         templates_path=TEMPLATES)
        self.plan = plan
        self.announce = announce
        self.sessions: set[SessionProcess] = set()
        self.client_js = client_script(self.statics_path)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get(CLIENT_JS, self.handle_client_js)
        return app

    async def handle_client_js(self, request: web.Request) -> web.Response:
        return web.Response(body=self.client_js, content_type="application/javascript")

    # -- pages ------------------------------------------------------------------------------
    def full_message(self) -> str:
        n = self.plan.max_sessions
        taken = "The one session is in use." if n == 1 else f"All {n} sessions are in use."
        return f"{taken} Try again when someone closes a tab."

    async def handle_index(self, request: web.Request) -> web.Response:
        """The terminal page, or a 503 "class is full" page when no session is free."""
        if len(self.sessions) >= self.plan.max_sessions:
            return aiohttp_jinja2.render_template(
                "full.html", request, {"title": self.title, "message": self.full_message()},
                status=503)
        scheme = "wss" if request.scheme == "https" else "ws"
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            # From the address the browser used, so that --host 0.0.0.0 works from elsewhere
            "app_websocket_url": f"{scheme}://{request.host}/ws",
            "static_url": "/static/",
            "title": self.title,
            "full_code": FULL_CLOSE_CODE,
            "client_js": CLIENT_JS,
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    # -- sessions ---------------------------------------------------------------------------
    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A tab's session: refused past the limit, stopped when the tab goes away."""
        if not _same_origin(request):
            # Another web site open in the teacher's browser must not drive sessions
            raise web.HTTPForbidden(text="objcg-lab serve: cross-origin websocket refused")
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if len(self.sessions) >= self.plan.max_sessions:
            await websocket.close(code=FULL_CLOSE_CODE, message=b"class is full")
            return websocket
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        try:
            session = SessionProcess(self.plan, write_bytes=websocket.send_bytes,
                                     write_str=websocket.send_str, close=websocket.close,
                                     download_manager=self.download_manager, debug=self.debug)
        except OSError as error:  # the data folder went away or filled up
            log.error("cannot make a folder for a new session: %s", error)
            await websocket.close(code=WSCloseCode.INTERNAL_ERROR)
            return websocket
        self.sessions.add(session)
        try:
            await session.start(width, height)
            log.info("tab-%d: session started (pid %s), %d of %d in use", session.number,
                     session.pid, len(self.sessions), self.plan.max_sessions)
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            pass
        except Exception as error:  # a broken message from a browser ends that tab only
            log.error("tab-%d: %s", session.number, error)
        finally:
            await asyncio.shield(self._end(session))
            if not websocket.closed:
                await websocket.close(code=WSCloseCode.GOING_AWAY)
        return websocket

    async def _end(self, session: SessionProcess) -> None:
        try:
            await session.stop()
        finally:
            self.sessions.discard(session)
            log.info("tab-%d: session ended, %d of %d in use", session.number,
                     len(self.sessions), self.plan.max_sessions)

    # -- start and stop ---------------------------------------------------------------------
    async def on_startup(self, app: web.Application) -> None:
        for line in self.announce:
            print(line, flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        for session in list(self.sessions):
            session.kill_now()

    def serve(self, debug: bool = False) -> None:
        """Run until Ctrl+C; like Server.serve, without the banner and access log."""
        import signal

        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.add_signal_handler(signal.SIGINT, self.request_exit)
        loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False,
                    loop=loop, print=lambda *args: None, access_log=None,
                    shutdown_timeout=5)  # sessions were killed: their sockets close at once


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser page (a script, a test client): no cross-site risk
    return origin.split("://", 1)[-1] == request.host
