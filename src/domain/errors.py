"""The package's errors.

Every failure the package raises is one of these. Each carries an HTTP-style
``status_code`` because LiteLLM maps provider exceptions by that attribute, so a
proxy client sees the true status and the Router can retry or fall back.
Messages never contain a token: callers build them from parts that are safe.

The backend's failures form one family under :class:`CodexAPIError`, as
openai-python's do: the backend *answered* with a failure (:class:`CodexAPIStatusError`
and its kinds: a usage limit, the context window), or no whole answer arrived
(:class:`CodexStreamError`: unreachable, a broken stream, silence), which is not a
status the backend gave. The login's failures are :class:`CodexAuthError`; a shared
login store that cannot be reached is neither (the login may be fine).
``backend_errors`` turns the backend's failures into these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class CodexError(Exception):
    """Base of every error this package raises on purpose.

    ``code`` names the case when it has a name: the backend's or the refresh endpoint's
    error code, or this package's own (``login_file_missing``, ``login_store_unreachable``,
    ...). Callers match on it rather than on the text; the entrypoints add their own
    advice for it (which setting, which command), which the domain does not know.
    """

    status_code: int = 500

    def __init__(self, *args: Any, code: str | None = None) -> None:
        super().__init__(*args)
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments do not survive the default pickling of exceptions.
        return (_rebuild, (type(self), self.__dict__.copy(), str(self)))


def _rebuild(cls: type[CodexError], state: dict[str, Any], text: str) -> CodexError:
    error = cls.__new__(cls)
    Exception.__init__(error, text)
    error.__dict__.update(state)
    return error


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
        super().__init__(message, code=code)
        self.transient = transient


class CodexRequestError(CodexError, ValueError):
    """The caller's request cannot be translated: a malformed message, tool or parameter.

    A ``ValueError`` (the seed raises ``ValueError`` for invalid tool definitions) with
    status 400, so LiteLLM reports it as a ``BadRequestError``.
    """

    status_code = 400


class CodexAPIError(CodexError, RuntimeError):
    """A call to the backend failed: the base of every backend failure (catch this one).

    The text starts ``Codex API error <status>:`` (the seed's callers match on it).
    ``transient`` says whether the same request may succeed if sent again shortly;
    the application retries only those, and only before any byte reached its caller.
    ``headers`` (lower-case) and ``request_id`` are the answer's, given where the error
    is raised; ``url`` is the request's address (never its query or credentials).
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
        url: str | None = None,
    ) -> None:
        super().__init__(f"Codex API error {status_code}: {message}", code=code)
        self.status_code = status_code
        self.message = message
        self.body = body
        self.request_id = request_id
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        self.retry_after = retry_after
        self.transient = status_code in TRANSIENT_STATUSES if transient is None else transient
        self.url = url


TRANSIENT_STATUSES = frozenset({502, 503, 504})


class CodexAPIStatusError(CodexAPIError):
    """The backend answered with a failure: an HTTP status, or a failure event inside a 200 answer."""


class CodexContextWindowError(CodexAPIStatusError):
    """The conversation does not fit the model's context window (``context_length_exceeded``).

    Its own kind so the entrypoint can raise LiteLLM's ``ContextWindowExceededError``,
    which the Router's context-window fallbacks look for.
    """


class CodexUsageLimitError(CodexAPIStatusError):
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


class CodexUsageNotIncludedError(CodexAPIStatusError):
    """The account's plan has no Codex access (``usage_not_included``); never retried."""

    def __init__(self, status_code: int, message: str, *, plan_type: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("transient", False)
        super().__init__(status_code, message, **kwargs)
        self.plan_type = plan_type


class CodexStreamError(CodexAPIError):
    """No whole answer: the backend was not reached, or the stream closed early, went silent,
    or carried no usable event. Outside the status errors: the backend gave no status for it;
    ``status_code`` is the one LiteLLM maps it by (502: a broken answer)."""


class CodexConnectionError(CodexStreamError):
    """The backend could not be reached, or the connection broke before the answer ended.

    Transient: a fresh connection may work, so it is retried while nothing reached the caller.
    """

    def __init__(self, message: str, *, status_code: int = 503, **kwargs: Any) -> None:
        kwargs.setdefault("transient", True)
        super().__init__(status_code, message, **kwargs)


class CodexTimeoutError(CodexConnectionError):
    """Nothing arrived for longer than the configured idle timeout (status 408); not retried."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("transient", False)
        super().__init__(message, status_code=408, **kwargs)


class CodexTokenStoreUnavailableError(CodexError):
    """The shared login store (Redis) cannot be reached: the login itself may be fine.

    Status 503, so LiteLLM reports a service problem (and its Router may try another
    deployment) rather than a bad login.
    """

    status_code = 503
