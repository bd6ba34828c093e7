"""Throwaway logins: fake JWTs and auth.json files in the shapes the Codex CLI writes."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any

ACCOUNT_ID = "acct-test-123"
JWT_ACCOUNT_CLAIM = "https://api.openai.com/auth"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(
    *, exp: float | None = None, account_id: str = ACCOUNT_ID, plan: str = "plus", secret_tag: str = "x", **claims: Any
) -> str:
    """An unsigned-looking JWT whose payload carries the claims the backend's tokens carry."""
    payload: dict[str, Any] = {
        JWT_ACCOUNT_CLAIM: {"chatgpt_account_id": account_id, "chatgpt_plan_type": plan, "user_id": "user-1"},
        "email": "dev@example.com",
        "tag": secret_tag,
        **claims,
    }
    if exp is not None:
        payload["exp"] = int(exp)
    header = {"alg": "RS256", "typ": "JWT"}
    return ".".join((_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), _b64(b"signature")))


def codex_auth_document(
    access_token: str, refresh_token: str = "rt-initial", *, account_id: str | None = ACCOUNT_ID, **extra: Any
) -> dict[str, Any]:
    tokens: dict[str, Any] = {
        "id_token": make_jwt(exp=time.time() + 3600, secret_tag="id"),
        "access_token": access_token,
        "refresh_token": refresh_token,
    }
    if account_id is not None:
        tokens["account_id"] = account_id
    return {
        "auth_mode": "chatgpt",
        "OPENAI_API_KEY": None,
        "tokens": tokens,
        "last_refresh": "2026-11-20T10:00:00.000000Z",
        **extra,
    }


def write_auth_file(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2))
    os.chmod(path, 0o600)
    return path
