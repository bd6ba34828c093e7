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
