"""One process per browser tab, and the pool that limits and cleans them up.

textual-serve's AppService starts the app through a shell and, when the tab closes,
asks it to quit and waits for ever. Here each session is started without a shell in a
process group of its own, with its own data directories and a working directory under
the teacher's data folder; stopping it asks politely, then terminates, then kills the
whole group, so a closed tab never leaves a process behind.
"""
from __future__ import annotations

import asyncio
import ctypes
import os
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from textual_serve.app_service import AppService

from tui.outfiles import CONFINE_ENV

QUIT_GRACE = 3.0  # seconds a session has to quit after the tab closed, before SIGTERM
TERM_GRACE = 2.0  # seconds after SIGTERM before SIGKILL
MAX_COLUMNS, MAX_ROWS = 400, 150  # larger than any screen, small enough to draw
PR_SET_PDEATHSIG = 1  # prctl option: a signal to the child when its parent dies


try:  # looked up here, in the server: between fork and exec only the call itself runs
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: the server's own shutdown stops sessions
    _prctl = None


def _die_with_parent() -> None:
    """In the child before exec: if the server is killed outright (SIGKILL, a crash),
    the kernel sends the session SIGTERM instead of leaving it orphaned."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class SessionPlan:
    """What every session runs, and where its files go."""

    argv: list[str]  # the session process's command line (after the python executable)
    data_dir: Path  # the teacher's --data DIR: students' saves and recordings
    state_dir: Path  # private per-server scratch: each session's XDG directories
    project_root: Path  # where the tui and engine packages are imported from
    max_sessions: int = 20

    def claim_folders(self) -> tuple[int, Path, Path]:
        """A session number N, its folder DATA/tab-N (new, never reused, so files from a
        former tab or a former class are never touched) and its private state folder."""
        n = 1
        while True:
            work = self.data_dir / f"tab-{n}"
            try:
                work.mkdir()
                break
            except FileExistsError:
                n += 1
        state = self.state_dir / f"tab-{n}"
        state.mkdir(parents=True, exist_ok=True)
        return n, work, state


class SessionProcess(AppService):
    """A browser tab's own app process: own cwd, own XDG dirs, writes confined to its
    folder under the teacher's data directory."""

    def __init__(self, plan: SessionPlan, **kwargs) -> None:
        super().__init__(" ".join(plan.argv), **kwargs)
        self.plan = plan
        self.number, self.work_dir, self.state_dir = plan.claim_folders()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        env = super()._build_environment(width, height)
        for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            env[name] = str(self.state_dir / name.removeprefix("XDG_").lower())
        env[CONFINE_ENV] = str(self.work_dir)
        env["OBJCG_LAB_SERVE_TAB"] = str(self.number)
        root = str(self.plan.project_root)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        return env

    async def _open_app_process(self, width: int = 80, height: int = 24):
        env = self._build_environment(width=width, height=height)
        self._process = process = await asyncio.create_subprocess_exec(
            sys.executable, *self.plan.argv,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, cwd=self.work_dir,
            start_new_session=True, preexec_fn=_die_with_parent)
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def start(self, width: int, height: int) -> None:
        await super().start(*_bounded(width, height))

    async def set_terminal_size(self, width: int, height: int) -> None:
        await super().set_terminal_size(*_bounded(width, height))

    async def run(self) -> None:
        """Relay the app's output until it ends, then close the tab's websocket: a session
        that quit (q), crashed or was killed shows "session ended", never a frozen screen."""
        await super().run()
        await self.remote_close()

    async def stop(self) -> None:
        """Ask the app to quit; if it has not within QUIT_GRACE, terminate, then kill
        its process group. Idempotent; removes the session's private state."""
        process = self._process
        if process is not None and process.returncode is None:
            await self.send_meta({"type": "quit"})
            if not await _exited(process, QUIT_GRACE):
                _signal_group(process.pid, signal.SIGTERM)
                if not await _exited(process, TERM_GRACE):
                    _signal_group(process.pid, signal.SIGKILL)
                    await process.wait()
        if self._task is not None:
            await self._task  # the reader ends at EOF once the process is gone
            self._task = None
        self._tidy()

    def kill_now(self) -> None:
        """At server exit, synchronously: no session outlives the server."""
        if self._process is not None and self._process.returncode is None:
            _signal_group(self._process.pid, signal.SIGKILL)
        self._tidy()

    def _tidy(self) -> None:
        shutil.rmtree(self.state_dir, ignore_errors=True)
        if self.work_dir.is_dir() and not any(self.work_dir.iterdir()):
            self.work_dir.rmdir()  # nothing saved: no empty folder left for the teacher


def _bounded(width: object, height: object) -> tuple[int, int]:
    """A terminal size a browser may ask for: a forged 100000x100000 would have the
    session draw a screen that size."""
    def clamp(value: object, low: int, high: int, default: int) -> int:
        return max(low, min(high, value)) if isinstance(value, int) else default
    return clamp(width, 20, MAX_COLUMNS, 80), clamp(height, 8, MAX_ROWS, 24)


async def _exited(process: asyncio.subprocess.Process, timeout: float) -> bool:
    try:
        await asyncio.wait_for(process.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)  # start_new_session made the session leader's pid the group id
    except ProcessLookupError:
        pass
