"""The plugin entrypoint: the module-level instance, ``register()``, and an import that does nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import litellm
import pytest
from litellm_codex_oauth_provider import CodexAuthProvider, codex_provider, register
from litellm_codex_oauth_provider.entrypoints import plugin

from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer


@pytest.fixture
def clean_map() -> Iterator[None]:
    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map[:] = [item for item in saved if item.get("provider") not in ("codex", "codex-two")]
    try:
        yield
    finally:
        litellm.custom_provider_map[:] = saved


def codex_entries(name: str = "codex") -> list[dict[str, Any]]:
    return [item for item in litellm.custom_provider_map if item.get("provider") == name]


def test_import_does_no_io_and_no_litellm() -> None:
    """Importing the package (and asking for the instance) reads no file and loads no LiteLLM."""
    code = (
        "import sys, litellm_codex_oauth_provider as p\n"
        "assert 'litellm' not in sys.modules, 'litellm imported'\n"
        "assert 'httpx' not in sys.modules, 'httpx imported'\n"
        "provider = p.codex_provider\n"
        "assert provider._service is None and provider._container is None\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "HOME": "/nonexistent-home", "LITELLM_LOCAL_MODEL_COST_MAP": "True"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.usefixtures("clean_map")
def test_register_is_idempotent() -> None:
    first = register()
    second = register()
    assert first is second is codex_provider
    assert len(codex_entries()) == 1
    assert "codex" in litellm.provider_list


@pytest.mark.usefixtures("clean_map")
def test_register_a_given_provider_replaces_the_entry_once() -> None:
    register()
    mine = CodexAuthProvider()
    assert register(mine) is mine
    assert register() is mine, "a later plain register() keeps the application's provider"
    (entry,) = codex_entries()
    assert entry["custom_handler"] is mine


@pytest.mark.usefixtures("clean_map")
def test_register_repairs_a_string_handler_and_duplicates() -> None:
    litellm.custom_provider_map.append(
        {"provider": "codex", "custom_handler": "litellm_codex_oauth_provider.codex_provider"}  # type: ignore[typeddict-item]
    )
    mine = CodexAuthProvider()
    litellm.custom_provider_map.append({"provider": "codex", "custom_handler": mine})
    assert register() is codex_provider
    (entry,) = codex_entries()
    assert entry["custom_handler"] is codex_provider
    assert register() is codex_provider


@pytest.mark.usefixtures("clean_map")
def test_register_keeps_a_provider_the_proxy_config_put_there() -> None:
    """When the proxy already registered an instance from its config, register() uses that one."""
    mine = CodexAuthProvider()
    litellm.custom_provider_map.append({"provider": "codex", "custom_handler": mine})
    assert register() is mine
    assert len(codex_entries()) == 1


def test_register_is_safe_from_many_threads(clean_map: None) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        handlers = list(pool.map(lambda _: register(), range(32)))
    assert all(handler is codex_provider for handler in handlers)
    assert len(codex_entries()) == 1


@pytest.mark.usefixtures("clean_map")
def test_register_under_another_name() -> None:
    mine = CodexAuthProvider()
    register(mine, name="codex-two")
    assert codex_entries("codex-two")[0]["custom_handler"] is mine
    assert codex_entries() == []


@pytest.mark.usefixtures("clean_map")
def test_one_register_call_makes_codex_models_work(codex_backend: FakeCodexBackend, auth_file: Any) -> None:
    register(CodexAuthProvider())
    codex_backend.enqueue(Reply(events=text_answer("registered")))
    response = litellm.completion(model="codex/gpt-5.1-codex", messages=[{"role": "user", "content": "hi"}])
    assert response.choices[0].message.content == "registered"


def test_the_proxy_config_names_the_module_level_instance() -> None:
    import yaml
    from litellm_codex_oauth_provider.entrypoints.cli import PROXY_CONFIG

    config = yaml.safe_load(PROXY_CONFIG.read_text())
    (entry,) = config["litellm_settings"]["custom_provider_map"]
    module, _, name = entry["custom_handler"].rpartition(".")
    assert entry["provider"] == plugin.PROVIDER_NAME
    assert getattr(sys.modules[module], name) is codex_provider
    assert config["router_settings"]["disable_cooldowns"] is True
    models = {item["model_name"]: item["litellm_params"] for item in config["model_list"]}
    for slug in ("gpt-5.1-codex", "gpt-5.1-codex-max", "gpt-5.1-codex-mini", "gpt-5.1", "gpt-5.5", "gpt-6-astra"):
        assert models[slug]["model"] == f"codex/{slug}"
    for params in models.values():
        assert set(params["allowed_openai_params"]) == {"reasoning_effort", "verbosity"}


def test_the_bundled_config_carries_each_models_true_info() -> None:
    """Every deployment of a known model has the context window and capabilities model_info.py gives, each its own."""
    import yaml
    from litellm_codex_oauth_provider.domain.models import MODEL_CATALOG
    from litellm_codex_oauth_provider.entrypoints.cli import PROXY_CONFIG
    from litellm_codex_oauth_provider.entrypoints.model_info import model_info

    deployments = yaml.safe_load(PROXY_CONFIG.read_text())["model_list"]
    known = [d for d in deployments if d["litellm_params"]["model"].removeprefix("codex/") in MODEL_CATALOG]
    assert len(known) == len(deployments) - 1, "every deployment but codex/* names a model of the static table"
    for deployment in known:
        spec = MODEL_CATALOG[deployment["litellm_params"]["model"].removeprefix("codex/")]
        assert deployment["model_info"] == model_info(spec), deployment["model_name"]
    assert len({id(d["model_info"]) for d in known}) == len(known), "the Router writes an id into each: never shared"


def test_register_gives_sdk_users_the_same_model_info() -> None:
    import litellm
    from litellm_codex_oauth_provider import register

    register()
    info = litellm.get_model_info("codex/gpt-5.5")
    assert info["max_input_tokens"] == 272_000
    assert info["supports_function_calling"] and info["supports_vision"] and info["supports_reasoning"]
    assert info["input_cost_per_token"] == info["output_cost_per_token"] == 0
    assert litellm.get_model_info("codex/gpt-5.3-codex-spark")["max_input_tokens"] == 128_000
