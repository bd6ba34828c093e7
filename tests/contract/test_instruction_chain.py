"""The instruction chain with the real sources against the fakes: each fallback, one by one."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litellm_codex_oauth_provider.adapters.catalog import CodexModelCatalog
from litellm_codex_oauth_provider.adapters.github_instructions import GitHubInstructionSource
from litellm_codex_oauth_provider.adapters.instruction_chain import InstructionChain
from litellm_codex_oauth_provider.adapters.static_instructions import StaticInstructionSource
from litellm_codex_oauth_provider.domain.prompts import DEFAULT_INSTRUCTIONS
from litellm_codex_oauth_provider.entrypoints.container import Container, instruction_chain
from litellm_codex_oauth_provider.entrypoints.settings import CodexSettings

from tests.fakes.catalog_entries import catalog_models, model_entry
from tests.fakes.clock import FakeClock
from tests.fakes.codex_backend import FakeCodexBackend
from tests.fakes.github import FakeGitHub
from tests.fakes.ports import FakeTokenStore

TTL = 300.0
CODEX_GITHUB = "Codex prompt (fake GitHub)."


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


@pytest.fixture
def backend(codex_backend: FakeCodexBackend) -> FakeCodexBackend:
    codex_backend.models = catalog_models()
    return codex_backend


class Parts:
    def __init__(self, backend: FakeCodexBackend, github: FakeGitHub, folder: Path, *, wait: float = 5.0) -> None:
        self.clock = FakeClock()
        self.catalog = CodexModelCatalog(
            base_url=backend.base_url,
            client_version="0.155.0",
            originator="codex_cli_rs",
            tokens=FakeTokenStore(),
            cache_dir=folder,
            ttl_seconds=TTL,
            wait_seconds=wait,
            clock=self.clock,
        )
        self.github = GitHubInstructionSource(
            api_url=github.api_url,
            raw_url=github.raw_url,
            cache_dir=folder,
            ttl_seconds=TTL,
            wait_seconds=wait,
            clock=self.clock,
        )
        self.chain = InstructionChain([self.catalog, self.github], wait_seconds=wait)

    def expire_and_settle(self, model: str) -> None:
        """Lets both copies go stale and their revalidation run to its end."""
        self.clock.advance(TTL + 1)
        self.chain.get_instructions(model)
        self.github.get_instructions(model)
        self.catalog.cache.join()
        self.github.cache.join()


def test_1_the_catalog_comes_first_and_github_is_not_asked(
    backend: FakeCodexBackend, github: FakeGitHub, tmp_path: Path
) -> None:
    parts = Parts(backend, github, tmp_path)
    assert parts.chain.get_instructions("gpt-5.1-codex") == "Catalog instructions for gpt-5.1-codex."
    assert github.count == 0


async def test_2_a_model_the_catalog_has_no_text_for_comes_from_github(
    backend: FakeCodexBackend, github: FakeGitHub, tmp_path: Path
) -> None:
    parts = Parts(backend, github, tmp_path)
    assert await parts.chain.aget_instructions("gpt-5.1-codex-mini") == CODEX_GITHUB
    assert parts.chain.get_instructions("gpt-5.6-sol") == "Base prompt (fake GitHub)."


def test_3_no_catalog_at_all_falls_to_github(backend: FakeCodexBackend, github: FakeGitHub, tmp_path: Path) -> None:
    backend.models_status = 403
    parts = Parts(backend, github, tmp_path)
    assert parts.chain.get_instructions("gpt-5.1-codex") == CODEX_GITHUB


def test_4_a_current_github_copy_beats_a_catalog_copy_whose_revalidation_failed(
    backend: FakeCodexBackend, github: FakeGitHub, tmp_path: Path
) -> None:
    parts = Parts(backend, github, tmp_path)
    parts.chain.get_instructions("gpt-5.1-codex")
    parts.github.get_instructions("gpt-5.1-codex")
    backend.models_status = 500
    parts.expire_and_settle("gpt-5.1-codex")
    assert parts.chain.get_instructions("gpt-5.1-codex") == CODEX_GITHUB


def test_5_with_every_source_failing_the_stale_copy_in_chain_order_is_served(
    backend: FakeCodexBackend, github: FakeGitHub, tmp_path: Path
) -> None:
    parts = Parts(backend, github, tmp_path)
    parts.chain.get_instructions("gpt-5.1-codex")
    parts.github.get_instructions("gpt-5.1-codex")
    backend.models_status = 500
    github.api_status = 403
    parts.expire_and_settle("gpt-5.1-codex")
    assert parts.chain.get_instructions("gpt-5.1-codex") == "Catalog instructions for gpt-5.1-codex."
    only_github = InstructionChain([parts.github], wait_seconds=1)
    assert only_github.get_instructions("gpt-5.1-codex") == CODEX_GITHUB


async def test_6_with_nothing_anywhere_the_projects_own_text(
    backend: FakeCodexBackend, github: FakeGitHub, tmp_path: Path
) -> None:
    backend.models_status = 500
    github.api_status = 403
    parts = Parts(backend, github, tmp_path)
    assert parts.chain.get_instructions("gpt-5.1-codex") == DEFAULT_INSTRUCTIONS
    assert await parts.chain.aget_instructions("gpt-5.1-codex") == DEFAULT_INSTRUCTIONS
    assert len(backend.models_requests) == 1
    assert len(github.api_requests) == 1, "a failed cold fetch is not repeated per request"


def test_the_cold_wait_is_one_budget_for_the_whole_chain(
    backend: FakeCodexBackend, github: FakeGitHub, tmp_path: Path
) -> None:
    backend.models_delay = 2.0
    github.raw_delay = 2.0
    wait = 1.0
    parts = Parts(backend, github, tmp_path, wait=wait)
    started = time.monotonic()
    assert parts.chain.get_instructions("gpt-5.1-codex") == DEFAULT_INSTRUCTIONS
    assert time.monotonic() - started < 1.9 * wait, "one budget for the chain, not one per source"
    parts.catalog.cache.join()
    parts.github.cache.join()
    assert parts.chain.get_instructions("gpt-5.1-codex") == "Catalog instructions for gpt-5.1-codex."


def test_a_plain_instruction_source_can_be_a_link(tmp_path: Path) -> None:
    chain = InstructionChain([StaticInstructionSource(None), StaticInstructionSource("Mine.")], wait_seconds=1)
    assert chain.get_instructions("gpt-5.5") == "Mine."


def test_the_order_setting(backend: FakeCodexBackend, github: FakeGitHub, tmp_path: Path) -> None:
    parts = Parts(backend, github, tmp_path)
    order = CodexSettings(instructions_sources="github, catalog").instruction_source_names
    reversed_chain = instruction_chain(order=order, catalog=parts.catalog, github=parts.github, wait_seconds=5)
    assert reversed_chain.get_instructions("gpt-5.1-codex") == CODEX_GITHUB
    none = CodexSettings(instructions_sources="").instruction_source_names
    assert instruction_chain(order=none, catalog=parts.catalog, github=parts.github, wait_seconds=5).sources == ()
    with pytest.raises(ValueError, match="unknown source"):
        CodexSettings(instructions_sources="catalog,gitlab")


def test_the_container_builds_the_chain_from_settings(
    backend: FakeCodexBackend, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEX_GITHUB_API_URL", github.api_url)
    monkeypatch.setenv("CODEX_GITHUB_RAW_URL", github.raw_url)
    monkeypatch.setenv("CODEX_INSTRUCTIONS_SOURCES", "github")
    container = Container()
    chain = container.instruction_source()
    assert isinstance(chain, InstructionChain)
    assert chain.sources == (container.github_instructions(),)
    assert chain.get_instructions("gpt-5.1-codex") == CODEX_GITHUB
    service = container.completion_service()
    assert service.catalog is container.model_catalog()


def test_the_seeds_get_codex_instructions(github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    from litellm_codex_oauth_provider.entrypoints import seed_instructions

    monkeypatch.setenv("CODEX_GITHUB_API_URL", github.api_url)
    monkeypatch.setenv("CODEX_GITHUB_RAW_URL", github.raw_url)
    seed_instructions.reset()
    try:
        assert seed_instructions.get_codex_instructions("gpt-5.1-codex-max") == "Codex-max prompt (fake GitHub)."
        assert seed_instructions.get_codex_instructions() == CODEX_GITHUB
        assert len(github.api_requests) == 1
    finally:
        seed_instructions.reset()


def test_a_folder_that_cannot_be_written_costs_the_copy_not_the_text(github: FakeGitHub, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    source = GitHubInstructionSource(
        api_url=github.api_url, raw_url=github.raw_url, cache_dir=blocked, ttl_seconds=TTL, wait_seconds=5
    )
    assert source.get_instructions("gpt-5.1-codex") == CODEX_GITHUB


class CountedLooks:
    """Counts the looks at a catalog's list (every lookup of any kind goes through its cache)."""

    def __init__(self, catalog: CodexModelCatalog) -> None:
        self.count = 0
        cache = catalog.cache
        get, aget = cache.get, cache.aget

        def counted_get(key: str, *, wait: float | None = None) -> object:
            self.count += 1
            return get(key, wait=wait)

        async def counted_aget(key: str, *, wait: float | None = None) -> object:
            self.count += 1
            return await aget(key, wait=wait)

        cache.get, cache.aget = counted_get, counted_aget  # type: ignore[method-assign,assignment]


@pytest.mark.parametrize("order", ["catalog,github", "github,catalog"])
@pytest.mark.parametrize("codex_mode", [True, False])
async def test_a_request_looks_at_its_catalog_once(
    backend: FakeCodexBackend, github: FakeGitHub, tmp_path: Path, order: str, codex_mode: bool
) -> None:
    """Instructions and the model's spec come from one look at the catalog, sync and async."""
    from litellm_codex_oauth_provider.application.completion import CompletionService
    from litellm_codex_oauth_provider.domain.translation import ChatRequest

    from tests.fakes.codex_backend import text_answer
    from tests.fakes.ports import FakeTransport

    backend.models = [*catalog_models(), model_entry("gpt-7-nova", ("low", "high"), default="low")]
    parts = Parts(backend, github, tmp_path)
    chain = instruction_chain(order=order.split(","), catalog=parts.catalog, github=parts.github, wait_seconds=5)
    looks = CountedLooks(parts.catalog)
    transport = FakeTransport(answers=[[text_answer("a")], [text_answer("b")]])
    service = CompletionService(
        tokens=FakeTokenStore(), instructions=chain, transport=transport, catalog=parts.catalog, codex_mode=codex_mode
    )
    chat = ChatRequest("gpt-7-nova", [{"role": "user", "content": "hi"}])
    service.complete(chat)
    assert looks.count == 1
    await service.acomplete(chat)
    assert looks.count == 2
    for request, _ in transport.sent:
        assert request.body["reasoning"]["effort"] == "low", (
            "the live catalog's default effort for a model only it knows"
        )
        if codex_mode:
            expected = (
                "Catalog instructions for gpt-7-nova." if order.startswith("catalog") else "Base prompt (fake GitHub)."
            )
            assert request.body["instructions"] == expected
