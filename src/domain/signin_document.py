"""The ``auth.json`` a sign-in writes, and whose login a document holds; free of I/O.

The document is the one ``codex login`` writes (``auth_mode``, ``OPENAI_API_KEY``,
``tokens`` with the account id from the id token's claim, ``last_refresh``), so the
Codex CLI and this package keep sharing the file. A login of the same account is
replaced keeping every key this package does not know; a login of another account
is the user's to give up (``--replace``), and is then replaced whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .constants import JWT_ACCOUNT_CLAIM
from .login import LoginShape, detect_shape, rfc3339
from .signin import LOGIN_AGAIN, CodexSignInError

JWT_PROFILE_CLAIM = "https://api.openai.com/profile"
"""The claim that carries ``email`` when the token has no top-level ``email``."""
_LEGACY_TOKEN_KEYS = ("access_token", "refresh_token", "id_token", "account_id", "expires_at", "chatgpt")
"""Where older third-party shapes kept tokens: dropped when a sign-in rewrites such a file."""


@dataclass(frozen=True, slots=True)
class SignedInAccount:
    """Who a login belongs to, from its tokens' claims: nothing secret."""

    account_id: str | None
    user_id: str | None = None
    email: str | None = None
    plan_type: str | None = None

    def describe(self) -> str:
        who = self.email or self.user_id or "an unknown user"
        return f"{who} (account {self.account_id or 'unknown'})"

    def same_as(self, other: SignedInAccount) -> bool:
        """The same workspace, and the same person where both tokens name one."""
        if not self.account_id or self.account_id != other.account_id:
            return False
        mine, theirs = self.user_id or self.email, other.user_id or other.email
        return mine is None or theirs is None or mine == theirs


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def account_of(*claim_sets: Mapping[str, Any]) -> SignedInAccount:
    """The account the claims name; the first claim set that names a value wins (id token first)."""
    found: dict[str, str | None] = {"account_id": None, "user_id": None, "email": None, "plan_type": None}
    for claims in claim_sets:
        auth = claims.get(JWT_ACCOUNT_CLAIM)
        auth = auth if isinstance(auth, Mapping) else {}
        profile = claims.get(JWT_PROFILE_CLAIM)
        profile = profile if isinstance(profile, Mapping) else {}
        candidates = {
            "account_id": _text(auth.get("chatgpt_account_id")),
            "user_id": _text(auth.get("chatgpt_user_id")) or _text(auth.get("user_id")),
            "email": _text(claims.get("email")) or _text(profile.get("email")),
            "plan_type": _text(auth.get("chatgpt_plan_type")),
        }
        for name, value in candidates.items():
            found[name] = found[name] or value
    return SignedInAccount(**found)


def checked_token_answer(answer: Any) -> dict[str, str]:
    """The three tokens of a code exchange; a sign-in without all three cannot be kept alive."""
    if not isinstance(answer, Mapping):
        raise CodexSignInError(f"the sign-in server's token answer is not a JSON object; {LOGIN_AGAIN}")
    tokens = {name: answer.get(name) for name in ("id_token", "access_token", "refresh_token")}
    missing = sorted(name for name, value in tokens.items() if not isinstance(value, str) or not value)
    if missing:
        raise CodexSignInError(f"the sign-in server's token answer lacks {', '.join(missing)}; {LOGIN_AGAIN}")
    return {name: str(value) for name, value in tokens.items()}


def signed_in_document(
    tokens: Mapping[str, str],
    account: SignedInAccount,
    *,
    now: float,
    previous: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``auth.json`` document of a new sign-in.

    ``previous`` is the document being replaced when it holds the same account's
    login: its unknown keys (and unknown keys inside ``tokens``) are kept.
    """
    if not account.account_id:
        raise CodexSignInError(f"the new login's id token names no ChatGPT account; {LOGIN_AGAIN}")
    kept: dict[str, Any] = dict(previous or {})
    old_tokens = kept.get("tokens")
    if previous is not None and _shape(previous) is not LoginShape.CODEX:
        for name in _LEGACY_TOKEN_KEYS:
            kept.pop(name, None)
        old_tokens = None
    holder: dict[str, Any] = dict(old_tokens) if isinstance(old_tokens, Mapping) else {}
    holder.update(
        id_token=tokens["id_token"],
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        account_id=account.account_id,
    )
    document: dict[str, Any] = {
        "auth_mode": "chatgpt",
        "OPENAI_API_KEY": kept.get("OPENAI_API_KEY"),
        "tokens": holder,
        "last_refresh": rfc3339(now),
    }
    for name, value in kept.items():
        document.setdefault(name, value)
    return document


def _shape(document: Mapping[str, Any]) -> LoginShape | None:
    try:
        return detect_shape(document)
    except ValueError:
        return None


def replaced_refresh_token(previous: Mapping[str, Any] | None, new_refresh_token: str) -> str | None:
    """The refresh token a sign-in made obsolete, to revoke; ``None`` when there is none (or it is the same)."""
    if previous is None:
        return None
    shape = _shape(previous)
    if shape is None:
        return None
    holder = previous if shape is LoginShape.TOP_LEVEL else previous.get(shape.value)
    token = holder.get("refresh_token") if isinstance(holder, Mapping) else None
    return token if isinstance(token, str) and token and token != new_refresh_token else None
