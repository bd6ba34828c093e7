"""Domain errors to LiteLLM exceptions, case by case, without a backend."""

from __future__ import annotations

from typing import Any

import litellm
import pytest
from litellm_codex_oauth_provider.domain.backend_errors import api_error_from_event, api_error_from_http
from litellm_codex_oauth_provider.domain.errors import (
    CodexAuthFileNotFoundError,
    CodexAuthRefreshError,
    CodexConnectionError,
    CodexError,
    CodexRequestError,
    CodexStreamError,
    CodexTimeoutError,
)
from litellm_codex_oauth_provider.domain.models import ModelSpec
from litellm_codex_oauth_provider.entrypoints.errors import (
    LiteLLMErrors,
    catalog_model_names,
    to_litellm_error,
)

from tests.fakes.codex_backend import failed_event, limit_headers, usage_limit_body


@pytest.mark.parametrize(
    ("error", "kind", "status"),
    [
        (CodexRequestError("messages[0] has no role"), litellm.BadRequestError, 400),
        (CodexAuthFileNotFoundError("no Codex login file: run `codex login`"), litellm.AuthenticationError, 401),
        (CodexAuthRefreshError("the refresh endpoint is down", transient=True), litellm.ServiceUnavailableError, 503),
        (CodexTimeoutError("silent"), litellm.Timeout, 408),
        (CodexConnectionError("cannot reach the Codex backend"), litellm.APIConnectionError, 500),
        (CodexStreamError(502, "stream closed before response.completed"), litellm.APIConnectionError, 500),
        (api_error_from_http(504, "gateway timeout", {}), litellm.Timeout, 504),
        (api_error_from_http(418, {"detail": "teapot"}, {}), litellm.BadRequestError, 418),
        (api_error_from_http(507, {"detail": "full"}, {}), litellm.APIError, 507),
        (api_error_from_event(failed_event("cyber_policy", "no")), litellm.ContentPolicyViolationError, 400),
    ],
)
def test_each_kind_becomes_its_litellm_exception(error: CodexError, kind: type[Any], status: int) -> None:
    translated: Any = to_litellm_error(error, model="gpt-5.1-codex")
    assert isinstance(translated, kind)
    assert translated.status_code == status
    assert translated.codex_error is error
    expected_builtin = ValueError if isinstance(error, CodexRequestError) else RuntimeError
    assert isinstance(translated, expected_builtin)
    assert str(error) in str(translated)


def test_only_safe_headers_are_passed_on() -> None:
    headers = {**limit_headers(), "set-cookie": "session=1", "x-request-id": "req_5", "retry-after": "30"}
    translated: Any = to_litellm_error(api_error_from_http(429, usage_limit_body(), headers), model="m")
    assert "set-cookie" not in translated.headers
    assert "set-cookie" not in translated.response.headers
    assert translated.headers["x-request-id"] == "req_5"
    assert translated.headers["x-codex-plan-type"] == "plus"
    assert int(translated.headers["retry-after"]) in (5399, 5400)


def test_a_404_lists_the_models_the_catalog_knows() -> None:
    error = api_error_from_http(404, {"detail": "Model not found"}, {})
    translated = to_litellm_error(error, model="gpt-9-codex-high", available_models=lambda: ["gpt-5.5", "gpt-5.4"])
    assert isinstance(translated, litellm.NotFoundError)
    assert "the model 'gpt-9-codex' is not available to this ChatGPT account" in str(translated)
    assert str(translated).endswith("available models: gpt-5.5, gpt-5.4")


def test_the_catalog_names_come_from_the_containers_catalog_when_it_has_one() -> None:
    spec = ModelSpec("gpt-5.5", "gpt-5.5", ("low", "high"), "low", True, 400_000)

    class Catalog:
        def available_models(self) -> list[ModelSpec]:
            return [spec]

    class WithCatalog:
        model_catalog = Catalog

    assert catalog_model_names(WithCatalog()) == ["gpt-5.5"]
    assert catalog_model_names(object()) is None


def test_the_with_block_raises_from_the_domain_error_and_marks_mid_stream_failures() -> None:
    error = api_error_from_http(503, {"detail": "busy"}, {})
    guard = LiteLLMErrors("gpt-5.1-codex")
    guard.sent = True
    with pytest.raises(litellm.ServiceUnavailableError) as caught, guard:
        raise error
    assert caught.value.__cause__ is error
    assert "the answer failed mid-stream, after part of it was sent: Codex API error 503: busy" in str(caught.value)
    with pytest.raises(KeyError), LiteLLMErrors("m"):
        raise KeyError("not ours: passes untouched")


def test_exceptions_exports_every_litellm_facing_class() -> None:
    import inspect

    from litellm_codex_oauth_provider import exceptions
    from litellm_codex_oauth_provider.entrypoints import litellm_exceptions

    raised = {
        name
        for name, value in vars(litellm_exceptions).items()
        if inspect.isclass(value)
        and issubclass(value, litellm_exceptions.FromCodex)
        and value is not litellm_exceptions.FromCodex
    }
    assert raised <= set(exceptions.__all__), sorted(raised - set(exceptions.__all__))
    for name in raised:
        assert getattr(exceptions, name) is getattr(litellm_exceptions, name)
    assert {"CodexRateLimitError", "CodexAuthenticationError", "CodexTimeout"} <= raised


@pytest.mark.parametrize(
    "error",
    [
        api_error_from_http(429, usage_limit_body(), limit_headers(), url="http://127.0.0.1:9/backend-api/x"),
        api_error_from_http(400, {"detail": "bad"}, {}, url="http://127.0.0.1:9/backend-api/x"),
        CodexTimeoutError("silent", url="http://127.0.0.1:9/backend-api/x"),
        CodexConnectionError("cannot reach", url="http://127.0.0.1:9/backend-api/x"),
    ],
)
def test_the_response_names_the_request_that_failed(error: CodexError) -> None:
    translated: Any = to_litellm_error(error, model="m", url="http://elsewhere.invalid/codex/responses")
    assert str(translated.response.request.url) == "http://127.0.0.1:9/backend-api/x"
    assert str(translated.request.url) == "http://127.0.0.1:9/backend-api/x"


def test_an_error_raised_before_sending_names_the_address_it_was_for() -> None:
    translated: Any = to_litellm_error(
        CodexAuthFileNotFoundError("no Codex login file"),
        model="m",
        url="http://127.0.0.1:9/backend-api/codex/responses",
    )
    assert str(translated.response.request.url) == "http://127.0.0.1:9/backend-api/codex/responses"


def test_an_unreachable_login_store_is_a_service_problem_not_a_bad_login() -> None:
    from litellm_codex_oauth_provider.domain.errors import CodexTokenStoreUnavailableError

    translated = to_litellm_error(CodexTokenStoreUnavailableError("Redis cannot be reached"), model="m")
    assert isinstance(translated, litellm.ServiceUnavailableError)
    assert not isinstance(translated, litellm.AuthenticationError)
    assert translated.status_code == 503


def test_through_litellm_a_missing_login_file_names_the_settings_that_move_it() -> None:
    from pathlib import Path

    from litellm_codex_oauth_provider.domain.login_errors import file_not_found

    translated = to_litellm_error(file_not_found(Path("/nowhere/auth.json")), model="m")
    assert isinstance(translated, litellm.AuthenticationError)
    assert "codex login" in str(translated) and "CODEX_AUTH_FILE or CODEX_HOME" in str(translated)
