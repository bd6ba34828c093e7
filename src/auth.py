"""The seed's authentication module: ``get_auth_context()`` and ``AuthContext``.

``get_auth_context()`` reads the login the same way the provider does (the
settings' login, refreshed when near expiry) through the default login's store of
the process's runtime: the very store ``codex_provider`` uses, so they share its
cache and its one refresh at a time.
"""

from __future__ import annotations

from .domain.ports import AuthContext, TokenStore

__all__ = ["AuthContext", "default_token_store", "get_auth_context"]


def default_token_store() -> TokenStore:
    """The default login's store of the process's runtime (the ``CODEX_*`` settings describe it)."""
    from .entrypoints.container import runtime

    store: TokenStore = runtime().token_store()
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
