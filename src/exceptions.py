"""The seed's exception module: every error the package raises, importable from one place."""

from .domain.errors import (
    CodexAPIError,
    CodexAuthError,
    CodexAuthFileNotFoundError,
    CodexAuthRefreshError,
    CodexAuthTokenError,
    CodexAuthTokenExpiredError,
    CodexError,
    CodexRequestError,
    CodexStreamError,
    CodexTokenStoreUnavailableError,
)

__all__ = [
    "CodexAPIError",
    "CodexAuthError",
    "CodexAuthFileNotFoundError",
    "CodexAuthRefreshError",
    "CodexAuthTokenError",
    "CodexAuthTokenExpiredError",
    "CodexError",
    "CodexRequestError",
    "CodexStreamError",
    "CodexTokenStoreUnavailableError",
]
