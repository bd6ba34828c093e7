"""The login's home in Redis: one hash per login, with a version every write bumps.

The hash holds the whole ``auth.json`` document (``document``, JSON, every key the
Codex CLI wrote kept), ``version`` and ``generation`` (:mod:`.redis_login_scripts`).
A refreshed login is written only if the version is still the one the refresh
started from (a Lua script, atomic in Redis), so a host that stalled can never put
an older login over a newer one.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio as aioredis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from ..application.logs import get_logger
from ..domain.errors import CodexTokenStoreUnavailableError
from ..domain.login_errors import store_lock_timeout, store_unavailable, stored_login_missing, unusable_stored_login
from .login_snapshot import LoginSnapshot, WriteBackFailed, snapshot_of
from .loop_resources import PerLoop
from .redis_login_scripts import COMPARE_AND_SET, REMOVE, RESTORE, SEED, RedisVersion, new_generation

logger = get_logger(__name__)

T = TypeVar("T")

DOCUMENT = "document"
VERSION = "version"
GENERATION = "generation"
UPDATED_AT = "updated_at"


def redacted(url: str) -> str:
    """The Redis URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


StoredRecord = LoginSnapshot[RedisVersion]
"""One read of the hash; its version is the hash's ``generation`` and ``version`` fields."""


def parse_record(raw: dict[Any, Any], where: str) -> StoredRecord | None:
    """The record a ``HGETALL`` answered; ``None`` when the key holds nothing."""
    fields = {_text(name): _text(value) for name, value in raw.items()}
    text = fields.get(DOCUMENT)
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        raise unusable_stored_login(where, "it is not valid JSON") from None
    try:
        number = int(fields.get(VERSION) or 0)
    except ValueError:
        raise unusable_stored_login(where, "its version field is not a number") from None
    version = RedisVersion(fields.get(GENERATION) or "", number)
    return snapshot_of(document, version, lambda why: unusable_stored_login(where, why))


def encode(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False)


def now_text() -> str:
    return f"{time.time():.6f}"


def number_of(value: Any) -> int:
    text = _text(value)
    return int(text) if text and text.lstrip("-").isdigit() else 0


def version_of(fields: list[Any]) -> RedisVersion:
    """The version an ``HMGET version generation`` answered (``ABSENT``'s for an empty key)."""
    number, generation = fields
    return RedisVersion(_text(generation) or "", number_of(number))


class RedisLoginBackend:
    """One login's Redis hash as a :class:`~.login_snapshot.LoginBackend`: HMGET version, Redis lock,
    Lua compare-and-set. Every Redis failure becomes a clear store error.

    The hot path's async check uses one client per event loop (``PerLoop``), closed when
    its loop shuts down; the rest (the refresh, about once a week) runs in a worker thread.
    """

    def __init__(
        self,
        url: str,
        key: str,
        *,
        lock_timeout_seconds: float,
        lock_wait_seconds: float,
        socket_timeout_seconds: float,
    ) -> None:
        self.url, self.key = url, key
        self.lock_timeout_seconds, self.lock_wait_seconds = lock_timeout_seconds, lock_wait_seconds
        self.where = f"Redis {redacted(url)} key {key!r}"
        self.flight_name = f"redis:{redacted(url)}/{key}"
        self.lock_name = f"{key}:refresh-lock"
        self._options: dict[str, Any] = {
            "socket_timeout": socket_timeout_seconds,
            "socket_connect_timeout": socket_timeout_seconds,
        }
        self.client = redis.Redis.from_url(url, **self._options)
        self._async_clients: PerLoop[aioredis.Redis] = PerLoop(
            lambda: aioredis.Redis.from_url(url, **self._options), lambda client: client.aclose()
        )

    # -- the backend protocol -----------------------------------------------------------------

    def snapshot(self) -> StoredRecord:
        record = self.read()
        if record is None:
            raise stored_login_missing(self.where)
        return record

    def changed_since(self, snapshot: StoredRecord) -> bool | None:
        """``None`` when Redis cannot be reached: the caller decides whether its login may serve."""
        try:
            return self.version() != snapshot.version
        except CodexTokenStoreUnavailableError:
            return None

    async def achanged_since(self, snapshot: StoredRecord) -> bool | None:
        try:
            client = await self._async_clients.get()
            return (
                version_of(await self._areach(lambda: client.hmget(self.key, VERSION, GENERATION))) != snapshot.version
            )
        except CodexTokenStoreUnavailableError:
            return None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """A Redis lock that expires (a host that dies holding it cannot block the others)."""
        lock = Lock(
            self.client, self.lock_name, timeout=self.lock_timeout_seconds, blocking_timeout=self.lock_wait_seconds
        )
        if not self._reach(lock.acquire):
            raise store_lock_timeout(self.where, self.lock_wait_seconds)
        try:
            yield
        finally:
            try:
                lock.release()
            except (LockError, RedisError) as exc:  # it expired while held: the compare-and-set covers that
                logger.warning("codex_login_lock_lost", where=self.where, error=type(exc).__name__)

    def write_if_unchanged(self, base: StoredRecord, document: dict[str, Any]) -> StoredRecord | None:
        try:
            version = self.compare_and_set(base.version, document)
        except CodexTokenStoreUnavailableError:
            raise WriteBackFailed("Redis cannot be reached") from None
        return self.snapshot_of(document, RedisVersion(base.version.generation, version)) if version else None

    def snapshot_of(self, document: dict[str, Any], version: RedisVersion) -> StoredRecord:
        return snapshot_of(document, version, lambda why: unusable_stored_login(self.where, why))

    def lock_timed_out(self, seconds: float) -> Exception:
        return store_lock_timeout(self.where, seconds)

    # -- Redis I/O ------------------------------------------------------------------------------

    def version(self) -> RedisVersion:
        return version_of(self._reach(lambda: self.client.hmget(self.key, VERSION, GENERATION)))

    def read(self) -> StoredRecord | None:
        return parse_record(self._reach(lambda: self.client.hgetall(self.key)), self.where)

    def compare_and_set(self, version: RedisVersion, document: dict[str, Any]) -> int:
        """The new version number, or 0 when the stored version is no longer ``version``."""
        script = self.client.register_script(COMPARE_AND_SET)
        args = [str(version.number), encode(document), now_text(), version.generation]
        return number_of(self._reach(lambda: script(keys=[self.key], args=args)))

    def seed(self, document: dict[str, Any], *, replace: bool) -> int:
        """Store an imported login as a new generation; its version number, or 0 when one is kept."""
        script = self.client.register_script(SEED)
        args = [encode(document), now_text(), "1" if replace else "0", new_generation()]
        return number_of(self._reach(lambda: script(keys=[self.key], args=args)))

    def restore(self, held: StoredRecord) -> bool:
        """Put back a login held in memory where Redis lost it (or holds an older write of it)."""
        script = self.client.register_script(RESTORE)
        version = held.version
        args = [encode(held.document), str(version.number), version.generation, now_text()]
        return number_of(self._reach(lambda: script(keys=[self.key], args=args))) == 1

    def remove(self) -> bool:
        """Sign out, leaving a tombstone (:data:`~.redis_login_scripts.REMOVE`); whether a login was stored."""
        script = self.client.register_script(REMOVE)
        return number_of(self._reach(lambda: script(keys=[self.key], args=[now_text()]))) == 1

    def _reach(self, call: Callable[[], T]) -> T:
        with self._translated():
            return call()

    async def _areach(self, call: Callable[[], Awaitable[T]]) -> T:
        with self._translated():
            return await call()

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except RedisError as exc:
            raise store_unavailable(self.where, type(exc).__name__) from None
