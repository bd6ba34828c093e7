"""Embedding: an application brings its own adapters, through the constructor or a container, no patching.

Everything here runs with no login file (the HOME of every test is empty) and no
network: a static token, the application's instructions, and a replay transport
playing a recorded answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import litellm
import pytest
from dependency_injector import providers
from litellm_codex_oauth_provider import CodexAuthProvider, register
from litellm_codex_oauth_provider.adapters.replay_transport import ReplayResponsesTransport
from litellm_codex_oauth_provider.adapters.static_instructions import StaticInstructionSource
from litellm_codex_oauth_provider.adapters.static_token_store import StaticTokenStore
from litellm_codex_oauth_provider.entrypoints.container import Container

from tests.fakes.codex_backend import text_answer

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
MESSAGES = [{"role": "user", "content": "Reply with exactly one word: pong"}]


@pytest.fixture
def no_login(_isolated_home: Path) -> Path:
    login = _isolated_home / ".codex" / "auth.json"
    assert not login.exists()
    return login


@pytest.fixture
def app_provider_name() -> Iterator[str]:
    saved = list(litellm.custom_provider_map)
    yield "myapp-codex"
    litellm.custom_provider_map[:] = saved


@pytest.mark.usefixtures("no_login")
def test_constructor_with_the_applications_adapters(app_provider_name: str) -> None:
    replay = ReplayResponsesTransport([FIXTURES / "recorded-text.sse"])
    provider = CodexAuthProvider(
        token_store=StaticTokenStore("app-token", "acct-app"),
        instruction_source=StaticInstructionSource("You are the assistant of MyApp."),
        transport=replay,
    )
    register(provider, name=app_provider_name)
    response = litellm.completion(model=f"{app_provider_name}/gpt-5.1-codex", messages=MESSAGES)
    assert response.choices[0].message.content == "pong"
    assert response.usage.prompt_tokens == 2315
    ((request, auth),) = replay.requests
    assert request.body["instructions"] == "You are the assistant of MyApp."
    assert (auth.access_token, auth.account_id) == ("app-token", "acct-app")


@pytest.mark.usefixtures("no_login")
async def test_an_overridden_container(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_MODE", "false")  # settings still come from the environment
    container = Container()
    container.token_store.override(providers.Object(StaticTokenStore("app-token", "acct-app")))
    container.transport.override(providers.Object(ReplayResponsesTransport([FIXTURES / "recorded-reasoning.sse"])))
    provider = CodexAuthProvider(container=container)
    response = await provider.acompletion(
        model="gpt-5.1-codex", messages=[{"role": "system", "content": "Add."}, *MESSAGES]
    )
    assert response.choices[0].message.content == "17 + 25 = 42"
    assert "forty-two" in response.choices[0].message.reasoning_content
    replay = container.transport()
    assert replay.requests[0][0].body["instructions"] == "Add."


@pytest.mark.usefixtures("no_login")
def test_the_default_provider_still_needs_the_login(app_provider_name: str) -> None:
    """The swapped adapters are what made the calls above work: without them the login file is read."""
    register(CodexAuthProvider(), name=app_provider_name)
    with pytest.raises(litellm.AuthenticationError) as caught:
        litellm.completion(model=f"{app_provider_name}/gpt-5.1-codex", messages=MESSAGES)
    assert "codex login" in str(caught.value)


@pytest.mark.usefixtures("no_login")
def test_the_readme_example_opens_no_connection_beyond_loopback() -> None:
    """Static token, own instructions, replay transport: no catalog fetch, no DNS lookup, no socket out.

    An audit hook (``socket.getaddrinfo``, ``socket.connect``) watches the example in a process of its own.
    """
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    env.pop("CODEX_BASE_URL", None)  # the default backend, chatgpt.com: what a leak would reach
    done = subprocess.run(
        [sys.executable, "-m", "tests.contract.embedding_no_network_worker"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["answers"] == ["pong", "pong"] and report["requests"] == 2
    assert report["outside"] == [], "the embedding example reached beyond loopback"


@pytest.mark.usefixtures("no_login")
def test_a_catalog_the_application_asks_for_is_used() -> None:
    """An application with its own transport gets a live catalog only by handing one in (``model_catalog=``)."""
    from litellm_codex_oauth_provider.domain.models import ModelSpec

    from tests.fakes.ports import FakeCatalog

    catalog = FakeCatalog({"gpt-5.5": ModelSpec("gpt-5.5", "gpt-5.5", ("low", "high"), "high", False, 1)})
    replay = ReplayResponsesTransport([FIXTURES / "recorded-text.sse"])
    provider = CodexAuthProvider(
        token_store=StaticTokenStore("app-token", "acct-app"),
        instruction_source=StaticInstructionSource("Mine."),
        transport=replay,
        model_catalog=catalog,
    )
    provider.completion(model="gpt-5.5", messages=MESSAGES)
    assert provider.service.catalog is catalog
    assert catalog.asked == ["gpt-5.5"], "looked up once, by the model's slug"
    assert replay.requests[0][0].body["reasoning"]["effort"] == "high", "the catalog's default effort"
    assert CodexAuthProvider(transport=replay).service.catalog is None, "no live catalog behind a replay"


@pytest.mark.parametrize("call", ["completion", "streaming"])
def test_the_model_name_is_read_once_per_request(call: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Prefix, effort suffix and alias are worked out once, and every step uses that reading."""
    from litellm_codex_oauth_provider.domain import models

    from tests.fakes.ports import FakeInstructionSource, FakeTokenStore, FakeTransport

    readings: list[str] = []
    split = models._split_effort

    def counted(name: str) -> tuple[str, str | None]:
        readings.append(name)
        return split(name)

    transport = FakeTransport(answers=[[text_answer("pong")]])
    provider = CodexAuthProvider(
        token_store=FakeTokenStore(), instruction_source=FakeInstructionSource(), transport=transport
    )
    monkeypatch.setattr(models, "_split_effort", counted)
    if call == "completion":
        response = provider.completion(model="codex/gpt-5.1-codex-high", messages=MESSAGES)
        assert response.model == "gpt-5.1-codex"
    else:
        chunks = list(provider.streaming(model="codex/gpt-5.1-codex-high", messages=MESSAGES))
        assert {chunk.model for chunk in chunks} == {"gpt-5.1-codex"}
    assert readings == ["gpt-5.1-codex-high"]
    ((request, _),) = transport.sent
    assert (request.body["model"], request.body["reasoning"]["effort"]) == ("gpt-5.1-codex", "high")
