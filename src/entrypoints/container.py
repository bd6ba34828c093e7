"""The composition root: the only place that builds the package's objects.

Applications swap an adapter by overriding its provider
(``container.token_store.override(providers.Object(my_store))``) on a container of
their own, or by handing it to ``CodexAuthProvider(...)``, which builds its service
from the runtime's factories without changing the runtime. ``runtime()`` is the
process's one container.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import httpx
from dependency_injector import containers, providers

from ..adapters.auth_file import CodexAuthFileTokenStore
from ..adapters.catalog import CodexModelCatalog
from ..adapters.github_instructions import GitHubInstructionSource
from ..adapters.http_transport import HttpxResponsesTransport
from ..adapters.instruction_chain import InstructionChain
from ..adapters.oauth_refresh import OAuthRefreshClient
from ..adapters.single_flight import FlightRegistry
from ..adapters.usage_limits import UsageLimitsFile, UsageLimitsObservingTransport
from ..application.answer_rules import DroppedParamWarnings
from ..application.completion import CompletionService
from ..domain.constants import CODEX_OAUTH_CLIENT_ID
from ..domain.ports import InstructionSource
from .logins import Login, NamedLogins, build_login
from .settings import CodexSettings
from .token_stores import build_redis_token_store


def instruction_chain(
    *, order: Sequence[str], catalog: InstructionSource | None, github: InstructionSource, wait_seconds: float
) -> InstructionChain:
    """The chain in ``CODEX_INSTRUCTIONS_SOURCES`` order, which the settings checked (none: only stale copies
    and the default).

    ``catalog`` is the login's own catalog; without one (an application's own transport) that link is left out.
    """
    known = {"catalog": catalog, "github": github}
    sources = [known[name] for name in order]
    return InstructionChain([source for source in sources if source is not None], wait_seconds=wait_seconds)


def _usage_limits_path(settings: CodexSettings) -> Path:
    return settings.cache_dir.expanduser() / "litellm-codex-oauth-usage-limits.json"


class Container(containers.DeclarativeContainer):
    """One runtime's object graph: what the process shares, and one sub-graph per login.

    Shared: the settings, the transport, GitHub's instructions, the single flights of the
    logins, the record of refused parameters. Per login: a token store, a model catalog
    (fetched with that login), an instruction chain, a completion service. The default
    login's are ``token_store``, ``model_catalog``, ``instruction_source`` and
    ``completion_service``; a deployment's own login gets the same sub-graph from
    ``login_for(tokens=...)``, kept by ``named_logins``.
    """

    settings = providers.Singleton(CodexSettings)

    flights = providers.Singleton(FlightRegistry)
    """One refresh at a time per login, among every store of this runtime that reads it."""

    param_warnings = providers.Singleton(DroppedParamWarnings)

    oauth_refresh_client = providers.Singleton(
        OAuthRefreshClient,
        token_url=settings.provided.token_url,
        client_id=CODEX_OAUTH_CLIENT_ID,
        timeout=settings.provided.oauth_timeout_seconds,
    )

    file_token_store_for = providers.Factory(
        CodexAuthFileTokenStore,
        path=settings.provided.auth_path,
        refresher=oauth_refresh_client,
        refresh_buffer_seconds=settings.provided.token_refresh_buffer_seconds,
        flights=flights,
    )
    """A login file's store; a deployment naming its own ``auth_file`` passes ``path=``."""

    redis_token_store_for = providers.Factory(
        build_redis_token_store,
        url=settings.provided.redis_url,
        key=settings.provided.redis_key,
        refresher=oauth_refresh_client,
        refresh_buffer_seconds=settings.provided.token_refresh_buffer_seconds,
        lock_timeout_seconds=settings.provided.redis_lock_timeout_seconds,
        flights=flights,
    )
    """A Redis login's store; a deployment naming its own ``redis_key`` (or ``redis_url``) passes it."""

    token_store = providers.Selector(
        settings.provided.token_store,
        file=providers.Singleton(file_token_store_for),
        redis=providers.Singleton(redis_token_store_for),
    )
    """The default login: ``CODEX_TOKEN_STORE``, the login file or one login in Redis shared by every replica."""

    github_instructions = providers.Singleton(
        GitHubInstructionSource,
        api_url=settings.provided.github_api_url,
        raw_url=settings.provided.github_raw_url,
        cache_dir=settings.provided.cache_dir,
        ttl_seconds=settings.provided.instructions_cache_ttl_seconds,
        wait_seconds=settings.provided.instructions_fetch_timeout_seconds,
    )
    """Shared by every login: GitHub's prompt files are the same for every account."""

    github_instruction_chain = providers.Singleton(
        InstructionChain,
        sources=providers.List(github_instructions),
        wait_seconds=settings.provided.instructions_fetch_timeout_seconds,
    )
    """The seed's ``get_codex_instructions``: GitHub, its stale copy, the default."""

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

    transport = providers.Singleton(UsageLimitsObservingTransport, inner=http_transport, limits=usage_limits)
    """Every answer's ``x-codex-*`` limit headers are kept for ``codex-litellm status``."""

    # -- one login's sub-graph: each factory is called with that login's parts ----------------

    model_catalog_for = providers.Factory(
        CodexModelCatalog,
        base_url=settings.provided.base_url,
        client_version=settings.provided.client_version,
        originator=settings.provided.originator,
        tokens=token_store,
        cache_dir=settings.provided.cache_dir,
        ttl_seconds=settings.provided.catalog_ttl_seconds,
        wait_seconds=settings.provided.instructions_fetch_timeout_seconds,
    )
    """A login's catalog, fetched with that login (``tokens=``) and cached on disk per account."""

    model_catalog = providers.Singleton(model_catalog_for)

    instruction_source_for = providers.Factory(
        instruction_chain,
        order=settings.provided.instruction_source_names,
        catalog=model_catalog,
        github=github_instructions,
        wait_seconds=settings.provided.instructions_fetch_timeout_seconds,
    )
    """A login's chain: its own catalog (``catalog=``), then the shared GitHub source."""

    instruction_source = providers.Singleton(instruction_source_for)

    login_completion_service = providers.Factory(
        CompletionService,
        tokens=token_store,
        instructions=instruction_source,
        transport=transport,
        codex_mode=settings.provided.mode,
        strict_params=settings.provided.strict_params,
        catalog=model_catalog,
        max_retries=settings.provided.max_retries,
        param_warnings=param_warnings,
    )
    """A login's completion service: called with that login's ``tokens=``, ``instructions=``, ``catalog=``."""

    completion_service = providers.Singleton(login_completion_service)

    login_for = providers.Factory(
        build_login,
        catalog_for=model_catalog_for.provider,
        instructions_for=instruction_source_for.provider,
        service_for=login_completion_service.provider,
    )
    """The whole sub-graph of the login whose store is ``tokens=``."""

    default_login = providers.Singleton(
        Login,
        tokens=token_store,
        catalog=model_catalog,
        instructions=instruction_source,
        service=completion_service,
    )

    named_logins = providers.Singleton(
        NamedLogins,
        file_store=file_token_store_for.provider,
        redis_store=redis_token_store_for.provider,
        login=login_for.provider,
    )
    """The logins the proxy's deployments name (``auth_file``, ``redis_key``), one sub-graph each."""


_runtime_lock = threading.Lock()
_runtime: Container | None = None


def runtime() -> Container:
    """The process's one runtime, built on first use from the ``CODEX_*`` settings.

    Shared by ``codex_provider`` (and every ``CodexAuthProvider()`` built without a
    container), ``auth.get_auth_context``, the seed's ``get_codex_instructions`` and the
    command line, so they share one login cache, one refresh at a time, one catalog.
    """
    current = _runtime
    if current is not None:
        return current
    return _build_runtime()


def _build_runtime() -> Container:
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Container()
        return _runtime


def reset_runtime() -> None:
    """Forgets the runtime, so the next use builds a new one from the settings (tests, a changed environment)."""
    global _runtime
    with _runtime_lock:
        _runtime = None
