"""``PerLoop``: one async client per event loop, closed when its loop shuts down.

An async client's connections belong to the loop that opened them, and LiteLLM users
run several loops in one process (``asyncio.run`` per call, the proxy's own loop,
threads with loops of their own). So each loop gets its own client.

``asyncio.run`` (and uvicorn, and pytest-asyncio) finalise every unfinished async
generator of a loop before closing it. Each client is handed to such a generator, which
waits for that moment: the client is closed inside its own loop and leaves the registry,
instead of being found unclosed by the garbage collector (aiohttp's session says so out
loud) or keeping its dead loop alive. A loop closed by hand without finalising is
dropped from the registry the next time a client is made.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Generic, TypeVar

Client = TypeVar("Client")


class PerLoop(Generic[Client]):
    """Makes a client per running event loop with ``make``, and closes it with ``close``."""

    def __init__(self, make: Callable[[], Client], close: Callable[[Client], Awaitable[object]]) -> None:
        self._make = make
        self._close = close
        self._held: dict[asyncio.AbstractEventLoop, tuple[Client, AsyncIterator[None]]] = {}
        self._lock = threading.Lock()  # loops in other threads make and drop their own clients

    async def get(self) -> Client:
        """The running loop's client, made on its first use there."""
        loop = asyncio.get_running_loop()
        held = self._held.get(loop)
        if held is None:
            client = self._make()
            closer = self._closed_with(loop, client)
            await anext(closer)  # runs to its ``yield`` at once: no other task can make a second client
            with self._lock:
                for stale in [other for other in self._held if other.is_closed()]:
                    del self._held[stale]
                held = self._held[loop] = (client, closer)  # a loop keeps only weak references to its generators
        return held[0]

    def __len__(self) -> int:
        return len(self._held)

    async def _closed_with(self, loop: asyncio.AbstractEventLoop, client: Client) -> AsyncIterator[None]:
        try:
            yield
        finally:
            with self._lock:
                self._held.pop(loop, None)
            await self._close(client)
