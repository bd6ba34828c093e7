"""The seed's exception module: every error a user of the package may catch, from one place.

Two families. The package's own errors (``CodexError`` and below) are what the seed's
helpers, ``get_bearer_token()`` and the token stores raise. The LiteLLM-facing classes
(``CodexRateLimitError`` and the like: LiteLLM's own exceptions, each with the seed's
``RuntimeError`` or ``ValueError``) are what a call through LiteLLM raises; they are
loaded on first use, so importing this module does not import LiteLLM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .domain.errors import (
    CodexAPIError,
    CodexAPIStatusError,
    CodexAuthError,
    CodexAuthFileNotFoundError,
    CodexAuthRefreshError,
    CodexAuthTokenError,
    CodexAuthTokenExpiredError,
    CodexConnectionError,
    CodexContextWindowError,
    CodexError,
    CodexRequestError,
    CodexStreamError,
    CodexTimeoutError,
    CodexTokenStoreUnavailableError,
    CodexUsageLimitError,
    CodexUsageNotIncludedError,
)

if TYPE_CHECKING:
    from .entrypoints.litellm_exceptions import (
        CodexAPIConnectionError,
        CodexAuthenticationError,
        CodexBadGatewayError,
        CodexBadRequestError,
        CodexContentPolicyViolationError,
        CodexContextWindowExceededError,
        CodexInternalServerError,
        CodexInvalidRequestError,
        CodexNotFoundError,
        CodexPermissionDeniedError,
        CodexRateLimitError,
        CodexServiceUnavailableError,
        CodexTimeout,
        CodexUnexpectedStatusError,
    )

_LITELLM_FACING = (
    "CodexAPIConnectionError",
    "CodexAuthenticationError",
    "CodexBadGatewayError",
    "CodexBadRequestError",
    "CodexContentPolicyViolationError",
    "CodexContextWindowExceededError",
    "CodexInternalServerError",
    "CodexInvalidRequestError",
    "CodexNotFoundError",
    "CodexPermissionDeniedError",
    "CodexRateLimitError",
    "CodexServiceUnavailableError",
    "CodexTimeout",
    "CodexUnexpectedStatusError",
)

__all__ = [
    "CodexAPIConnectionError",
    "CodexAPIError",
    "CodexAPIStatusError",
    "CodexAuthError",
    "CodexAuthFileNotFoundError",
    "CodexAuthRefreshError",
    "CodexAuthTokenError",
    "CodexAuthTokenExpiredError",
    "CodexAuthenticationError",
    "CodexBadGatewayError",
    "CodexBadRequestError",
    "CodexConnectionError",
    "CodexContentPolicyViolationError",
    "CodexContextWindowError",
    "CodexContextWindowExceededError",
    "CodexError",
    "CodexInternalServerError",
    "CodexInvalidRequestError",
    "CodexNotFoundError",
    "CodexPermissionDeniedError",
    "CodexRateLimitError",
    "CodexRequestError",
    "CodexServiceUnavailableError",
    "CodexStreamError",
    "CodexTimeout",
    "CodexTimeoutError",
    "CodexTokenStoreUnavailableError",
    "CodexUnexpectedStatusError",
    "CodexUsageLimitError",
    "CodexUsageNotIncludedError",
]


def __getattr__(name: str) -> Any:
    if name in _LITELLM_FACING:
        from .entrypoints import litellm_exceptions

        return getattr(litellm_exceptions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
