"""One refresh at a time inside the process: threads, event loops and tasks.

The first caller to find the login stale leads and the others wait for its result,
whether they are threads blocking or tasks awaiting on any event loop: the shared
result is a ``concurrent.futures.Future``, which both can wait on. Across processes
and hosts, the login's backend has its own lock (:mod:`.auth_file`, :mod:`.redis_login_record`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class FlightAbandoned(Exception):
    """The leader was cancelled or interrupted before it finished: a follower leads the next round."""


class SingleFlight(Generic[T]):
    """Shares one in-progress piece of work among every concurrent caller."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._current: Future[T] | None = None
        self._tasks: set[asyncio.Future[None]] = set()

    @property
    def busy(self) -> bool:
        """Someone is doing the work now."""
        return self._current is not None

    def _join(self) -> tuple[Future[T], bool]:
        with self._mutex:
            if self._current is not None:
                return self._current, False
            flight: Future[T] = Future()
            # RUNNING: a cancelled follower (``wrap_future``) must not cancel the shared result.
            flight.set_running_or_notify_cancel()
            self._current = flight
            return flight, True

    def _land(self, flight: Future[T], result: T | None = None, error: BaseException | None = None) -> None:
        with self._mutex:
            if self._current is flight:
                self._current = None
        if error is None:
            flight.set_result(result)  # type: ignore[arg-type]
        else:
            flight.set_exception(error if isinstance(error, Exception) else FlightAbandoned())

    def run(self, work: Callable[[], T], *, wait_seconds: float | None = None) -> tuple[T, bool]:
        """``(result, led)``: the result of this flight, and whether this caller did the work.

        A follower gives up after ``wait_seconds`` (``TimeoutError``): a sync caller on the
        thread of the event loop whose task leads would otherwise wait forever.
        """
        flight, leader = self._join()
        if not leader:
            return flight.result(timeout=wait_seconds), False
        try:
            result = work()
        except BaseException as exc:
            self._land(flight, error=exc)
            raise
        self._land(flight, result)
        return result, True

    async def arun(self, work: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """As :meth:`run`; the leader's work runs as its own task, so cancelling the caller that
        started it (a client hanging up) cannot cut a refresh off between spending the refresh
        token and writing the new one down."""
        flight, leader = self._join()
        if leader:
            task = asyncio.ensure_future(self._alead(flight, work))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await asyncio.wrap_future(flight), leader

    async def _alead(self, flight: Future[T], work: Callable[[], Awaitable[T]]) -> None:
        try:
            result = await work()
        except BaseException as exc:
            self._land(flight, error=exc)
            if not isinstance(exc, Exception):
                raise
            return
        self._land(flight, result)


class FlightRegistry:
    """The flights of one runtime, one per login, shared by every store of that login it builds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, SingleFlight[object]] = {}

    def named(self, name: str) -> SingleFlight[object]:
        """The flight of one login, by any name that identifies where it is kept (a file, a Redis key)."""
        with self._lock:
            return self._flights.setdefault(name, SingleFlight())


UNOWNED_FLIGHTS = FlightRegistry()
"""For stores built outside a runtime (tests, an application's own store); the container passes its own."""


def flight_named(name: str, flights: FlightRegistry | None = None) -> SingleFlight[object]:
    """The flight of one login in ``flights`` (a runtime's), else among the unowned stores."""
    return (flights or UNOWNED_FLIGHTS).named(name)
