"""One refresh at a time: inside the process (threads, event loops, tasks) and across processes.

Inside the process, the first caller to find the login stale leads and the others
wait for its result, whether they are threads blocking or tasks awaiting on any
event loop: the shared result is a ``concurrent.futures.Future``, which both can
wait on. Across processes, a ``filelock`` lock file beside ``auth.json`` serialises
the leaders; the async path waits for it in a worker thread, never on the loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from filelock import FileLock, Timeout

from ..domain.errors import CodexAuthRefreshError
from ..domain.login_errors import expired_login, lock_timeout, lock_unavailable, refresh_contended, rejected_login
from ..domain.ports import AuthContext

T = TypeVar("T")


class FlightAbandoned(Exception):
    """The leader was cancelled or interrupted before it finished: a follower leads the next round."""


class SingleFlight(Generic[T]):
    """Shares one in-progress piece of work among every concurrent caller."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._current: Future[T] | None = None
        self._tasks: set[asyncio.Future[None]] = set()

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

    def for_path(self, path: Path) -> SingleFlight[object]:
        """The flight of one login file."""
        return self.named(str(path.expanduser().absolute()))

    def named(self, name: str) -> SingleFlight[object]:
        """The flight of one login, by any name that identifies where it is kept."""
        with self._lock:
            return self._flights.setdefault(name, SingleFlight())


UNOWNED_FLIGHTS = FlightRegistry()
"""For stores built outside a runtime (tests, an application's own store); the container passes its own."""


def flight_for(path: Path, flights: FlightRegistry | None = None) -> SingleFlight[object]:
    """The flight of one login file in ``flights`` (a runtime's), else among the unowned stores."""
    return (flights or UNOWNED_FLIGHTS).for_path(path)


def flight_named(name: str, flights: FlightRegistry | None = None) -> SingleFlight[object]:
    """As :func:`flight_for`, for a login kept elsewhere than in a file (a Redis key)."""
    return (flights or UNOWNED_FLIGHTS).named(name)


def lock_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def new_file_lock(path: Path) -> FileLock:
    """A fresh lock object per use: each holds its own descriptor, so two in one process exclude each other."""
    return FileLock(lock_path_for(path), mode=0o600, thread_local=False)


def acquire(lock: FileLock, timeout: float) -> None:
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise lock_timeout(Path(lock.lock_file), timeout) from None
    except OSError as exc:
        raise lock_unavailable(Path(lock.lock_file), exc.strerror or type(exc).__name__) from None


async def aacquire(lock: FileLock, wait_seconds: float) -> None:
    """Wait for the lock in a worker thread; a cancelled waiter releases it as soon as it is taken."""
    waiter = asyncio.ensure_future(asyncio.to_thread(acquire, lock, wait_seconds))
    try:
        await asyncio.shield(waiter)
    except asyncio.CancelledError:
        waiter.add_done_callback(lambda done: _release_if_taken(lock, done))
        raise


def _release_if_taken(lock: FileLock, done: asyncio.Future[None]) -> None:
    if not done.cancelled() and done.exception() is None:
        lock.release()


class LoginRefresher(Protocol):
    """The OAuth refresh call (``OAuthRefreshClient``); raises ``CodexAuthRefreshError``."""

    def refresh(self, refresh_token: str) -> dict[str, Any]: ...

    async def arefresh(self, refresh_token: str) -> dict[str, Any]: ...


class RefreshFlight:
    """The in-process half of a token store's refresh, shared by the file and Redis stores.

    A store provides ``_flight``, ``_settle``/``_asettle`` (the leader's work: lock,
    re-read, refresh, write), ``_patience`` (how long a follower waits), ``_where``
    (the login's location, for messages) and ``_waited_too_long()``. A round whose
    leader was cancelled is tried again, a bounded number of times; a login that
    still equals the refused one after a round someone else led means another round.
    """

    _MAX_ROUNDS = 3
    _flight: SingleFlight[AuthContext]
    refresher: LoginRefresher | None

    @property
    def _patience(self) -> float:
        raise NotImplementedError

    @property
    def _where(self) -> Path | str:
        raise NotImplementedError

    def _waited_too_long(self) -> Exception:
        raise NotImplementedError

    def _settle(self, rejected: str | None) -> AuthContext:
        raise NotImplementedError

    async def _asettle(self, rejected: str | None) -> AuthContext:
        raise NotImplementedError

    def _require_refresher(self) -> LoginRefresher:
        if self.refresher is None:
            raise CodexAuthRefreshError("this token store has no refresh client configured", code="no_refresher")
        return self.refresher

    def _spendable(self, refresh_token: str | None, rejected: str | None) -> str:
        """The refresh token to spend; a login without one must be signed in again."""
        if refresh_token:
            return refresh_token
        raise rejected_login(self._where) if rejected is not None else expired_login(self._where)

    def _ensure(self, rejected: str | None) -> AuthContext:
        for _ in range(self._MAX_ROUNDS):
            try:
                auth, led = self._flight.run(lambda: self._settle(rejected), wait_seconds=self._patience)
            except FlightAbandoned:
                continue
            except TimeoutError:
                raise self._waited_too_long() from None
            if led or auth.access_token != rejected:
                return auth
        raise refresh_contended(self._where)

    async def _aensure(self, rejected: str | None) -> AuthContext:
        for _ in range(self._MAX_ROUNDS):
            try:
                auth, led = await self._flight.arun(lambda: self._asettle(rejected))
            except FlightAbandoned:
                continue
            if led or auth.access_token != rejected:
                return auth
        raise refresh_contended(self._where)
