"""``RefreshingTokenStore``: a login kept alive, the same way wherever it is kept.

The policy is written once, over a :class:`~.login_snapshot.LoginBackend` (the login
file, a Redis hash). While the cached token is good a call costs at most one cheap
check of the backend (a ``stat``, an ``HMGET``), at most one per
``check_interval_seconds``, so a login someone else refreshed or replaced is picked
up. A stale token is refreshed by one caller in the process while the others wait
(:mod:`.single_flight`), under the backend's lock, which serialises processes and
hosts; the lock holder reads the login again and uses one someone else already
obtained instead of spending the single-use refresh token again. The new login is
written only over the version the refresh started from; a newer login written
meanwhile wins. The refresh runs about once a week, so it is written once,
synchronously: async callers run it in a worker thread, and only the hot path is
native async.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from ..application.logs import get_logger
from ..domain.constants import TOKEN_CACHE_BUFFER_SECONDS
from ..domain.errors import CodexAuthRefreshError, CodexError, CodexTokenStoreUnavailableError
from ..domain.login import is_expired, needs_refresh, refresh_margin
from ..domain.login_errors import expired_login, refresh_contended, refresh_unusable, rejected_login
from ..domain.ports import AuthContext
from .backend_reachability import BackendReachability
from .login_snapshot import LoginBackend, LoginSnapshot
from .login_writer import LoginWriter
from .refresh_options import RefreshPolicy
from .single_flight import FlightAbandoned, SingleFlight, flight_named

if TYPE_CHECKING:
    from typing_extensions import Unpack

logger = get_logger(__name__)

V = TypeVar("V")
T = TypeVar("T")

POLL_SECONDS = 0.1
MAX_ROUNDS = 3
"""Flights a caller joins before it gives up: a leader may be cancelled, or end with the refused token."""


def poll(look: Callable[[], T | None], seconds: float) -> T | None:
    """``look`` until it finds something or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        found = look()
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(POLL_SECONDS)


class RefreshingTokenStore(Generic[V]):
    """The ``TokenStore`` of a login a backend keeps, refreshed before it expires and when refused."""

    def __init__(self, backend: LoginBackend[V], **policy: Unpack[RefreshPolicy]) -> None:
        unknown = sorted(policy.keys() - RefreshPolicy.__optional_keys__)
        if unknown:
            raise TypeError(f"unknown token store option(s): {', '.join(unknown)}")
        self.backend = backend
        self.refresher = policy.get("refresher")
        self.refresh_buffer_seconds = policy.get("refresh_buffer_seconds", TOKEN_CACHE_BUFFER_SECONDS)
        self.check_interval_seconds = policy.get("check_interval_seconds", 1.0)
        self.reused_grace_seconds = policy.get("reused_grace_seconds", 2.0)
        self.retry_backoff_seconds = policy.get("retry_backoff_seconds", 30.0)
        self.unreachable_backoff_seconds = policy.get("unreachable_backoff_seconds", 30.0)
        self._clock = policy.get("clock", time.time)
        flight = policy.get("flight")
        named = flight_named(backend.flight_name, policy.get("flights"))
        self._flight = flight or cast(SingleFlight[AuthContext], named)
        self._cached: LoginSnapshot[V] | None = None
        self._writer = LoginWriter(backend)
        self._checked_at = float("-inf")
        self._backoff_until = float("-inf")
        self._reachability = BackendReachability(backend.where, self.unreachable_backoff_seconds)

    @property
    def cached(self) -> AuthContext | None:
        """The login last read or refreshed, without any I/O; ``None`` before the first call."""
        return self._cached.auth if self._cached else None

    def peek(self) -> LoginSnapshot[V]:
        """The login as it is kept now, read without renewing it (``codex-litellm status``)."""
        return self._current()

    # -- the TokenStore port ------------------------------------------------------------

    def get_auth(self) -> AuthContext:
        cached, due = self._serving()
        if cached is None:
            return self._ensure(None)
        if not due:
            return cached.auth
        return self._checked(cached, self.backend.changed_since(cached)) or self._ensure(None)

    async def aget_auth(self) -> AuthContext:
        cached, due = self._serving()
        if cached is None:
            return await self._aensure(None)
        if not due:
            return cached.auth
        return self._checked(cached, await self.backend.achanged_since(cached)) or await self._aensure(None)

    def force_refresh(self, rejected: AuthContext) -> AuthContext:
        return self._ensure(rejected.access_token)

    async def aforce_refresh(self, rejected: AuthContext) -> AuthContext:
        return await self._aensure(rejected.access_token)

    # -- the hot path ---------------------------------------------------------------------

    def _serving(self) -> tuple[LoginSnapshot[V] | None, bool]:
        """The cached login if it may serve, and whether the backend is due a check."""
        cached = self._cached
        if cached is None or not self._usable(cached, None):
            return None, True
        due = time.monotonic() - self._checked_at >= self.check_interval_seconds and not self._reachability.quiet
        if due and self._writer.unsaved is not None:
            return None, True  # the leader tries the write again
        return cached, due

    def _checked(self, cached: LoginSnapshot[V], changed: bool | None) -> AuthContext | None:
        """After the check: the cached login, or ``None`` when the backend holds another one."""
        if changed is None:  # the backend cannot be reached; the login held here is still good
            self._reachability.failed()
            return cached.auth
        self._reachability.answered()
        if changed:
            return None
        self._checked_at = time.monotonic()
        return cached.auth

    def _usable(self, snapshot: LoginSnapshot[V], rejected: str | None) -> bool:
        """Not the refused token, and not due a refresh (a failed refresh lets a live token serve a while)."""
        auth, now = snapshot.auth, self._clock()
        if auth.access_token == rejected:
            return False
        margin = refresh_margin(self.refresh_buffer_seconds, snapshot.claims, snapshot.login.last_refresh)
        if not needs_refresh(auth.expires_at, now, margin):
            return True
        backing_off = time.monotonic() < self._backoff_until
        return (backing_off or not snapshot.login.refresh_token) and not is_expired(auth.expires_at, now)

    # -- one refresh at a time in the process ------------------------------------------------

    @property
    def _follower_wait_seconds(self) -> float:
        """How long a follower waits for the leader: its lock wait, two grace periods, the call."""
        return self.backend.lock_wait_seconds + 2 * self.reused_grace_seconds + 60.0

    def _still_valid_while_busy(self, rejected: str | None) -> AuthContext | None:
        """A caller whose token is still valid does not wait for another caller's refresh (or its timeout)."""
        cached = self._cached
        if rejected is not None or cached is None or not self._flight.busy:
            return None
        return None if is_expired(cached.auth.expires_at, self._clock()) else cached.auth

    def _ensure(self, rejected: str | None) -> AuthContext:
        if served := self._still_valid_while_busy(rejected):
            return served
        for _ in range(MAX_ROUNDS):
            wait = self._follower_wait_seconds
            try:
                auth, led = self._flight.run(lambda: self._refresh_if_due(rejected), wait_seconds=wait)
            except FlightAbandoned:
                continue
            except TimeoutError:
                raise self.backend.lock_timed_out(wait) from None
            if led or auth.access_token != rejected:
                return auth
        raise refresh_contended(self.backend.where)

    async def _aensure(self, rejected: str | None) -> AuthContext:
        if served := self._still_valid_while_busy(rejected):
            return served
        for _ in range(MAX_ROUNDS):
            try:
                auth, led = await self._flight.arun(lambda: asyncio.to_thread(self._refresh_if_due, rejected))
            except FlightAbandoned:
                continue
            if led or auth.access_token != rejected:
                return auth
        raise refresh_contended(self.backend.where)

    # -- the leader's work -----------------------------------------------------------------------

    def _refresh_if_due(self, rejected: str | None) -> AuthContext:
        """Read; if stale, lock, read again, and refresh only if still nobody has.

        A backend out of reach leaves a login held here that is not yet expired to serve (and
        not asked again for a while): the refresh is tried again when the quiet period ends."""
        try:
            return self._refresh_reachable(rejected)
        except CodexTokenStoreUnavailableError:
            held = self._cached
            if rejected is not None or held is None or is_expired(held.auth.expires_at, self._clock()):
                raise
            self._reachability.failed()
            self._backoff_until = time.monotonic() + self.unreachable_backoff_seconds
            return held.auth

    def _refresh_reachable(self, rejected: str | None) -> AuthContext:
        self._writer.retry()
        snapshot = self._current()
        if self._usable(snapshot, rejected):
            return self._remember(snapshot)
        with self.backend.locked():
            snapshot = self._current()
            if self._usable(snapshot, rejected):
                return self._remember(snapshot, note="codex_login_refreshed_elsewhere")
            spent = self._spendable(snapshot, rejected)
            if self.refresher is None:
                raise CodexAuthRefreshError("this token store has no refresh client configured", code="no_refresher")
            try:
                answer = self.refresher.refresh(spent)
            except CodexAuthRefreshError as exc:
                return self._remember(self._recover(exc, snapshot, rejected, spent))
            return self._remember(self._kept(snapshot, answer, spent))

    def _kept(self, snapshot: LoginSnapshot[V], answer: dict[str, Any], spent: str) -> LoginSnapshot[V]:
        """Write the refreshed login; from an answer that makes no usable login, only its new refresh token."""
        now = self._clock()
        why = self._writer.unusable(snapshot, answer, now)
        if why is None:
            self._backoff_until = float("-inf")
            return self._writer.write_back(snapshot, answer, spent, now)
        rotated = {name: answer[name] for name in ("refresh_token",) if isinstance(answer.get(name), str)}
        if rotated:  # the spent token is gone: the new one must be kept, with the old access token
            self._writer.write_back(snapshot, rotated, spent, now)
        self._backoff_until = time.monotonic() + self.retry_backoff_seconds
        raise refresh_unusable(self.backend.where, why)

    def _current(self) -> LoginSnapshot[V]:
        """The login as it stands: one held only in memory is newer than the one the backend still has."""
        unsaved = self._writer.unsaved
        return unsaved.snapshot if unsaved is not None else self.backend.snapshot()

    def _spendable(self, snapshot: LoginSnapshot[V], rejected: str | None) -> str:
        """The refresh token to spend; a login without one must be signed in again."""
        if snapshot.login.refresh_token:
            return snapshot.login.refresh_token
        where = self.backend.where
        raise rejected_login(where) if rejected is not None else expired_login(where)

    def _remember(self, snapshot: LoginSnapshot[V], note: str | None = None) -> AuthContext:
        """Serve ``snapshot`` from now on; a changed token is logged (never the token itself)."""
        previous, self._cached = self._cached, snapshot
        self._checked_at = time.monotonic()
        if note or (previous and previous.auth.access_token != snapshot.auth.access_token):
            logger.info(note or "codex_login_reloaded", where=self.backend.where, expires_at=snapshot.auth.expires_at)
        return snapshot.auth

    def _recover(
        self, error: CodexAuthRefreshError, snapshot: LoginSnapshot[V], rejected: str | None, spent: str
    ) -> LoginSnapshot[V]:
        """After a failed refresh: a login another program wrote, else the live token, else the error."""
        if error.code == "refresh_token_reused":
            # Another program (often the Codex CLI, or another host) may be writing the new login now.
            other = poll(lambda: self._changed_login(spent), self.reused_grace_seconds)
            if other is not None:
                logger.info("codex_login_refreshed_elsewhere", where=self.backend.where)
                return other
        elif error.transient:
            self._backoff_until = time.monotonic() + self.retry_backoff_seconds
            if rejected is None and not is_expired(snapshot.auth.expires_at, self._clock()):
                logger.warning("codex_login_refresh_deferred", code=error.code, expires_at=snapshot.auth.expires_at)
                return snapshot
        raise error

    def _changed_login(self, spent: str) -> LoginSnapshot[V] | None:
        try:
            snapshot = self.backend.snapshot()
        except CodexError:  # the other program may be mid-write: look again
            return None
        changed = snapshot.login.refresh_token != spent
        return snapshot if changed and not is_expired(snapshot.auth.expires_at, self._clock()) else None
