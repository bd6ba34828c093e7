"""The one mapping of the backend's failures (HTTP statuses and in-stream events) to the package's errors."""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from litellm_codex_oauth_provider.domain.backend_errors import api_error_from_event, api_error_from_http
from litellm_codex_oauth_provider.domain.errors import (
    CodexAPIError,
    CodexAPIStatusError,
    CodexContextWindowError,
    CodexUsageLimitError,
    CodexUsageNotIncludedError,
)
from litellm_codex_oauth_provider.domain.limits import (
    RateLimitSnapshot,
    delay_from_message,
    format_duration,
    retry_after_from_headers,
    usage_limit_info,
)
from litellm_codex_oauth_provider.domain.stream import ResponseStreamState

from tests.fakes.codex_backend import (
    error_event,
    failed_event,
    limit_headers,
    text_answer,
    usage_limit_body,
)


def test_the_text_starts_with_the_status_and_keeps_the_backend_detail_verbatim() -> None:
    detail = "Unsupported parameter: temperature"
    error = api_error_from_http(400, {"detail": detail}, {"x-request-id": "req_42"})
    assert isinstance(error, RuntimeError)
    assert str(error) == f"Codex API error 400: {detail}"
    assert (error.status_code, error.message, error.request_id) == (400, detail, "req_42")
    assert error.body == {"detail": detail}
    assert not error.transient


def test_the_model_layer_error_shape_gives_message_and_code() -> None:
    body = {"error": {"message": "Unsupported value: 'none'", "type": "invalid_request_error", "code": "bad_effort"}}
    error = api_error_from_http(400, body, {})
    assert error.message == "Unsupported value: 'none'"
    assert error.code == "bad_effort"


def test_a_body_that_is_not_json_is_kept_as_text() -> None:
    error = api_error_from_http(502, "<html>bad gateway</html>", {"x-oai-request-id": "oai_1"})
    assert str(error) == "Codex API error 502: an HTML error page (bad gateway)"
    assert error.body == "<html>bad gateway</html>", "the whole body stays on the error"
    assert error.request_id == "oai_1"
    assert error.transient


def test_a_long_text_body_is_cut_to_a_readable_excerpt() -> None:
    error = api_error_from_http(500, "Internal   error\n" + "detail " * 200, {})
    assert str(error).startswith("Codex API error 500: Internal error detail detail")
    assert str(error).endswith(" ...") and len(str(error)) < 200


def test_a_usage_limit_says_the_plan_when_it_resets_and_how_long_to_wait() -> None:
    error = api_error_from_http(429, usage_limit_body("pro", resets_in_seconds=5400), limit_headers())
    assert isinstance(error, CodexUsageLimitError)
    assert error.status_code == 429 and not error.transient
    assert error.plan_type == "pro"
    assert error.retry_after == 5400
    assert error.resets_at is not None and abs(error.resets_at - (time.time() + 5400)) < 5
    stamp = datetime.fromtimestamp(error.resets_at, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert str(error) == (
        f"Codex API error 429: the ChatGPT pro plan's Codex usage limit has been reached; "
        f"it resets at {stamp} (in 1 h 30 min)"
    )
    assert error.headers["x-codex-plan-type"] == "plus"


def test_a_usage_limit_dressed_as_a_404_is_still_a_usage_limit() -> None:
    error = api_error_from_http(404, {"detail": "usage_limit_reached: try later"}, {"retry-after": "120"})
    assert isinstance(error, CodexUsageLimitError)
    assert error.status_code == 429
    assert error.retry_after == 120
    assert "in 2 min" in str(error)


def test_a_plain_404_stays_a_404() -> None:
    error = api_error_from_http(404, {"detail": "Model not found"}, {})
    assert type(error) is CodexAPIStatusError
    assert error.status_code == 404 and not error.transient


def test_usage_not_included_says_the_plan_has_no_codex() -> None:
    body = {"error": {"type": "usage_not_included", "message": "nope", "plan_type": "free"}}
    error = api_error_from_http(429, body, {})
    assert isinstance(error, CodexUsageNotIncludedError)
    assert error.status_code == 403 and not error.transient
    assert "free plan does not include Codex" in str(error)


@pytest.mark.parametrize(("status", "transient"), [(500, False), (502, True), (503, True), (504, True), (418, False)])
def test_only_gateway_statuses_are_transient(status: int, transient: bool) -> None:
    assert api_error_from_http(status, {}, {}).transient is transient


def test_overload_is_transient_and_honours_retry_after() -> None:
    error = api_error_from_http(
        500, {"error": {"code": "server_is_overloaded", "message": "busy"}}, {"Retry-After": "3"}
    )
    assert error.transient
    assert error.status_code == 503
    assert error.retry_after == 3


def test_context_length_becomes_its_own_kind() -> None:
    body = {"error": {"message": "Your input exceeds the context window of this model.", "code": None}}
    error = api_error_from_http(400, body, {})
    assert isinstance(error, CodexContextWindowError)
    assert error.status_code == 400


def test_errors_survive_pickling() -> None:
    error = api_error_from_http(429, usage_limit_body(), {"x-request-id": "req_9"})
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is CodexUsageLimitError
    assert str(copy) == str(error)
    assert (copy.plan_type, copy.request_id, copy.retry_after) == ("plus", "req_9", error.retry_after)


# -- in-stream failures ------------------------------------------------------------------


def test_a_rate_limit_in_the_stream_carries_the_delay_of_its_message() -> None:
    error = api_error_from_event(
        failed_event("rate_limit_exceeded", "Rate limit reached. Please try again in 11.054s.")
    )
    assert error.status_code == 429
    assert error.retry_after == pytest.approx(11.054)
    assert not error.transient


@pytest.mark.parametrize(
    ("code", "kind", "status", "transient"),
    [
        ("context_length_exceeded", CodexContextWindowError, 400, False),
        ("insufficient_quota", CodexUsageLimitError, 429, False),
        ("usage_limit_reached", CodexUsageLimitError, 429, False),
        ("usage_not_included", CodexUsageNotIncludedError, 403, False),
        ("server_is_overloaded", CodexAPIError, 503, True),
        ("slow_down", CodexAPIError, 503, True),
        ("cyber_policy", CodexAPIError, 400, False),
        ("something_new", CodexAPIError, 500, False),
    ],
)
def test_in_stream_codes_map_to_their_kind(code: str, kind: type[CodexAPIError], status: int, transient: bool) -> None:
    for event in (failed_event(code, "it failed"), error_event(code, "it failed")):
        error = api_error_from_event(event)
        assert isinstance(error, kind), event
        assert (error.status_code, error.transient, error.code) == (status, transient, code)


def test_a_failed_answer_without_a_reason_is_still_an_error() -> None:
    error = api_error_from_event({"type": "response.failed", "response": {"status": "failed", "error": None}})
    assert error.status_code == 500
    assert error.code is None
    assert "without a reason" in str(error)


def test_the_state_machine_raises_the_mapped_error_never_an_empty_success() -> None:
    events = text_answer("partial answer")
    state = ResponseStreamState()
    state.feed(events[:5])
    with pytest.raises(CodexContextWindowError):
        state.feed([failed_event("context_length_exceeded", "too long")])


# -- reading limits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "seconds"),
    [
        ("Please try again in 11.054s.", 11.054),
        ("try again in 250ms", 0.25),
        ("Try again in 1m30s", 90.0),
        ("try again in 2 minutes", 120.0),
        ("try again in 1h", 3600.0),
        ("no hint here", None),
    ],
)
def test_delay_from_message(message: str, seconds: float | None) -> None:
    assert delay_from_message(message) == (pytest.approx(seconds) if seconds is not None else None)


def test_retry_after_reads_seconds_milliseconds_and_dates() -> None:
    now = time.time()
    assert retry_after_from_headers({"Retry-After": "7"}) == 7
    assert retry_after_from_headers({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    date = format_datetime(datetime.fromtimestamp(now + 60, tz=UTC), usegmt=True)
    assert retry_after_from_headers({"retry-after": date}, now=now) == pytest.approx(60, abs=1)
    assert retry_after_from_headers({"retry-after": "soon"}) is None
    assert retry_after_from_headers({}) is None


def test_the_limit_snapshot_reads_every_window() -> None:
    snapshot = RateLimitSnapshot.from_headers({**limit_headers(93.5, 12), "content-type": "text/event-stream"})
    assert snapshot is not None
    assert snapshot.plan_type == "plus" and snapshot.active_limit == "primary"
    assert snapshot.primary is not None and snapshot.primary.used_percent == 93.5
    assert snapshot.primary.window_minutes == 300
    assert snapshot.secondary is not None and snapshot.secondary.window_minutes == 10080
    assert "content-type" not in snapshot.headers
    assert RateLimitSnapshot.from_headers({"content-type": "x"}) is None


def test_a_usage_limit_without_details_takes_the_reset_of_the_spent_window() -> None:
    now = 1_000_000.0
    headers = {
        "x-codex-primary-used-percent": "100",
        "x-codex-primary-reset-at": str(now + 600),
        "x-codex-secondary-used-percent": "40",
        "x-codex-secondary-reset-at": str(now + 90_000),
    }
    info = usage_limit_info({}, headers, now=now)
    assert (info.resets_at, info.retry_after) == (now + 600, 600)


@pytest.mark.parametrize(
    ("seconds", "text"), [(5, "5 s"), (61, "1 min"), (5400, "1 h 30 min"), (3 * 86400 + 7200, "3 d 2 h")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
