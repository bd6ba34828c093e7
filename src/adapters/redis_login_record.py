"""The login's home in Redis: one hash per login, with a version every write bumps.

The hash holds the whole ``auth.json`` document (``document``, JSON, every key the
Codex CLI wrote kept) and ``version``. A refreshed login is written only if the
version is still the one the refresh started from (a Lua script, atomic in Redis),
so a host that stalled can never put an older login over a newer one.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.lock import Lock as AsyncLock
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from ..application.logs import get_logger
from ..domain.login import LoginShapeError, StoredLogin, read_login, refresh_margin
from ..domain.login_errors import store_lock_timeout, store_unavailable, stored_login_missing, unusable_stored_login
from ..domain.ports import AuthContext
from .login_document import decode_claims
from .login_reading import NO_ACCOUNT, auth_of
from .loop_resources import PerLoop

logger = get_logger(__name__)

T = TypeVar("T")

DOCUMENT = "document"
VERSION = "version"
UPDATED_AT = "updated_at"

COMPARE_AND_SET = """
local current = redis.call('HGET', KEYS[1], 'version')
if (current or '0') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'document', ARGV[2], 'version', tostring(tonumber(ARGV[1]) + 1), 'updated_at', ARGV[3])
return tonumber(ARGV[1]) + 1
"""
"""Write ``document`` if ``version`` is still ``ARGV[1]``; the new version, or 0 when someone wrote first."""

SEED = """
if ARGV[3] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'document', ARGV[1], 'updated_at', ARGV[2])
return version
"""
"""Store an imported login; unless told to replace (``ARGV[3] == '1'``), only where none is stored."""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One read of the hash: the document, the login in it, and the version it was read at."""

    document: dict[str, Any] = field(repr=False)
    login: StoredLogin
    version: int
    auth: AuthContext
    margin: float


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


def parse_record(raw: dict[Any, Any], where: str, buffer_seconds: float) -> StoredRecord | None:
    """The record a ``HGETALL`` answered; ``None`` when the key holds nothing."""
    fields = {_text(name): _text(value) for name, value in raw.items()}
    text = fields.get(DOCUMENT)
    if not text:
        return None
    try:
        document = json.loads(text)
        login = read_login(document)
    except (ValueError, LoginShapeError) as exc:
        why = str(exc) if isinstance(exc, LoginShapeError) else "it is not valid JSON"
        raise unusable_stored_login(where, why) from None
    claims = decode_claims(login.access_token)
    if claims is None:
        raise unusable_stored_login(where, "its access token is not a valid JWT")
    auth = auth_of(login, claims)
    if auth is None:
        raise unusable_stored_login(where, NO_ACCOUNT)
    try:
        version = int(fields.get(VERSION) or 0)
    except ValueError:
        raise unusable_stored_login(where, "its version field is not a number") from None
    return StoredRecord(document, login, version, auth, refresh_margin(buffer_seconds, claims))


def encode(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False)


def now_text() -> str:
    return f"{time.time():.6f}"


def version_of(value: Any) -> int:
    text = _text(value)
    return int(text) if text and text.lstrip("-").isdigit() else 0


class RedisLoginHash:
    """The Redis I/O of one login, sync and async; every Redis failure becomes a clear store error.

    The async side keeps one client per event loop (``PerLoop``), closed when its loop shuts down.
    """

    def __init__(self, url: str, key: str, *, buffer_seconds: float, socket_timeout_seconds: float) -> None:
        self.url, self.key, self.buffer_seconds = url, key, buffer_seconds
        self.where = f"Redis {redacted(url)} key {key!r}"
        self.lock_name = f"{key}:refresh-lock"
        self._options: dict[str, Any] = {
            "socket_timeout": socket_timeout_seconds,
            "socket_connect_timeout": socket_timeout_seconds,
        }
        self.client = redis.Redis.from_url(url, **self._options)
        self._async_clients: PerLoop[aioredis.Redis] = PerLoop(
            lambda: aioredis.Redis.from_url(url, **self._options), lambda client: client.aclose()
        )

    # -- sync --------------------------------------------------------------------------------

    def version(self) -> int:
        return version_of(self._reach(lambda: self.client.hget(self.key, VERSION)))

    def read(self) -> StoredRecord | None:
        return self._parse(self._reach(lambda: self.client.hgetall(self.key)))

    def read_required(self) -> StoredRecord:
        return self._required(self.read())

    def compare_and_set(self, version: int, document: dict[str, Any]) -> int:
        """The new version, or 0 when the stored version is no longer ``version``."""
        script = self.client.register_script(COMPARE_AND_SET)
        args = [str(version), encode(document), now_text()]
        return version_of(self._reach(lambda: script(keys=[self.key], args=args)))

    def seed(self, document: dict[str, Any], *, replace: bool) -> int:
        script = self.client.register_script(SEED)
        args = [encode(document), now_text(), "1" if replace else "0"]
        return version_of(self._reach(lambda: script(keys=[self.key], args=args)))

    def lock(self, expires_after: float, wait: float) -> Lock:
        lock = Lock(self.client, self.lock_name, timeout=expires_after, blocking_timeout=wait)
        if not self._reach(lock.acquire):
            raise store_lock_timeout(self.where, wait)
        return lock

    def release(self, lock: Lock) -> None:
        try:
            lock.release()
        except (LockError, RedisError) as exc:  # it expired while held: the fencing check covers that
            logger.warning("codex_login_lock_lost", where=self.where, error=type(exc).__name__)

    # -- async -------------------------------------------------------------------------------

    async def aclient(self) -> aioredis.Redis:
        return await self._async_clients.get()

    async def aversion(self) -> int:
        client = await self.aclient()
        return version_of(await self._areach(lambda: client.hget(self.key, VERSION)))

    async def aread(self) -> StoredRecord | None:
        client = await self.aclient()
        return self._parse(await self._areach(lambda: client.hgetall(self.key)))

    async def aread_required(self) -> StoredRecord:
        return self._required(await self.aread())

    async def acompare_and_set(self, version: int, document: dict[str, Any]) -> int:
        script = (await self.aclient()).register_script(COMPARE_AND_SET)
        args = [str(version), encode(document), now_text()]
        return version_of(await self._areach(lambda: script(keys=[self.key], args=args)))

    async def alock(self, expires_after: float, wait: float) -> AsyncLock:
        lock = (await self.aclient()).lock(self.lock_name, timeout=expires_after, blocking_timeout=wait)
        if not await self._areach(lock.acquire):
            raise store_lock_timeout(self.where, wait)
        return lock

    async def arelease(self, lock: AsyncLock) -> None:
        try:
            await lock.release()
        except (LockError, RedisError) as exc:
            logger.warning("codex_login_lock_lost", where=self.where, error=type(exc).__name__)

    # -- shared --------------------------------------------------------------------------------

    def record_of(self, document: dict[str, Any], version: int) -> StoredRecord:
        return self._required(self._parse({DOCUMENT: encode(document), VERSION: str(version)}))

    def _parse(self, raw: dict[Any, Any]) -> StoredRecord | None:
        return parse_record(raw, self.where, self.buffer_seconds)

    def _required(self, record: StoredRecord | None) -> StoredRecord:
        if record is None:
            raise stored_login_missing(self.where)
        return record

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
