"""This package's own advice for a login that cannot be used: which setting, which command.

The domain says what happened and what the Codex CLI can do about it (``codex
login``); the names of this package's environment variables and of its
``codex-litellm`` commands belong to the entrypoints that read those settings and
offer those commands. The advice is keyed by the error's ``code``.
"""

from __future__ import annotations

from ..domain.errors import CodexError

LOGIN_ADVICE: dict[str, str] = {
    "login_file_missing": (
        "without the Codex CLI, `codex-litellm login` signs in (`--device` on a machine without a browser); "
        "CODEX_AUTH_FILE or CODEX_HOME point this package at another file"
    ),
    "login_store_unreachable": "check that Redis is running and that CODEX_REDIS_URL points at it",
    "stored_login_missing": (
        "seed it once from an auth.json with "
        "`codex-litellm login-import --redis-url URL --key KEY --auth-file ~/.codex/auth.json`"
    ),
    "stored_login_unusable": "import a fresh one with `codex-litellm login-import --replace` after `codex login`",
}


def advice_for(error: CodexError) -> str:
    """What this package's user can do about ``error`` here; empty when the message says it all."""
    return LOGIN_ADVICE.get(error.code or "", "")


def with_advice(error: CodexError) -> str:
    """The error's message as it is, then the advice as a sentence of its own."""
    text = str(error)
    advice = advice_for(error)
    if not advice:
        return text
    return f"{text}{'' if text.endswith('.') else '.'} {advice[0].upper()}{advice[1:]}"
