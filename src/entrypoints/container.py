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


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(CodexSettings)

    oauth_refresh_client = providers.Singleton(
        OAuthRefreshClient,
        token_url=settings.provided.oauth_token_url,
        client_id=CODEX_OAUTH_CLIENT_ID,
    )

    token_store = providers.Singleton(
        CodexAuthFileTokenStore,
        path=settings.provided.auth_path,
        refresher=oauth_refresh_client,
        refresh_buffer_seconds=settings.provided.token_refresh_buffer_seconds,
    )

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

    completion_service = providers.Singleton(
        CompletionService,
        tokens=token_store,
        instructions=instruction_source,
        transport=transport,
        codex_mode=settings.provided.mode,
        strict_params=settings.provided.strict_params,
    )
