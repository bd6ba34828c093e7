"""One read of a login, wherever it is kept, and the protocol of the places that keep one.

The refreshing token store (:mod:`.refreshing_token_store`) decides on a
``LoginSnapshot`` alone; a ``LoginBackend`` (the login file, a Redis hash) says
where the login is and when it changed. ``codex-litellm status`` reads the same
snapshot, so what it shows is what the store would decide on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import jwt

from ..domain.constants import JWT_ACCOUNT_CLAIM
from ..domain.login import LoginShapeError, StoredLogin, account_id_of, expiry_of, plan_type_of, read_login
from ..domain.ports import AuthContext

V = TypeVar("V")
"""What a backend knows of the version it read: a file's stat signature and layout, a Redis version."""

NO_ACCOUNT = "it names no ChatGPT account (no tokens.account_id and no account claim)"


@dataclass(frozen=True, slots=True)
class LoginSnapshot(Generic[V]):
    """One read of a login: the whole document, the login in it, and the version it was read at."""

    document: dict[str, Any] = field(repr=False)
    login: StoredLogin
    claims: dict[str, Any] = field(repr=False)
    auth: AuthContext
    version: V


class WriteBackFailed(Exception):
    """The backend could not take the login (disk full, read-only, Redis down); ``str`` says why."""


class LoginBackend(Protocol[V]):
    """Where one login is kept: what the token store needs to read, watch, lock and rewrite it."""

    @property
    def where(self) -> str:
        """The login's location for messages and logs (never a secret)."""

    @property
    def flight_name(self) -> str:
        """The process-wide name of this login, so stores of the same login share one refresh."""

    @property
    def lock_wait_seconds(self) -> float:
        """How long :meth:`locked` waits for another process's refresh."""

    def snapshot(self) -> LoginSnapshot[V]:
        """The login as it is now; a clear ``CodexAuthError`` when there is none or it cannot be used."""

    def changed_since(self, snapshot: LoginSnapshot[V]) -> bool | None:
        """The hot path's check (one ``stat``, one ``HMGET``): was the login rewritten since ``snapshot``?

        ``None`` when the backend cannot be reached to tell: a login held in memory may serve on.
        """

    async def achanged_since(self, snapshot: LoginSnapshot[V]) -> bool | None: ...

    def locked(self) -> AbstractContextManager[None]:
        """Held while one process refreshes: other processes (and hosts) wait for it."""

    def write_if_unchanged(self, base: LoginSnapshot[V], document: dict[str, Any]) -> LoginSnapshot[V] | None:
        """Write ``document`` if the login is still ``base``; ``None`` when someone wrote since.

        Raises :class:`WriteBackFailed` when the write cannot be made.
        """

    def snapshot_of(self, document: dict[str, Any], version: V) -> LoginSnapshot[V]:
        """The snapshot a document would give, for a login held in memory only."""

    def lock_timed_out(self, seconds: float) -> Exception:
        """The error of a caller that waited ``seconds`` for another's refresh."""


def decode_claims(token: str) -> dict[str, Any] | None:
    """The JWT payload, or ``None`` when the token is not a JWT. Signatures are not checked."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


def auth_of(login: StoredLogin, claims: Mapping[str, Any]) -> AuthContext | None:
    """The ``AuthContext`` of a login wherever it is kept; ``None`` when it names no account."""
    account_id = account_id_of(login, claims, JWT_ACCOUNT_CLAIM)
    if not account_id:
        return None
    return AuthContext(
        access_token=login.access_token,
        account_id=account_id,
        expires_at=expiry_of(login, claims),
        plan_type=plan_type_of(claims, JWT_ACCOUNT_CLAIM),
    )


def snapshot_of(document: Any, version: V, unusable: Callable[[str], Exception]) -> LoginSnapshot[V]:
    """Understand a parsed document; ``unusable(why)`` is the error of a login that cannot be used."""
    try:
        login = read_login(document)
    except LoginShapeError as exc:
        raise unusable(str(exc)) from None
    claims = decode_claims(login.access_token)
    if claims is None:
        raise unusable("its access token is not a valid JWT")
    auth = auth_of(login, claims)
    if auth is None:
        raise unusable(NO_ACCOUNT)
    return LoginSnapshot(document=document, login=login, claims=claims, auth=auth, version=version)
