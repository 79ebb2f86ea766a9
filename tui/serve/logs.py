"""What the teacher's terminal shows: one line per event, never a traceback.

A browser (or a script posing as one) can make the server fail in many small ways: a
malformed request, a message that is not JSON, a connection reset mid-reply. Each is
one line naming what happened; the same line again and again is shown once with a
count, so that a flood cannot scroll the class's log away. Nothing here imports on
first use: out of file descriptors, an import would fail too.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any, TextIO

log = logging.getLogger("textual-serve")  # textual-serve's own messages come here too
LOGGERS = ("textual-serve", "aiohttp.server", "aiohttp.web", "aiohttp.websocket", "asyncio")


def one_line(record: logging.LogRecord) -> str:
    """The record's message, with its exception (if any) as `Type: message`."""
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        detail = f"{type(error).__name__}: {error}".strip().rstrip(":")
        text = f"{text}: {detail}" if text else detail
    return " ".join(text.split())  # newlines in a message would start a forged log line


class OneLineHandler(logging.Handler):
    """Each record as one line on `stream`; repeats of a line are counted, not shown."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.last: str | None = None
        self.repeats = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = one_line(record)
            if line == self.last:
                self.repeats += 1
                return
            self._repeats_said()
            self.last = line
            self.stream.write(line + "\n")
            self.stream.flush()
        except Exception:  # a log line must never take the server down
            pass

    def _repeats_said(self) -> None:
        if self.repeats:
            self.stream.write(f"  (and {self.repeats} more like the line above)\n")
            self.repeats = 0

    def close(self) -> None:  # at exit: the count of the last line's repeats, if any
        try:
            self._repeats_said()
            self.stream.flush()
        except Exception:
            pass
        super().close()


def setup(stream: TextIO = sys.stdout) -> None:
    handler = OneLineHandler(stream)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        logger.setLevel(logging.INFO)
    # aiohttp reports each malformed request as an error with its traceback: one line
    # at most, and the client's fault, not the server's
    logging.getLogger("aiohttp.server").setLevel(logging.WARNING)


def loop_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's exception handler: one line, whatever failed."""
    error = context.get("exception")
    message = context.get("message", "error in the event loop")
    if message.startswith("socket.accept() out of system resource"):
        # asyncio tries again every second: one cause, said as such (repeats are counted)
        log.error("objcg-lab serve: out of file descriptors (%s): new connections wait "
                  "until some close", error)
        return
    if error is not None:
        message = f"{message}: {type(error).__name__}: {error}"
    log.error("%s", message)
