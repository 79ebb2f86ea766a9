"""What the server checks before a request reaches a page or a session.

- The Host a browser asked for. A page on another site can have its own name resolve
  to this machine (DNS rebinding): the browser then treats the classroom server as
  that site, and the page could open sessions and read them. Such a request names the
  other site in its Host header, so only names this server is known by are served:
  IP addresses (a rebinding always uses a name), `localhost`, the name given to
  `--host`, and each `--allow-host NAME`.
- The Origin of a websocket: a session is driven only from this server's own page.
- How many connections are open: past what the file-descriptor limit leaves room for
  beside the sessions, a new connection gets a short 503 answer and is closed, instead
  of the server failing when accept() or a session's pipes find no descriptor left.
"""
from __future__ import annotations

import asyncio
import ipaddress
from typing import Callable, Iterable

from aiohttp import web

from tui.serve.logs import log
from tui.serve.resources import FD_RESERVE, open_fds

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",  # no other site may frame a session and steer its keys
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def host_name(host: str) -> str:
    """The name in a Host header: without its port or IPv6 brackets, lower case."""
    host = host.strip()
    if host.startswith("["):
        return host[1:host.find("]")].lower() if "]" in host else host.lower()
    if host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    return host.lower().rstrip(".")


def is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostCheck:
    """The names this server answers to."""

    def __init__(self, bind_host: str, allowed: Iterable[str], behind_proxy: bool) -> None:
        self.names = {"localhost", *(host_name(name) for name in allowed)}
        if not is_ip(host_name(bind_host)):
            self.names.add(host_name(bind_host))
        self.behind_proxy = behind_proxy

    def browser_host(self, request: web.Request) -> str:
        """The host the browser asked for: behind a trusted proxy, X-Forwarded-Host."""
        if self.behind_proxy and "X-Forwarded-Host" in request.headers:
            return request.headers["X-Forwarded-Host"].split(",")[0].strip()
        return request.headers.get("Host", "")

    def allows(self, request: web.Request) -> bool:
        host = self.browser_host(request)
        if not host:
            return True  # no name given (HTTP/1.0): nothing rebound, a browser always sends one
        name = host_name(host)
        return is_ip(name) or name in self.names

    def same_origin(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser page (a script, a test client): no cross-site risk
        return origin.split("://", 1)[-1].lower() == self.browser_host(request).lower()

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        if not self.allows(request):
            shown = "".join(c for c in self.browser_host(request)[:80] if c.isprintable())
            log.warning("refused a request for host %r from %s (not a name of this server; "
                        "--allow-host NAME serves it)", shown, client_address(request,
                                                                            self.behind_proxy))
            raise web.HTTPForbidden(text=f"objcg-lab serve: this server does not answer to "
                                         f"'{shown}'\n")
        return await handler(request)


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def client_address(request: web.Request, behind_proxy: bool) -> str:
    """Who sent the request: behind a trusted proxy, the address it forwarded."""
    if behind_proxy and "X-Forwarded-For" in request.headers:
        return request.headers["X-Forwarded-For"].split(",")[-1].strip()
    return request.remote or "?"


REFUSAL = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Connection: close\r\nRetry-After: 10\r\nContent-Length: %d\r\n\r\n%s")


class Refusal(asyncio.Protocol):
    """A connection past the budget: told so, and closed at once."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        text = b"objcg-lab serve: too many connections open; try again in a moment\n"
        transport.write(REFUSAL % (len(text), text))  # type: ignore[attr-defined]
        transport.close()


class ConnectionBudget:
    """Refuses connections while the descriptors in use, and those still to be kept for
    sessions and the server itself (`keep_free()`), reach the limit. Counted in /proc,
    so that connections accepted in one batch, not handled yet, count too."""

    def __init__(self, fd_limit: int, keep_free: Callable[[], int]) -> None:
        self.fd_limit, self.keep_free = fd_limit, keep_free
        self.refusing = False

    def full(self, server: web.Server) -> bool:
        held = open_fds()
        if held is None:  # no /proc: the connections are what grows
            held = len(server.connections) + FD_RESERVE
        return held + self.keep_free() >= self.fd_limit

    def factory(self, server: web.Server) -> Callable[[], asyncio.Protocol]:
        def protocol() -> asyncio.Protocol:
            if self.full(server):
                if not self.refusing:
                    self.refusing = True
                    log.warning("objcg-lab serve: %d connections open, as many as the file "
                                "descriptor limit (ulimit -n %d) leaves room for beside the "
                                "sessions: refusing new connections until some close",
                                len(server.connections), self.fd_limit)
                return Refusal()
            if self.refusing:
                self.refusing = False
                log.info("objcg-lab serve: accepting new connections again")
            return server()
        return protocol
