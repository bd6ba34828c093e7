"""``RedisTokenStore``: one login shared by every process on every host, kept alive in Redis.

A login file per host cannot work for replicas: the refresh token rotates, so two
hosts refreshing the same login lose it. Here the login lives in one Redis hash
(:mod:`.redis_login_record`) and the refresh policy is the file store's own
(:mod:`.refreshing_token_store`): each call checks the stored version (one ``HGET``),
so every host uses a refreshed login from its next request; a stale login is
refreshed by one caller per process under a Redis lock with a timeout, so one host
at a time; the lock holder reads the login again first (the fencing check); the new
login is written only if the version is still the one it read (compare-and-set), so
a host that stalled past its lock cannot overwrite a newer login with an older one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .redis_login_record import DOCUMENT, RedisLoginBackend, encode, parse_record, redacted
from .refresh_options import RefreshPolicy
from .refreshing_token_store import RefreshingTokenStore

if TYPE_CHECKING:
    from typing_extensions import Unpack


class RedisTokenStore(RefreshingTokenStore[int]):
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
