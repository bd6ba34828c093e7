"""The rules of the login file and its refresh, free of I/O.

The Codex CLI owns ``auth.json`` as much as this package does, so every rule here
errs towards keeping what is there: the shape the file was written in, every key
this package does not know, and any token a refresh answer leaves out.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

LAST_REFRESH_MAX_AGE_SECONDS = 8 * 24 * 3600
"""With no ``exp`` in the access token, the Codex CLI refreshes a login older than this."""


class LoginShape(enum.Enum):
    """Where a login file keeps its tokens."""

    CODEX = "tokens"
    """``{"tokens": {...}, "last_refresh": ...}``: what ``codex login`` writes."""
    CHATGPT = "chatgpt"
    """``{"chatgpt": {...}}``: an older third-party shape, with ``expires_at``."""
    TOP_LEVEL = ""
    """Tokens at the top level: the oldest third-party shape, with ``expires_at``."""


@dataclass(frozen=True, slots=True)
class StoredLogin:
    """The tokens one login file holds, and where it holds them."""

    shape: LoginShape
    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    account_id: str | None = None
    last_refresh: float | None = None
    """Epoch seconds of ``last_refresh``, when the file has a readable one."""
    expires_at: float | None = None
    """The legacy shapes' ``expires_at`` (epoch seconds or milliseconds)."""


class LoginShapeError(ValueError):
    """The document is JSON but no login this package can read."""


def _token_holder(document: Mapping[str, Any], shape: LoginShape) -> Mapping[str, Any]:
    if shape is LoginShape.TOP_LEVEL:
        return document
    holder = document.get(shape.value)
    return holder if isinstance(holder, Mapping) else {}


def detect_shape(document: Any) -> LoginShape:
    """The shape whose place holds an access token; raises :class:`LoginShapeError` when none does."""
    if not isinstance(document, Mapping):
        raise LoginShapeError("the login file is not a JSON object")
    for shape in (LoginShape.CODEX, LoginShape.CHATGPT, LoginShape.TOP_LEVEL):
        token = _token_holder(document, shape).get("access_token")
        if isinstance(token, str) and token.strip():
            return shape
    mode = document.get("auth_mode")
    if isinstance(mode, str) and mode not in ("chatgpt", "chatgptAuthTokens"):
        raise LoginShapeError(f"the login is an {mode!r} login, not a ChatGPT sign-in")
    raise LoginShapeError("the login file holds no ChatGPT access token")


def parse_timestamp(value: Any) -> float | None:
    """Epoch seconds of an RFC 3339 string or an epoch number (seconds or milliseconds)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        return float(value) / 1000 if value > 10**11 else float(value)
    if isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def read_login(document: Any) -> StoredLogin:
    """The login a parsed ``auth.json`` holds, in any of the shapes tools have written."""
    shape = detect_shape(document)
    tokens = _token_holder(document, shape)
    return StoredLogin(
        shape=shape,
        access_token=str(tokens["access_token"]).strip(),
        refresh_token=_text(tokens.get("refresh_token")),
        id_token=_text(tokens.get("id_token")),
        account_id=_text(tokens.get("account_id")),
        last_refresh=parse_timestamp(document.get("last_refresh")),
        expires_at=parse_timestamp(tokens.get("expires_at", document.get("expires_at"))),
    )


# -- what the tokens say ---------------------------------------------------------------


def account_id_of(login: StoredLogin, claims: Mapping[str, Any], account_claim: str) -> str | None:
    """``tokens.account_id``, else the access token's ``chatgpt_account_id`` claim."""
    if login.account_id:
        return login.account_id
    auth = claims.get(account_claim)
    if isinstance(auth, Mapping):
        value = auth.get("chatgpt_account_id")
        if isinstance(value, str) and value:
            return value
    return None


def plan_type_of(claims: Mapping[str, Any], account_claim: str) -> str | None:
    auth = claims.get(account_claim)
    plan = auth.get("chatgpt_plan_type") if isinstance(auth, Mapping) else None
    return plan if isinstance(plan, str) else None


def expiry_of(login: StoredLogin, claims: Mapping[str, Any]) -> float | None:
    """The access token's ``exp``; else the file's ``expires_at``; else ``last_refresh`` + 8 days."""
    exp = claims.get("exp")
    if isinstance(exp, int | float) and not isinstance(exp, bool) and math.isfinite(exp):
        return float(exp)
    if login.expires_at is not None:
        return login.expires_at
    if login.last_refresh is not None:
        return login.last_refresh + LAST_REFRESH_MAX_AGE_SECONDS
    return None


def refresh_margin(buffer_seconds: float, claims: Mapping[str, Any], issued_at: float | None = None) -> float:
    """The buffer, but never more than half the token's lifetime.

    A token server that issues tokens shorter-lived than the buffer would otherwise
    make every call refresh again. The lifetime runs from the token's ``iat``, else
    from ``issued_at`` (the login's ``last_refresh``).
    """
    exp, iat = claims.get("exp"), claims.get("iat")
    start = iat if isinstance(iat, int | float) and not isinstance(iat, bool) else issued_at
    if isinstance(exp, int | float) and start is not None and exp > start:
        return min(buffer_seconds, (exp - start) / 2)
    return buffer_seconds


def needs_refresh(expires_at: float | None, now: float, margin: float) -> bool:
    """Refresh within ``margin`` of expiry; a token of unknown expiry waits for a 401."""
    return expires_at is not None and now >= expires_at - margin


def is_expired(expires_at: float | None, now: float) -> bool:
    return expires_at is not None and now >= expires_at


# -- the refresh --------------------------------------------------------------------------


def refresh_request_body(refresh_token: str, client_id: str) -> dict[str, str]:
    return {
        "client_id": client_id,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "scope": "openid profile email",
    }


def rfc3339(moment: float) -> str:
    """``last_refresh`` as the Codex CLI writes it: UTC, microseconds, ``Z``."""
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def merge_refresh(
    document: Mapping[str, Any],
    shape: LoginShape,
    answer: Mapping[str, Any],
    *,
    now: float,
    expires_at: float | None,
) -> dict[str, Any]:
    """The document with the refresh ``answer`` written into it, in the document's own shape.

    Every key it does not know survives; a token the answer leaves out keeps its
    old value; key order is kept so the file's diff stays small.
    """
    merged: dict[str, Any] = dict(document)
    holder: dict[str, Any] = dict(_token_holder(document, shape))
    for name in ("id_token", "access_token", "refresh_token"):
        value = answer.get(name)
        if isinstance(value, str) and value:
            holder[name] = value
    if shape is LoginShape.TOP_LEVEL:
        merged.update(holder)
    else:
        merged[shape.value] = holder
    if shape is LoginShape.CODEX or "last_refresh" in document:
        merged["last_refresh"] = rfc3339(now)
    if shape is not LoginShape.CODEX and expires_at is not None:
        target = merged if shape is LoginShape.TOP_LEVEL or "expires_at" in document else holder
        old = target.get("expires_at")
        target["expires_at"] = int(expires_at * 1000) if isinstance(old, int) and old > 10**11 else int(expires_at)
    return merged


def answer_expiry(answer: Mapping[str, Any], now: float) -> float | None:
    expires_in = answer.get("expires_in")
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
        return now + float(expires_in)
    return None
