"""Two logins behind one model name: LiteLLM's real Router moves on when one hits its usage limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.catalog_entries import catalog_models
from tests.fakes.codex_backend import FakeCodexBackend
from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "proxy-two-logins.yaml"
MESSAGES = [{"role": "user", "content": "hello"}]


def two_logins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    tokens = []
    for name in ("alice", "bob"):
        token = make_jwt(exp=time.time() + 3600, secret_tag=name, account_id=f"acct-{name}")
        path = write_auth_file(tmp_path / name / "auth.json", codex_auth_document(token, f"rt-{name}", account_id=None))
        monkeypatch.setenv(f"CODEX_{name.upper()}_AUTH_FILE", str(path))
        tokens.append(token)
    return tokens[0], tokens[1]


def example_router() -> Any:
    import litellm

    config = yaml.safe_load(EXAMPLE.read_text())
    return litellm.Router(model_list=config["model_list"], **config["router_settings"])


def bearers(backend: FakeCodexBackend) -> list[str]:
    return [request.headers["authorization"].removeprefix("Bearer ") for request in backend.response_requests]


def test_the_example_spreads_over_both_logins(
    litellm_codex: Any, codex_backend: FakeCodexBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = two_logins(tmp_path, monkeypatch)
    router = example_router()
    for _ in range(16):
        response = router.completion(model="gpt-5.1-codex", messages=MESSAGES)
        assert "You said: hello" in response.choices[0].message.content
    used = bearers(codex_backend)
    assert set(used) == {alice, bob}, "both logins served"
    accounts = {request.headers["chatgpt-account-id"] for request in codex_backend.response_requests}
    assert accounts == {"acct-alice", "acct-bob"}
    assert all("auth_file" not in request.body for request in codex_backend.response_requests)


@pytest.fixture
def codex_without_a_default_login(codex_backend: FakeCodexBackend, _isolated_home: Path) -> Iterator[Any]:
    """The example's setup: every deployment names its login, and there is no default login file."""
    import litellm
    from litellm_codex_oauth_provider import CodexAuthProvider, register

    assert not (_isolated_home / ".codex" / "auth.json").exists()
    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map[:] = [item for item in saved if item.get("provider") != "codex"]
    try:
        yield register(CodexAuthProvider())
    finally:
        litellm.custom_provider_map[:] = saved


@pytest.mark.usefixtures("codex_without_a_default_login")
def test_each_login_fetches_its_own_catalog_with_its_own_account(
    codex_backend: FakeCodexBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    codex_backend.models = catalog_models()
    alice, bob = two_logins(tmp_path, monkeypatch)
    router = example_router()
    for _ in range(16):
        router.completion(model="gpt-5.1-codex", messages=MESSAGES)
        if set(bearers(codex_backend)) == {alice, bob}:
            break
    assert set(bearers(codex_backend)) == {alice, bob}, "both logins served"
    fetched_with = {
        (request.headers["authorization"].removeprefix("Bearer "), request.headers["chatgpt-account-id"])
        for request in codex_backend.models_requests
    }
    assert fetched_with == {(alice, "acct-alice"), (bob, "acct-bob")}, "one catalog per login, with its account"
    assert len(codex_backend.models_requests) == 2


def test_a_login_at_its_usage_limit_hands_over_to_the_other(
    litellm_codex: Any, codex_backend: FakeCodexBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = two_logins(tmp_path, monkeypatch)
    codex_backend.usage_limited_tokens.add(alice)
    router = example_router()

    async def calls() -> list[str]:
        answers = []
        for _ in range(30):
            response = await router.acompletion(model="gpt-5.1-codex", messages=MESSAGES)
            answers.append(response.choices[0].message.content)
            if alice in bearers(codex_backend):
                break
        for _ in range(5):  # the spent login now sits out its cooldown
            response = await router.acompletion(model="gpt-5.1-codex", messages=MESSAGES)
            answers.append(response.choices[0].message.content)
        return answers

    answers = asyncio.run(calls())
    assert all("You said: hello" in text for text in answers), "every request was answered"
    used = bearers(codex_backend)
    assert used.count(alice) == 1, "alice's login was tried once, answered its usage limit, and cooled down"
    assert used[used.index(alice) + 1] == bob, "the same request moved on to bob's login"
    assert used[used.index(alice) + 1 :] == [bob] * (len(used) - used.index(alice) - 1)


def test_a_deployment_can_name_a_login_kept_in_redis(
    litellm_codex: Any, codex_backend: FakeCodexBackend, redis_url: str
) -> None:
    import litellm
    from litellm_codex_oauth_provider.adapters.redis_token_store import RedisTokenStore

    token = make_jwt(exp=time.time() + 3600, secret_tag="carol", account_id="acct-carol")
    RedisTokenStore(redis_url, "login:carol").import_login(codex_auth_document(token, "rt-carol", account_id=None))
    response = litellm.completion(
        model="codex/gpt-5.1-codex", messages=MESSAGES, redis_key="login:carol", redis_url=redis_url
    )
    assert "You said: hello" in response.choices[0].message.content
    (request,) = codex_backend.response_requests
    assert request.headers["authorization"] == f"Bearer {token}"
    assert "redis_key" not in request.body and "redis_url" not in request.body


def test_redis_down_fails_that_login_clearly_and_the_file_login_still_works(
    litellm_codex: Any, codex_backend: FakeCodexBackend
) -> None:
    import litellm

    from tests.fakes.redis_server import refused_port

    dead = f"redis://:pw-42@127.0.0.1:{refused_port()}/0"
    with pytest.raises(litellm.ServiceUnavailableError, match="cannot be reached") as caught:
        litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES, redis_key="k", redis_url=dead)
    assert "pw-42" not in str(caught.value)
    response = litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES)
    assert "You said: hello" in response.choices[0].message.content
