"""The composition root: the only place that builds the package's objects.

Applications swap an adapter by overriding its provider
(``container.token_store.override(providers.Object(my_store))``) or by handing it
to ``CodexAuthProvider(...)``, which does that for them.
"""

from __future__ import annotations

import httpx
from dependency_injector import containers, providers

from ..adapters.auth_file import CodexAuthFileTokenStore
from ..adapters.http_transport import HttpxResponsesTransport
from ..adapters.oauth_refresh import OAuthRefreshClient
from ..adapters.static_instructions import StaticInstructionSource
from ..application.completion import CompletionService
from ..domain.constants import CODEX_OAUTH_CLIENT_ID
from ..domain.prompts import DEFAULT_INSTRUCTIONS
from .settings import CodexSettings
from .token_stores import build_redis_token_store


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(CodexSettings)

    oauth_refresh_client = providers.Singleton(
        OAuthRefreshClient,
        token_url=settings.provided.oauth_token_url,
        client_id=CODEX_OAUTH_CLIENT_ID,
    )

    file_token_store_for = providers.Factory(
        CodexAuthFileTokenStore,
        path=settings.provided.auth_path,
        refresher=oauth_refresh_client,
        refresh_buffer_seconds=settings.provided.token_refresh_buffer_seconds,
    )
    """A login file's store; a deployment naming its own ``auth_file`` passes ``path=``."""

    redis_token_store_for = providers.Factory(
        build_redis_token_store,
        url=settings.provided.redis_url,
        key=settings.provided.redis_key,
        refresher=oauth_refresh_client,
        refresh_buffer_seconds=settings.provided.token_refresh_buffer_seconds,
        lock_timeout_seconds=settings.provided.redis_lock_timeout_seconds,
    )
    """A Redis login's store; a deployment naming its own ``redis_key`` (or ``redis_url``) passes it."""

    token_store = providers.Selector(
        settings.provided.token_store,
        file=providers.Singleton(file_token_store_for),
        redis=providers.Singleton(redis_token_store_for),
    )
    """``CODEX_TOKEN_STORE``: the login file (default) or one login in Redis shared by every replica."""

    instruction_source = providers.Singleton(StaticInstructionSource, text=DEFAULT_INSTRUCTIONS)

    http_timeout = providers.Factory(
        httpx.Timeout,
        settings.provided.stream_idle_timeout_seconds,
        connect=settings.provided.connect_timeout_seconds,
    )

    transport = providers.Singleton(
        HttpxResponsesTransport,
        base_url=settings.provided.base_url,
        originator=settings.provided.originator,
        client_version=settings.provided.client_version,
        timeout=http_timeout,
    )

    login_completion_service = providers.Factory(
        CompletionService,
        tokens=token_store,
        instructions=instruction_source,
        transport=transport,
        codex_mode=settings.provided.mode,
    )
    """The completion service of one named login: called with ``tokens=`` that login's store."""

    completion_service = providers.Singleton(login_completion_service)
