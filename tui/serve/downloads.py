"""Files a session hands to its browser (Textual's "Screenshot" command), kept only until
fetched: textual-serve keeps a download that the browser never asks for (a blocked
pop-up, a closed tab) for as long as the server runs, and the session it came from
with it."""
from __future__ import annotations

import asyncio
from typing import AsyncGenerator

from textual_serve.download_manager import DownloadManager

DOWNLOAD_TTL = 60.0  # seconds a download waits for its browser to ask for it


class ExpiringDownloads(DownloadManager):
    def __init__(self, ttl: float = DOWNLOAD_TTL) -> None:
        super().__init__()
        self.ttl = ttl
        self.started: set[str] = set()

    async def create_download(self, **kwargs) -> None:
        await super().create_download(**kwargs)
        key = kwargs["delivery_key"]
        asyncio.get_running_loop().call_later(self.ttl, self._expire, key)

    async def download(self, delivery_key: str) -> AsyncGenerator[bytes, None]:
        self.started.add(delivery_key)
        try:
            async for chunk in super().download(delivery_key):
                yield chunk
        finally:
            self.started.discard(delivery_key)

    def _expire(self, key: str) -> None:
        if key not in self.started:
            self._active_downloads.pop(key, None)

    async def cancel_app_downloads(self, app_service_id: str) -> None:
        """The session ended: its downloads in progress end, the others are dropped."""
        await super().cancel_app_downloads(app_service_id)
        for key, download in list(self._active_downloads.items()):
            if download.app_service.app_service_id == app_service_id and \
                    key not in self.started:
                del self._active_downloads[key]

    def __len__(self) -> int:
        return len(self._active_downloads)
