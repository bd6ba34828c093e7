"""An ``httpx.Client`` made on first use, shared by threads, closable; its GETs fail as ``FetchError``."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from .refresh_cache import FetchError


class LazyClient:
    """Building nothing until the first request keeps the container's start-up free of I/O set-up."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def get(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(**self._options)
            return self._client

    def fetch(self, url: str, **options: Any) -> httpx.Response:
        """``GET url``; a network failure is a ``FetchError`` naming the URL, never a body or a token."""
        try:
            return self.get().get(url, **options)
        except httpx.HTTPError as exc:
            raise FetchError(f"GET {url} failed: {type(exc).__name__}") from None

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
