"""The package's errors.

Every failure the package raises is one of these. Each carries an HTTP-style
``status_code`` because LiteLLM maps provider exceptions by that attribute, so a
proxy client sees the true status and the Router can retry or fall back.
Messages never contain a token: callers build them from parts that are safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CodexError(Exception):
    """Base of every error this package raises on purpose."""

    status_code: int = 500


class CodexAuthError(CodexError):
    """Base exception for all authentication-related errors.

    Status 401, so LiteLLM raises ``litellm.AuthenticationError``; the message says
    what to do (usually: run ``codex login``) and never contains a token.
    """

    status_code = 401


class CodexAuthFileNotFoundError(CodexAuthError):
    """Raised when the Codex auth file is not found (no ``codex login``, or a keyring login)."""


class CodexAuthTokenError(CodexAuthError):
    """Raised when there's an issue with the Codex auth token: a corrupt file or token, no account."""


class CodexAuthTokenExpiredError(CodexAuthTokenError):
    """Raised when the Codex auth token has expired and cannot be refreshed."""


class CodexAuthRefreshError(CodexAuthError):
    """Raised when token refresh fails.

    ``code`` is the endpoint's error code (``refresh_token_expired``,
    ``refresh_token_reused``, ``refresh_token_invalidated``, ...) or this package's own
    (``network_error``, ``lock_timeout``, ...); ``transient`` is true when trying again
    later may succeed and the login itself is fine.
    """

    def __init__(self, message: str, *, code: str | None = None, transient: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient


class CodexRequestError(CodexError, ValueError):
    """The caller's request cannot be translated: a malformed message, tool or parameter.

    A ``ValueError`` (the seed raises ``ValueError`` for invalid tool definitions) with
    status 400, so LiteLLM reports it as a ``BadRequestError``.
    """

    status_code = 400


class CodexAPIError(CodexError, RuntimeError):
    """The backend refused a request or failed while answering.

    The text starts ``Codex API error <status>:`` (the seed's callers match on it).
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        body: Any = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"Codex API error {status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.body = body
        self.request_id = request_id
        self.headers: dict[str, str] = dict(headers or {})
        self.code = code
        self.retry_after = retry_after


class CodexStreamError(CodexAPIError):
    """The answer stream broke: it closed early, went silent, or carried no usable event."""


def _message_from_body(body: Any) -> tuple[str | None, str | None]:
    """The backend's message and code from either of its error shapes."""
    if not isinstance(body, dict):
        return None, None
    detail = body.get("detail")
    if isinstance(detail, str):
        return detail, None
    error = body.get("error")
    if isinstance(error, dict):
        message = error.get("message")
        code = error.get("code") or error.get("type")
        return (str(message) if message else None), (str(code) if code else None)
    if isinstance(error, str):
        return error, None
    return None, None


def api_error_from_http(status_code: int, body: Any, headers: Mapping[str, str]) -> CodexAPIError:
    """The one place an HTTP failure of the backend becomes an error."""
    message, code = _message_from_body(body)
    if message is None:
        message = body.strip()[:500] if isinstance(body, str) and body.strip() else "no detail given"
    request_id = headers.get("x-request-id") or headers.get("x-oai-request-id")
    return CodexAPIError(status_code, message, body=body, request_id=request_id, headers=headers, code=code)


class CodexTokenStoreUnavailableError(CodexAuthError):
    """The shared login store (Redis) cannot be reached: the login itself may be fine.

    Status 503, so LiteLLM reports a service problem (and its Router may try another
    deployment) rather than a bad login.
    """

    status_code = 503
