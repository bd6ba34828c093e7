"""LiteLLM's exception classes as this package raises them.

Each is LiteLLM's own class, mixed with the builtin the seed promised
(``RuntimeError`` for the backend's failures, ``ValueError`` for a bad request), so
code written against the seed's ``except RuntimeError`` keeps working. Each carries,
from the moment it is built, what the proxy and the Router read: ``headers``,
``litellm_response_headers``, and the request that failed in ``response``/``request``.
"""

from __future__ import annotations

from typing import Any

import httpx
from litellm.exceptions import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BadGatewayError,
    BadRequestError,
    ContentPolicyViolationError,
    ContextWindowExceededError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    Timeout,
)

from ..domain.errors import CodexError

PROVIDER = "codex"


class FromCodex:
    """What every exception here carries from the moment it is built.

    ``codex_error`` (the domain error, also the ``__cause__``), ``headers`` (what the
    proxy answers its client with) and ``litellm_response_headers`` (what the Router
    reads ``retry-after`` from); ``response`` and ``request`` name the request that
    failed. LiteLLM's classes take their arguments in four shapes; ``_shape`` says which.
    """

    _shape = "response"
    codex_error: CodexError
    litellm_response_headers: httpx.Headers

    def __init__(self, error: CodexError, message: str, model: str, response: httpx.Response) -> None:
        common: dict[str, Any] = {"message": message, "model": model, "llm_provider": PROVIDER}
        status, passed = response.status_code, dict(response.headers)
        if self._shape == "timeout":
            super().__init__(exception_status_code=status, headers=passed, response=response, **common)  # type: ignore[call-arg]
        elif self._shape == "connection":
            super().__init__(request=response.request, **common)  # type: ignore[call-arg]
        elif self._shape == "status":
            super().__init__(status_code=status, request=response.request, **common)  # type: ignore[call-arg]
        else:
            super().__init__(response=response, **common)  # type: ignore[call-arg]
        self.codex_error = error
        setattr(self, "headers", passed)  # noqa: B010 - LiteLLM's classes type it differently, each its own way
        self.litellm_response_headers = httpx.Headers(passed)
        # LiteLLM's own classes put a placeholder address in some of theirs, and type the two
        # attributes differently from one release to the next: set, not declared.
        setattr(self, "response", response)  # noqa: B010
        setattr(self, "request", response.request)  # noqa: B010


class CodexBadRequestError(FromCodex, BadRequestError, RuntimeError):
    """400 from the backend (the detail verbatim)."""


class CodexInvalidRequestError(FromCodex, BadRequestError, ValueError):
    """The caller's request could not be translated (never sent)."""


class CodexContextWindowExceededError(FromCodex, ContextWindowExceededError, RuntimeError):
    """The conversation does not fit the model: the Router's context-window fallbacks catch this."""


class CodexContentPolicyViolationError(FromCodex, ContentPolicyViolationError, RuntimeError):
    """The backend refused the content."""


class CodexAuthenticationError(FromCodex, AuthenticationError, RuntimeError):
    """401 after the one refresh-and-retry, or a login that cannot be used."""


class CodexPermissionDeniedError(FromCodex, PermissionDeniedError, RuntimeError):
    """403: the plan or the network is refused (``usage_not_included`` among them)."""


class CodexNotFoundError(FromCodex, NotFoundError, RuntimeError):
    """404: most often a model this account may not use."""


class CodexRateLimitError(FromCodex, RateLimitError, RuntimeError):
    """429: a rate limit, or the plan's usage limit (then ``retry-after`` is the wait to the reset)."""


class CodexTimeout(FromCodex, Timeout, RuntimeError):
    """408 (the answer went silent longer than the idle timeout) or 504."""

    _shape = "timeout"


class CodexInternalServerError(FromCodex, InternalServerError, RuntimeError):
    """500."""


class CodexBadGatewayError(FromCodex, BadGatewayError, RuntimeError):
    """502."""


class CodexServiceUnavailableError(FromCodex, ServiceUnavailableError, RuntimeError):
    """503: overloaded, or the shared login store is unreachable, after this package's own retries."""


class CodexAPIConnectionError(FromCodex, APIConnectionError, RuntimeError):
    """The backend could not be reached, or the answer stream broke before it ended."""

    _shape = "connection"


class CodexUnexpectedStatusError(FromCodex, APIError, RuntimeError):
    """Any other status."""

    _shape = "status"
