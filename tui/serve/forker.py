"""The server's end of the fork server (tui/serve/zygote.py), and the warm pool.

`Forker.spawn()` makes three pipes, hands the session's ends to the zygote, and returns
a `ForkedProcess` with the server's ends as asyncio streams. The session then waits
for its tab (tui/serve/child.py); `WarmPool` keeps `--warm N` of them waiting, so that
a tab opened takes one at once and a new one is forked behind it.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tui.serve.logs import log
from tui.serve.zygote import MAX_DATAGRAM, send

READY_TIMEOUT = 60.0  # seconds the zygote may take to import everything


class SpawnError(OSError):
    """The zygote could not fork (out of memory or processes) or is gone."""


class ForkedProcess:
    """A session process forked by the zygote: its pid, its pipes, its exit."""

    def __init__(self, pid: int, stdin: asyncio.StreamWriter, stdout: asyncio.StreamReader,
                 stderr: asyncio.StreamReader) -> None:
        self.pid, self.stdin, self.stdout, self.stderr = pid, stdin, stdout, stderr
        self.returncode: int | None = None
        self.exited = asyncio.Event()

    async def wait(self) -> int | None:
        await self.exited.wait()
        return self.returncode

    def signal_group(self, sig: signal.Signals) -> None:
        """`sig` to the session and everything it started (its own process group); not
        once its exit is known, when the pid may be another process's."""
        if self.returncode is None:
            try:
                os.killpg(self.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    def close_pipes(self) -> None:
        self.stdin.close()


class Forker:
    def __init__(self, session_argv: list[str], state_dir: Path, env: dict[str, str],
                 cwd: Path) -> None:
        self.session_argv, self.state_dir, self.env, self.cwd = session_argv, state_dir, env, cwd
        self.zygote: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.ready: asyncio.Future[None] | None = None
        self.replies: asyncio.Queue[dict] = asyncio.Queue()
        self.processes: dict[int, ForkedProcess] = {}
        self.lock = asyncio.Lock()  # one spawn at a time: replies come in order

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.zygote is not None:
            self.zygote.poll()  # a former one that exited: reaped
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.zygote = subprocess.Popen(
            [sys.executable, "-m", "tui.serve.zygote", str(theirs.fileno()),
             str(self.state_dir), *self.session_argv],
            pass_fds=[theirs.fileno()], env=self.env, cwd=self.cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            start_new_session=True)  # Ctrl+C in the terminal is the server's to handle
        theirs.close()
        ours.setblocking(False)
        self.sock = ours
        self.ready = loop.create_future()
        loop.add_reader(ours.fileno(), self._on_readable)
        try:
            await asyncio.wait_for(self.ready, READY_TIMEOUT)
        except asyncio.TimeoutError:
            self.zygote.kill()
            raise SpawnError(0, f"the session fork server did not start within "
                                f"{READY_TIMEOUT:.0f} s") from None

    def _on_readable(self) -> None:
        assert self.sock is not None
        while True:
            try:
                data = self.sock.recv(MAX_DATAGRAM)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._lost()
                return
            message = json.loads(data)
            op = message.get("op")
            if op == "ready" and self.ready is not None and not self.ready.done():
                self.ready.set_result(None)
            elif op == "exited":
                process = self.processes.pop(message["pid"], None)
                if process is not None:
                    process.returncode = message["status"]
                    process.exited.set()
            else:
                self.replies.put_nowait(message)

    def _lost(self) -> None:
        """The zygote is gone: its sessions died with it (PR_SET_PDEATHSIG)."""
        if self.sock is not None:
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()
            self.sock = None
            log.error("objcg-lab serve: the session fork server exited; new tabs start it again")
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(SpawnError(0, "the session fork server did not start"))
        self.replies.put_nowait({"op": "failed", "error": "the session fork server exited"})
        for process in self.processes.values():
            process.exited.set()
        self.processes.clear()

    async def spawn(self) -> ForkedProcess:
        """A new session process, waiting for its tab. SpawnError or OSError (EMFILE:
        no descriptors left for its pipes) when there can be none."""
        async with self.lock:
            if self.sock is None:
                await self.start()
            assert self.sock is not None
            pipes: list[int] = []
            try:
                for _ in range(3):
                    pipes.extend(os.pipe())
                stdin_r, stdin_w, stdout_r, stdout_w, stderr_r, stderr_w = pipes
                send(self.sock, {"op": "spawn"}, [stdin_r, stdout_w, stderr_w])
                reply = await self.replies.get()
            except BaseException:
                for fd in pipes:
                    os.close(fd)
                raise
            for fd in (stdin_r, stdout_w, stderr_w):
                os.close(fd)
            if reply.get("op") != "spawned":
                for fd in (stdin_w, stdout_r, stderr_r):
                    os.close(fd)
                raise SpawnError(reply.get("errno") or 0, reply.get("error", "cannot fork"))
            process = ForkedProcess(reply["pid"], *await _streams(stdin_w, stdout_r, stderr_r))
            self.processes[process.pid] = process
            return process

    def tell_tab(self, process: ForkedProcess, work: Path) -> None:
        """The zygote removes the tab's folder, if empty, should the server die."""
        if self.sock is not None:
            try:
                send(self.sock, {"op": "tab", "pid": process.pid, "work": str(work)})
            except OSError:
                pass

    async def close(self, timeout: float = 10.0) -> None:
        """Close the socket: the zygote kills what is left, tidies and exits."""
        if self.sock is not None:
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()
            self.sock = None
        if self.zygote is not None:
            zygote = self.zygote
            try:
                await asyncio.wait_for(asyncio.to_thread(zygote.wait), timeout)
            except asyncio.TimeoutError:
                zygote.kill()


async def _streams(stdin_w: int, stdout_r: int,
                   stderr_r: int) -> tuple[asyncio.StreamWriter, asyncio.StreamReader,
                                           asyncio.StreamReader]:
    loop = asyncio.get_running_loop()
    readers = []
    for fd in (stdout_r, stderr_r):
        reader = asyncio.StreamReader(limit=2 ** 20)
        await loop.connect_read_pipe(lambda r=reader: asyncio.StreamReaderProtocol(r),
                                     os.fdopen(fd, "rb", buffering=0))
        readers.append(reader)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin,
                                                        os.fdopen(stdin_w, "wb", buffering=0))
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    return writer, readers[0], readers[1]


class WarmPool:
    """Up to `size` sessions forked ahead of their tabs."""

    def __init__(self, forker: Forker, size: int) -> None:
        self.forker, self.size = forker, size
        self.waiting: list[ForkedProcess] = []
        self.filling: asyncio.Task[None] | None = None

    async def take(self) -> ForkedProcess:
        while self.waiting:
            process = self.waiting.pop(0)
            if process.returncode is None and not process.exited.is_set():
                self.refill()
                return process
        process = await self.forker.spawn()
        self.refill()
        return process

    def refill(self) -> None:
        if self.size > 0 and (self.filling is None or self.filling.done()):
            self.filling = asyncio.create_task(self._fill())

    async def _fill(self) -> None:
        while len(self.waiting) < self.size:
            try:
                self.waiting.append(await self.forker.spawn())
            except OSError as error:  # tried again when the next tab takes one
                log.warning("objcg-lab serve: no warm session: %s", error)
                return

    def kill_all(self) -> None:
        if self.filling is not None:
            self.filling.cancel()
        for process in self.waiting:
            process.signal_group(signal.SIGKILL)
            process.close_pipes()
        self.waiting.clear()
