"""``CodexAuthFileTokenStore``: the login the Codex CLI keeps in ``auth.json``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import jwt

from ..domain.constants import JWT_ACCOUNT_CLAIM
from ..domain.errors import CodexAuthFileNotFoundError, CodexAuthTokenError, CodexAuthTokenExpiredError
from ..domain.ports import AuthContext


def decode_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT; signatures are not verifiable by clients and are not checked."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise CodexAuthTokenError("the access token in the login file is not a valid JWT") from None
    if not isinstance(claims, dict):
        raise CodexAuthTokenError("the access token in the login file has no claims")
    return claims


class CodexAuthFileTokenStore:
    """Reads the login file; cached in memory while the file's mtime is unchanged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cached: AuthContext | None = None
        self._mtime_ns: int | None = None

    def get_auth(self) -> AuthContext:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            raise CodexAuthFileNotFoundError(
                f"no Codex login file at {self.path}: run `codex login`, or, if the Codex CLI keeps "
                'its login in the OS keyring, set cli_auth_credentials_store = "file" in '
                "~/.codex/config.toml and sign in again"
            ) from None
        if self._cached is None or mtime != self._mtime_ns:
            self._cached, self._mtime_ns = self._load(), mtime
        return self._cached

    async def aget_auth(self) -> AuthContext:
        return self.get_auth()

    def force_refresh(self, rejected: AuthContext) -> AuthContext:
        self._cached = None
        current = self.get_auth()
        if current.access_token == rejected.access_token:
            raise CodexAuthTokenExpiredError("the backend refused the login: run `codex login` again")
        return current

    async def aforce_refresh(self, rejected: AuthContext) -> AuthContext:
        return await asyncio.to_thread(self.force_refresh, rejected)

    def _load(self) -> AuthContext:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise CodexAuthTokenError(
                f"the Codex login file {self.path} cannot be read as JSON: run `codex login` again"
            ) from None
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(tokens, dict) or not isinstance(tokens.get("access_token"), str):
            raise CodexAuthTokenError(f"the Codex login file {self.path} holds no access token")
        access_token = tokens["access_token"]
        claims = decode_claims(access_token)
        auth_claim = claims.get(JWT_ACCOUNT_CLAIM) or {}
        account_id = tokens.get("account_id") or auth_claim.get("chatgpt_account_id")
        if not account_id:
            raise CodexAuthTokenError(f"the Codex login file {self.path} names no ChatGPT account")
        exp = claims.get("exp")
        return AuthContext(
            access_token=access_token,
            account_id=str(account_id),
            expires_at=float(exp) if isinstance(exp, (int, float)) else None,
            plan_type=auth_claim.get("chatgpt_plan_type"),
        )
