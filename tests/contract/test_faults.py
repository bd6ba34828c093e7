"""Every fault of the backend, through LiteLLM itself, in its four ways of calling: each arrives as its exception.

In a stream LiteLLM wraps a 429 or 5xx in ``MidStreamFallbackError`` (its own
choice, so the Router can fall back); ``failure`` unwraps it and checks that it
came before the first chunk.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import litellm
import pytest
import structlog
from litellm.exceptions import MidStreamFallbackError

from tests.fakes.codex_backend import (
    FakeCodexBackend,
    Reply,
    encode_sse,
    error_event,
    failed_event,
    limit_headers,
    text_answer,
    usage_limit_body,
)

MESSAGES = [{"role": "user", "content": "say hi"}]
MODES = ["completion", "acompletion", "completion-stream", "acompletion-stream"]


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEX_MAX_RETRIES", "1")
    monkeypatch.setenv("CODEX_STREAM_IDLE_TIMEOUT_SECONDS", "1")


async def call(mode: str, model: str = "codex/gpt-5.1-codex") -> tuple[str, int]:
    """The answer's text and how many chunks carried content."""
    if mode == "completion":
        return litellm.completion(model=model, messages=MESSAGES).choices[0].message.content or "", 0
    if mode == "acompletion":
        return (await litellm.acompletion(model=model, messages=MESSAGES)).choices[0].message.content or "", 0
    if mode == "completion-stream":
        chunks = list(litellm.completion(model=model, messages=MESSAGES, stream=True))
    else:
        chunks = [c async for c in await litellm.acompletion(model=model, messages=MESSAGES, stream=True)]
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    return "".join(texts), len(texts)


def failure(raised: BaseException, *, before_first_chunk: bool = True) -> BaseException:
    if isinstance(raised, MidStreamFallbackError):
        assert raised.is_pre_first_chunk is before_first_chunk
        assert raised.original_exception is not None
        return raised.original_exception
    return raised


async def expect(mode: str, kind: type[BaseException], model: str = "codex/gpt-5.1-codex") -> Any:
    with pytest.raises(Exception) as caught:
        await call(mode, model)
    error = failure(caught.value)
    assert isinstance(error, kind), repr(error)
    assert isinstance(error, RuntimeError | ValueError), "the seed's callers catch RuntimeError / ValueError"
    return error


HTTP_FAULTS = [
    pytest.param(
        Reply(status=400, body={"detail": "Unsupported parameter: foo"}),
        litellm.BadRequestError,
        400,
        "Codex API error 400: Unsupported parameter: foo",
        id="400",
    ),
    pytest.param(
        Reply(status=403, body={"detail": "This plan cannot use this model"}),
        litellm.PermissionDeniedError,
        403,
        "This plan cannot use this model",
        id="403",
    ),
    pytest.param(
        Reply(status=400, body={"error": {"code": "context_length_exceeded", "message": "Input is too long."}}),
        litellm.ContextWindowExceededError,
        400,
        "Input is too long.",
        id="context-length",
    ),
    pytest.param(
        Reply(status=429, body={"error": {"code": "rate_limit_exceeded", "message": "Please try again in 2.5s."}}),
        litellm.RateLimitError,
        429,
        "try again in 2.5s",
        id="429-rate-limit",
    ),
    pytest.param(
        Reply(status=429, body={"error": {"type": "usage_not_included", "plan_type": "free"}}),
        litellm.PermissionDeniedError,
        403,
        "the ChatGPT free plan does not include Codex",
        id="usage-not-included",
    ),
    pytest.param(
        Reply(status=500, body={"detail": "kaboom"}),
        litellm.InternalServerError,
        500,
        "kaboom",
        id="500",
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("reply", "kind", "status", "text"), HTTP_FAULTS)
async def test_http_failures_arrive_as_their_litellm_exception(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str, reply: Reply, kind: type, status: int, text: str
) -> None:
    codex_backend.enqueue(Reply(status=reply.status, body=reply.body, headers={"x-request-id": "req_abc"}))
    error = await expect(mode, kind)
    assert error.status_code == status
    assert text in str(error)
    assert "req_abc" in str(error)
    assert len(codex_backend.response_requests) == 1, "a final failure is never retried"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(Reply(status=429, body=usage_limit_body("plus", 5400)), id="429"),
        pytest.param(Reply(status=404, body={"detail": "Model not found"}), id="404"),
        pytest.param(Reply(events=[failed_event("context_length_exceeded", "too long")]), id="in-stream"),
    ],
)
async def test_the_error_names_the_address_the_request_went_to(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str, reply: Reply
) -> None:
    codex_backend.enqueue(reply)
    with pytest.raises(Exception) as caught:
        await call(mode)
    error: Any = failure(caught.value)
    assert str(error.response.request.url) == codex_backend.base_url + "/codex/responses"
    assert "chatgpt.com" not in str(error.request.url)


@pytest.mark.parametrize("mode", MODES)
async def test_a_usage_limit_says_plan_and_reset_and_sets_retry_after(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str
) -> None:
    codex_backend.enqueue(Reply(status=429, body=usage_limit_body("plus", 5400), headers=limit_headers(100.0)))
    error = await expect(mode, litellm.RateLimitError)
    assert "the ChatGPT plus plan's Codex usage limit has been reached; it resets at " in str(error)
    assert "(in 1 h 30 min)" in str(error) or "(in 1 h 29 min)" in str(error)
    assert error.response.headers["retry-after"] in ("5399", "5400")
    assert error.litellm_response_headers["retry-after"] in ("5399", "5400")
    assert error.headers["retry-after"] in ("5399", "5400")
    assert error.headers["x-codex-primary-used-percent"] == "100.0"
    assert len(codex_backend.response_requests) == 1, "a usage limit is never retried"
    assert litellm_codex.last_rate_limits.primary.used_percent == 100.0


@pytest.mark.parametrize("mode", MODES)
async def test_a_usage_limit_dressed_as_404_is_a_rate_limit(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str
) -> None:
    codex_backend.enqueue(Reply(status=404, body={"detail": "usage_limit_reached"}, headers={"retry-after": "60"}))
    error = await expect(mode, litellm.RateLimitError)
    assert error.headers["retry-after"] == "60"


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_model_is_a_404_naming_it(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str
) -> None:
    codex_backend.enqueue(Reply(status=404, body={"detail": "Model not found"}))
    error = await expect(mode, litellm.NotFoundError, model="codex/gpt-9-codex")
    assert "the model 'gpt-9-codex' is not available to this ChatGPT account" in str(error)
    assert "Model not found" in str(error)


@pytest.mark.parametrize("mode", MODES)
async def test_a_refused_login_is_refreshed_once_then_an_authentication_error(
    codex_backend: FakeCodexBackend, mode: str
) -> None:
    from litellm_codex_oauth_provider import CodexAuthProvider, register

    from tests.fakes.ports import FakeTokenStore

    tokens = FakeTokenStore()
    codex_backend.valid_tokens = {"token-3"}
    saved = list(litellm.custom_provider_map)
    register(CodexAuthProvider(token_store=tokens))
    try:
        error = await expect(mode, litellm.AuthenticationError)
    finally:
        litellm.custom_provider_map[:] = saved
    assert "Codex API error 401" in str(error)
    assert tokens.refreshes == 1
    assert [r.headers["authorization"] for r in codex_backend.response_requests] == [
        "Bearer token-1",
        "Bearer token-2",
    ]


TRANSIENT_FAULTS = [
    pytest.param(Reply(status=502, body={"detail": "bad gateway"}), litellm.BadGatewayError, id="502"),
    pytest.param(
        Reply(status=503, body={"error": {"code": "server_is_overloaded"}}), litellm.ServiceUnavailableError, id="503"
    ),
    pytest.param(Reply(status=504, body="upstream timed out"), litellm.Timeout, id="504"),
    pytest.param(Reply(events=text_answer("never whole"), drop_after=3), litellm.APIConnectionError, id="dropped"),
    pytest.param(Reply(raw=b"data: {not json\n\ndata: [1, 2]\n\n"), litellm.APIConnectionError, id="garbage"),
    pytest.param(
        Reply(events=[*text_answer("x")[:2], failed_event("server_is_overloaded", "busy")]),
        litellm.ServiceUnavailableError,
        id="failed-overloaded",
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("reply", "kind"), TRANSIENT_FAULTS)
async def test_transient_failures_are_retried_then_arrive_as_their_exception(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str, reply: Reply, kind: type
) -> None:
    codex_backend.enqueue(reply, reply)
    with structlog.testing.capture_logs() as logs:
        await expect(mode, kind)
    assert len(codex_backend.response_requests) == 2, "CODEX_MAX_RETRIES=1: one retry"
    assert [e["event"] for e in logs].count("codex_request_retry") == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_transient_failure_then_success_is_a_success(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str
) -> None:
    codex_backend.enqueue(Reply(status=503, body={}, headers={"retry-after": "0"}), Reply(events=text_answer("ok!")))
    assert (await call(mode))[0] == "ok!"
    assert len(codex_backend.response_requests) == 2


STREAM_FAILURES = [
    pytest.param(failed_event("context_length_exceeded", "too long"), litellm.ContextWindowExceededError, id="context"),
    pytest.param(
        failed_event("rate_limit_exceeded", "Rate limit reached. Please try again in 11.054s."),
        litellm.RateLimitError,
        id="rate-limit",
    ),
    pytest.param(failed_event("insufficient_quota", "quota spent"), litellm.RateLimitError, id="quota"),
    pytest.param(error_event("usage_not_included", "no codex"), litellm.PermissionDeniedError, id="not-included"),
    pytest.param(error_event("cyber_policy", "refused"), litellm.ContentPolicyViolationError, id="policy"),
    pytest.param(failed_event("mystery", "it broke"), litellm.InternalServerError, id="unknown"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("event", "kind"), STREAM_FAILURES)
async def test_a_failure_event_before_any_text_raises_before_the_first_chunk(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str, event: dict[str, Any], kind: type
) -> None:
    codex_backend.enqueue(Reply(events=[*text_answer("x")[:3], event], headers=limit_headers(55.0)))
    error = await expect(mode, kind)
    assert error.headers["x-codex-primary-used-percent"] == "55.0"
    if event.get("response", {}).get("error", {}).get("code") == "rate_limit_exceeded":
        assert error.headers["retry-after"] == "12"
    assert len(codex_backend.response_requests) == 1


@pytest.mark.parametrize("mode", ["completion-stream", "acompletion-stream"])
async def test_a_failure_after_text_is_a_clear_mid_stream_error_and_not_retried(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str
) -> None:
    events = [*text_answer("one two three four", pieces=4)[:-2], failed_event("server_is_overloaded", "busy")]
    text_consumed = threading.Event()  # the failure is sent only once the caller has the text: one read each
    codex_backend.enqueue(Reply(events=events, hold_last=text_consumed))
    received: list[str] = []
    with pytest.raises(MidStreamFallbackError) as caught:
        await _collect(mode, received, when_complete=("one two three four", text_consumed))
    assert "".join(received) == "one two three four"
    assert caught.value.is_pre_first_chunk is False
    assert "the answer failed mid-stream, after part of it was sent: Codex API error 503: busy" in str(caught.value)
    assert len(codex_backend.response_requests) == 1


async def _collect(mode: str, received: list[str], when_complete: tuple[str, threading.Event] | None = None) -> None:
    """The chunks' text into ``received``; sets the event of ``when_complete`` once it holds that text."""

    def take(text: str | None) -> None:
        received.append(text or "")
        if when_complete is not None and "".join(received) == when_complete[0]:
            when_complete[1].set()

    if mode == "completion-stream":
        for chunk in litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True):
            take(chunk.choices[0].delta.content)
    else:
        async for chunk in await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True):
            take(chunk.choices[0].delta.content)


@pytest.mark.parametrize("mode", MODES)
async def test_a_silent_backend_times_out_after_the_idle_timeout(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str
) -> None:
    codex_backend.enqueue(Reply(events=text_answer("never"), silent_after=4, silence=20))
    started = time.monotonic()
    error = await expect(mode, litellm.Timeout)
    elapsed = time.monotonic() - started
    assert error.status_code == 408
    assert "silent longer than the idle timeout" in str(error)
    assert 0.9 < elapsed < 8, elapsed
    assert len(codex_backend.response_requests) == 1, "a silent backend is not asked again"


@pytest.mark.parametrize("mode", MODES)
async def test_a_slow_trickle_is_read_whole(litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str) -> None:
    codex_backend.enqueue(Reply(events=text_answer("dripping, byte by byte"), trickle=97, delay=0.005))
    assert (await call(mode))[0] == "dripping, byte by byte"


@pytest.mark.parametrize("mode", MODES)
async def test_undecodable_data_is_skipped_with_a_warning(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str
) -> None:
    good = b"".join(encode_sse(text_answer("ok")))
    codex_backend.enqueue(Reply(raw=b"data: {broken\n\n" + good))
    with structlog.testing.capture_logs() as logs:
        assert (await call(mode))[0] == "ok"
    (warning,) = [e for e in logs if e["event"] == "codex_sse_data_undecodable"]
    assert warning["log_level"] == "warning"
    assert warning["previews"] == ["{broken"]


@pytest.mark.parametrize("mode", MODES)
async def test_limit_headers_reach_the_caller_and_the_last_snapshot_is_kept(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str
) -> None:
    codex_backend.enqueue(Reply(events=text_answer("hi"), headers=limit_headers(42.0, 7.5)))
    if mode == "completion":
        response = litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES)
    elif mode == "acompletion":
        response = await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES)
    if mode in ("completion", "acompletion"):
        headers = response._hidden_params["additional_headers"]
        assert headers["llm_provider-x-codex-primary-used-percent"] == "42.0"
        assert headers["llm_provider-x-codex-secondary-window-minutes"] == "10080"
        assert headers["llm_provider-x-request-id"].startswith("req_")
    else:
        await call(mode)
    snapshot = litellm_codex.last_rate_limits
    assert snapshot.primary.used_percent == 42.0
    assert snapshot.secondary.used_percent == 7.5
    assert snapshot.plan_type == "plus"


@pytest.fixture
def other_host() -> Iterator[FakeCodexBackend]:
    with FakeCodexBackend() as backend:
        yield backend


@pytest.mark.parametrize("mode", MODES)
async def test_a_redirect_is_not_followed_and_the_token_never_leaves(
    litellm_codex: Any, codex_backend: FakeCodexBackend, other_host: FakeCodexBackend, mode: str
) -> None:
    target = other_host.base_url.replace("127.0.0.1", "localhost") + "/codex/responses"
    codex_backend.enqueue(Reply(status=307, body="", headers={"location": target}))
    error = await expect(mode, litellm.BadGatewayError)
    assert "redirect to localhost" in str(error)
    assert other_host.requests == []
    assert len(codex_backend.response_requests) == 1
