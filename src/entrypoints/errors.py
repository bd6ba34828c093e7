"""Domain errors in, LiteLLM exceptions out.

LiteLLM users route, retry and fall back by exception type and status, and the
proxy answers its clients with the exception's status and ``headers``; the Router
waits by ``litellm_response_headers``' ``retry-after``. So every failure leaves the
provider as the LiteLLM exception for its case, carrying the backend's request id,
its ``x-codex-*`` limit headers and, when the backend said how long to wait,
``retry-after``.

The classes are in ``litellm_exceptions``; here is the one table that picks them.
The domain error is the exception's ``__cause__`` and its ``codex_error``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TypeGuard

import httpx

from ..domain.answer_headers import REQUEST_ID_HEADERS, passable
from ..domain.backend_errors import POLICY_CODES
from ..domain.constants import CODEX_API_BASE_URL, CODEX_RESPONSES_ENDPOINT
from ..domain.errors import (
    CodexAPIError,
    CodexAPIStatusError,
    CodexAuthRefreshError,
    CodexContextWindowError,
    CodexError,
    CodexRequestError,
    CodexStreamError,
    CodexTimeoutError,
    CodexUsageLimitError,
)
from ..domain.models import normalize_model
from . import litellm_exceptions as raised
from .login_guidance import with_advice

_DEFAULT_URL = CODEX_API_BASE_URL + CODEX_RESPONSES_ENDPOINT


_BY_KIND: tuple[tuple[type[CodexError], type[raised.FromCodex]], ...] = (
    (CodexRequestError, raised.CodexInvalidRequestError),
    (CodexContextWindowError, raised.CodexContextWindowExceededError),
    (CodexTimeoutError, raised.CodexTimeout),
    (CodexStreamError, raised.CodexAPIConnectionError),
)
"""Kinds that decide the class whatever their status; the first that matches wins."""

_BY_STATUS: dict[int, type[raised.FromCodex]] = {
    400: raised.CodexBadRequestError,
    401: raised.CodexAuthenticationError,
    403: raised.CodexPermissionDeniedError,
    404: raised.CodexNotFoundError,
    408: raised.CodexTimeout,
    429: raised.CodexRateLimitError,
    500: raised.CodexInternalServerError,
    502: raised.CodexBadGatewayError,
    503: raised.CodexServiceUnavailableError,
    504: raised.CodexTimeout,
}
"""The one status-to-class table; another 4xx is a bad request, another status an unexpected one."""


def litellm_class(error: CodexError, status: int) -> type[raised.FromCodex]:
    for kind, cls in _BY_KIND:
        if isinstance(error, kind):
            return cls
    if status == 400 and getattr(error, "code", None) in POLICY_CODES:
        return raised.CodexContentPolicyViolationError
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return raised.CodexBadRequestError if 400 <= status < 500 else raised.CodexUnexpectedStatusError


def passed_on_headers(error: CodexError) -> dict[str, str]:
    """The headers a caller may see: ``retry-after``, the request id and the ``x-codex-*`` limits.

    Only these: a vendor's other headers (cookies, CORS) must not reach a proxy's clients.
    """
    if not isinstance(error, CodexAPIError):
        return {}
    headers = {k: v for k, v in passable(error.headers).items() if k not in REQUEST_ID_HEADERS}
    if error.request_id:
        headers["x-request-id"] = error.request_id
    if error.retry_after is not None and error.retry_after >= 0:
        headers["retry-after"] = str(max(1, math.ceil(error.retry_after)))
    return headers


def _message(
    error: CodexError, model: str, mid_stream: bool, available_models: Callable[[], Sequence[str] | None] | None
) -> str:
    text = with_advice(error) or type(error).__name__
    if _is_missing_model(error):
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


def _is_missing_model(error: CodexError) -> TypeGuard[CodexAPIStatusError]:
    """A 404 from the backend that is not a usage limit in disguise: the model is not this account's."""
    return (
        isinstance(error, CodexAPIStatusError)
        and error.status_code == 404
        and not isinstance(error, CodexUsageLimitError)
    )


def to_litellm_error(
    error: CodexError,
    *,
    model: str,
    mid_stream: bool = False,
    available_models: Callable[[], Sequence[str] | None] | None = None,
    url: str | None = None,
) -> Exception:
    """The LiteLLM exception for a domain error.

    ``url`` is the address the call was sent to, for errors raised before a request
    left (a login that cannot be used); an error the transport raised knows its own.
    """
    status = _status_of(error)
    address = (error.url if isinstance(error, CodexAPIError) else None) or url or _DEFAULT_URL
    response = httpx.Response(status, headers=passed_on_headers(error), request=httpx.Request("POST", address))
    cls = litellm_class(error, status)
    exc = cls(error, _message(error, model, mid_stream, available_models), model, response)
    assert isinstance(exc, Exception)
    return exc


def _status_of(error: CodexError) -> int:
    if isinstance(error, CodexAuthRefreshError) and error.transient:
        return 503
    return error.status_code if isinstance(error.status_code, int) and error.status_code >= 400 else 500


class LiteLLMErrors:
    """A ``with`` block that raises a domain error as its LiteLLM exception.

    Set ``sent`` once a chunk reached the caller: a failure after that is reported
    as a mid-stream failure (LiteLLM can no longer change the answer's status).
    """

    def __init__(
        self,
        model: str,
        available_models: Callable[[], Sequence[str] | None] | None = None,
        *,
        url: str | None = None,
    ) -> None:
        self.model = model
        self.available_models = available_models
        self.url = url
        self.sent = False

    def __enter__(self) -> LiteLLMErrors:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(error, CodexError):
            raise to_litellm_error(
                error, model=self.model, mid_stream=self.sent, available_models=self.available_models, url=self.url
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
