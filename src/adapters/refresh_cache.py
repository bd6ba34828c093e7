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

from ..application.logs import get_logger

logger = get_logger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)

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
class Lookup(Generic[V_co]):
    """What a lookup found. ``failed`` means the last attempt to revalidate it failed."""

    value: V_co
    fresh: bool
    failed: bool


@dataclass(slots=True)
class _Slot(Generic[V]):
    cached: Cached[V] | None = None
    attempted_at: float | None = None
    """Wall time of the last network attempt; ``None`` before the first."""
    failed: bool = False
    ready: concurrent.futures.Future[None] | None = None
    """Set once the first job found a copy on disk or finished: what cold requests wait on."""
    done: concurrent.futures.Future[None] | None = None
    """The running job, until it ends: one at a time per key."""
    cold_deadline: float = 0.0
    """Monotonic time until which requests without a copy wait for the first job."""


Job = concurrent.futures.Future[None]


class RefreshingCache(Generic[K, V]):
    """Memory, then ``load`` (the disk copy), then ``fetch`` (the network), per key.

    ``fetch(key, previous)`` gets the copy it may revalidate (an ETag's owner) and
    returns the new copy, or ``None`` when the source has nothing for the key; it
    raises :class:`FetchError` (or anything else) on failure and persists what it got.
    ``load(key)`` reads the disk copy, ``None`` when absent or unusable. Both run on
    the background thread: the disk copy of the catalog is checked against the login,
    which a request thread or an event loop should not wait for.
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
        """The copy for ``key``; waits (at most ``wait`` seconds) only while a cold key's first job runs."""
        ready, timeout = self._begin(key, wait)
        if ready is not None and timeout > 0:
            concurrent.futures.wait([ready], timeout=timeout)
        return self.peek(key)

    async def aget(self, key: K, *, wait: float | None = None) -> Lookup[V] | None:
        ready, timeout = self._begin(key, wait)
        if ready is not None and timeout > 0:
            await asyncio.wait({asyncio.wrap_future(ready)}, timeout=timeout)
        return self.peek(key)

    def peek(self, key: K) -> Lookup[V] | None:
        """The memory copy, without loading, fetching or waiting."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None or slot.cached is None:
                return None
            fresh = self._fresh(slot.cached, self._clock())
            return Lookup(slot.cached.value, fresh=fresh, failed=slot.failed)

    def _begin(self, key: K, wait: float | None) -> tuple[Job | None, float]:
        """Decides, under the lock, whether to start a job and whether to wait; no I/O here."""
        with self._lock:
            now = self._clock()
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
                self._start(key, slot, load_first=True)
                # The job's own bound: a caller that asked not to wait does not stop others from waiting.
                slot.cold_deadline = time.monotonic() + self.wait_seconds
            elif slot.cached is not None:
                if not self._fresh(slot.cached, now) and self._may_attempt(slot, now):
                    self._start(key, slot, load_first=False)
                return None, 0.0
            elif self._may_attempt(slot, now):
                # A retry after a failed first fetch runs in the background: only the first request waits.
                self._start(key, slot, load_first=False)
            if slot.ready is None or slot.ready.done():
                return None, 0.0
            budget = slot.cold_deadline - time.monotonic()
            return slot.ready, budget if wait is None else min(budget, wait)

    def _fresh(self, cached: Cached[V], now: float) -> bool:
        """A copy checked "in the future" (another machine's clock, an edited file) is not fresh."""
        return 0 <= now - cached.checked_at < self.ttl_seconds

    def _may_attempt(self, slot: _Slot[V], now: float) -> bool:
        if slot.done is not None:
            return False
        return slot.attempted_at is None or now - slot.attempted_at >= self.ttl_seconds

    # -- the background job ---------------------------------------------------------

    def _start(self, key: K, slot: _Slot[V], *, load_first: bool) -> None:
        slot.ready, slot.done = _running(), _running()
        if not load_first:
            slot.attempted_at = self._clock()
        thread = threading.Thread(
            target=self._run,
            args=(key, slot.cached, slot.ready, slot.done, load_first),
            name=f"codex-{self.name}-fetch",
            daemon=True,
        )
        thread.start()

    def _run(self, key: K, previous: Cached[V] | None, ready: Job, done: Job, load_first: bool) -> None:
        try:
            if load_first and (loaded := self._load_quietly(key)) is not None:
                previous = loaded
                with self._lock:
                    slot = self._slots.setdefault(key, _Slot())
                    slot.cached, slot.failed = loaded, False
                    fresh = self._fresh(loaded, self._clock())
                    if fresh:
                        slot.done = None
                    else:
                        slot.attempted_at = self._clock()
                ready.set_result(None)
                if fresh:
                    return
            elif load_first:
                with self._lock:
                    self._slots.setdefault(key, _Slot()).attempted_at = self._clock()
            self._refresh(key, previous)
        finally:
            with self._lock:
                slot = self._slots.setdefault(key, _Slot())
                if slot.done is done:
                    slot.done = None
            for job in (ready, done):
                if not job.done():
                    job.set_result(None)  # waiters read the slot; an exception would go unretrieved

    def _load_quietly(self, key: K) -> Cached[V] | None:
        try:
            return self._load(key)
        except Exception as exc:
            logger.warning("cache_copy_unreadable", cache=self.name, key=str(key), error=type(exc).__name__)
            return None

    def _refresh(self, key: K, previous: Cached[V] | None) -> None:
        try:
            result = self._fetch(key, previous)
        except Exception as exc:
            detail = str(exc) if isinstance(exc, FetchError) else type(exc).__name__
            logger.warning(
                "cache_fetch_failed",
                cache=self.name,
                key=str(key),
                error=detail,
                serving="stale copy" if previous is not None else "next source",
            )
            result, failed = None, True
        else:
            failed = False
        with self._lock:
            slot = self._slots.setdefault(key, _Slot())
            slot.failed = failed
            if result is not None:
                slot.cached = result
            elif slot.cached is not None:
                # Failed, or the source no longer has the key (a 404 after a release moved
                # on): keep serving the copy, as one whose revalidation did not succeed.
                slot.failed = True

    # -- for tests and shutdown -------------------------------------------------------

    def join(self, timeout: float = 10.0) -> None:
        """Waits until no fetch is in flight (tests use it after a background revalidation)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [s.done for s in self._slots.values() if s.done is not None]
            if not pending:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{self.name}: fetch still running after {timeout} s")
            concurrent.futures.wait(pending, timeout=remaining)


def _running() -> Job:
    job: Job = concurrent.futures.Future()
    job.set_running_or_notify_cancel()
    return job
