"""The package's errors.

Every failure the package raises is one of these. Each carries an HTTP-style
``status_code`` because LiteLLM maps provider exceptions by that attribute, so a
proxy client sees the true status and the Router can retry or fall back.
Messages never contain a token: callers build them from parts that are safe.

The kinds the entrypoint must tell apart (a usage limit, the context window, a
broken stream) are subclasses. Two functions turn the backend's failures into
them: :func:`api_error_from_http` (an HTTP status) and :func:`api_error_from_event`
(a ``response.failed`` or ``error`` event inside the stream).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .limits import delay_from_message, retry_after_from_headers, usage_limit_info


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
    ``transient`` says whether the same request may succeed if sent again shortly;
    the application retries only those, and only before any byte reached its caller.
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
        transient: bool | None = None,
    ) -> None:
        super().__init__(f"Codex API error {status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.body = body
        self.request_id = request_id
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        self.code = code
        self.retry_after = retry_after
        self.transient = status_code in TRANSIENT_STATUSES if transient is None else transient

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments do not survive the default pickling of exceptions.
        return (_rebuild, (type(self), self.__dict__.copy(), str(self)))


def _rebuild(cls: type[CodexAPIError], state: dict[str, Any], text: str) -> CodexAPIError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.__dict__.update(state)
    return error


TRANSIENT_STATUSES = frozenset({502, 503, 504})


class CodexContextWindowError(CodexAPIError):
    """The conversation does not fit the model's context window (``context_length_exceeded``).

    Its own kind so the entrypoint can raise LiteLLM's ``ContextWindowExceededError``,
    which the Router's context-window fallbacks look for.
    """


class CodexUsageLimitError(CodexAPIError):
    """The plan's usage window is spent (``usage_limit_reached``, ``insufficient_quota``).

    Never retried here: only time helps. ``retry_after`` is the wait until the window resets.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        plan_type: str | None = None,
        resets_at: float | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("transient", False)
        super().__init__(status_code, message, **kwargs)
        self.plan_type = plan_type
        self.resets_at = resets_at
        """Epoch seconds when the window resets, when the backend said."""


class CodexUsageNotIncludedError(CodexAPIError):
    """The account's plan has no Codex access (``usage_not_included``); never retried."""

    def __init__(self, status_code: int, message: str, *, plan_type: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("transient", False)
        super().__init__(status_code, message, **kwargs)
        self.plan_type = plan_type


class CodexStreamError(CodexAPIError):
    """The answer stream broke: it closed early, went silent, or carried no usable event."""


class CodexTimeoutError(CodexStreamError):
    """Nothing arrived for longer than the configured idle timeout (status 408)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("transient", False)
        super().__init__(408, message, **kwargs)


class CodexConnectionError(CodexStreamError):
    """The backend could not be reached, or the connection broke before the answer ended.

    Transient: a fresh connection may work, so it is retried while nothing reached the caller.
    """

    def __init__(self, message: str, *, status_code: int = 503, **kwargs: Any) -> None:
        kwargs.setdefault("transient", True)
        super().__init__(status_code, message, **kwargs)


# -- mapping the backend's failures ------------------------------------------------

USAGE_LIMIT_CODES = frozenset({"usage_limit_reached", "insufficient_quota"})
OVERLOAD_CODES = frozenset({"server_is_overloaded", "slow_down", "overloaded", "server_overloaded"})
POLICY_CODES = frozenset({"cyber_policy", "invalid_prompt", "content_policy_violation"})
_CONTEXT_TEXT = re.compile(r"context (?:window|length)|maximum context|too many tokens|prompt is too long", re.I)
_NOT_INCLUDED_MESSAGE = (
    "the ChatGPT {plan}plan does not include Codex: use an account whose plan includes it "
    "(sign in again with `codex login`), or upgrade the plan"
)


def _error_object(body: Any) -> dict[str, Any]:
    """The object that holds ``message``/``code`` in any of the backend's error shapes."""
    if not isinstance(body, dict):
        return {}
    response = body.get("response")
    if isinstance(response, dict) and isinstance(response.get("error"), dict):
        return dict(response["error"])
    error = body.get("error")
    if isinstance(error, dict):
        return error
    if isinstance(error, str):
        return {"message": error}
    detail = body.get("detail")
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, str):
        return {"message": detail}
    return body


def _code_of(details: Mapping[str, Any]) -> str | None:
    for key in ("code", "type"):
        value = details.get(key)
        if isinstance(value, str) and value and "." not in value and value not in ("error", "invalid_request_error"):
            return value
    return None


def _mentioned_code(body: Any) -> str | None:
    """A limit code named anywhere in the body (a usage limit dressed as a 404 hides it)."""
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    for code in ("usage_limit_reached", "usage_not_included", "rate_limit_exceeded", "insufficient_quota"):
        if code in text:
            return code
    return None


def _classify(
    status: int,
    code: str | None,
    message: str,
    details: Mapping[str, Any],
    *,
    headers: Mapping[str, str],
    retry_after: float | None,
    common: dict[str, Any],
) -> CodexAPIError:
    """Shared by the HTTP and in-stream mappings: the code decides the kind, else the status."""
    if code in USAGE_LIMIT_CODES:
        info = usage_limit_info(details, headers)
        text = info.describe() if code == "usage_limit_reached" else f"the account's quota is spent: {message}"
        return CodexUsageLimitError(
            429,
            text,
            plan_type=info.plan_type,
            resets_at=info.resets_at,
            retry_after=info.retry_after if info.retry_after is not None else retry_after,
            code=code,
            **common,
        )
    if code == "usage_not_included":
        plan = details.get("plan_type") or {k.lower(): v for k, v in headers.items()}.get("x-codex-plan-type")
        text = _NOT_INCLUDED_MESSAGE.format(plan=f"{plan} " if plan else "")
        return CodexUsageNotIncludedError(403, text, plan_type=plan, code=code, **common)
    if code == "context_length_exceeded" or (status in (400, 413) and _CONTEXT_TEXT.search(message)):
        return CodexContextWindowError(400, message, code=code or "context_length_exceeded", **common)
    if code == "rate_limit_exceeded":
        delay = delay_from_message(message)
        return CodexAPIError(429, message, code=code, retry_after=delay or retry_after, transient=False, **common)
    if code in OVERLOAD_CODES:
        status = status if status in TRANSIENT_STATUSES else 503
        return CodexAPIError(status, message, code=code, retry_after=retry_after, transient=True, **common)
    return CodexAPIError(status, message, code=code, retry_after=retry_after, **common)


def api_error_from_http(
    status_code: int, body: Any, headers: Mapping[str, str], *, request_id: str | None = None
) -> CodexAPIError:
    """The one place an HTTP failure of the backend becomes an error."""
    headers = {k.lower(): v for k, v in headers.items()}
    details = _error_object(body)
    message = details.get("message")
    if not isinstance(message, str) or not message.strip():
        message = body.strip()[:500] if isinstance(body, str) and body.strip() else "no detail given"
    code = _code_of(details)
    if status_code in (403, 404, 429) and (code is None or status_code == 404):
        code = _mentioned_code(body) or code
    common: dict[str, Any] = {
        "body": body,
        "headers": headers,
        "request_id": request_id or headers.get("x-request-id") or headers.get("x-oai-request-id"),
    }
    retry_after = retry_after_from_headers(headers)
    return _classify(status_code, code, message, details, headers=headers, retry_after=retry_after, common=common)


def api_error_from_event(
    event: Mapping[str, Any], *, headers: Mapping[str, str] | None = None, request_id: str | None = None
) -> CodexAPIError:
    """A ``response.failed`` or ``error`` event of the answer stream, as the error its ``code`` names.

    The stream has no HTTP status (the answer began 200), so the code decides: a rate
    limit is 429 with the delay of "try again in ...", an overload 503, an unknown code 500.
    """
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    details = _error_object(dict(event))
    message = details.get("message")
    if not isinstance(message, str) or not message.strip():
        message = "the answer failed without a reason"
    code = _code_of(details)
    common: dict[str, Any] = {"body": dict(event), "headers": headers, "request_id": request_id}
    if code in POLICY_CODES:
        return CodexAPIError(400, message, code=code, **common)
    return _classify(500, code, message, details, headers=headers, retry_after=None, common=common)


class CodexTokenStoreUnavailableError(CodexAuthError):
    """The shared login store (Redis) cannot be reached: the login itself may be fine.

    Status 503, so LiteLLM reports a service problem (and its Router may try another
    deployment) rather than a bad login.
    """

    status_code = 503
