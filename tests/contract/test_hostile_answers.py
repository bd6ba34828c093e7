"""Answers no backend should send, through LiteLLM: each is a typed 502, sent once, never a traceback.

A known event whose fields have the wrong types, and an event too large to hold,
are the backend's fault: the caller gets ``litellm.BadGatewayError`` with a message
that says what was wrong, and the request is not sent again (it would only come
back the same).
"""

from __future__ import annotations

import gzip
import time

import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError
from litellm_codex_oauth_provider.adapters import http_event_streams
from litellm_codex_oauth_provider.domain.sse import MAX_EVENT_BYTES

from tests.contract.test_faults import MODES, expect
from tests.fakes.codex_backend import (
    FakeCodexBackend,
    Reply,
    encode_sse,
    limit_headers,
    text_answer,
    usage_limit_body,
)

MALFORMED = [
    pytest.param({"type": "response.output_item.added", "output_index": 0, "item": "oops"}, id="item-a-string"),
    pytest.param({"type": "response.function_call_arguments.delta", "item_id": ["x"], "delta": "{"}, id="item-id-list"),
    pytest.param({"type": "response.created", "response": ["not", "an", "object"]}, id="response-a-list"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad", MALFORMED)
async def test_a_malformed_event_is_a_502_from_the_backend(
    litellm_codex: object, codex_backend: FakeCodexBackend, mode: str, bad: dict[str, object]
) -> None:
    events = text_answer("never seen")
    codex_backend.enqueue(Reply(raw=b"".join(encode_sse([events[0], bad, *events[1:]]))))
    error = await expect(mode, litellm.BadGatewayError)
    assert error.status_code == 502
    assert f"malformed {bad['type']} event" in str(error)
    assert len(codex_backend.response_requests) == 1, "a malformed answer is not asked for again"


@pytest.mark.parametrize("mode", ["completion", "acompletion-stream"])
async def test_an_event_over_the_size_cap_is_refused_once_and_named(
    litellm_codex: object, codex_backend: FakeCodexBackend, mode: str
) -> None:
    huge = b'data: {"type": "response.output_text.delta", "delta": "' + b"x" * (MAX_EVENT_BYTES + 1024)
    codex_backend.enqueue(Reply(raw=huge + b'"}\n\n'))
    error = await expect(mode, litellm.BadGatewayError)
    assert f"larger than {MAX_EVENT_BYTES // (1024 * 1024)} MiB" in str(error)
    assert len(codex_backend.response_requests) == 1, "an answer refused for its size is not asked for again"


@pytest.mark.parametrize("mode", MODES)
async def test_a_body_that_decompresses_past_the_cap_is_refused_once_and_named(
    litellm_codex: object, codex_backend: FakeCodexBackend, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gzip bomb: a few KiB on the wire, 8 MiB once inflated, against a cap lowered to 1 MiB."""
    monkeypatch.setattr(http_event_streams, "MAX_ANSWER_BYTES", 1024 * 1024)
    inflated = b"".join(encode_sse(text_answer("never seen")[:1])) + b": padding\n" * (800 * 1024)
    bomb = gzip.compress(inflated)
    assert len(bomb) < 64 * 1024 < 1024 * 1024 < len(inflated)
    codex_backend.enqueue(Reply(raw=bomb, headers={"content-encoding": "gzip"}))
    error = await expect(mode, litellm.BadGatewayError)
    assert error.status_code == 502
    assert "past 1 MiB once decompressed" in str(error)
    assert len(codex_backend.response_requests) == 1, "an answer refused for its size is not asked for again"


def test_a_sync_stream_refused_before_its_first_event_raises_its_own_class_at_the_call(
    litellm_codex: object, codex_backend: FakeCodexBackend
) -> None:
    """Not ``MidStreamFallbackError``: the answer is opened before ``streaming`` returns its iterator."""
    codex_backend.enqueue(Reply(status=429, body=usage_limit_body(), headers=limit_headers(primary_used=100.0)))
    with pytest.raises(litellm.RateLimitError) as caught:
        litellm.completion(model="codex/gpt-5.5", messages=[{"role": "user", "content": "hi"}], stream=True)
    assert not isinstance(caught.value, MidStreamFallbackError)
    assert caught.value.status_code == 429
    assert "usage limit" in str(caught.value)


def test_a_sync_stream_still_streams_and_can_be_abandoned(
    litellm_codex: object, codex_backend: FakeCodexBackend
) -> None:
    codex_backend.enqueue(
        Reply(events=text_answer("one two three", pieces=3), together=False), Reply(events=text_answer("next"))
    )
    stream = litellm.completion(model="codex/gpt-5.5", messages=[{"role": "user", "content": "hi"}], stream=True)
    first = next(iter(stream))
    assert first.choices[0].delta.content
    stream.completion_stream.close()
    reply = litellm.completion(model="codex/gpt-5.5", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "next"


@pytest.mark.parametrize("mode", ["completion", "acompletion-stream"])
async def test_a_trickling_backend_cannot_stretch_a_call_past_its_timeout(
    litellm_codex: object, codex_backend: FakeCodexBackend, mode: str
) -> None:
    """One byte every 0.1 s keeps every read inside the idle timeout; the call's own timeout still ends it."""
    codex_backend.enqueue(*[Reply(events=text_answer("slow " * 100), trickle=1, delay=0.1) for _ in range(3)])
    call = {"model": "codex/gpt-5.5", "messages": [{"role": "user", "content": "hi"}], "timeout": 2}

    async def send() -> None:
        if mode == "completion":
            litellm.completion(**call)
        else:
            [chunk async for chunk in await litellm.acompletion(**call, stream=True)]

    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        await send()
    elapsed = time.monotonic() - started
    error = caught.value.original_exception if isinstance(caught.value, MidStreamFallbackError) else caught.value
    assert isinstance(error, litellm.Timeout), repr(error)
    assert "timeout ran out" in str(error)
    assert elapsed < 15, f"the whole answer would take over 60 s; the call took {elapsed:.1f} s"
    assert len(codex_backend.response_requests) == 1, "a call whose time ran out is not sent again"


@pytest.mark.parametrize("mode", MODES)
async def test_a_json_error_answered_with_200_keeps_its_message_and_is_not_retried(
    litellm_codex: object, codex_backend: FakeCodexBackend, mode: str
) -> None:
    body = b'{"error": {"code": "model_overloaded_hard", "message": "The model is temporarily disabled for you."}}'
    codex_backend.enqueue(Reply(raw=body, headers={"content-type": "application/json"}))
    error = await expect(mode, litellm.InternalServerError)
    assert "The model is temporarily disabled for you." in str(error)
    assert "no usable event" not in str(error)
    assert len(codex_backend.response_requests) == 1


@pytest.mark.parametrize("mode", ["completion", "acompletion-stream"])
async def test_an_html_error_page_becomes_a_short_message_with_its_status(
    litellm_codex: object, codex_backend: FakeCodexBackend, mode: str
) -> None:
    page = "<!DOCTYPE html><html><head><title>502 Bad Gateway | cloudflare</title></head><body>" + "x" * 5000
    codex_backend.enqueue(*[Reply(status=502, body=page + "</body></html>") for _ in range(3)])
    error = await expect(mode, litellm.BadGatewayError)
    assert "an HTML error page (502 Bad Gateway | cloudflare)" in str(error)
    assert "xxxxxxxx" not in str(error) and "<html" not in str(error)
