"""The composition root: the only place that builds the package's objects.

Applications swap an adapter by overriding its provider
(``container.token_store.override(providers.Object(my_store))``) or by handing it
to ``CodexAuthProvider(...)``, which does that for them.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from dependency_injector import containers, providers

from ..adapters.auth_file import CodexAuthFileTokenStore
from ..adapters.http_transport import HttpxResponsesTransport
from ..adapters.static_instructions import StaticInstructionSource
from ..adapters.usage_limits import UsageLimitsFile, UsageLimitsRecordingTransport
from ..application.completion import CompletionService
from ..domain.prompts import DEFAULT_INSTRUCTIONS
from .settings import CodexSettings


def _usage_limits_path(settings: CodexSettings) -> Path:
    return settings.cache_dir.expanduser() / "usage-limits.json"


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(CodexSettings)

    token_store = providers.Singleton(CodexAuthFileTokenStore, path=settings.provided.auth_path)

    instruction_source = providers.Singleton(StaticInstructionSource, text=DEFAULT_INSTRUCTIONS)

    http_timeout = providers.Factory(
        httpx.Timeout,
        settings.provided.stream_idle_timeout_seconds,
        connect=settings.provided.connect_timeout_seconds,
    )

    usage_limits = providers.Singleton(UsageLimitsFile, path=providers.Callable(_usage_limits_path, settings))

    http_transport = providers.Singleton(
        HttpxResponsesTransport,
        base_url=settings.provided.base_url,
        originator=settings.provided.originator,
        client_version=settings.provided.client_version,
        timeout=http_timeout,
    )

    transport = providers.Singleton(UsageLimitsRecordingTransport, inner=http_transport, limits=usage_limits)
    """Every answer's ``x-codex-*`` limit headers are kept for ``codex-litellm status``."""

    completion_service = providers.Singleton(
        CompletionService,
        tokens=token_store,
        instructions=instruction_source,
        transport=transport,
        codex_mode=settings.provided.mode,
    )
