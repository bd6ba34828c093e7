"""One runtime per process: the plugin's provider, the seed helpers and the command line share one container."""

from __future__ import annotations

from pathlib import Path

import pytest
from litellm_codex_oauth_provider import CodexAuthProvider, codex_provider
from litellm_codex_oauth_provider import auth as seed_auth
from litellm_codex_oauth_provider.adapters.replay_transport import ReplayResponsesTransport
from litellm_codex_oauth_provider.adapters.static_token_store import StaticTokenStore
from litellm_codex_oauth_provider.entrypoints import cli, seed_instructions
from litellm_codex_oauth_provider.entrypoints.container import Container, reset_runtime, runtime

from tests.fakes.github import FakeGitHub

FIXTURES = Path(__file__).parent / "fixtures"
MESSAGES = [{"role": "user", "content": "Reply with exactly one word: pong"}]


def test_the_plugin_the_seed_helpers_and_the_cli_share_the_runtime(
    auth_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = runtime()
    assert runtime() is shared
    assert codex_provider.container is shared and CodexAuthProvider().container is shared
    assert codex_provider.service is shared.completion_service() is CodexAuthProvider().service
    store = seed_auth.default_token_store()
    assert store is codex_provider.service.tokens, "get_auth_context shares the provider's login cache"
    assert seed_auth.get_auth_context() == codex_provider.get_auth_context()

    seen: list[Container] = []

    def models(args: object, container: Container) -> int:
        seen.append(container)
        return 0

    monkeypatch.setattr(cli, "_models", models)
    assert cli.main(["models"]) == 0
    assert seen == [shared]


def test_the_seeds_instructions_use_the_runtimes_github_source(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeGitHub() as github:
        monkeypatch.setenv("CODEX_GITHUB_API_URL", github.api_url)
        monkeypatch.setenv("CODEX_GITHUB_RAW_URL", github.raw_url)
        seed_text = seed_instructions.get_codex_instructions("gpt-5.1-codex")
        assert runtime().github_instructions().get_instructions("gpt-5.1-codex") == seed_text
        assert len(github.api_requests) == 1, "the provider's GitHub source found the seed's copy"


def test_a_reset_runtime_reads_the_settings_again(auth_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = runtime()
    seed_instructions.reset()
    assert runtime() is not first
    monkeypatch.setenv("CODEX_MODE", "false")
    reset_runtime()
    assert runtime().settings().mode is False


def test_the_provider_never_changes_a_container_it_was_handed() -> None:
    container = Container()
    replay = ReplayResponsesTransport([FIXTURES / "recorded-text.sse"])
    provider = CodexAuthProvider(
        container=container, token_store=StaticTokenStore("app-token", "acct-app"), transport=replay
    )
    response = provider.completion(model="gpt-5.1-codex", messages=MESSAGES)
    assert response.choices[0].message.content == "pong"
    assert len(replay.requests) == 1
    assert not container.transport.overridden and not container.token_store.overridden
    assert container.transport() is not replay
    assert provider.service.transport is replay and provider.service.catalog is None


def test_providers_with_their_own_ports_leave_the_runtime_alone() -> None:
    shared = runtime()
    replay = ReplayResponsesTransport([FIXTURES / "recorded-text.sse"])
    mine = CodexAuthProvider(token_store=StaticTokenStore("app-token", "acct-app"), transport=replay)
    assert mine.service.transport is replay
    assert shared.completion_service().transport is not replay
    assert not shared.transport.overridden and not shared.token_store.overridden
