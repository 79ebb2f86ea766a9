"""Input on its way from a tab to its session: bounded, so that a browser (or a script
posing as one) sending faster than the session reads cannot make the server hold it.

A person types a few keys a second and pastes a line now and then; the session reads
them as they come. What arrives while more than MAX_QUEUED_BYTES or MAX_QUEUED_PACKETS
already wait is dropped (and said once in the log). The session process is bounded
too: tui/serve/driver.py stops reading its stdin while the app has a backlog.
"""
from __future__ import annotations

import asyncio
from collections import deque

MAX_MESSAGE_BYTES = 64 * 1024  # one websocket message: a key, a paste of a line or two
MAX_QUEUED_BYTES = 64 * 1024
MAX_QUEUED_PACKETS = 256
WRITE_TIMEOUT = 20.0  # seconds a session may leave its input unread before it is ended


class InputQueue:
    """Packets for the session's stdin, in order, within bounds."""

    def __init__(self, max_bytes: int = MAX_QUEUED_BYTES,
                 max_packets: int = MAX_QUEUED_PACKETS) -> None:
        self.max_bytes, self.max_packets = max_bytes, max_packets
        self.packets: deque[bytes] = deque()
        self.size = 0
        self.dropped = 0  # packets refused since the session started
        self.ready = asyncio.Event()

    def put(self, packet: bytes) -> bool:
        """Queue `packet`; False (and counted in `dropped`) when it does not fit."""
        if len(self.packets) >= self.max_packets or self.size + len(packet) > self.max_bytes:
            self.dropped += 1
            return False
        self.packets.append(packet)
        self.size += len(packet)
        self.ready.set()
        return True

    async def get(self) -> bytes:
        while not self.packets:
            self.ready.clear()
            await self.ready.wait()
        packet = self.packets.popleft()
        self.size -= len(packet)
        return packet

    def __len__(self) -> int:
        return len(self.packets)
