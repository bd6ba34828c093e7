"""Domain errors in, LiteLLM exceptions out.

LiteLLM users route, retry and fall back by exception type and status, and the
proxy answers its clients with the exception's status and ``headers``; the Router
waits by ``litellm_response_headers``' ``retry-after``. So every failure leaves the
provider as the LiteLLM exception for its case, carrying the backend's request id,
its ``x-codex-*`` limit headers and, when the backend said how long to wait,
``retry-after``.

Each exception class here is LiteLLM's own, mixed with the builtin the seed
promised (``RuntimeError`` for the backend's failures, ``ValueError`` for a bad
request), so code written against the seed's ``except RuntimeError`` keeps working.
The domain error is the exception's ``__cause__`` and its ``codex_error``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
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

from ..domain.backend_errors import POLICY_CODES
from ..domain.errors import (
    CodexAPIError,
    CodexAuthError,
    CodexAuthRefreshError,
    CodexContextWindowError,
    CodexError,
    CodexRequestError,
    CodexStreamError,
    CodexTimeoutError,
    CodexUsageLimitError,
)
from ..domain.limits import LIMIT_HEADER_PREFIX
from ..domain.models import normalize_model

PROVIDER = "codex"
_REQUEST = httpx.Request("POST", "https://chatgpt.com/backend-api/codex/responses")


class CodexBadRequestError(BadRequestError, RuntimeError):
    """400 from the backend (the detail verbatim)."""


class CodexInvalidRequestError(BadRequestError, ValueError):
    """The caller's request could not be translated (never sent)."""


class CodexContextWindowExceededError(ContextWindowExceededError, RuntimeError):
    """The conversation does not fit the model: the Router's context-window fallbacks catch this."""


class CodexContentPolicyViolationError(ContentPolicyViolationError, RuntimeError):
    """The backend refused the content."""


class CodexAuthenticationError(AuthenticationError, RuntimeError):
    """401 after the one refresh-and-retry, or a login that cannot be used."""


class CodexPermissionDeniedError(PermissionDeniedError, RuntimeError):
    """403: the plan or the network is refused (``usage_not_included`` among them)."""


class CodexNotFoundError(NotFoundError, RuntimeError):
    """404: most often a model this account may not use."""


class CodexRateLimitError(RateLimitError, RuntimeError):
    """429: a rate limit, or the plan's usage limit (then ``retry-after`` is the wait to the reset)."""


class CodexTimeout(Timeout, RuntimeError):
    """408 (the answer went silent longer than the idle timeout) or 504."""


class CodexInternalServerError(InternalServerError, RuntimeError):
    """500."""


class CodexBadGatewayError(BadGatewayError, RuntimeError):
    """502."""


class CodexServiceUnavailableError(ServiceUnavailableError, RuntimeError):
    """503: overloaded, after this package's own retries."""


class CodexAPIConnectionError(APIConnectionError, RuntimeError):
    """The backend could not be reached, or the answer stream broke before it ended."""


class CodexUnexpectedStatusError(APIError, RuntimeError):
    """Any other status."""


def passed_on_headers(error: CodexError) -> dict[str, str]:
    """The headers a caller may see: ``retry-after``, the request id and the ``x-codex-*`` limits.

    Only these: a vendor's other headers (cookies, CORS) must not reach a proxy's clients.
    """
    if not isinstance(error, CodexAPIError):
        return {}
    headers = {k: v for k, v in error.headers.items() if k.startswith(LIMIT_HEADER_PREFIX)}
    if error.request_id:
        headers["x-request-id"] = error.request_id
    if error.retry_after is not None and error.retry_after >= 0:
        headers["retry-after"] = str(max(1, math.ceil(error.retry_after)))
    return headers


def _message(
    error: CodexError, model: str, mid_stream: bool, available_models: Callable[[], Sequence[str] | None] | None
) -> str:
    text = str(error) or type(error).__name__
    if isinstance(error, CodexAPIError) and error.status_code == 404 and not isinstance(error, CodexUsageLimitError):
        slug = normalize_model(model) if model else "the requested model"
        text = (
            f"Codex API error 404: the model {slug!r} is not available to this ChatGPT account "
            f"(the backend said: {error.message})"
        )
        names = available_models() if available_models is not None else None
        if names:
            text += "; available models: " + ", ".join(names)
    if isinstance(error, CodexAPIError) and error.request_id:
        text += f" [request id {error.request_id}]"
    if mid_stream:
        text = f"the answer failed mid-stream, after part of it was sent: {text}"
    return text


def to_litellm_error(
    error: CodexError,
    *,
    model: str,
    mid_stream: bool = False,
    available_models: Callable[[], Sequence[str] | None] | None = None,
) -> Exception:
    """The LiteLLM exception for a domain error."""
    message = _message(error, model, mid_stream, available_models)
    headers = passed_on_headers(error)
    status = _status_of(error)
    response = httpx.Response(status, headers=headers, request=_REQUEST)
    common: dict[str, Any] = {"message": message, "model": model, "llm_provider": PROVIDER}
    exc = _build(error, status, response, common, headers)
    # The proxy answers with ``exc.headers``; the Router waits by ``litellm_response_headers``.
    setattr(exc, "codex_error", error)  # noqa: B010
    setattr(exc, "headers", headers)  # noqa: B010
    setattr(exc, "litellm_response_headers", httpx.Headers(headers))  # noqa: B010
    return exc


def _status_of(error: CodexError) -> int:
    if isinstance(error, CodexAuthRefreshError) and error.transient:
        return 503
    return error.status_code if isinstance(error.status_code, int) and error.status_code >= 400 else 500


def _build(
    error: CodexError, status: int, response: httpx.Response, common: dict[str, Any], headers: Mapping[str, str]
) -> Exception:
    if isinstance(error, CodexRequestError):
        return CodexInvalidRequestError(response=response, **common)
    if isinstance(error, CodexContextWindowError):
        return CodexContextWindowExceededError(response=response, **common)
    if isinstance(error, CodexTimeoutError) or status in (408, 504):
        return CodexTimeout(exception_status_code=status, headers=dict(headers), response=response, **common)
    if isinstance(error, CodexStreamError):  # closed early, unreachable, or no usable event
        return CodexAPIConnectionError(request=_REQUEST, **common)
    if isinstance(error, CodexAuthError) and status == 401:
        return CodexAuthenticationError(response=response, **common)
    if status == 400 and getattr(error, "code", None) in POLICY_CODES:
        return CodexContentPolicyViolationError(response=response, **common)
    by_status: dict[int, Callable[[], Exception]] = {
        401: lambda: CodexAuthenticationError(response=response, **common),
        403: lambda: CodexPermissionDeniedError(response=response, **common),
        404: lambda: CodexNotFoundError(response=response, **common),
        429: lambda: CodexRateLimitError(response=response, headers=dict(headers), **common),
        500: lambda: CodexInternalServerError(response=response, **common),
        502: lambda: CodexBadGatewayError(response=response, **common),
        503: lambda: CodexServiceUnavailableError(response=response, **common),
    }
    if status in by_status:
        return by_status[status]()
    if 400 <= status < 500:
        return CodexBadRequestError(response=response, **common)
    return CodexUnexpectedStatusError(status_code=status, request=_REQUEST, **common)


class LiteLLMErrors:
    """A ``with`` block that raises a domain error as its LiteLLM exception.

    Set ``sent`` once a chunk reached the caller: a failure after that is reported
    as a mid-stream failure (LiteLLM can no longer change the answer's status).
    """

    def __init__(self, model: str, available_models: Callable[[], Sequence[str] | None] | None = None) -> None:
        self.model = model
        self.available_models = available_models
        self.sent = False

    def __enter__(self) -> LiteLLMErrors:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(error, CodexError):
            raise to_litellm_error(
                error, model=self.model, mid_stream=self.sent, available_models=self.available_models
            ) from error


def catalog_model_names(container: object) -> list[str] | None:
    """What the account may use, when the container has a warm model catalog; ``None`` otherwise.

    Never waits on the network: the catalog answers from what it already holds.
    """
    provider = getattr(container, "model_catalog", None)
    if provider is None:
        return None
    try:
        catalog = provider()
        models = catalog.available_models()
    except Exception:
        return None
    return [model.slug for model in models] if models else None
