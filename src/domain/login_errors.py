"""What to tell the user when the login cannot be read or refreshed.

Every message says what happened and what the Codex CLI can do about it, names
the file, and never contains a token. Where this package's own settings or
commands are the remedy, the error's ``code`` names the case and the entrypoints
add that advice (``entrypoints/login_guidance.py``): the domain does not know them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .backend_errors import text_excerpt
from .errors import (
    CodexAuthFileNotFoundError,
    CodexAuthRefreshError,
    CodexAuthTokenError,
    CodexAuthTokenExpiredError,
    CodexTokenStoreUnavailableError,
)

SIGN_IN_AGAIN = "sign in again with `codex login`"

REFRESH_GUIDANCE: dict[str, str] = {
    "refresh_token_expired": f"the refresh token is too old: {SIGN_IN_AGAIN}",
    "refresh_token_reused": (
        "the refresh token was already used, and the login file still holds it, so the newer login "
        f"another program received was lost: {SIGN_IN_AGAIN}"
    ),
    "refresh_token_invalidated": f"the refresh token was revoked (signed out, or password changed): {SIGN_IN_AGAIN}",
    "invalid_grant": f"the refresh token is no longer accepted: {SIGN_IN_AGAIN}",
}

_TRANSIENT_STATUSES = frozenset({408, 425, 429})


def file_not_found(path: Path) -> CodexAuthFileNotFoundError:
    return CodexAuthFileNotFoundError(
        f"no Codex login file at {path}: run `codex login` (the Codex CLI) to sign in with ChatGPT. "
        "If you are signed in already, the Codex CLI may keep its login in the OS keyring: set "
        'cli_auth_credentials_store = "file" in ~/.codex/config.toml and run `codex login` again',
        code="login_file_missing",
    )


def unusable_file(path: Path, why: str) -> CodexAuthTokenError:
    return CodexAuthTokenError(
        f"the Codex login file {path} cannot be used: {why}. It was left untouched; {SIGN_IN_AGAIN} to rewrite it"
    )


def expired_login(path: Path | str) -> CodexAuthTokenExpiredError:
    return CodexAuthTokenExpiredError(
        f"the login in {path} has expired and holds no refresh token to renew it: {SIGN_IN_AGAIN}"
    )


def rejected_login(path: Path | str) -> CodexAuthTokenExpiredError:
    return CodexAuthTokenExpiredError(
        f"the Codex backend refused the login in {path} and it holds no refresh token to renew it: {SIGN_IN_AGAIN}"
    )


def error_code(body: Any) -> str | None:
    """The refresh error's code wherever OpenAI puts it: ``error.code``, ``error`` itself, or ``code``."""
    if not isinstance(body, Mapping):
        return None
    error = body.get("error")
    if isinstance(error, Mapping):
        code = error.get("code") or error.get("type")
        return str(code) if code else None
    if isinstance(error, str) and error:
        return error
    code = body.get("code")
    return str(code) if isinstance(code, str) and code else None


def refresh_failed(status_code: int, body: Any, token_url: str, *, text: str = "") -> CodexAuthRefreshError:
    """The refresh endpoint's refusal, with what the user must do about it.

    Only an OAuth error (a JSON body naming an error code) means the refresh token
    itself was refused. Any other answer (a CDN's HTML 403, a proxy's 502 page, an
    empty 429) came from something in front of the endpoint: the login may be fine,
    so it is temporary. ``text`` is the raw body, quoted as a short excerpt.
    """
    code = error_code(body)
    if code is None or status_code >= 500 or status_code in _TRANSIENT_STATUSES:
        detail = f" ({code})" if code else (f": {text_excerpt(text)}" if text.strip() else "")
        return CodexAuthRefreshError(
            f"the login could not be refreshed: {token_url} answered {status_code}{detail}. "
            "This is temporary: try again later; the login file is unchanged",
            code=code,
            transient=True,
        )
    guidance = REFRESH_GUIDANCE.get(code, f"the refresh was refused: {SIGN_IN_AGAIN}")
    return CodexAuthRefreshError(f"the login could not be refreshed ({code}): {guidance}", code=code)


def refresh_unreachable(token_url: str, why: str) -> CodexAuthRefreshError:
    return CodexAuthRefreshError(
        f"the login could not be refreshed: {token_url} could not be reached ({why}). "
        "This is temporary: check the network and try again; the login file is unchanged",
        code="network_error",
        transient=True,
    )


def refresh_malformed(token_url: str) -> CodexAuthRefreshError:
    return CodexAuthRefreshError(
        f"the login could not be refreshed: {token_url} answered without an access token. "
        "Try again later; the login file is unchanged",
        code="invalid_response",
        transient=True,
    )


def refresh_unusable(where: Path | str, why: str) -> CodexAuthRefreshError:
    return CodexAuthRefreshError(
        f"the login in {where} could not be refreshed: the token endpoint answered a login that cannot be used "
        f"({why}). Its new refresh token was kept; this is temporary: try again later",
        code="invalid_response",
        transient=True,
    )


def lock_timeout(lock_path: Path, seconds: float) -> CodexAuthRefreshError:
    return CodexAuthRefreshError(
        f"the login could not be refreshed: another process held {lock_path} for over {seconds:.0f} s. "
        "Try again; if no other process is refreshing, delete that lock file",
        code="lock_timeout",
        transient=True,
    )


def lock_unavailable(lock_path: Path, why: str) -> CodexAuthRefreshError:
    return CodexAuthRefreshError(
        f"the login could not be refreshed: the lock file {lock_path} cannot be created ({why}). "
        "The folder of the login file must be writable",
        code="lock_unavailable",
    )


def refresh_contended(path: Path | str) -> CodexAuthRefreshError:
    return CodexAuthRefreshError(
        f"the login in {path} could not be refreshed: every refresh in progress ended with the refused token. "
        "Try again",
        code="contended",
        transient=True,
    )


# -- the login kept in Redis, shared by every host -----------------------------------------


def store_unavailable(where: str, why: str) -> CodexTokenStoreUnavailableError:
    return CodexTokenStoreUnavailableError(
        f"the Codex login store {where} cannot be reached ({why}); the stored login is unchanged",
        code="login_store_unreachable",
    )


def stored_login_missing(where: str) -> CodexAuthFileNotFoundError:
    return CodexAuthFileNotFoundError(
        f"no Codex login in {where}: import one from an auth.json once", code="stored_login_missing"
    )


def unusable_stored_login(where: str, why: str) -> CodexAuthTokenError:
    return CodexAuthTokenError(
        f"the Codex login in {where} cannot be used: {why}; import a fresh one after `codex login`",
        code="stored_login_unusable",
    )


def store_lock_timeout(where: str, seconds: float) -> CodexAuthRefreshError:
    return CodexAuthRefreshError(
        f"the login in {where} could not be refreshed: another host held its refresh lock for over {seconds:.0f} s. "
        "Try again",
        code="lock_timeout",
        transient=True,
    )
