"""``RedisTokenStore``: one login shared by every process on every host, kept alive in Redis.

A login file per host cannot work for replicas: the refresh token rotates, so two
hosts refreshing the same login lose it. Here the login lives in one Redis hash
(:mod:`.redis_login_record`). Each call checks the stored version (one ``HGET``), so
every host uses a refreshed login from its next request. A stale login is refreshed
by one caller per process (:mod:`.single_flight`) under a Redis lock with a timeout,
so one host at a time; the lock holder re-reads the login first (the fencing check)
and uses a login another host already obtained without calling the endpoint; the new
login is written only if the version is still the one it read (compare-and-set), so a
host that stalled past its lock cannot overwrite a newer login with an older one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

from ..application.logs import get_logger
from ..domain.constants import TOKEN_CACHE_BUFFER_SECONDS
from ..domain.errors import CodexAuthRefreshError, CodexTokenStoreUnavailableError
from ..domain.login import answer_expiry, is_expired, merge_refresh
from ..domain.login_errors import store_lock_timeout
from ..domain.ports import AuthContext
from .login_document import decode_claims
from .login_reading import apoll, poll, still_usable
from .redis_login_record import DOCUMENT, RedisLoginHash, StoredRecord, encode, parse_record, redacted
from .single_flight import FlightRegistry, LoginRefresher, RefreshFlight, SingleFlight, flight_named

logger = get_logger(__name__)


class RedisTokenStore(RefreshFlight):
    """The ``TokenStore`` of a login kept in Redis under ``key``, shared by every replica."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        refresher: LoginRefresher | None = None,
        refresh_buffer_seconds: float = TOKEN_CACHE_BUFFER_SECONDS,
        clock: Callable[[], float] = time.time,
        check_interval_seconds: float = 0.0,
        lock_timeout_seconds: float = 60.0,
        lock_wait_seconds: float = 90.0,
        reused_grace_seconds: float = 5.0,
        retry_backoff_seconds: float = 30.0,
        socket_timeout_seconds: float = 5.0,
        flight: SingleFlight[AuthContext] | None = None,
        flights: FlightRegistry | None = None,
    ) -> None:
        self.url, self.key = url, key
        self.refresher = refresher
        self.refresh_buffer_seconds = refresh_buffer_seconds
        self.check_interval_seconds = check_interval_seconds
        self.lock_timeout_seconds = lock_timeout_seconds
        self.lock_wait_seconds = lock_wait_seconds
        self.reused_grace_seconds = reused_grace_seconds
        self.retry_backoff_seconds = retry_backoff_seconds
        self._clock = clock
        self.hash = RedisLoginHash(
            url, key, buffer_seconds=refresh_buffer_seconds, socket_timeout_seconds=socket_timeout_seconds
        )
        self.where = self.hash.where
        self._flight = flight or cast(SingleFlight[AuthContext], flight_named(f"redis:{redacted(url)}/{key}", flights))
        self._cached: StoredRecord | None = None
        self._unsaved: StoredRecord | None = None
        """A login refreshed while Redis could not take the write: saved at the next chance."""
        self._checked_at = float("-inf")
        self._backoff_until = float("-inf")

    def __repr__(self) -> str:
        return f"RedisTokenStore(url={redacted(self.url)!r}, key={self.key!r})"

    @property
    def cached(self) -> AuthContext | None:
        return self._cached.auth if self._cached else None

    # -- the TokenStore port ----------------------------------------------------------

    def get_auth(self) -> AuthContext:
        cached = self._fresh_cached()
        if cached is not None:
            if not self._check_due():
                return cached.auth
            try:
                if self._unsaved is not None:
                    saved = self._saved(self.hash.compare_and_set(self._unsaved.version, self._unsaved.document))
                    if saved is not None:
                        return saved
                elif self.hash.version() == cached.version:
                    return self._confirmed(cached)
            except CodexTokenStoreUnavailableError:
                return self._store_down(cached)
        return self._ensure(None)

    async def aget_auth(self) -> AuthContext:
        cached = self._fresh_cached()
        if cached is not None:
            if not self._check_due():
                return cached.auth
            try:
                if self._unsaved is not None:
                    unsaved = self._unsaved
                    saved = self._saved(await self.hash.acompare_and_set(unsaved.version, unsaved.document))
                    if saved is not None:
                        return saved
                elif await self.hash.aversion() == cached.version:
                    return self._confirmed(cached)
            except CodexTokenStoreUnavailableError:
                return self._store_down(cached)
        return await self._aensure(None)

    def force_refresh(self, rejected: AuthContext) -> AuthContext:
        return self._ensure(rejected.access_token)

    async def aforce_refresh(self, rejected: AuthContext) -> AuthContext:
        return await self._aensure(rejected.access_token)

    # -- seeding and exporting (the CLI) ------------------------------------------------

    def import_login(self, document: dict[str, Any], *, replace: bool = False) -> int:
        """Store an ``auth.json`` document; the new version, or 0 when a login is stored and ``replace`` is off."""
        parse_record({DOCUMENT: encode(document)}, self.where, self.refresh_buffer_seconds)  # refuses a bad login
        return self.hash.seed(document, replace=replace)

    def export_login(self) -> dict[str, Any]:
        """The stored ``auth.json`` document, to write back to a file."""
        return self.hash.read_required().document

    # -- the hot path ------------------------------------------------------------------

    def _check_due(self) -> bool:
        return time.monotonic() - self._checked_at >= self.check_interval_seconds

    def _fresh_cached(self) -> StoredRecord | None:
        cached = self._cached
        return cached if cached is not None and self._usable(cached, None) else None

    def _confirmed(self, cached: StoredRecord) -> AuthContext:
        self._checked_at = time.monotonic()
        return cached.auth

    def _store_down(self, cached: StoredRecord) -> AuthContext:
        """Redis is unreachable, but the login this host holds is still good: it keeps serving."""
        logger.warning("codex_login_store_unreachable_using_cached", where=self.where)
        return cached.auth

    def _saved(self, version: int) -> AuthContext | None:
        """The login Redis could not take before, now saved; ``None`` when someone wrote since (theirs wins)."""
        unsaved, self._unsaved = self._unsaved, None
        if version == 0 or unsaved is None:
            return None
        logger.info("codex_login_saved_late", where=self.where)
        return self._adopt(self.hash.record_of(unsaved.document, version))

    def _usable(self, record: StoredRecord, rejected: str | None) -> bool:
        return still_usable(
            record.auth,
            record.margin,
            can_refresh=bool(record.login.refresh_token),
            rejected=rejected,
            now=self._clock(),
            backing_off=time.monotonic() < self._backoff_until,
        )

    # -- single flight inside the process ------------------------------------------------

    @property
    def _patience(self) -> float:
        return self.lock_wait_seconds + self.reused_grace_seconds + 60.0

    @property
    def _where(self) -> str:
        return self.where

    def _waited_too_long(self) -> Exception:
        return store_lock_timeout(self.where, self._patience)

    # -- the leader's work: lock, fencing check, refresh, compare-and-set ----------------

    def _settle(self, rejected: str | None) -> AuthContext:
        record = self.hash.read_required()
        if self._usable(record, rejected):
            return self._adopt(record)
        lock = self.hash.lock(self.lock_timeout_seconds, self.lock_wait_seconds)
        try:
            record = self.hash.read_required()
            if self._usable(record, rejected):
                return self._adopt(record, note="codex_login_refreshed_elsewhere")
            spent = self._refresh_token(record, rejected)
            try:
                answer = self._require_refresher().refresh(spent)
            except CodexAuthRefreshError as exc:
                grace = self.reused_grace_seconds
                return self._recover(exc, record, rejected, lambda: poll(lambda: self._changed(spent), grace))
            document = self._merged(record, answer)
            try:
                version = self.hash.compare_and_set(record.version, document)
            except CodexTokenStoreUnavailableError:
                return self._keep_unsaved(record, document)
            return self._adopt(self._written(version, document) or self.hash.read_required())
        finally:
            self.hash.release(lock)

    async def _asettle(self, rejected: str | None) -> AuthContext:
        record = await self.hash.aread_required()
        if self._usable(record, rejected):
            return self._adopt(record)
        lock = await self.hash.alock(self.lock_timeout_seconds, self.lock_wait_seconds)
        try:
            record = await self.hash.aread_required()
            if self._usable(record, rejected):
                return self._adopt(record, note="codex_login_refreshed_elsewhere")
            spent = self._refresh_token(record, rejected)
            try:
                answer = await self._require_refresher().arefresh(spent)
            except CodexAuthRefreshError as exc:
                found = await apoll(lambda: self._achanged(spent), self.reused_grace_seconds) if _reused(exc) else None
                return self._recover(exc, record, rejected, lambda: found)
            document = self._merged(record, answer)
            try:
                version = await self.hash.acompare_and_set(record.version, document)
            except CodexTokenStoreUnavailableError:
                return self._keep_unsaved(record, document)
            return self._adopt(self._written(version, document) or await self.hash.aread_required())
        finally:
            await self.hash.arelease(lock)

    # -- shared pieces -----------------------------------------------------------------------

    def _merged(self, record: StoredRecord, answer: dict[str, Any]) -> dict[str, Any]:
        now = self._clock()
        claims = decode_claims(str(answer["access_token"])) or {}
        exp = claims.get("exp")
        expires_at = float(exp) if isinstance(exp, int | float) else answer_expiry(answer, now)
        self._backoff_until = float("-inf")
        return merge_refresh(record.document, record.login.shape, answer, now=now, expires_at=expires_at)

    def _written(self, version: int, document: dict[str, Any]) -> StoredRecord | None:
        """The login just written; ``None`` when another host wrote first (its login stands, ours is dropped)."""
        if version == 0:
            logger.warning("codex_login_newer_in_store", where=self.where)
            return None
        logger.info("codex_login_refreshed", where=self.where)
        return self.hash.record_of(document, version)

    def _keep_unsaved(self, record: StoredRecord, document: dict[str, Any]) -> AuthContext:
        """The old refresh token is spent: keep the new login here and save it when Redis is back."""
        logger.error("codex_login_write_failed", where=self.where)
        self._unsaved = self.hash.record_of(document, record.version)
        return self._adopt(self._unsaved)

    def _adopt(self, record: StoredRecord, note: str | None = None) -> AuthContext:
        previous, self._cached = self._cached, record
        self._checked_at = time.monotonic()
        if note or (previous and previous.auth.access_token != record.auth.access_token):
            logger.info(note or "codex_login_reloaded", where=self.where, expires_at=record.auth.expires_at)
        return record.auth

    def _refresh_token(self, record: StoredRecord, rejected: str | None) -> str:
        return self._spendable(record.login.refresh_token, rejected)

    def _recover(
        self,
        error: CodexAuthRefreshError,
        record: StoredRecord,
        rejected: str | None,
        reread: Callable[[], StoredRecord | None],
    ) -> AuthContext:
        """After a failed refresh: a login another host wrote, else the live token, else the error."""
        if _reused(error):
            other = reread()
            if other is not None:
                return self._adopt(other, note="codex_login_refreshed_elsewhere")
        elif error.transient:
            self._backoff_until = time.monotonic() + self.retry_backoff_seconds
            if rejected is None and not is_expired(record.auth.expires_at, self._clock()):
                logger.warning("codex_login_refresh_deferred", code=error.code, expires_at=record.auth.expires_at)
                return self._adopt(record)
        raise error

    def _fresh_change(self, record: StoredRecord | None, spent: str) -> StoredRecord | None:
        if record is None or record.login.refresh_token == spent:
            return None
        return None if is_expired(record.auth.expires_at, self._clock()) else record

    def _changed(self, spent: str) -> StoredRecord | None:
        return self._fresh_change(self.hash.read(), spent)

    async def _achanged(self, spent: str) -> StoredRecord | None:
        return self._fresh_change(await self.hash.aread(), spent)


def _reused(error: CodexAuthRefreshError) -> bool:
    return error.code == "refresh_token_reused"
