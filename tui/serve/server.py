"""The classroom web server: textual-serve's Server with a session limit, "class is full"
and "server busy" pages, checked Host names and same-origin websockets, bounded input,
a connection budget, sessions forked by a zygote (a warm pool of them), every session
stopped with its tab, and a base path for running behind a reverse proxy."""
from __future__ import annotations

import asyncio
import json
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.server import Server, to_int

from tui.serve import logs
from tui.serve.downloads import ExpiringDownloads
from tui.serve.forker import Forker, WarmPool
from tui.serve.guard import ConnectionBudget, HostCheck, add_security_headers, client_address
from tui.serve.inputs import MAX_MESSAGE_BYTES
from tui.serve.logs import log
from tui.serve.resources import (ACCEPT_BATCH, FD_RESERVE, FDS_PER_SESSION, exhausted,
                                  memory_problem)
from tui.serve.sessions import SessionPlan, SessionProcess

TEMPLATES = Path(__file__).parent / "templates"
FULL_CLOSE_CODE = 4001  # application-defined websocket close codes: no free session,
BUSY_CLOSE_CODE = 4003  # the machine is out of memory or descriptors
KEEPALIVE = 15.0  # seconds an idle connection (one that never sent a request too) stays
CLIENT_JS = "objcg-lab/textual.js"
# textual.js keeps its xterm.js Terminal to itself; hang it on the terminal's element so
# that a page script (the browser tests, the benchmark) can read the screen's text
# through xterm's buffer API: the canvas renderer puts no text in the DOM.
OPEN_TERMINAL = "this.terminal.open(e)"
EXPOSE_TERMINAL = "this.terminal.open(e),e.xterm=this.terminal"
# ...and fetches a download from the site's root: under a base path it is elsewhere
DOWNLOAD_URL = "${window.location.origin}/download/"


def client_script(statics: Path, base: str) -> bytes:
    """textual-serve's browser client, with the terminal reachable from its element and
    downloads under the base path."""
    text = (statics / "js" / "textual.js").read_text(encoding="utf-8")
    for old, new in ((OPEN_TERMINAL, EXPOSE_TERMINAL),
                     (DOWNLOAD_URL, "${window.location.origin}" + base + "download/")):
        if text.count(old) == 1:
            text = text.replace(old, new)
        else:  # another textual-serve: serve its client as it is
            log.warning("textual.js: %r not found (unknown textual-serve client)", old)
    return text.encode("utf-8")


def close_reason(text: str) -> bytes:
    """A websocket close reason: at most 123 bytes (RFC 6455), cut at a character."""
    return text.encode("utf-8")[:123].decode("utf-8", "ignore").encode("utf-8")


@dataclass
class Options:
    """How the server is reached: where it listens, under what path, by what names."""

    host: str
    port: int
    title: str
    announce: list[str]
    base_path: str = "/"
    allow_hosts: list[str] = field(default_factory=list)
    behind_proxy: bool = False
    fd_limit: int = 1024


class ClassroomServer(Server):
    def __init__(self, plan: SessionPlan, options: Options) -> None:
        super().__init__(" ".join(plan.argv), host=options.host, port=options.port,
                         title=options.title, templates_path=TEMPLATES)
        self.plan, self.options, self.base = plan, options, options.base_path
        self.download_manager = ExpiringDownloads()
        self.sessions: set[SessionProcess] = set()  # tabs open now: what the limit counts
        self.stopping: set[SessionProcess] = set()  # tabs closed, their process ending
        self.hosts = HostCheck(options.host, options.allow_hosts, options.behind_proxy)
        self.budget = ConnectionBudget(options.fd_limit, self.descriptors_to_keep)
        self.client_js = client_script(self.statics_path, self.base)
        self.forker = Forker(plan.argv, plan.state_dir, plan.env, plan.project_root)
        self.pool = WarmPool(self.forker, plan.warm)
        self.exhausted_said: str | None = None

    def descriptors_to_keep(self) -> int:
        """Descriptors not to give to connections: the server's own, and the pipes of
        every session that may still start (open and closing tabs, warm sessions)."""
        may_start = 2 * self.plan.max_sessions + 2 + self.plan.warm - \
            len(self.sessions) - len(self.stopping) - len(self.pool.waiting)
        wanted = FD_RESERVE + FDS_PER_SESSION * max(0, may_start)
        # a limit too low for --max-sessions (said at start) still lets pages through:
        # a session that then finds no descriptor is refused with its own message
        return min(wanted, max(FD_RESERVE, self.options.fd_limit - 2 * FD_RESERVE))

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.hosts.middleware])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        base = self.base
        routes = [
            web.get(base, self.handle_index),
            web.get(base + "ws", self.handle_websocket),
            web.get(base + "download/{key}", self.handle_download),
            web.get(base + CLIENT_JS, self.handle_client_js),
            web.static(base + "static", self.statics_path, show_index=False),
        ]
        if base != "/":  # a balancer's entry point: the page of whichever server it picks
            routes.append(web.get("/", self.handle_index))
        app.add_routes(routes)
        app.on_response_prepare.append(add_security_headers)
        return app

    async def handle_client_js(self, request: web.Request) -> web.Response:
        return web.Response(body=self.client_js, content_type="application/javascript")

    # -- pages ------------------------------------------------------------------------------
    def refusal(self) -> tuple[int, str, str] | None:
        """Why no new session can start now: (close code, page heading, message). Tabs
        closing do not count (a reload finds its place free), unless they pile up: a
        script opening and closing tabs fast must not make processes without end."""
        n = self.plan.max_sessions
        if len(self.sessions) >= n or len(self.sessions) + len(self.stopping) >= 2 * n + 2:
            taken = "The one session is in use." if n == 1 else f"All {n} sessions are in use."
            return FULL_CLOSE_CODE, "The class is full", \
                f"{taken} Try again when someone closes a tab."
        problem = memory_problem()
        if problem:
            self._said_once(problem)
            return BUSY_CLOSE_CODE, "The server is busy", \
                f"{problem[0].upper()}{problem[1:]}: no new session can start now. " \
                "Try again in a minute."
        return None

    async def handle_index(self, request: web.Request) -> web.Response:
        """The terminal page, or a 503 page when no session can start."""
        refused = self.refusal()
        if refused is not None:
            code, heading, message = refused
            return aiohttp_jinja2.render_template(
                "full.html", request, {"title": self.title, "heading": heading,
                                       "message": message,
                                       "kind": "full" if code == FULL_CLOSE_CODE else "busy"},
                status=503)
        context: dict[str, Any] = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "ws_path": self.base + "ws",  # made a ws:// or wss:// address by the page itself
            "static_url": self.base + "static/",
            "title": self.title,
            "client_js": self.base + CLIENT_JS,
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Cache-Control"] = "no-store"  # "full" or not is decided anew
        return response

    # -- sessions ---------------------------------------------------------------------------
    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """A tab's session: refused past the limit, stopped when the tab goes away."""
        if not self.hosts.same_origin(request):
            # Another web site open in the teacher's browser must not drive sessions
            raise web.HTTPForbidden(text="objcg-lab serve: cross-origin websocket refused")
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE_BYTES)
        await websocket.prepare(request)
        refused = self.refusal()
        if refused is not None:
            code, heading, message = refused
            await websocket.close(code=code, message=close_reason(f"{heading}: {message}"))
            return websocket
        session = await self._new_session(websocket)
        if session is None:
            return websocket
        self.sessions.add(session)
        try:
            await session.start(to_int(request.query.get("width", "80"), 80),
                                to_int(request.query.get("height", "24"), 24))
            log.info("tab-%d: session started (pid %s) for %s, %d of %d in use", session.number,
                     session.pid, client_address(request, self.options.behind_proxy),
                     len(self.sessions), self.plan.max_sessions)
            await self._relay(websocket, session)
        except asyncio.CancelledError:
            pass
        except Exception as error:  # one tab's trouble ends that tab only, in one line
            log.error("tab-%d: %s: %s", session.number, type(error).__name__, error)
        finally:
            # the place is free at once: a reload must not find its own closing tab in it
            self.sessions.discard(session)
            self.stopping.add(session)
            await asyncio.shield(self._end(session))
            if not websocket.closed:
                await websocket.close(code=WSCloseCode.GOING_AWAY)
        return websocket

    async def _new_session(self, websocket: web.WebSocketResponse) -> SessionProcess | None:
        """A session process for this tab, or the tab closed with the reason there is none."""
        try:
            process = await self.pool.take()
        except OSError as error:
            cause = exhausted(error) or f"cannot start a session: {error}"
            self._said_once(cause)
            await websocket.close(code=BUSY_CLOSE_CODE, message=close_reason(
                f"{cause[0].upper()}{cause[1:]}: try again in a minute."))
            return None
        try:
            return SessionProcess(self.plan, process, self.forker,
                                  write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                  close=websocket.close, download_manager=self.download_manager,
                                  debug=self.debug)
        except OSError as error:  # the data folder went away or filled up
            process.signal_group(signal.SIGKILL)
            process.close_pipes()
            log.error("cannot make a folder for a new session: %s", error)
            await websocket.close(code=WSCloseCode.INTERNAL_ERROR)
            return None

    def _said_once(self, cause: str) -> None:
        """The cause of refusals, logged when it starts (not once per tab refused)."""
        if cause != self.exhausted_said:
            self.exhausted_said = cause
            log.warning("objcg-lab serve: %s: new sessions are refused, open ones go on", cause)

    async def _relay(self, websocket: web.WebSocketResponse, session: SessionProcess) -> None:
        """The tab's messages to its session. Anything malformed is skipped (the first one
        said in the log): a browser sends only well-formed ones."""
        said = False
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            except (ValueError, TypeError, IndexError, KeyError):
                if not said:
                    said = True
                    log.warning("tab-%d: a malformed message from the browser, skipped",
                                session.number)
                continue
            if kind == "stdin" and isinstance(data, str):
                await session.send_bytes(data.encode("utf-8", "replace"))
            elif kind == "resize" and isinstance(data, dict):
                await session.set_terminal_size(data.get("width"), data.get("height"))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()

    async def _end(self, session: SessionProcess) -> None:
        try:
            await session.stop()
        finally:
            self.stopping.discard(session)
            log.info("tab-%d: session ended, %d of %d in use", session.number,
                     len(self.sessions), self.plan.max_sessions)

    # -- start and stop ---------------------------------------------------------------------
    def serve(self, debug: bool = False) -> None:
        """Run until Ctrl+C, SIGTERM or SIGHUP (the terminal closed); OSError if the port
        cannot be listened on."""
        self.debug = debug
        logs.setup()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(logs.loop_errors)
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, done.set)
        runner = web.AppRunner(await self._make_app(), access_log=None,
                               keepalive_timeout=KEEPALIVE, shutdown_timeout=3)
        await runner.setup()
        assert runner.server is not None
        listener = None
        try:
            await self.forker.start()  # before listening: a tab that comes finds it ready
            listener = await loop.create_server(self.budget.factory(runner.server),
                                                self.host, self.port, reuse_address=True,
                                                backlog=ACCEPT_BATCH)
            self.pool.refill()
            for line in self.options.announce:
                print(line, flush=True)
            await done.wait()
        finally:
            if listener is not None:
                listener.close()
            self._kill_everything()
            await self.forker.close()
            await runner.cleanup()

    def _kill_everything(self) -> None:
        """No session outlives the server, whatever it was doing."""
        self.pool.kill_all()
        for session in [*self.sessions, *self.stopping]:
            session.kill_now()
