"""Where ``codex-litellm login`` puts a new login, and ``logout`` takes it away: a file or a Redis key.

A thin seam over the token stores' own backends, so a sign-in and a running proxy
never trip over each other: the file is written under the very lock a refresh takes
(``auth.json.lock``), atomically, mode 0600, by the same writer; the Redis hash is
written under the refresh lock of its key, bumping its version so a refresh that
started from the old login cannot write over the new one (its compare-and-set fails).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..domain.errors import CodexAuthError, CodexAuthFileNotFoundError
from ..domain.signin import CodexSignInError
from ..domain.signin_document import SignedInAccount, account_of
from .auth_file import file_lock, replace_login_document
from .login_document import read_login_file
from .login_snapshot import decode_claims
from .redis_login_scripts import ABSENT

LOCK_WAIT_SECONDS = 60.0


class LoginHome(Protocol):
    """One place a login lives; every method but ``locked`` expects the lock to be held."""

    where: str

    def locked(self) -> contextlib.AbstractContextManager[None]: ...

    def read(self) -> dict[str, Any] | None:
        """The stored document; ``None`` when there is none; raises when it cannot be read."""

    def write(self, document: dict[str, Any]) -> None: ...

    def remove(self) -> None: ...


class FileLoginHome:
    """``auth.json``, shared with the Codex CLI and with every token store that reads it."""

    def __init__(self, path: Path, *, lock_wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self.lock_wait_seconds = lock_wait_seconds

    def locked(self) -> contextlib.AbstractContextManager[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return file_lock(self.path, self.lock_wait_seconds)

    def read(self) -> dict[str, Any] | None:
        try:
            return read_login_file(self.path).document
        except CodexAuthFileNotFoundError:
            return None

    def write(self, document: dict[str, Any]) -> None:
        replace_login_document(self.path, document)

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class RedisLoginHome:
    """One login hash in Redis, as the Redis token store keeps it (no file is ever written)."""

    def __init__(self, url: str, key: str, *, lock_wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
        try:
            from .redis_login_record import RedisLoginBackend
        except ImportError:
            raise CodexSignInError(
                "signing in to Redis needs the redis package: pip install 'litellm-codex-oauth-provider[redis]'"
            ) from None
        self.backend = RedisLoginBackend(
            url,
            key,
            lock_timeout_seconds=lock_wait_seconds,
            lock_wait_seconds=lock_wait_seconds,
            socket_timeout_seconds=10.0,
        )
        self.where = self.backend.where

    def locked(self) -> contextlib.AbstractContextManager[None]:
        return self.backend.locked()

    def read(self) -> dict[str, Any] | None:
        record = self.backend.read()
        return record.document if record is not None else None

    def write(self, document: dict[str, Any]) -> None:
        self.backend.snapshot_of(document, ABSENT)  # refuses a login that cannot be used
        self.backend.seed(document, replace=True)

    def remove(self) -> None:
        self.backend.remove()  # a tombstone: hosts still holding the login do not put it back


# -- what login and logout do with a home -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Replaced:
    """The login a write replaced (or a logout removed): whose it was, and its refresh token to revoke."""

    document: dict[str, Any] | None
    account: SignedInAccount | None
    unreadable: str | None = None
    """Why the old content was no login this package can read (it was overwritten on ``--replace``)."""


def account_in(document: dict[str, Any] | None) -> SignedInAccount | None:
    """Whose login a document holds, from its tokens' claims (never the tokens themselves)."""
    if document is None:
        return None
    holder = document.get("tokens")
    tokens: dict[str, Any] = holder if isinstance(holder, dict) else document
    texts = [tokens.get(name) for name in ("id_token", "access_token")]
    claims = [decode_claims(text) for text in texts if isinstance(text, str)]
    account = account_of(*[claim for claim in claims if claim is not None])
    stored_id = tokens.get("account_id")
    if isinstance(stored_id, str) and stored_id and not account.account_id:
        return SignedInAccount(stored_id, account.user_id, account.email, account.plan_type)
    return account


def _previous(home: LoginHome, *, replace: bool) -> Replaced:
    try:
        document = home.read()
    except CodexAuthError as exc:
        if not replace:
            raise CodexSignInError(
                f"{home.where} holds something that is not a usable login ({exc}); add --replace to overwrite it"
            ) from None
        return Replaced(None, None, unreadable=str(exc))
    return Replaced(document, account_in(document))


def save_login(
    home: LoginHome, build: Callable[[Replaced], dict[str, Any]], *, replace: bool
) -> tuple[dict[str, Any], Replaced]:
    """Under the home's lock: read what is there, let ``build`` decide the new document, write it."""
    with home.locked():
        previous = _previous(home, replace=replace)
        document = build(previous)
        home.write(document)
    return document, previous


def remove_login(home: LoginHome) -> Replaced:
    """Under the home's lock: read what is there (even an unreadable file goes), remove it."""
    with home.locked():
        previous = _previous(home, replace=True)
        if previous.document is not None or previous.unreadable is not None:
            home.remove()
    return previous
