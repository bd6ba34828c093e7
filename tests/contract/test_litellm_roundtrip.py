"""The walking skeleton through LiteLLM itself: the request the backend got, the answer the caller got."""

from __future__ import annotations

import asyncio
from typing import Any

import litellm

from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer
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
    """The first chunk reaches the caller while the backend is still sending."""
    codex_backend.enqueue(Reply(events=text_answer("one two three four", pieces=4), together=False, delay=0.3))
    stream = await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    first_at = None
    async for chunk in stream:
        if first_at is None and chunk.choices and chunk.choices[0].delta.content:
            first_at = loop.time() - started
    total = loop.time() - started
    assert first_at is not None
    assert total > 2.0
    assert first_at < total - 1.0
