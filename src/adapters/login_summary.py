"""What ``codex-litellm status`` shows of a login: the token store's own snapshot, summarised.

A status line must not renew the login, so it reads the snapshot the store would
decide on (``RefreshingTokenStore.peek``, or the file read the same way) rather than
asking for a token; and it must say what the store would do, so the expiry is the
store's own (the token's ``exp``, else a legacy ``expires_at`` in seconds or
milliseconds, else ``last_refresh`` + 8 days). It never holds a token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .login_document import read_login_file
from .login_snapshot import LoginSnapshot


@dataclass(frozen=True, slots=True)
class LoginSummary:
    auth_mode: str | None
    account_id: str
    plan_type: str | None
    expires_at: float | None
    last_refresh: float | None
    has_refresh_token: bool


def summary_of(snapshot: LoginSnapshot[Any]) -> LoginSummary:
    mode = snapshot.document.get("auth_mode")
    return LoginSummary(
        auth_mode=mode if isinstance(mode, str) else None,
        account_id=snapshot.auth.account_id,
        plan_type=snapshot.auth.plan_type,
        expires_at=snapshot.auth.expires_at,
        last_refresh=snapshot.login.last_refresh,
        has_refresh_token=bool(snapshot.login.refresh_token),
    )


def read_login_summary(path: Path) -> LoginSummary:
    """The login file's summary; the store's own clear error when it is missing or cannot be used."""
    return summary_of(read_login_file(path))
