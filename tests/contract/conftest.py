"""Fixtures that bring in LiteLLM (a 5-second import): contract tests only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


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
    from tests.fakes.redis_server import RedisServer

    try:
        server = RedisServer(tmp_path_factory.mktemp("redis"))
    except FileNotFoundError as exc:
        pytest.skip(f"{exc}; CI installs it in .ci/run")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: Any) -> str:
    """The session's Redis, emptied for this test."""
    import redis

    with redis.Redis.from_url(redis_server.url) as client:
        client.flushall()
    return str(redis_server.url)
