"""Embedding: an application brings its own adapters, through the constructor or a container, no patching.

Everything here runs with no login file (the HOME of every test is empty) and no
network: a static token, the application's instructions, and a replay transport
playing a recorded answer.
"""

from __future__ import annotations

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

FIXTURES = Path(__file__).parent / "fixtures"
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
