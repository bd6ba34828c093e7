"""The seed's authentication module: ``get_auth_context()`` and ``AuthContext``.

``get_auth_context()`` reads the login the same way the provider does (the
settings' login file, refreshed when near expiry) through one process-wide store
per login file, so it shares the provider's single-flight refresh and cache.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from .domain.ports import AuthContext

if TYPE_CHECKING:
    from .adapters.auth_file import CodexAuthFileTokenStore

__all__ = ["AuthContext", "default_token_store", "get_auth_context"]

_lock = threading.Lock()
_stores: dict[tuple[str, str, float], CodexAuthFileTokenStore] = {}


def default_token_store() -> CodexAuthFileTokenStore:
    """The store the ``CODEX_*`` settings describe; one per (file, token URL, buffer) in the process."""
    from .entrypoints.container import Container

    container = Container()
    settings = container.settings()
    key = (str(settings.auth_path), settings.oauth_token_url, settings.token_refresh_buffer_seconds)
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = container.token_store()
        return store


def get_auth_context() -> AuthContext:
    """The current login, refreshed if it is within the buffer of its expiry.

    Raises ``CodexAuthFileNotFoundError``, ``CodexAuthTokenError`` (corrupt file or
    token), ``CodexAuthTokenExpiredError`` or ``CodexAuthRefreshError``.
    """
    return default_token_store().get_auth()


async def aget_auth_context() -> AuthContext:
    """``get_auth_context`` for async code: never blocks the event loop."""
    return await default_token_store().aget_auth()


def _extract_bearer_token() -> str:
    """The seed's internal helper: the current access token."""
    return get_auth_context().access_token


def _decode_account_id(access_token: str) -> str:
    """The seed's internal helper: the ChatGPT account id in an access token's claims."""
    from .adapters.login_snapshot import decode_claims
    from .domain.constants import JWT_ACCOUNT_CLAIM
    from .domain.errors import CodexAuthTokenError

    claims = decode_claims(access_token)
    auth = claims.get(JWT_ACCOUNT_CLAIM) if claims else None
    account_id = auth.get("chatgpt_account_id") if isinstance(auth, dict) else None
    if not isinstance(account_id, str) or not account_id:
        raise CodexAuthTokenError("the access token names no ChatGPT account (it is not a ChatGPT login JWT)")
    return account_id


def _refresh_token() -> str:
    """The seed's internal helper: refresh the login now and return the new access token."""
    store = default_token_store()
    return store.force_refresh(store.get_auth()).access_token
