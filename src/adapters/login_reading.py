"""A read of the login file, understood: what the token store decides on. And patient re-reads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..domain.constants import JWT_ACCOUNT_CLAIM
from ..domain.login import account_id_of, expiry_of, plan_type_of, refresh_margin
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


def understand(file: LoginFile, path: Path, buffer_seconds: float) -> Reading:
    """The ``AuthContext`` of a login file; a login naming no account cannot be used."""
    account_id = account_id_of(file.login, file.claims, JWT_ACCOUNT_CLAIM)
    if not account_id:
        raise unusable_file(path, "it names no ChatGPT account (no tokens.account_id and no account claim)")
    auth = AuthContext(
        access_token=file.login.access_token,
        account_id=account_id,
        expires_at=expiry_of(file.login, file.claims),
        plan_type=plan_type_of(file.claims, JWT_ACCOUNT_CLAIM),
    )
    return Reading(file=file, auth=auth, margin=refresh_margin(buffer_seconds, file.claims))


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
