"""A keyed cache that keeps network fetches off the request path.

Instructions and the model catalog change a few times a month, yet every request
needs them. So: the first request for a key may wait for one fetch (bounded by
``wait_seconds``); afterwards the memory copy is served at once, and a copy older
than ``ttl_seconds`` is revalidated in the background, at most once per TTL however
many requests arrive. Concurrent cold requests share one fetch.

Fetches run on short-lived daemon threads and hand back ``concurrent.futures``
futures: those can be waited on from any thread and awaited from any event loop
(an asyncio task could only be awaited from the loop that made it, and LiteLLM
users run several loops in one process). A daemon thread never holds up the
interpreter's exit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog

logger = structlog.get_logger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Clock = Callable[[], float]
"""Wall-clock seconds (``time.time``): copies on disk carry the time they were checked."""


class FetchError(Exception):
    """A fetch failed; the message is safe to log (no token, no response body with secrets)."""


@dataclass(frozen=True, slots=True)
class Cached(Generic[V]):
    """A value and the wall-clock time the source last confirmed it."""

    value: V
    checked_at: float


@dataclass(frozen=True, slots=True)
class Lookup(Generic[V]):
    """What a lookup found. ``failed`` means the last attempt to revalidate it failed."""

    value: V
    fresh: bool
    failed: bool


@dataclass(slots=True)
class _Slot(Generic[V]):
    cached: Cached[V] | None = None
    attempted_at: float | None = None
    failed: bool = False
    inflight: concurrent.futures.Future[Cached[V] | None] | None = None
    cold_deadline: float = 0.0
    """Monotonic time until which requests without a copy wait for the in-flight fetch."""


class RefreshingCache(Generic[K, V]):
    """Memory, then ``load`` (the disk copy), then ``fetch`` (the network), per key.

    ``fetch(key, previous)`` gets the copy it may revalidate (an ETag's owner) and
    returns the new copy, or ``None`` when the source has nothing for the key; it
    raises :class:`FetchError` (or anything else) on failure and persists what it got.
    ``load(key)`` reads the disk copy, ``None`` when absent or unusable.
    """

    def __init__(
        self,
        *,
        name: str,
        fetch: Callable[[K, Cached[V] | None], Cached[V] | None],
        load: Callable[[K], Cached[V] | None],
        ttl_seconds: float,
        wait_seconds: float,
        clock: Clock = time.time,
    ) -> None:
        self.name = name
        self._fetch = fetch
        self._load = load
        self.ttl_seconds = ttl_seconds
        self.wait_seconds = wait_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: dict[K, _Slot[V]] = {}

    # -- the request path ---------------------------------------------------------

    def get(self, key: K, *, wait: float | None = None) -> Lookup[V] | None:
        """The copy for ``key``; waits only while a cold fetch for it is under way."""
        future, timeout = self._begin(key, wait)
        if future is not None and timeout > 0:
            concurrent.futures.wait([future], timeout=timeout)
        return self.peek(key)

    async def aget(self, key: K, *, wait: float | None = None) -> Lookup[V] | None:
        future, timeout = self._begin(key, wait)
        if future is not None and timeout > 0:
            await asyncio.wait({asyncio.wrap_future(future)}, timeout=timeout)
        return self.peek(key)

    def peek(self, key: K) -> Lookup[V] | None:
        """The memory copy, without loading, fetching or waiting."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None or slot.cached is None:
                return None
            fresh = self._clock() - slot.cached.checked_at < self.ttl_seconds
            return Lookup(slot.cached.value, fresh=fresh, failed=slot.failed)

    def _begin(self, key: K, wait: float | None) -> tuple[concurrent.futures.Future[Cached[V] | None] | None, float]:
        """Decides, under the lock, whether to load, fetch and wait; returns what to wait on and how long."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot(cached=self._load_quietly(key))
            now = self._clock()
            if slot.cached is not None:
                if now - slot.cached.checked_at >= self.ttl_seconds and self._may_attempt(slot, now):
                    self._start(key, slot, now)
                return None, 0.0
            if slot.inflight is None and self._may_attempt(slot, now):
                self._start(key, slot, now)
                # The fetch's own bound: a caller that asked not to wait does not stop others from waiting.
                slot.cold_deadline = time.monotonic() + self.wait_seconds
            if slot.inflight is None:
                return None, 0.0
            budget = slot.cold_deadline - time.monotonic()
            if wait is not None:
                budget = min(budget, wait)
            return slot.inflight, budget

    def _may_attempt(self, slot: _Slot[V], now: float) -> bool:
        if slot.inflight is not None:
            return False
        return slot.attempted_at is None or now - slot.attempted_at >= self.ttl_seconds

    def _load_quietly(self, key: K) -> Cached[V] | None:
        try:
            return self._load(key)
        except Exception as exc:
            logger.warning("cache_copy_unreadable", cache=self.name, key=str(key), error=type(exc).__name__)
            return None

    # -- the background fetch -----------------------------------------------------

    def _start(self, key: K, slot: _Slot[V], now: float) -> None:
        future: concurrent.futures.Future[Cached[V] | None] = concurrent.futures.Future()
        future.set_running_or_notify_cancel()
        slot.inflight, slot.attempted_at = future, now
        previous = slot.cached
        thread = threading.Thread(
            target=self._run, args=(key, previous, future), name=f"codex-{self.name}-fetch", daemon=True
        )
        thread.start()

    def _run(self, key: K, previous: Cached[V] | None, future: concurrent.futures.Future[Cached[V] | None]) -> None:
        try:
            result = self._fetch(key, previous)
        except Exception as exc:
            self._finish(key, None, failed=True)
            detail = str(exc) if isinstance(exc, FetchError) else type(exc).__name__
            logger.warning(
                "cache_fetch_failed",
                cache=self.name,
                key=str(key),
                error=detail,
                serving="stale copy" if previous is not None else "next source",
            )
            future.set_result(None)  # waiters read the slot; an exception here would go unretrieved
            return
        self._finish(key, result, failed=False)
        future.set_result(result)

    def _finish(self, key: K, result: Cached[V] | None, *, failed: bool) -> None:
        with self._lock:
            slot = self._slots.setdefault(key, _Slot())
            slot.inflight = None
            slot.failed = failed
            if result is not None:
                slot.cached = result
            elif not failed and slot.cached is not None:
                # The source no longer has the key (a 404 after a release moved on): keep
                # serving the copy, but as one whose revalidation did not succeed.
                slot.failed = True

    # -- for tests and shutdown -------------------------------------------------------

    def join(self, timeout: float = 10.0) -> None:
        """Waits until no fetch is in flight (tests use it after a background revalidation)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [s.inflight for s in self._slots.values() if s.inflight is not None]
            if not pending:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: fetch still running after {timeout} s")
            concurrent.futures.wait(pending, timeout=remaining)

    def forget(self, key: K) -> None:
        with self._lock:
            self._slots.pop(key, None)
