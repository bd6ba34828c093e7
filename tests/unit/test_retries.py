"""Retries of transient failures: bounded, jittered, honouring Retry-After, never after output, never a limit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litellm_codex_oauth_provider.application.completion import CompletionService
from litellm_codex_oauth_provider.domain.backend_errors import api_error_from_http
from litellm_codex_oauth_provider.domain.errors import CodexAPIError, CodexConnectionError, CodexUsageLimitError
from litellm_codex_oauth_provider.domain.ports import AuthContext, RawEvent, ResponsesRequest
from litellm_codex_oauth_provider.domain.translation import ChatRequest

from tests.fakes.codex_backend import limit_headers, text_answer, usage_limit_body
from tests.fakes.ports import FakeInstructionSource, FakeTokenStore

CHAT = ChatRequest(model="gpt-5.1-codex", messages=[{"role": "user", "content": "hi"}])
Batch = list[RawEvent] | CodexAPIError
"""One network read, or a failure while reading."""


@dataclass
class _Stream:
    batches_: list[Batch]
    headers: dict[str, str]

    def batches(self) -> Iterator[list[RawEvent]]:
        for batch in self.batches_:
            if isinstance(batch, CodexAPIError):
                raise batch
            yield batch

    def close(self) -> None:
        pass


@dataclass
class _AsyncStream:
    stream: _Stream

    @property
    def headers(self) -> dict[str, str]:
        return self.stream.headers

    async def batches(self) -> AsyncIterator[list[RawEvent]]:
        for batch in self.stream.batches():
            yield batch

    async def aclose(self) -> None:
        pass


@dataclass
class FaultyTransport:
    """Each answer: an error raised on open, or batches (which may fail mid-way), with headers."""

    answers: list[CodexAPIError | list[Batch]]
    headers: dict[str, str] = field(default_factory=dict)
    sent: list[AuthContext] = field(default_factory=list)

    def open(self, request: ResponsesRequest, auth: AuthContext) -> Any:
        self.sent.append(auth)
        answer = self.answers.pop(0)
        if isinstance(answer, CodexAPIError):
            raise answer
        return _Stream(answer, self.headers)

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> Any:
        return _AsyncStream(self.open(request, auth))


def service(transport: FaultyTransport, *, max_retries: int = 2, tokens: FakeTokenStore | None = None) -> Any:
    waits: list[float] = []

    async def asleep(seconds: float) -> None:
        waits.append(seconds)

    svc = CompletionService(
        tokens=tokens or FakeTokenStore(),
        instructions=FakeInstructionSource(),
        transport=transport,
        max_retries=max_retries,
        sleep=waits.append,
        asleep=asleep,
    )
    svc.waits = waits  # type: ignore[attr-defined]
    return svc


def ok() -> list[Batch]:
    return [text_answer("fine")]


def unavailable(retry_after: str | None = None) -> CodexAPIError:
    return api_error_from_http(503, {"detail": "unavailable"}, {"retry-after": retry_after} if retry_after else {})


async def run(svc: CompletionService, mode: str) -> str:
    if mode == "complete":
        return svc.complete(CHAT).text
    if mode == "acomplete":
        return (await svc.acomplete(CHAT)).text
    if mode == "stream":
        return "".join(d.text for d in svc.stream(CHAT))
    return "".join([d.text async for d in svc.astream(CHAT)])


async def collect(svc: CompletionService, mode: str, seen: list[str]) -> None:
    if mode == "stream":
        for delta in svc.stream(CHAT):
            seen.append(delta.text)
    else:
        async for delta in svc.astream(CHAT):
            seen.append(delta.text)


MODES = ["complete", "acomplete", "stream", "astream"]


@pytest.mark.parametrize("mode", MODES)
async def test_transient_failures_are_retried_until_one_succeeds(mode: str) -> None:
    dropped = [CodexConnectionError("the answer stream closed before response.completed", status_code=502)]
    transport = FaultyTransport([unavailable(), dropped, ok()])
    svc = service(transport)
    assert await run(svc, mode) == "fine"
    assert len(transport.sent) == 3
    assert len(svc.waits) == 2
    assert all(0 < wait < 2 for wait in svc.waits)


@pytest.mark.parametrize("mode", MODES)
async def test_retries_are_bounded_by_the_setting(mode: str) -> None:
    transport = FaultyTransport([unavailable() for _ in range(5)])
    svc = service(transport, max_retries=2)
    with pytest.raises(CodexAPIError, match="Codex API error 503"):
        await run(svc, mode)
    assert len(transport.sent) == 3


async def test_zero_retries_means_one_attempt() -> None:
    transport = FaultyTransport([unavailable(), ok()])
    with pytest.raises(CodexAPIError):
        await run(service(transport, max_retries=0), "acomplete")
    assert len(transport.sent) == 1


async def test_the_wait_honours_retry_after_and_gives_up_on_a_long_one() -> None:
    svc = service(FaultyTransport([unavailable("3"), ok()]))
    assert await run(svc, "complete") == "fine"
    assert svc.waits[0] >= 3
    transport = FaultyTransport([unavailable("3600"), ok()])
    with pytest.raises(CodexAPIError):
        await run(service(transport), "complete")
    assert len(transport.sent) == 1


async def test_backoff_grows_with_jitter() -> None:
    svc = service(FaultyTransport([unavailable() for _ in range(4)] + [ok()]), max_retries=4)
    assert await run(svc, "complete") == "fine"
    first, second, third, fourth = svc.waits
    assert 0.125 <= first <= 0.375 and 0.25 <= second <= 0.75 and 0.5 <= third <= 1.5 and 1 <= fourth <= 3


@pytest.mark.parametrize(
    "error",
    [
        api_error_from_http(429, usage_limit_body(), {}),
        api_error_from_http(429, {"error": {"code": "rate_limit_exceeded", "message": "try again in 1s"}}, {}),
        api_error_from_http(500, {"detail": "boom"}, {}),
        api_error_from_http(400, {"detail": "Unsupported parameter: temperature"}, {}),
    ],
)
@pytest.mark.parametrize("mode", MODES)
async def test_final_failures_are_not_retried(error: CodexAPIError, mode: str) -> None:
    transport = FaultyTransport([error, ok()])
    with pytest.raises(type(error)):
        await run(service(transport), mode)
    assert len(transport.sent) == 1


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_nothing_is_retried_after_a_delta_reached_the_caller(mode: str) -> None:
    events = text_answer("part one, part two", pieces=2)
    assert events[4]["type"] == "response.output_text.delta"
    broken = [events[:5], CodexConnectionError("the answer stream closed before response.completed", status_code=502)]
    transport = FaultyTransport([broken, ok()])
    seen: list[str] = []
    with pytest.raises(CodexConnectionError):
        await collect(service(transport), mode, seen)
    assert "".join(seen) == "part one,"
    assert len(transport.sent) == 1


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_failure_before_the_first_delta_is_retried(mode: str) -> None:
    events = text_answer("whole")
    broken = [events[:2], CodexConnectionError("the answer stream closed before response.completed", status_code=502)]
    transport = FaultyTransport([broken, ok()])
    assert await run(service(transport), mode) == "fine"
    assert len(transport.sent) == 2


async def test_a_usage_limit_in_the_stream_is_not_retried() -> None:
    transport = FaultyTransport(
        [[[{"type": "response.failed", "response": {"error": {"code": "usage_limit_reached"}}}]]]
    )
    with pytest.raises(CodexUsageLimitError):
        await run(service(transport), "astream")
    assert len(transport.sent) == 1


async def test_the_one_refresh_on_401_is_not_repeated_by_retries() -> None:
    tokens = FakeTokenStore(tokens=["token-1", "token-2", "token-3"])
    unauthorized = api_error_from_http(401, {"detail": "Unauthorized"}, {})
    transport = FaultyTransport([unauthorized, unavailable(), unauthorized, ok()])
    with pytest.raises(CodexAPIError, match="Codex API error 401"):
        await run(service(transport, tokens=tokens), "complete")
    assert tokens.refreshes == 1
    assert [auth.access_token for auth in transport.sent] == ["token-1", "token-2", "token-2"]


async def test_the_last_limit_snapshot_is_kept_and_each_call_sees_its_headers() -> None:
    transport = FaultyTransport([ok()], headers={**limit_headers(61.0), "x-request-id": "req_1"})
    svc = service(transport)
    seen: list[dict[str, str]] = []
    assert svc.last_rate_limits is None
    svc.complete(CHAT, on_headers=lambda headers: seen.append(dict(headers)))
    assert svc.last_rate_limits.primary.used_percent == 61.0
    assert seen[-1]["x-request-id"] == "req_1"


async def test_an_in_stream_failure_gets_the_answers_request_id_and_limit_headers() -> None:
    failed = {"type": "response.failed", "response": {"error": {"code": "rate_limit_exceeded", "message": "x"}}}
    transport = FaultyTransport([[[failed]]], headers={**limit_headers(99.0), "x-request-id": "req_7"})
    with pytest.raises(CodexAPIError) as caught:
        await run(service(transport), "acomplete")
    assert caught.value.request_id == "req_7"
    assert caught.value.headers["x-codex-primary-used-percent"] == "99.0"
