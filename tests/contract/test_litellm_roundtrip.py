"""The walking skeleton through LiteLLM itself: the request the backend got, the answer the caller got."""

from __future__ import annotations

import asyncio
from typing import Any

import litellm
import pytest

from tests.fakes.codex_backend import (
    FakeCodexBackend,
    Reply,
    answer,
    function_call_events,
    message_events,
    reasoning_events,
    text_answer,
)
from tests.fakes.logins import ACCOUNT_ID

MESSAGES = [
    {"role": "system", "content": "Answer in one line."},
    {"role": "user", "content": "say hi"},
]


def assert_plain_text_request(backend: FakeCodexBackend, access_token: str) -> None:
    (request,) = backend.response_requests
    headers, body = request.headers, request.body
    assert request.method == "POST"
    assert request.path == "/backend-api/codex/responses"
    assert headers["authorization"] == f"Bearer {access_token}"
    assert headers["chatgpt-account-id"] == ACCOUNT_ID
    assert headers["accept"] == "text/event-stream"
    assert headers["content-type"] == "application/json"
    assert headers["originator"] == "codex_cli_rs"
    assert headers["version"] == "0.155.0"
    assert headers["user-agent"].startswith("codex_cli_rs/0.155.0 (")
    assert headers["session-id"] == body["prompt_cache_key"]
    assert headers["thread-id"] == body["prompt_cache_key"]
    assert headers["x-client-request-id"] == body["prompt_cache_key"]
    assert body["model"] == "gpt-5.1-codex"
    assert body["store"] is False
    assert body["stream"] is True
    assert body["include"] == ["reasoning.encrypted_content"]
    assert body["instructions"].strip()
    assert body["input"] == [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Answer in one line."}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "say hi"}]},
    ]
    assert body["reasoning"]["summary"] == "auto"
    assert body["tool_choice"] == "auto"
    assert body["parallel_tool_calls"] is True


def assert_usage(usage: Any) -> None:
    assert usage.prompt_tokens == 21
    assert usage.completion_tokens == 9
    assert usage.total_tokens == 30
    assert usage.prompt_tokens_details.cached_tokens == 5
    assert usage.completion_tokens_details.reasoning_tokens == 3


def test_completion(litellm_codex: Any, codex_backend: FakeCodexBackend, access_token: str) -> None:
    codex_backend.enqueue(Reply(events=text_answer("Hi there!")))
    response = litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES)
    assert response.choices[0].message.content == "Hi there!"
    assert response.choices[0].finish_reason == "stop"
    assert_usage(response.usage)
    assert_plain_text_request(codex_backend, access_token)


async def test_acompletion(litellm_codex: Any, codex_backend: FakeCodexBackend, access_token: str) -> None:
    codex_backend.enqueue(Reply(events=text_answer("Hi there!")))
    response = await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES)
    assert response.choices[0].message.content == "Hi there!"
    assert_usage(response.usage)
    assert_plain_text_request(codex_backend, access_token)


def test_completion_stream(litellm_codex: Any, codex_backend: FakeCodexBackend, access_token: str) -> None:
    codex_backend.enqueue(Reply(events=text_answer("Hi there, streamed!", pieces=5), together=False))
    stream = litellm.completion(
        model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hi there, streamed!"
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    usage = [c.usage for c in chunks if getattr(c, "usage", None)]
    assert usage, "the backend's usage must reach the caller"
    assert_usage(usage[-1])
    assert_plain_text_request(codex_backend, access_token)


async def test_acompletion_stream(litellm_codex: Any, codex_backend: FakeCodexBackend, access_token: str) -> None:
    codex_backend.enqueue(Reply(events=text_answer("Hi there, streamed!", pieces=5), together=False))
    stream = await litellm.acompletion(
        model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hi there, streamed!"
    usage = [c.usage for c in chunks if getattr(c, "usage", None)]
    assert usage
    assert_usage(usage[-1])
    assert_plain_text_request(codex_backend, access_token)


async def test_astreaming_is_incremental(litellm_codex: Any, codex_backend: FakeCodexBackend) -> None:
    """Every read's text reaches the caller while the backend is still sending; none is held back."""
    codex_backend.enqueue(Reply(events=text_answer("one two three four", pieces=4), together=False, delay=0.4))
    stream = await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    arrivals = []
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            arrivals.append(loop.time() - started)
    total = loop.time() - started
    assert len(arrivals) == 4
    assert total > 3.0
    # After the last text delta the backend sends four more events, then ends, 0.4 s apart: the
    # last text arrives about 2 s before the end. A chunk held back until the next read that adds
    # something (response.completed) would arrive only 0.4 s before the end.
    assert arrivals[0] < total - 2.0
    assert arrivals[-1] < total - 1.4


# -- usage and finish reason reach the caller, whatever the read boundaries -----------------


def _collect_sync(**kwargs: Any) -> list[Any]:
    return list(litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True, **kwargs))


async def _collect_async(**kwargs: Any) -> list[Any]:
    stream = await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True, **kwargs)
    return [chunk async for chunk in stream]


@pytest.mark.parametrize("include_usage", [True, False], ids=["include_usage", "no_stream_options"])
@pytest.mark.parametrize("together", [True, False], ids=["one_read", "read_per_event"])
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_stream_delivers_backend_usage_and_finish_reason(
    litellm_codex: Any, codex_backend: FakeCodexBackend, mode: str, together: bool, include_usage: bool
) -> None:
    """With the last text in its own read or with ``response.completed``, usage is the backend's, never an estimate."""
    events = answer(reasoning_events("Thinking it over."), message_events("Hi there, streamed!", pieces=5))
    codex_backend.enqueue(Reply(events=events, together=together))
    kwargs: dict[str, Any] = {"stream_options": {"include_usage": True}} if include_usage else {}
    chunks = _collect_sync(**kwargs) if mode == "sync" else await _collect_async(**kwargs)

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hi there, streamed!"
    reasoning = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices)
    assert reasoning == "Thinking it over."
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    with_usage = [c for c in chunks if getattr(c, "usage", None)]
    if include_usage:
        assert with_usage, "the backend's usage must reach the caller"
        assert_usage(with_usage[-1].usage)
    else:
        assert with_usage == []
    for chunk in chunks:
        if chunk.choices and not getattr(chunk, "usage", None):  # LiteLLM's own usage chunk is empty
            delta = chunk.choices[0].delta
            carried = (
                delta.content
                or getattr(delta, "reasoning_content", None)
                or delta.provider_specific_fields  # the encrypted reasoning to send back next turn
                or chunk.choices[0].finish_reason
            )
            assert carried, "no empty chunk reaches the caller"
    built = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    assert built.choices[0].message.content == "Hi there, streamed!"
    assert built.choices[0].finish_reason == "stop"
    assert_usage(built.usage)


@pytest.mark.parametrize("together", [True, False], ids=["one_read", "read_per_event"])
async def test_stream_tool_call_finish_reason_and_usage(
    litellm_codex: Any, codex_backend: FakeCodexBackend, together: bool
) -> None:
    events = answer(function_call_events("get_weather", '{"city": "Oslo"}', call_id="call_1"))
    codex_backend.enqueue(Reply(events=events, together=together))
    chunks = await _collect_async(stream_options={"include_usage": True})
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]
    assert_usage([c for c in chunks if getattr(c, "usage", None)][-1].usage)
    built = litellm.stream_chunk_builder(chunks, messages=MESSAGES)
    (call,) = built.choices[0].message.tool_calls
    assert (call.id, call.function.name, call.function.arguments) == ("call_1", "get_weather", '{"city": "Oslo"}')
    assert_usage(built.usage)


def test_the_cheap_streaming_choice_is_litellms_own() -> None:
    from litellm.types.utils import Delta, StreamingChoices
    from litellm_codex_oauth_provider.entrypoints import chunks

    assert chunks._FAST, "LiteLLM changed its stream models; the copy path is off"
    cheap = chunks.streaming_choice(index=0, delta=Delta(content="hi"), finish_reason=None)
    own = StreamingChoices(index=0, delta=Delta(content="hi"), finish_reason=None)
    assert cheap.model_dump() == own.model_dump()
    assert repr(cheap) == repr(own)
    cheap.finish_reason = "stop"
    again = chunks.streaming_choice(index=0, delta=Delta(content="x"), finish_reason=None)
    assert again.finish_reason is None
    assert again.delta.content == "x"
    assert cheap.delta.content == "hi"


def test_the_cheap_text_chunk_is_the_chunk_litellms_constructors_build(monkeypatch: pytest.MonkeyPatch) -> None:
    from litellm.types.utils import Delta, ModelResponseStream, StreamingChoices
    from litellm_codex_oauth_provider.entrypoints import chunks

    assert chunks._FAST, "LiteLLM changed its stream models; the copy path is off"
    cheap = chunks.text_chunk(chunk_id="chatcmpl-1", model="gpt-5.1-codex", created=7, text="hi")
    own = ModelResponseStream(
        id="chatcmpl-1",
        model="gpt-5.1-codex",
        created=7,
        choices=[
            StreamingChoices(
                index=0,
                delta=Delta(
                    content="hi", reasoning_content=None, tool_calls=None, role=None, provider_specific_fields=None
                ),
                finish_reason=None,
            )
        ],
    )
    assert cheap.model_dump() == own.model_dump()
    assert cheap.model_dump_json() == own.model_dump_json()
    monkeypatch.setattr(chunks, "_FAST", False)  # the constructors' path, for a LiteLLM with another layout
    built = chunks.text_chunk(chunk_id="chatcmpl-1", model="gpt-5.1-codex", created=7, text="hi")
    assert built.model_dump_json() == own.model_dump_json()
    monkeypatch.undo()
    assert cheap.choices[0].delta.__pydantic_fields_set__ == own.choices[0].delta.__pydantic_fields_set__
    # Each chunk owns what LiteLLM mutates: its hidden params, its choice, its delta.
    other = chunks.text_chunk(chunk_id="chatcmpl-1", model="gpt-5.1-codex", created=7, text="x")
    cheap._hidden_params["usage"] = "set by LiteLLM on the last chunk"
    assert other._hidden_params == {}
    cheap.choices[0].delta.content = "changed"
    assert other.choices[0].delta.content == "x"
    assert chunks._PROTOTYPE_CHUNK._hidden_params == {}
    cheap._hidden_params = {"replaced": True}  # as LiteLLM's hidden_params setter does
    assert cheap.hidden_params == {"replaced": True}
    assert cheap.__pydantic_private__ == {"_hidden_params": {"replaced": True}, "_response_headers": None}


def test_a_chunk_reads_usage_none_until_set_and_dumps_it_only_once_set() -> None:
    from litellm.types.utils import ModelResponseStream, Usage
    from litellm_codex_oauth_provider.entrypoints import chunks

    chunk = chunks.text_chunk(chunk_id="chatcmpl-1", model="m", created=7, text="hi")
    assert chunk.usage is None
    assert "usage" not in chunk.model_dump()
    usage = Usage(prompt_tokens=3, completion_tokens=4, total_tokens=7)
    chunk.usage = usage
    own = ModelResponseStream(id="chatcmpl-1", model="m", created=7)
    own.usage = usage
    assert chunk.usage is usage
    assert chunk.model_dump()["usage"] == own.model_dump()["usage"]
    assert "usage" in chunk.__pydantic_fields_set__
    del chunk.usage
    assert chunk.usage is None
    assert "usage" not in chunk.model_dump()
