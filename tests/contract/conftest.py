"""Fixtures that bring in LiteLLM (a 5-second import): contract tests only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.codex_backend import FakeCodexBackend
from tests.fakes.token_endpoint import FakeTokenEndpoint


@pytest.fixture
def litellm_codex(codex_backend: Any, auth_file: Any) -> Iterator[Any]:
    """A fresh provider, built from the environment the fixtures set, registered as ``codex``."""
    import litellm
    from litellm_codex_oauth_provider import CodexAuthProvider, register

    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map[:] = [item for item in saved if item.get("provider") != "codex"]
    provider = register(CodexAuthProvider())
    try:
        yield provider
    finally:
        litellm.custom_provider_map[:] = saved


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One real ``redis-server`` for the session (skipped only where the binary is absent)."""
    from tests.fakes.redis_server import running_redis

    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: Any) -> str:
    """The session's Redis, emptied for this test."""
    import redis

    with redis.Redis.from_url(redis_server.url) as client:
        client.flushall()
    return str(redis_server.url)


@pytest.fixture
def token_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTokenEndpoint]:
    """The stand-in OAuth endpoint, which ``CODEX_OAUTH_TOKEN_URL`` points at."""
    with FakeTokenEndpoint() as endpoint:
        monkeypatch.setenv("CODEX_OAUTH_TOKEN_URL", endpoint.url)
        yield endpoint


@pytest.fixture
def busy_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCodexBackend]:
    """The fake backend with a listen queue deep enough for 200 connections arriving at once."""
    with FakeCodexBackend(listen_queue=512) as backend:
        monkeypatch.setenv("CODEX_BASE_URL", backend.base_url)
        yield backend
