"""A read of the login file, understood: what the token store decides on. And patient re-reads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..domain.constants import JWT_ACCOUNT_CLAIM
from ..domain.login import (
    StoredLogin,
    account_id_of,
    expiry_of,
    is_expired,
    needs_refresh,
    plan_type_of,
    refresh_margin,
)
from ..domain.login_errors import unusable_file
from ..domain.ports import AuthContext
from .login_document import LoginFile

T = TypeVar("T")

POLL_SECONDS = 0.1


@dataclass(frozen=True, slots=True)
class Reading:
    """One read of the file with the login it yields and how early to refresh it."""

    file: LoginFile
    auth: AuthContext
    margin: float


NO_ACCOUNT = "it names no ChatGPT account (no tokens.account_id and no account claim)"


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


def understand(file: LoginFile, path: Path, buffer_seconds: float) -> Reading:
    """The ``AuthContext`` of a login file; a login naming no account cannot be used."""
    auth = auth_of(file.login, file.claims)
    if auth is None:
        raise unusable_file(path, NO_ACCOUNT)
    return Reading(file=file, auth=auth, margin=refresh_margin(buffer_seconds, file.claims))


def still_usable(
    auth: AuthContext, margin: float, *, can_refresh: bool, rejected: str | None, now: float, backing_off: bool
) -> bool:
    """Not the refused token, and not due a refresh (a failed refresh lets a live token serve a while).

    Shared by every token store, so the file and Redis stores decide alike.
    """
    if auth.access_token == rejected:
        return False
    if not needs_refresh(auth.expires_at, now, margin):
        return True
    return (backing_off or not can_refresh) and not is_expired(auth.expires_at, now)


def poll(look: Callable[[], T | None], seconds: float) -> T | None:
    """``look`` until it finds something or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        found = look()
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(POLL_SECONDS)


async def apoll(look: Callable[[], Awaitable[T | None]], seconds: float) -> T | None:
    deadline = time.monotonic() + seconds
    while True:
        found = await look()
        if found is not None or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(POLL_SECONDS)
