"""Stopping an export: Ctrl-C, SIGTERM (kill, a shutdown) or SIGHUP (the terminal closed).

Each only sets a flag; the export stops at the next check() (between two frames, or while
it waits for a helper program), so the headless explorer shuts down cleanly (a
KeyboardInterrupt raised inside Textual's event loop leaves its test harness half closed
and prints a traceback) and the caller removes what was started. Helper programs
(rsvg-convert, agg) run in their own session, so the terminal's Ctrl-C reaches only the
export, which stops them and says "interrupted" instead of reporting their failure.
"""
from __future__ import annotations

import signal
import subprocess
import threading
from contextlib import contextmanager
from typing import IO, Any, Callable, Iterator, Sequence

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL = 0.1  # seconds between two looks at the flag while a helper program runs


class Interrupted(Exception):
    """A signal asked the export to stop; `signum` says which."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum  # as a shell reports a process killed by that signal

    def words(self) -> str:
        return "interrupted" if self.signum == signal.SIGINT else \
            f"interrupted by {signal.Signals(self.signum).name}"


_received: int | None = None


def check() -> None:
    """Called between frames: raise Interrupted if a signal came."""
    if _received is not None:
        raise Interrupted(_received)


@contextmanager
def interruptible() -> Iterator[None]:
    """While in it, SIGINT, SIGTERM and SIGHUP set a flag that check() turns into
    Interrupted."""
    global _received

    def received(signum: int, _frame: Any) -> None:
        global _received
        _received = signum

    _received = None
    try:
        previous = {signum: signal.signal(signum, received) for signum in SIGNALS}
    except ValueError:  # not the main thread: signals keep their default
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _received = None


def run_tool(argv: Sequence[str], data: bytes = b"",
             on_stderr: Callable[[str], None] | None = None) -> tuple[int, bytes, str]:
    """Run a helper program with `data` on its stdin: (exit status, stdout, stderr).
    `on_stderr` gets each line (or carriage-return-separated update) of its stderr as it
    comes. A signal to the export stops it and raises Interrupted."""
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    out: list[bytes] = []
    err: list[str] = []
    assert process.stdin and process.stdout and process.stderr
    pumps = [threading.Thread(target=_feed, args=(process.stdin, data), daemon=True),
             threading.Thread(target=_drain, args=(process.stdout, out), daemon=True),
             threading.Thread(target=_lines, args=(process.stderr, err, on_stderr), daemon=True)]
    for pump in pumps:
        pump.start()
    try:
        while True:
            try:
                process.wait(timeout=POLL)
                break
            except subprocess.TimeoutExpired:
                check()
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        for pump in pumps:
            pump.join()
    check()  # a signal while it finished: stop all the same
    return process.returncode, b"".join(out), "".join(err)


def _feed(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
    except OSError:  # it exited without reading everything: its status says why
        pass
    finally:
        try:
            stream.close()
        except OSError:
            pass


def _drain(stream: IO[bytes], into: list[bytes]) -> None:
    for block in iter(lambda: stream.read(1 << 16), b""):
        into.append(block)


def _lines(stream: IO[bytes], into: list[str], each: Callable[[str], None] | None) -> None:
    pending = ""
    for block in iter(lambda: stream.read1(4096), b""):  # type: ignore[attr-defined]
        text = block.decode("utf-8", "replace")
        into.append(text)
        pending += text
        *done, pending = pending.replace("\r", "\n").split("\n")
        if each is not None:
            for line in done:
                if line.strip():
                    each(line)
    if each is not None and pending.strip():
        each(pending)
