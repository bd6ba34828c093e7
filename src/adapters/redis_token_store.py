"""``RedisTokenStore``: one login shared by every process on every host, kept alive in Redis.

A login file per host cannot work for replicas: the refresh token rotates, so two
hosts refreshing the same login lose it. Here the login lives in one Redis hash
(:mod:`.redis_login_record`) and the refresh policy is the file store's own
(:mod:`.refreshing_token_store`): each call checks the stored version (one ``HMGET``),
so every host uses a refreshed login from its next request; a stale login is
refreshed by one caller per process under a Redis lock with a timeout, so one host
at a time; the lock holder reads the login again first (the fencing check); the new
login is written only if the version is still the one it read (compare-and-set), so
a host that stalled past its lock cannot overwrite a newer login with an older one.
Redis restarted empty (or holding an older write of the same login) is given back the
login a host holds, so the hosts keep serving instead of all failing at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..application.logs import get_logger
from ..domain.errors import CodexAuthFileNotFoundError
from ..domain.login import is_expired
from .redis_login_record import DOCUMENT, RedisLoginBackend, StoredRecord, encode, parse_record, redacted
from .redis_login_scripts import RedisVersion
from .refresh_options import RefreshPolicy
from .refreshing_token_store import RefreshingTokenStore

if TYPE_CHECKING:
    from typing_extensions import Unpack

logger = get_logger(__name__)


class RedisTokenStore(RefreshingTokenStore[RedisVersion]):
    """The ``TokenStore`` of a login kept in Redis under ``key``, shared by every replica."""

    backend: RedisLoginBackend

    def __init__(
        self,
        url: str,
        key: str,
        *,
        lock_timeout_seconds: float = 60.0,
        lock_wait_seconds: float = 90.0,
        socket_timeout_seconds: float = 5.0,
        **policy: Unpack[RefreshPolicy],
    ) -> None:
        """``lock_timeout_seconds``: when a lock left by a dead host expires; ``lock_wait_seconds``: how long
        to wait for another host's refresh; ``policy``: see :class:`~.refreshing_token_store.RefreshPolicy`
        (here the version is checked on every call, and ``refresh_token_reused`` waits 5 s for the other host)."""
        self.url, self.key = url, key
        self.lock_timeout_seconds = lock_timeout_seconds
        self.lock_wait_seconds = lock_wait_seconds
        backend = RedisLoginBackend(
            url,
            key,
            lock_timeout_seconds=lock_timeout_seconds,
            lock_wait_seconds=lock_wait_seconds,
            socket_timeout_seconds=socket_timeout_seconds,
        )
        self.where = backend.where
        policy.setdefault("check_interval_seconds", 0.0)
        policy.setdefault("reused_grace_seconds", 5.0)
        super().__init__(backend, **policy)

    def __repr__(self) -> str:
        return f"RedisTokenStore(url={redacted(self.url)!r}, key={self.key!r})"

    # -- seeding and exporting (the CLI) ------------------------------------------------

    def import_login(self, document: dict[str, Any], *, replace: bool = False) -> int:
        """Store an ``auth.json`` document; the new version, or 0 when a login is stored and ``replace`` is off."""
        parse_record({DOCUMENT: encode(document)}, self.where)  # refuses a login that cannot be used
        return self.backend.seed(document, replace=replace)

    def export_login(self) -> dict[str, Any]:
        """The stored ``auth.json`` document, to write back to a file."""
        return self.backend.snapshot().document

    # -- Redis that lost the login ----------------------------------------------------------

    def _current(self) -> StoredRecord:
        """The login as it stands; the one held here is put back where Redis lost it."""
        held = self._restorable()
        try:
            current = super()._current()
        except CodexAuthFileNotFoundError as missing:
            if missing.code != "stored_login_missing" or held is None:
                raise
            return self._restored(held)
        if held is not None and current.version.precedes(held.version):
            return self._restored(held)
        return current

    def _restorable(self) -> StoredRecord | None:
        """The login held here if still valid (a login removed on purpose is not revived once expired)."""
        held = self._cached
        return held if held is not None and not is_expired(held.auth.expires_at, self._clock()) else None

    def _restored(self, held: StoredRecord) -> StoredRecord:
        """Write-if-absent in one script: of hosts racing to put their login back, one wins, all read it."""
        if self.backend.restore(held):
            logger.warning(
                "codex_login_restored_to_store",
                where=self.where,
                version=held.version.number,
                expires_at=held.auth.expires_at,
                why="Redis had lost the login this host holds",
            )
            return held
        return self.backend.snapshot()
