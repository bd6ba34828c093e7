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
from ..adapters.catalog import CodexModelCatalog
from ..adapters.github_instructions import GitHubInstructionSource
from ..adapters.http_transport import HttpxResponsesTransport
from ..adapters.instruction_chain import InstructionChain
from ..adapters.oauth_refresh import OAuthRefreshClient
from ..adapters.usage_limits import UsageLimitsFile, UsageLimitsRecordingTransport
from ..application.completion import CompletionService
from ..domain.constants import CODEX_OAUTH_CLIENT_ID
from ..domain.ports import InstructionSource
from .settings import CodexSettings
from .token_stores import build_redis_token_store


def instruction_chain(
    *, order: str, catalog: InstructionSource, github: InstructionSource, wait_seconds: float
) -> InstructionChain:
    """The chain in ``CODEX_INSTRUCTIONS_SOURCES`` order (an empty value leaves only stale copies and the default)."""
    known = {"catalog": catalog, "github": github}
    names = [name.strip().lower() for name in order.split(",") if name.strip()]
    unknown = sorted(set(names) - known.keys())
    if unknown:
        raise ValueError(f"CODEX_INSTRUCTIONS_SOURCES: unknown source(s) {unknown}; use catalog, github")
    return InstructionChain([known[name] for name in dict.fromkeys(names)], wait_seconds=wait_seconds)


def _usage_limits_path(settings: CodexSettings) -> Path:
    return settings.cache_dir.expanduser() / "litellm-codex-oauth-usage-limits.json"


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(CodexSettings)

    oauth_refresh_client = providers.Singleton(
        OAuthRefreshClient,
        token_url=settings.provided.oauth_token_url,
        client_id=CODEX_OAUTH_CLIENT_ID,
        timeout=settings.provided.oauth_timeout_seconds,
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

    model_catalog = providers.Singleton(
        CodexModelCatalog,
        base_url=settings.provided.base_url,
        client_version=settings.provided.client_version,
        originator=settings.provided.originator,
        tokens=token_store,
        cache_dir=settings.provided.cache_dir,
        ttl_seconds=settings.provided.catalog_ttl_seconds,
        wait_seconds=settings.provided.instructions_fetch_timeout_seconds,
    )

    github_instructions = providers.Singleton(
        GitHubInstructionSource,
        api_url=settings.provided.github_api_url,
        raw_url=settings.provided.github_raw_url,
        cache_dir=settings.provided.cache_dir,
        ttl_seconds=settings.provided.instructions_cache_ttl_seconds,
        wait_seconds=settings.provided.instructions_fetch_timeout_seconds,
    )

    github_instruction_chain = providers.Singleton(
        InstructionChain,
        sources=providers.List(github_instructions),
        wait_seconds=settings.provided.instructions_fetch_timeout_seconds,
    )
    """The seed's ``get_codex_instructions``: GitHub, its stale copy, the default."""

    instruction_source = providers.Singleton(
        instruction_chain,
        order=settings.provided.instructions_sources,
        catalog=model_catalog,
        github=github_instructions,
        wait_seconds=settings.provided.instructions_fetch_timeout_seconds,
    )

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
        async_network=settings.provided.async_http,
    )

    transport = providers.Singleton(UsageLimitsRecordingTransport, inner=http_transport, limits=usage_limits)
    """Every answer's ``x-codex-*`` limit headers are kept for ``codex-litellm status``."""

    login_completion_service = providers.Factory(
        CompletionService,
        tokens=token_store,
        instructions=instruction_source,
        transport=transport,
        codex_mode=settings.provided.mode,
        strict_params=settings.provided.strict_params,
        catalog=model_catalog,
        max_retries=settings.provided.max_retries,
    )
    """The completion service of one named login: called with ``tokens=`` that login's store."""

    completion_service = providers.Singleton(login_completion_service)
