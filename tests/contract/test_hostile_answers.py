"""Answers no backend should send, through LiteLLM: each is a typed 502, sent once, never a traceback.

A known event whose fields have the wrong types, and an event too large to hold,
are the backend's fault: the caller gets ``litellm.BadGatewayError`` with a message
that says what was wrong, and the request is not sent again (it would only come
back the same).
"""

from __future__ import annotations

import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError
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
    stream.completion_stream.close()  # type: ignore[attr-defined]
    reply = litellm.completion(model="codex/gpt-5.5", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "next"
