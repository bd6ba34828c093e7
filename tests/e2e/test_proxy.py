"""The LiteLLM proxy end to end: the official ``openai`` SDK, the real proxy, this package, the fake backend.

What a user of an OpenAI-compatible tool sees: plain and streamed chat (with the
backend's true usage), a tool round trip, ``reasoning_effort``, the Responses API,
and the backend's refusals arriving as the SDK's own exception types.
"""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.e2e.conftest import MASTER_KEY, RunningProxy
from tests.fakes.codex_backend import (
    FakeCodexBackend,
    Reply,
    answer,
    function_call_events,
    message_events,
    reasoning_events,
    text_answer,
)
from tests.fakes.token_endpoint import FakeTokenEndpoint

pytestmark = pytest.mark.e2e

MODEL = "gpt-5.1-codex"
USAGE_LIMIT = {
    "error": {
        "type": "usage_limit_reached",
        "message": "The usage limit has been reached",
        "plan_type": "plus",
        "resets_in_seconds": 3600,
    }
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
def backend(proxy: RunningProxy) -> Iterator[FakeCodexBackend]:
    proxy.backend.requests.clear()
    proxy.backend.replies.clear()
    yield proxy.backend
    proxy.backend.replies.clear()


@pytest.fixture
def client(proxy: RunningProxy) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{proxy.base_url}/v1", api_key=MASTER_KEY, max_retries=0, timeout=30) as sdk:
        yield sdk


def last_body(backend: FakeCodexBackend) -> dict[str, Any]:
    assert backend.response_requests, "the proxy never reached the backend"
    body = backend.response_requests[-1].body
    assert isinstance(body, dict)
    return body


def test_plain_chat(client: openai.OpenAI, backend: FakeCodexBackend, proxy: RunningProxy) -> None:
    backend.enqueue(Reply(events=text_answer("Hi there!")))
    response = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "say hi"}],
    )
    assert response.choices[0].message.content == "Hi there!"
    assert response.choices[0].finish_reason == "stop"
    assert response.usage is not None
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (21, 9)
    (request,) = backend.response_requests
    assert request.headers["authorization"] == f"Bearer {proxy.access_token}"
    body = last_body(backend)
    assert body["model"] == MODEL
    assert body["store"] is False
    assert body["input"][-1] == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "say hi"}],
    }


def test_stream_with_usage(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    backend.enqueue(Reply(events=text_answer("one two three four five", pieces=5), together=False))
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "count"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == "one two three four five"
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    usages = [chunk.usage for chunk in chunks if chunk.usage is not None]
    assert usages, "include_usage asks for a usage chunk"
    usage = usages[-1]
    # the backend's own numbers, not LiteLLM's tokenizer estimate
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (21, 9, 30)


def test_a_tool_call_reaches_the_sdk_streamed(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    backend.enqueue(Reply(events=answer(function_call_events("get_weather", '{"city": "Paris"}', call_id="call_7"))))
    stream = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Weather in Paris?"}], tools=[WEATHER_TOOL], stream=True
    )
    chunks = list(stream)
    calls = [call for chunk in chunks if chunk.choices for call in chunk.choices[0].delta.tool_calls or []]
    assert calls[0].id == "call_7"
    assert calls[0].function is not None
    assert calls[0].function.name == "get_weather"
    arguments = "".join(call.function.arguments or "" for call in calls if call.function)
    assert json.loads(arguments) == {"city": "Paris"}
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]


def test_tool_round_trip(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    backend.enqueue(
        Reply(events=answer(function_call_events("get_weather", '{"city": "Paris"}', call_id="call_paris"))),
        Reply(events=text_answer("It is sunny in Paris.")),
    )
    messages: list[Any] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls or []
    assert call.id == "call_paris"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    sent_tools = last_body(backend)["tools"]
    assert [tool["name"] for tool in sent_tools] == ["get_weather"]

    messages += [
        choice.message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": '{"sky": "sunny"}'},
    ]
    second = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    assert second.choices[0].message.content == "It is sunny in Paris."
    items = last_body(backend)["input"]
    kinds = [item["type"] for item in items]
    assert "function_call" in kinds
    output = next(item for item in items if item["type"] == "function_call_output")
    assert output["call_id"] == "call_paris"
    assert output["output"] == '{"sky": "sunny"}'


def test_reasoning_effort(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    backend.enqueue(Reply(events=answer(reasoning_events("Thinking it over."), message_events("42", output_index=1))))
    response = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "the answer?"}], reasoning_effort="high"
    )
    assert response.choices[0].message.content == "42"
    assert last_body(backend)["reasoning"]["effort"] == "high"


def test_reasoning_effort_reaches_the_provider(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    """The bundled config's allowed_openai_params lets LiteLLM pass reasoning_effort on (not a 400)."""
    backend.enqueue(Reply(events=answer(reasoning_events("Thinking it over."), message_events("42", output_index=1))))
    response = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "the answer?"}], reasoning_effort="high"
    )
    assert response.choices[0].message.content == "42"
    assert (response.choices[0].message.model_extra or {}).get("reasoning_content") == "Thinking it over."


def test_responses_api(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    backend.enqueue(Reply(events=text_answer("Hello through /v1/responses")))
    response = client.responses.create(model=MODEL, input="say hello")
    assert response.output_text == "Hello through /v1/responses"
    assert response.usage is not None
    assert response.usage.input_tokens == 21
    assert response.usage.output_tokens == 9
    body = last_body(backend)
    assert body["input"][-1]["content"] == [{"type": "input_text", "text": "say hello"}]


def test_responses_api_streamed(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    backend.enqueue(Reply(events=text_answer("streamed through /v1/responses", pieces=4), together=False))
    events = list(client.responses.create(model=MODEL, input="say hello", stream=True))
    text = "".join(getattr(event, "delta", "") for event in events if event.type == "response.output_text.delta")
    assert text == "streamed through /v1/responses"
    assert events[-1].type == "response.completed"


def test_responses_stream_keeps_the_text_that_came_in_the_reasoning_read(
    client: openai.OpenAI, backend: FakeCodexBackend
) -> None:
    """Reasoning's end and the whole text in one network read (the common case): every text delta arrives."""
    events = answer(reasoning_events("Thinking it over."), message_events("The answer is 42.", output_index=1))
    backend.enqueue(Reply(events=events, together=True))
    streamed = list(client.responses.create(model=MODEL, input="the answer?", stream=True))
    text = "".join(getattr(event, "delta", "") for event in streamed if event.type == "response.output_text.delta")
    assert text == "The answer is 42."
    assert streamed[-1].type == "response.completed"


def test_messages_door_keeps_encrypted_reasoning_across_turns(proxy: RunningProxy, backend: FakeCodexBackend) -> None:
    """/v1/messages (Claude Code's door): the thinking block's signature brings the reasoning back next turn."""
    backend.enqueue(
        Reply(
            events=answer(
                reasoning_events("Weighing it.", encrypted="gAAAA-kept=="), message_events("42", output_index=1)
            )
        )
    )
    headers = {"x-api-key": MASTER_KEY, "anthropic-version": "2023-06-01"}
    ask = {"model": MODEL, "max_tokens": 256, "messages": [{"role": "user", "content": "the answer?"}]}
    first = httpx.post(f"{proxy.base_url}/v1/messages", json=ask, headers=headers, timeout=60)
    assert first.status_code == 200, first.text
    content = first.json()["content"]
    thinking = [block for block in content if block["type"] == "thinking"]
    assert len(thinking) == 1, content
    thinking = thinking[0]
    assert thinking["signature"].startswith("codex-reasoning-v1:")
    backend.enqueue(Reply(events=text_answer("then 43")))
    follow = {
        **ask,
        "messages": [*ask["messages"], {"role": "assistant", "content": content}, {"role": "user", "content": "and?"}],
    }
    second = httpx.post(f"{proxy.base_url}/v1/messages", json=follow, headers=headers, timeout=60)
    assert second.status_code == 200, second.text
    sent = [item for item in last_body(backend)["input"] if item["type"] == "reasoning"]
    assert [item["encrypted_content"] for item in sent] == ["gAAAA-kept=="]


def test_model_info_reports_the_backends_context_window(proxy: RunningProxy) -> None:
    """/model/info and /model_group/info: the subscription's 272,000 tokens and the capabilities, at no cost."""
    headers = {"Authorization": f"Bearer {MASTER_KEY}"}
    infos = httpx.get(f"{proxy.base_url}/model/info", headers=headers, timeout=30).json()["data"]
    (gpt55,) = [entry["model_info"] for entry in infos if entry["model_name"] == "gpt-5.5"]
    assert gpt55["max_input_tokens"] == 272_000
    assert gpt55["supports_function_calling"] and gpt55["supports_vision"] and gpt55["supports_reasoning"]
    assert gpt55["input_cost_per_token"] == 0
    groups = httpx.get(f"{proxy.base_url}/model_group/info", headers=headers, timeout=30).json()["data"]
    (group,) = [entry for entry in groups if entry["model_group"] == "gpt-5.5"]
    assert group["max_input_tokens"] == 272_000
    assert group["supports_function_calling"] is True


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"model": "codex/-high"}, "names no model"),
        ({"messages": [{"role": "user", "content": ""}]}, "no message has any content"),
        ({"messages": [{"role": "user", "content": "bad \ud800"}]}, "surrogate"),  # the proxy refuses it itself
    ],
    ids=["effort-only-model", "nothing-to-say", "lone-surrogate"],
)
def test_bad_input_through_the_proxy_is_a_400_naming_the_field(
    proxy: RunningProxy, backend: FakeCodexBackend, change: dict[str, Any], says: str
) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], **change}
    raw = json.dumps(body).encode()  # ensure_ascii: a lone surrogate travels as its \\ud800 escape
    headers = {"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"}
    answer_ = httpx.post(f"{proxy.base_url}/v1/chat/completions", content=raw, headers=headers, timeout=60)
    assert answer_.status_code == 400, answer_.text
    assert says in answer_.text
    assert backend.response_requests == []


def test_usage_limit_is_a_rate_limit_error(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    backend.enqueue(Reply(status=429, body=USAGE_LIMIT))
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 429
    assert "usage limit has been reached" in str(caught.value)
    assert len(backend.response_requests) == 1, "a usage limit is not retried"


def test_usage_limit_on_a_stream_is_a_rate_limit_error(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    backend.enqueue(Reply(status=429, body=USAGE_LIMIT))
    with pytest.raises(openai.RateLimitError) as caught:
        list(client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=True))
    assert "usage limit has been reached" in str(caught.value)


def _litellm_at_least(version: str) -> bool:
    installed = tuple(int(part) for part in importlib.metadata.version("litellm").split(".")[:3])
    return installed >= tuple(int(part) for part in version.split("."))


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_usage_limit_brings_retry_after_and_the_limit_headers(
    client: openai.OpenAI, backend: FakeCodexBackend, stream: bool
) -> None:
    """The README's promise: the 429 carries ``retry-after`` and ``x-codex-*``; on a stream from LiteLLM 1.108.7."""
    limits = {"x-codex-primary-used-percent": "100.0", "x-codex-primary-window-minutes": "300"}
    backend.enqueue(Reply(status=429, body=USAGE_LIMIT, headers=limits))

    def call() -> None:
        reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=stream)
        if stream:
            list(reply)

    with pytest.raises(openai.RateLimitError) as caught:
        call()
    headers = caught.value.response.headers
    if stream and not _litellm_at_least("1.108.7"):
        assert "x-codex-primary-used-percent" not in headers, "LiteLLM 1.106 drops a stream's error headers"
        return
    assert headers.get("retry-after") == "3600"
    assert headers.get("x-codex-primary-used-percent") == "100.0"
    assert headers.get("x-codex-primary-window-minutes") == "300"


def test_a_failing_backend_is_retried_by_one_layer_only(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    """The bundled config leaves retries to the provider: CODEX_MAX_RETRIES + 1 requests, not times the router's."""
    backend.enqueue(*[Reply(status=502, body={"detail": "bad gateway"}) for _ in range(12)])
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 502
    assert len(backend.response_requests) == 3, "the provider's default of 2 retries, and no router retries"


def test_a_refused_request_does_not_cool_the_login_down(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    """After a 429 and a 400 the same model answers at once: one login is never put into cooldown."""
    backend.enqueue(
        Reply(status=429, body=USAGE_LIMIT),
        Reply(status=400, body={"detail": "Unsupported parameter: something"}),
        Reply(events=text_answer("back again")),
    )
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "one"}])
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "two"}])
    assert "Unsupported parameter: something" in str(caught.value)
    response = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "three"}])
    assert response.choices[0].message.content == "back again"


def test_status_shows_the_limits_the_proxy_saw(
    client: openai.OpenAI, backend: FakeCodexBackend, proxy: RunningProxy
) -> None:
    """``codex-litellm status`` beside the running proxy reports the limits of the proxy's last answer."""
    headers = {"x-codex-primary-used-percent": "64", "x-codex-primary-window-minutes": "300"}
    backend.enqueue(Reply(status=429, body=USAGE_LIMIT, headers=headers))
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    # The proxy writes its snapshot at most every few seconds (the last report wins): ask until it lands.
    for _ in range(20):
        status = subprocess.run(
            [str(Path(sys.executable).with_name("codex-litellm")), "status"],
            env=proxy.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert status.returncode == 0, status.stderr
        if "5-hour window: 64% used" in status.stdout:
            break
        time.sleep(0.5)
    assert "5-hour window: 64% used" in status.stdout


def test_unknown_model_is_a_not_found_error(client: openai.OpenAI, backend: FakeCodexBackend) -> None:
    backend.enqueue(Reply(status=404, body={"detail": "Model not found gpt-0-nonexistent"}))
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="codex/gpt-0-nonexistent", messages=[{"role": "user", "content": "hi"}])


def test_refresh_beside_the_running_proxy(
    client: openai.OpenAI, backend: FakeCodexBackend, proxy: RunningProxy
) -> None:
    """``codex-litellm refresh`` renews the login file; the running proxy picks up the new token by itself."""
    with FakeTokenEndpoint() as endpoint:
        done = subprocess.run(
            [str(Path(sys.executable).with_name("codex-litellm")), "refresh"],
            env={**proxy.env, "CODEX_OAUTH_TOKEN_URL": endpoint.url},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert endpoint.calls == 1
    backend.valid_tokens = {endpoint.issued[-1]["access_token"]}
    try:
        backend.enqueue(Reply(events=text_answer("with the new token")))
        response = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
        assert response.choices[0].message.content == "with the new token"
    finally:
        backend.valid_tokens = None
