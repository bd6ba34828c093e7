"""What ``codex-litellm status`` shows of the login file beyond the token's own claims.

Reads ``auth.json`` for the facts the token store does not hand out (when it was
last refreshed, whether a refresh token exists) and never returns a token.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True, slots=True)
class LoginSummary:
    auth_mode: str | None
    last_refresh: datetime | None
    has_refresh_token: bool


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def read_login_summary(path: Path) -> LoginSummary | None:
    """``None`` when the file is missing or is not a JSON object."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    tokens = document.get("tokens")
    if not isinstance(tokens, dict):
        tokens = document.get("chatgpt") if isinstance(document.get("chatgpt"), dict) else document
    refresh = tokens.get("refresh_token") if isinstance(tokens, dict) else None
    mode = document.get("auth_mode")
    return LoginSummary(
        auth_mode=mode if isinstance(mode, str) else None,
        last_refresh=_timestamp(document.get("last_refresh")),
        has_refresh_token=isinstance(refresh, str) and bool(refresh),
    )
