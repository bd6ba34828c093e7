"""What ``codex-litellm status`` shows of the login file, read without side effects.

The token store may renew an expired login when asked for it; a status line must
not, so this reads ``auth.json`` and the access token's claims directly. It never
returns a token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt

from ..domain.constants import JWT_ACCOUNT_CLAIM


@dataclass(frozen=True, slots=True)
class LoginSummary:
    auth_mode: str | None
    account_id: str | None
    plan_type: str | None
    expires_at: float | None
    last_refresh: datetime | None
    has_access_token: bool
    has_refresh_token: bool


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _claims(token: object) -> dict[str, Any]:
    if not isinstance(token, str) or not token:
        return {}
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


def _tokens(document: dict[str, Any]) -> dict[str, Any]:
    """The tokens object of the Codex CLI's shape, or of the older shapes other tools wrote."""
    for key in ("tokens", "chatgpt"):
        if isinstance(document.get(key), dict):
            return dict(document[key])
    return document


def read_login_summary(path: Path) -> LoginSummary | None:
    """``None`` when the file is missing or is not a JSON object."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    tokens = _tokens(document)
    access, refresh = tokens.get("access_token"), tokens.get("refresh_token")
    claims = _claims(access)
    auth_claim = claims.get(JWT_ACCOUNT_CLAIM)
    auth_claim = auth_claim if isinstance(auth_claim, dict) else {}
    account = tokens.get("account_id") or auth_claim.get("chatgpt_account_id")
    expiry = claims.get("exp", tokens.get("expires_at"))
    mode = document.get("auth_mode")
    return LoginSummary(
        auth_mode=mode if isinstance(mode, str) else None,
        account_id=str(account) if account else None,
        plan_type=auth_claim.get("chatgpt_plan_type"),
        expires_at=float(expiry) if isinstance(expiry, (int, float)) else None,
        last_refresh=_timestamp(document.get("last_refresh")),
        has_access_token=isinstance(access, str) and bool(access),
        has_refresh_token=isinstance(refresh, str) and bool(refresh),
    )
