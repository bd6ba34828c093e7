"""One error family: backend answers, broken connections and login stores each in their own branch."""

from __future__ import annotations

import inspect

import pytest
from litellm_codex_oauth_provider import exceptions
from litellm_codex_oauth_provider.domain import errors
from litellm_codex_oauth_provider.domain.answer_headers import passable, request_id_of
from litellm_codex_oauth_provider.domain.backend_errors import api_error_from_event, api_error_from_http
from litellm_codex_oauth_provider.domain.errors import (
    CodexAPIError,
    CodexAPIStatusError,
    CodexAuthError,
    CodexConnectionError,
    CodexError,
    CodexStreamError,
    CodexTimeoutError,
    CodexTokenStoreUnavailableError,
)
from litellm_codex_oauth_provider.domain.stream import ResponseStreamState
from litellm_codex_oauth_provider.entrypoints.cli_output import EXIT_FAILED, exit_code, remedy

from tests.fakes.codex_backend import failed_event, text_answer

ANSWER_HEADERS = {"X-Request-Id": "req_42", "x-codex-plan-type": "plus", "set-cookie": "s=1"}


@pytest.mark.parametrize(
    "error",
    [
        CodexConnectionError("cannot reach the Codex backend"),
        CodexTimeoutError("silent"),
        CodexStreamError(502, "stream closed before response.completed"),
    ],
)
def test_no_whole_answer_is_not_a_status_the_backend_gave(error: CodexAPIError) -> None:
    assert isinstance(error, CodexAPIError), "one family: `except CodexAPIError` still catches it"
    assert not isinstance(error, CodexAPIStatusError)
    assert isinstance(error.status_code, int), "LiteLLM maps by an integer status_code"


def test_a_timeout_is_a_connection_failure_and_answers_are_status_errors() -> None:
    assert isinstance(CodexTimeoutError("silent"), CodexConnectionError)
    assert isinstance(api_error_from_http(503, {"detail": "busy"}, {}), CodexAPIStatusError)
    assert isinstance(api_error_from_event(failed_event("server_is_overloaded", "busy")), CodexAPIStatusError)


def test_an_unreachable_login_store_is_not_a_login_error() -> None:
    error = CodexTokenStoreUnavailableError("the Codex login store redis://redis-host:6379 cannot be reached")
    assert not isinstance(error, CodexAuthError)
    assert error.status_code == 503
    assert "codex login" not in remedy(error), "signing in again does not bring Redis back"
    assert exit_code(error) == EXIT_FAILED


def test_exceptions_exports_every_error_of_the_domain() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, CodexError) and value.__module__ == errors.__name__
    }
    assert defined <= set(exceptions.__all__), sorted(defined - set(exceptions.__all__))
    for name in defined:
        assert getattr(exceptions, name) is getattr(errors, name)


def test_an_in_stream_failure_carries_the_answers_request_id_and_headers_from_where_it_is_raised() -> None:
    state = ResponseStreamState(ANSWER_HEADERS)
    with pytest.raises(CodexAPIStatusError) as caught:
        state.feed([failed_event("server_is_overloaded", "busy")])
    assert caught.value.request_id == "req_42"
    assert caught.value.headers["x-codex-plan-type"] == "plus"


def test_a_stream_that_ends_early_carries_the_request_id_too() -> None:
    state = ResponseStreamState(ANSWER_HEADERS)
    state.feed(text_answer("cut short")[:3])
    with pytest.raises(CodexStreamError, match="before response.completed") as caught:
        state.result()
    assert caught.value.request_id == "req_42"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Request-Id": "req_1"}, "req_1"),
        ({"x-oai-request-id": "req_2"}, "req_2"),
        ({"x-request-id": "", "x-oai-request-id": "req_3"}, "req_3"),
        ({"content-type": "text/event-stream"}, None),
    ],
)
def test_the_request_id_rule(headers: dict[str, str], expected: str | None) -> None:
    assert request_id_of(headers) == expected
    assert api_error_from_http(500, {}, headers).request_id == expected


def test_only_the_limits_and_the_request_id_may_reach_a_caller() -> None:
    assert passable(ANSWER_HEADERS) == {"x-request-id": "req_42", "x-codex-plan-type": "plus"}


def test_the_domains_login_messages_name_no_setting_and_no_command_of_this_package() -> None:
    from pathlib import Path

    from litellm_codex_oauth_provider.domain import login_errors
    from litellm_codex_oauth_provider.entrypoints.login_guidance import with_advice

    where = "Redis redis-host:6379 key 'codex:login'"
    built = [
        login_errors.file_not_found(Path("/nowhere/auth.json")),
        login_errors.store_unavailable(where, "ConnectionError"),
        login_errors.stored_login_missing(where),
        login_errors.unusable_stored_login(where, "it is not JSON"),
    ]
    for error in built:
        assert "CODEX_" not in str(error) and "codex-litellm" not in str(error), str(error)
        assert with_advice(error) != str(error), f"the entrypoints advise on {error.code}"
    assert "CODEX_AUTH_FILE" in with_advice(built[0])
    assert "CODEX_REDIS_URL" in with_advice(built[1])
    assert "codex-litellm login-import" in with_advice(built[2])
    assert "codex-litellm login-import --replace" in with_advice(built[3])
