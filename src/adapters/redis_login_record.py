"""The login's home in Redis: one hash per login, with a version every write bumps.

The hash holds the whole ``auth.json`` document (``document``, JSON, every key the
Codex CLI wrote kept) and ``version``. A refreshed login is written only if the
version is still the one the refresh started from (a Lua script, atomic in Redis),
so a host that stalled can never put an older login over a newer one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..domain.login import LoginShapeError, StoredLogin, read_login, refresh_margin
from ..domain.login_errors import unusable_stored_login
from ..domain.ports import AuthContext
from .login_document import decode_claims
from .login_reading import NO_ACCOUNT, auth_of

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
