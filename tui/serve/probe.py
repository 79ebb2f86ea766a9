"""Driving `objcg-lab serve` from outside, as the browser tests and benchmarks/serve.py do:
start it on a free loopback port, read a page's screen, list its session processes."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# xterm's own buffer, exposed on #terminal by the served client (see server.py)
SCREEN_TEXT_JS = """() => {
  const term = document.getElementById("terminal").xterm;
  if (!term) return "";
  const buffer = term.buffer.active, lines = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int, data: Path, *extra: str, max_sessions: int = 4,
                 timeout: float = 30.0, env: dict[str, str] | None = None,
                 preexec_fn=None, launcher: list[str] | None = None) -> subprocess.Popen[str]:
    """`objcg-lab serve` on 127.0.0.1:port, returned once it accepts connections.
    `launcher` replaces `python -m tui.cli` (a script that changes something first)."""
    server = subprocess.Popen(
        [*(launcher or [sys.executable, "-m", "tui.cli"]), "serve", "--port", str(port),
         "--data", str(data), "--max-sessions", str(max_sessions), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=env, preexec_fn=preexec_fn)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"serve exited: {server.stdout.read() if server.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"serve did not listen on port {port} within {timeout} s")


def stop_server(server: subprocess.Popen[str]) -> str:
    """Ctrl+C, as a teacher would; returns what the server printed."""
    if server.poll() is None:
        server.send_signal(2)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return server.stdout.read() if server.stdout else ""


def children(pid: int) -> list[int]:
    """Live processes whose parent is pid, from /proc (zombies excluded)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def session_processes(data: Path) -> list[int]:
    """Every live session process of a server whose --data is `data` (each works in its
    own DATA/tab-N folder), whoever its parent is now: orphans show up too."""
    inside = f"{Path(data).resolve()}{os.sep}"
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cwd.startswith(inside) and state != "Z":
            found.append(int(entry))
    return found


def descendants(pid: int) -> list[int]:
    """Every live process below pid: the fork server, warm and working sessions."""
    found, todo = [], [pid]
    while todo:
        below = children(todo.pop())
        found += below
        todo += below
    return found


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def processes_named(fragment: str) -> list[int]:
    """Live processes whose executable path contains `fragment` (e.g. "chrom")."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                argv0 = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if fragment.encode() in argv0:
                found.append(int(entry))
    return found


class RawTab:
    """A session driven without a browser, over the websocket as textual.js drives it
    (aiohttp; for tests and benchmarks that want no Chromium). Its screen is kept by
    pyte, a terminal emulator: `screen()` is the text a browser would show; `output`
    every byte the session sent."""

    def __init__(self, client, url: str, headers: dict[str, str] | None = None) -> None:
        self.client, self.url, self.headers = client, url, headers or {}
        self.ws = None
        self.output = bytearray()
        self.close_code: int | None = None
        self.close_reason = ""
        self.terminal = None

    async def open(self, width: int = 140, height: int = 40) -> "RawTab":
        import pyte

        self.terminal = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.terminal)
        self.ws = await self.client.ws_connect(f"{self.url}ws?width={width}&height={height}",
                                               headers=self.headers, max_msg_size=0)
        return self

    def screen(self) -> str:
        return "\n".join(line.rstrip() for line in self.terminal.display)

    async def read_until(self, text: str, timeout: float = 30.0, gone: bool = False) -> bool:
        """Read until `text` is on the screen (or, with `gone`, no longer is): True; or
        until the session closed: False."""
        import asyncio

        import aiohttp

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (text in self.screen()) == gone:
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"{text!r} {'still' if gone else 'not'} on the screen "
                                   f"within {timeout} s:\n{self.screen()}")
            try:
                message = await asyncio.wait_for(self.ws.receive(), left)
            except asyncio.TimeoutError:
                continue  # said above, with the screen
            if message.type == aiohttp.WSMsgType.BINARY:
                self.output += message.data
                self.stream.feed(message.data)
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                  aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
                self.close_code = self.ws.close_code
                self.close_reason = str(message.extra or "")
                return False
        return True

    async def keys(self, text: str) -> None:
        await self.ws.send_json(["stdin", text])

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
