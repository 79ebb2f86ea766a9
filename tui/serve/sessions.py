"""One process per browser tab: what it gets, how input reaches it, how it is stopped.

Each session is forked by the zygote (tui/serve/forker.py) in a process group of its
own; it learns its tab (its folder under the teacher's data folder, its private state
folder, its terminal size) from its stdin. Input from the tab goes through a bounded
queue (tui/serve/inputs.py) and every write to the session has a timeout. Stopping
asks the app to quit, then terminates, then kills the whole group, whatever its queue
holds, so a closed tab never leaves a process behind.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from textual_serve.app_service import AppService

from tui.outfiles import CONFINE_ENV
from tui.serve.child import tab_packet
from tui.serve.forker import ForkedProcess, Forker
from tui.serve.inputs import WRITE_TIMEOUT, InputQueue
from tui.serve.logs import log

QUIT_GRACE = 3.0  # seconds a session has to quit after the tab closed, before SIGTERM
TERM_GRACE = 2.0  # seconds after SIGTERM before SIGKILL
MAX_COLUMNS, MAX_ROWS = 400, 150  # larger than any screen, small enough to draw
STDERR_KEPT = 8 * 1024  # bytes of a session's stderr kept for its one log line
STUCK_CLOSE_CODE = 4002  # websocket close code: the session stopped reading its input


@dataclass
class SessionPlan:
    """What every session runs, and where its files go."""

    argv: list[str]  # the session's mode and file: explore [FILE] | lesson [PATH] | replay FILE
    data_dir: Path  # the teacher's --data DIR: students' saves and recordings
    state_dir: Path  # private per-server scratch: each session's XDG directories
    project_root: Path  # where the tui and engine packages are imported from
    max_sessions: int = 20
    shared_data: bool = False  # --shared-data: saves readable by other users
    warm: int = 2
    env: dict[str, str] = field(default_factory=dict)  # the zygote's environment

    @property
    def umask(self) -> int:
        return 0o022 if self.shared_data else 0o077

    def claim_folders(self) -> tuple[int, Path, Path]:
        """A session number N, its folder DATA/tab-N (new, never reused, so files from a
        former tab or a former class are never touched) and its private state folder."""
        n = 1
        while True:
            work = self.data_dir / f"tab-{n}"
            try:
                work.mkdir(mode=0o777 & ~self.umask)
                break
            except FileExistsError:
                n += 1
        state = self.state_dir / f"tab-{n}"
        state.mkdir(mode=0o700, parents=True, exist_ok=True)
        return n, work, state


def zygote_environment(root: Path, debug: bool = False) -> dict[str, str]:
    """What every session shares, set in the zygote before it imports Textual (whose
    settings are read at import)."""
    env = dict(os.environ)
    env.update(TEXTUAL_DRIVER="tui.serve.driver:BoundedWebDriver", TEXTUAL_FPS="60",
               TEXTUAL_COLOR_SYSTEM="truecolor", TERM_PROGRAM="textual",
               TERM_PROGRAM_VERSION=version("textual-serve"))
    if debug:
        env.update(TEXTUAL="debug,devtools", TEXTUAL_LOG="textual.log")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return env


class SessionProcess(AppService):
    """A browser tab's own app process: own cwd, own XDG dirs, writes confined to its
    folder under the teacher's data directory."""

    def __init__(self, plan: SessionPlan, process: ForkedProcess, forker: Forker,
                 **kwargs: Any) -> None:
        super().__init__(" ".join(plan.argv), **kwargs)
        self.plan, self.forked, self.forker = plan, process, forker
        self.number, self.work_dir, self.state_dir = plan.claim_folders()
        self.inputs = InputQueue()
        self._feeder: asyncio.Task[None] | None = None
        self._stdin = process.stdin
        self.stuck = False  # the session left its input unread for WRITE_TIMEOUT
        self.stopped = False

    @property
    def pid(self) -> int:
        return self.forked.pid

    def tab(self, width: int, height: int) -> dict[str, Any]:
        env = {name: str(self.state_dir / name.removeprefix("XDG_").lower())
               for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME",
                            "XDG_CACHE_HOME")}
        env.update({CONFINE_ENV: str(self.work_dir), "OBJCG_LAB_SERVE_TAB": str(self.number),
                    "COLUMNS": str(width), "ROWS": str(height)})
        return {"env": env, "cwd": str(self.work_dir), "umask": self.plan.umask}

    async def start(self, width: int, height: int) -> None:
        width, height = _bounded(width, height)
        self.forker.tell_tab(self.forked, self.work_dir)
        self.forked.stdin.write(tab_packet(self.tab(width, height)))
        self._task = asyncio.create_task(self.run())
        self._feeder = asyncio.create_task(self._feed())

    # -- input: queued, bounded, written with a timeout -------------------------------------
    async def send_bytes(self, data: bytes) -> bool:
        return self._queue(self.encode_packet(b"D", data))

    async def send_meta(self, data: dict[str, str | None | int | bool]) -> bool:
        return self._queue(self.encode_packet(b"M", json.dumps(data).encode("utf-8")))

    def _queue(self, packet: bytes) -> bool:
        if self.stopped:
            return False
        if self.inputs.put(packet):
            return True
        if self.inputs.dropped == 1:
            log.warning("tab-%d: input comes faster than the session reads it: dropping what "
                        "does not fit (%d KiB queued at most)", self.number,
                        self.inputs.max_bytes // 1024)
        return False

    async def _feed(self) -> None:
        stdin = self.forked.stdin
        try:
            while True:
                packet = await self.inputs.get()
                if stdin.is_closing():  # the session is gone: its reader notices
                    return
                stdin.write(packet)
                await asyncio.wait_for(stdin.drain(), WRITE_TIMEOUT)
        except asyncio.TimeoutError:
            self.stuck = True
            log.warning("tab-%d: the session left its input unread for %.0f s: ended",
                        self.number, WRITE_TIMEOUT)
            await self.remote_close(code=STUCK_CLOSE_CODE,
                                    message=b"the session stopped reading its input")
        except (ConnectionError, RuntimeError):
            pass  # the session is gone: its reader notices

    async def set_terminal_size(self, width: int, height: int) -> None:
        await super().set_terminal_size(*_bounded(width, height))

    # -- output -------------------------------------------------------------------------------
    async def run(self) -> None:
        """Relay the app's output until it ends, then close the tab's websocket: a session
        that quit (q), crashed or was killed shows "session ended", never a frozen screen.
        What it wrote on stderr becomes one log line, never a traceback in the terminal."""
        stderr = bytearray()

        async def read_stderr() -> None:
            while chunk := await self.forked.stderr.read(4096):
                stderr.extend(chunk)
                del stderr[:-STDERR_KEPT]

        errors = asyncio.create_task(read_stderr())
        stdout = self.forked.stdout
        try:
            while (line := await stdout.readline()) and line != b"__GANGLION__\n":
                pass  # anything printed before the app starts
            while True:
                kind = await stdout.readexactly(1)
                size = int.from_bytes(await stdout.readexactly(4), "big")
                payload = await stdout.readexactly(size)
                if kind == b"D":
                    await self.on_data(payload)
                elif kind == b"M":
                    await self.on_meta(payload)
                elif kind == b"P":
                    await self.on_packed(payload)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError,
                ValueError):
            pass
        finally:
            try:
                await asyncio.wait_for(errors, 1.0)
            except asyncio.TimeoutError:
                pass
        code = await self._exit_code()
        last = last_line(bytes(stderr))
        if last and not self.stopped:
            log.warning("tab-%d: the session ended with an error: %s", self.number, last)
        elif code not in (0, None) and not self.stopped:
            log.warning("tab-%d: the session ended with exit status %s", self.number, code)
        await self.remote_close()

    async def _exit_code(self) -> int | None:
        try:
            return await asyncio.wait_for(self.forked.wait(), 1.0)
        except asyncio.TimeoutError:
            return None

    # -- stopping -----------------------------------------------------------------------------
    async def stop(self) -> None:
        """End the session whatever its queue holds: ask the app to quit (unless it is
        busy with a backlog, when it would not hear), then SIGTERM, then SIGKILL to its
        process group. Idempotent; removes the session's private state."""
        if self.stopped:
            return
        # input still queued here or unread in the pipe: the app would not hear "quit"
        busy = len(self.inputs) > 0 or self.stuck or \
            self.forked.stdin.transport.get_write_buffer_size() > 0
        self.stopped = True
        if self._feeder is not None:
            self._feeder.cancel()
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        process = self.forked
        if process.returncode is None:
            if not busy and not self.forked.stdin.is_closing():
                self.forked.stdin.write(self.encode_packet(
                    b"M", json.dumps({"type": "quit"}).encode()))
            if busy or not await _exited(process, QUIT_GRACE):
                process.signal_group(signal.SIGTERM)
                if not await _exited(process, TERM_GRACE):
                    process.signal_group(signal.SIGKILL)
                    await _exited(process, TERM_GRACE)
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, TERM_GRACE)  # ends at EOF
            except asyncio.TimeoutError:
                self._task.cancel()
            self._task = None
        process.close_pipes()
        self._tidy()

    def kill_now(self) -> None:
        """At server exit, synchronously: no session outlives the server."""
        self.stopped = True
        self.forked.signal_group(signal.SIGKILL)
        self._tidy()

    def _tidy(self) -> None:
        shutil.rmtree(self.state_dir, ignore_errors=True)
        try:
            self.work_dir.rmdir()  # nothing saved: no empty folder left for the teacher
        except OSError:
            pass


def last_line(stderr: bytes) -> str:
    """The last non-empty line a session wrote on stderr (a traceback's last line names
    the error), without terminal controls."""
    for line in reversed(stderr.decode("utf-8", "replace").splitlines()):
        shown = "".join(c for c in line if c.isprintable()).strip()
        if shown:
            return shown[:300]
    return ""


def _bounded(width: object, height: object) -> tuple[int, int]:
    """A terminal size a browser may ask for: a forged 100000x100000 would have the
    session draw a screen that size."""
    def clamp(value: object, low: int, high: int, default: int) -> int:
        return max(low, min(high, value)) if isinstance(value, int) else default
    return clamp(width, 20, MAX_COLUMNS, 80), clamp(height, 8, MAX_ROWS, 24)


async def _exited(process: ForkedProcess, timeout: float) -> bool:
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    return True
