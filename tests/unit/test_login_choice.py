"""Which login a call names, and the settings that choose the token store."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from litellm_codex_oauth_provider.domain.errors import CodexRequestError, CodexTokenStoreUnavailableError
from litellm_codex_oauth_provider.entrypoints.container import Container
from litellm_codex_oauth_provider.entrypoints.logins import LoginChoice, take_login_choice


def test_the_login_keys_are_taken_out_of_what_reaches_the_backend() -> None:
    kwargs = {"model": "gpt-5.1-codex", "optional_params": {"auth_file": "/a.json", "temperature": 0.2}}
    choice, cleaned = take_login_choice(kwargs)
    assert choice == LoginChoice(auth_file="/a.json")
    assert cleaned["optional_params"] == {"temperature": 0.2}
    assert kwargs["optional_params"] == {"auth_file": "/a.json", "temperature": 0.2}, "the caller's dict is kept"
    choice, cleaned = take_login_choice({"redis_key": "k", "redis_url": "redis://:pw@h:1/0"})
    assert choice == LoginChoice(redis_key="k", redis_url="redis://:pw@h:1/0") and "pw" not in repr(choice)
    assert cleaned == {}
    assert take_login_choice({"optional_params": {"temperature": 1}})[0] is None


@pytest.mark.parametrize(
    "params",
    [{"auth_file": "/a.json", "redis_key": "k"}, {"auth_file": ""}, {"redis_key": 3}],
)
def test_a_deployment_naming_a_login_wrongly_is_told_so(params: dict[str, object]) -> None:
    with pytest.raises(CodexRequestError):
        take_login_choice({"optional_params": params})


def test_one_store_per_named_login_built_by_the_container(tmp_path: Path) -> None:
    container = Container()
    logins = container.named_logins()
    alice = logins.service_for(LoginChoice(auth_file=str(tmp_path / "alice.json")))
    assert logins.service_for(LoginChoice(auth_file=str(tmp_path / "alice.json"))) is alice
    bob = logins.service_for(LoginChoice(auth_file=str(tmp_path / "bob.json")))
    assert isinstance(alice.tokens, CodexAuthFileTokenStore) and alice.tokens.path == tmp_path / "alice.json"
    assert bob.tokens is not alice.tokens and bob.transport is alice.transport
    assert alice.catalog is not None and bob.catalog is not None
    alice_catalog, bob_catalog = cast(Any, alice.catalog), cast(Any, bob.catalog)
    assert alice_catalog.tokens is alice.tokens and bob_catalog.tokens is bob.tokens, "each login its own catalog"
    assert alice.instructions is not bob.instructions
    assert alice.catalog is not container.model_catalog()


def test_the_file_store_is_the_default_and_redis_is_chosen_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(Container().token_store(), CodexAuthFileTokenStore)
    monkeypatch.setenv("CODEX_TOKEN_STORE", "redis")
    with pytest.raises(CodexTokenStoreUnavailableError, match="CODEX_REDIS_URL"):
        Container().token_store()
    monkeypatch.setenv("CODEX_REDIS_URL", "redis://:pw@127.0.0.1:9/0")
    monkeypatch.setenv("CODEX_REDIS_KEY", "team:login")
    container = Container()
    store = container.token_store()
    assert type(store).__name__ == "RedisTokenStore" and container.token_store() is store
    assert "team:login" in repr(store) and "pw" not in repr(store)
    assert container.completion_service().tokens is store


def test_the_token_endpoints_timeout_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Container().oauth_refresh_client().timeout == 15.0
    monkeypatch.setenv("CODEX_OAUTH_TIMEOUT_SECONDS", "4.5")
    assert Container().oauth_refresh_client().timeout == 4.5
    monkeypatch.setenv("CODEX_OAUTH_TIMEOUT_SECONDS", "0")
    with pytest.raises(ValueError, match="oauth_timeout_seconds"):
        Container().settings()
