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
from ..adapters.static_instructions import StaticInstructionSource
from ..application.completion import CompletionService
from ..domain.prompts import DEFAULT_INSTRUCTIONS
from .settings import CodexSettings


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(CodexSettings)

    token_store = providers.Singleton(CodexAuthFileTokenStore, path=settings.provided.auth_path)

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
        max_retries=settings.provided.max_retries,
    )
