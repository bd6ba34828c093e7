"""``CodexAuthFileTokenStore``: the login the Codex CLI keeps in ``auth.json``, kept alive.

While the cached token is good, a call costs at most one ``stat`` of the file (and
at most one per ``check_interval_seconds``) so a login the Codex CLI refreshed or
replaced is picked up. A stale token is refreshed by one caller in the process
while the others wait (:mod:`.single_flight`), under a lock file that serialises
processes; the leader re-reads the file under the lock and uses a token someone
else already obtained instead of spending the single-use refresh token again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from ..application.logs import get_logger
from ..domain.constants import TOKEN_CACHE_BUFFER_SECONDS
from ..domain.errors import CodexAuthRefreshError
from ..domain.login import (
    answer_expiry,
    is_expired,
    merge_refresh,
    read_login,
)
from ..domain.login_errors import lock_timeout
from ..domain.ports import AuthContext
from .login_document import (
    FileSignature,
    LoginFile,
    current_signature,
    decode_claims,
    read_login_file,
    write_login_file,
)
from .login_reading import Reading as _Reading
from .login_reading import apoll, poll, still_usable, understand
from .single_flight import (
    FlightRegistry,
    LoginRefresher,
    RefreshFlight,
    SingleFlight,
    aacquire,
    acquire,
    flight_for,
    lock_path_for,
    new_file_lock,
)

logger = get_logger(__name__)


class CodexAuthFileTokenStore(RefreshFlight):
    """The ``TokenStore`` of a login file shared with the Codex CLI and other processes."""

    def __init__(
        self,
        path: Path,
        *,
        refresher: LoginRefresher | None = None,
        refresh_buffer_seconds: float = TOKEN_CACHE_BUFFER_SECONDS,
        clock: Callable[[], float] = time.time,
        check_interval_seconds: float = 1.0,
        lock_timeout_seconds: float = 60.0,
        reused_grace_seconds: float = 2.0,
        retry_backoff_seconds: float = 30.0,
        flights: FlightRegistry | None = None,
    ) -> None:
        self.path = Path(path)
        self.refresher = refresher
        self.refresh_buffer_seconds = refresh_buffer_seconds
        self.check_interval_seconds = check_interval_seconds
        self.lock_timeout_seconds = lock_timeout_seconds
        self.reused_grace_seconds = reused_grace_seconds
        self.retry_backoff_seconds = retry_backoff_seconds
        self._clock = clock
        self._flight = cast(SingleFlight[AuthContext], flight_for(self.path, flights))
        self._cached: _Reading | None = None
        self._signature: FileSignature | None = None
        self._checked_at = float("-inf")
        self._backoff_until = float("-inf")

    def __repr__(self) -> str:
        return f"CodexAuthFileTokenStore(path={str(self.path)!r})"

    @property
    def _patience(self) -> float:
        return self.lock_timeout_seconds + 2 * self.reused_grace_seconds + 60.0

    @property
    def _where(self) -> Path:
        return self.path

    def _waited_too_long(self) -> Exception:
        return lock_timeout(lock_path_for(self.path), self._patience)

    @property
    def cached(self) -> AuthContext | None:
        """The login last read or refreshed, without any I/O; ``None`` before the first call."""
        return self._cached.auth if self._cached else None

    # -- the TokenStore port ----------------------------------------------------------

    def get_auth(self) -> AuthContext:
        return self._cache_hit() or self._ensure(None)

    async def aget_auth(self) -> AuthContext:
        return self._cache_hit() or await self._aensure(None)

    def force_refresh(self, rejected: AuthContext) -> AuthContext:
        return self._ensure(rejected.access_token)

    async def aforce_refresh(self, rejected: AuthContext) -> AuthContext:
        return await self._aensure(rejected.access_token)

    # -- the hot path ------------------------------------------------------------------

    def _cache_hit(self) -> AuthContext | None:
        cached = self._cached
        if cached is None or not self._usable(cached, None, self._clock()):
            return None
        now = time.monotonic()
        if now - self._checked_at >= self.check_interval_seconds:
            if current_signature(self.path) != self._signature:
                return None
            self._checked_at = now
        return cached.auth

    def _usable(self, reading: _Reading, rejected: str | None, now: float) -> bool:
        """Not the refused token, and not due a refresh (a failed refresh lets a live token serve a while)."""
        return still_usable(
            reading.auth,
            reading.margin,
            can_refresh=bool(reading.file.login.refresh_token),
            rejected=rejected,
            now=now,
            backing_off=time.monotonic() < self._backoff_until,
        )

    # -- single flight -----------------------------------------------------------------

    # -- the leader's work, sync and async -----------------------------------------------

    def _settle(self, rejected: str | None) -> AuthContext:
        reading = self._read()
        if self._usable(reading, rejected, self._clock()):
            return self._adopt(reading)
        lock = new_file_lock(self.path)
        acquire(lock, self.lock_timeout_seconds)
        try:
            reading = self._read()
            if self._usable(reading, rejected, self._clock()):
                return self._adopt(reading, note="codex_login_refreshed_elsewhere")
            refresh_token = self._refresh_token(reading, rejected)
            try:
                answer = self._require_refresher().refresh(refresh_token)
            except CodexAuthRefreshError as exc:
                return self._recover(exc, reading, rejected, lambda: self._poll_reused(refresh_token))
            return self._write_back(reading, answer)
        finally:
            lock.release()

    async def _asettle(self, rejected: str | None) -> AuthContext:
        reading = await asyncio.to_thread(self._read)
        if self._usable(reading, rejected, self._clock()):
            return self._adopt(reading)
        lock = new_file_lock(self.path)
        await aacquire(lock, self.lock_timeout_seconds)
        try:
            reading = await asyncio.to_thread(self._read)
            if self._usable(reading, rejected, self._clock()):
                return self._adopt(reading, note="codex_login_refreshed_elsewhere")
            refresh_token = self._refresh_token(reading, rejected)
            try:
                answer = await self._require_refresher().arefresh(refresh_token)
            except CodexAuthRefreshError as exc:
                recovered = await self._apoll_reused(refresh_token) if exc.code == "refresh_token_reused" else None
                return self._recover(exc, reading, rejected, lambda: recovered)
            return await asyncio.to_thread(self._write_back, reading, answer)
        finally:
            lock.release()

    # -- shared pieces ---------------------------------------------------------------------

    def _read(self) -> _Reading:
        return self._understand(read_login_file(self.path))

    def _understand(self, file: LoginFile) -> _Reading:
        return understand(file, self.path, self.refresh_buffer_seconds)

    def _adopt(self, reading: _Reading, note: str | None = None) -> AuthContext:
        previous = self._cached
        self._cached, self._signature = reading, reading.file.signature
        self._checked_at = time.monotonic()
        if note or (previous and previous.auth.access_token != reading.auth.access_token):
            logger.info(note or "codex_login_reloaded", path=str(self.path), expires_at=reading.auth.expires_at)
        return reading.auth

    def _refresh_token(self, reading: _Reading, rejected: str | None) -> str:
        return self._spendable(reading.file.login.refresh_token, rejected)

    def _write_back(self, reading: _Reading, answer: dict[str, Any]) -> AuthContext:
        """Write first, check after: the old refresh token is spent, so the new one must reach the file."""
        now = self._clock()
        claims = decode_claims(str(answer["access_token"])) or {}
        exp = claims.get("exp")
        expires_at = float(exp) if isinstance(exp, int | float) else answer_expiry(answer, now)
        file = reading.file
        document = merge_refresh(file.document, file.login.shape, answer, now=now, expires_at=expires_at)
        self._backoff_until = float("-inf")
        try:
            write_login_file(self.path, document, file.style, file.mode)
        except OSError as exc:
            # The new login lives on in this process; the file keeps the spent one.
            logger.error("codex_login_write_failed", path=str(self.path), error=exc.strerror or type(exc).__name__)
            kept = LoginFile(document, read_login(document), claims, file.style, file.signature, file.mode)
            return self._adopt(self._understand(kept), note="codex_login_refreshed_in_memory_only")
        return self._adopt(self._read(), note="codex_login_refreshed")

    def _recover(
        self,
        error: CodexAuthRefreshError,
        reading: _Reading,
        rejected: str | None,
        reread: Callable[[], _Reading | None],
    ) -> AuthContext:
        """After a failed refresh: a login another program wrote, else the live token, else the error."""
        if error.code == "refresh_token_reused":
            other = reread()
            if other is not None:
                return self._adopt(other, note="codex_login_refreshed_elsewhere")
        elif error.transient:
            self._backoff_until = time.monotonic() + self.retry_backoff_seconds
            if rejected is None and not is_expired(reading.auth.expires_at, self._clock()):
                logger.warning("codex_login_refresh_deferred", code=error.code, expires_at=reading.auth.expires_at)
                return self._adopt(reading)
        raise error

    def _changed_login(self, spent: str) -> _Reading | None:
        try:
            reading = self._read()
        except Exception:  # the other program may be mid-write: look again
            return None
        changed = reading.file.login.refresh_token != spent
        return reading if changed and not is_expired(reading.auth.expires_at, self._clock()) else None

    def _poll_reused(self, spent: str) -> _Reading | None:
        """``refresh_token_reused``: another program (often the Codex CLI) may be writing the new login."""
        return poll(lambda: self._changed_login(spent), self.reused_grace_seconds)

    async def _apoll_reused(self, spent: str) -> _Reading | None:
        return await apoll(lambda: asyncio.to_thread(self._changed_login, spent), self.reused_grace_seconds)
