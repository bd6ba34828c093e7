"""The contract with the real backend, as recorded: what the provider makes of its answer streams.

The files in ``fixtures/recorded-*`` are answers of the real backend (re-recorded by
``make record-fixtures``). Each is replayed two ways: through the replay transport
(the stream exactly as recorded, one read per event), and over HTTP from the fake
backend through the real httpx transport.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import litellm
import pytest
from litellm_codex_oauth_provider import CodexAuthProvider, register
from litellm_codex_oauth_provider.adapters.replay_transport import ReplayResponsesTransport
from litellm_codex_oauth_provider.adapters.static_token_store import StaticTokenStore

from tests.fakes.codex_backend import FakeCodexBackend, Reply

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = sorted(FIXTURES.glob("recorded-*"))
QUESTION = [{"role": "user", "content": "What is the weather in Paris?"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
def replay_provider() -> Iterator[Any]:
    """Registers a provider whose transport plays the given recordings; yields a function to set them."""
    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map[:] = [item for item in saved if item.get("provider") != "codex"]

    def use(*names: str) -> ReplayResponsesTransport:
        replay = ReplayResponsesTransport([FIXTURES / name for name in names])
        register(CodexAuthProvider(token_store=StaticTokenStore("tok", "acct-1"), transport=replay))
        return replay

    yield use
    litellm.custom_provider_map[:] = saved


def test_the_fixtures_hold_no_login() -> None:
    assert RECORDED, "no recorded fixtures"
    for path in RECORDED:
        text = path.read_text()
        assert "eyJ" not in text, f"{path.name} holds something shaped like a JWT"
        assert not re.search(r"acct-(?!recorded)", text), f"{path.name} holds an account id"
        for address in re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text):
            assert address.endswith("example.com"), f"{path.name} holds an e-mail address"
        encrypted = set(re.findall(r'"encrypted_content":"([^"]*)"', text))
        assert encrypted <= {"gAAAA-scrubbed-encrypted-reasoning=="}, f"{path.name} holds encrypted reasoning"


def test_text(replay_provider: Any) -> None:
    replay_provider("recorded-text.sse")
    response = litellm.completion(model="codex/gpt-5.1-codex", messages=QUESTION)
    assert response.choices[0].message.content == "pong"
    assert response.choices[0].finish_reason == "stop"
    usage = response.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (2315, 7, 2322)
    assert usage.prompt_tokens_details.cached_tokens == 2048


def test_text_streamed_with_usage(replay_provider: Any) -> None:
    replay_provider("recorded-text.sse")
    chunks = list(
        litellm.completion(
            model="codex/gpt-5.1-codex", messages=QUESTION, stream=True, stream_options={"include_usage": True}
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "pong"
    usage = [c.usage for c in chunks if getattr(c, "usage", None)][-1]
    assert (usage.prompt_tokens, usage.completion_tokens) == (2315, 7)


async def test_reasoning(replay_provider: Any) -> None:
    replay_provider("recorded-reasoning.sse")
    response = await litellm.acompletion(model="codex/gpt-5.1-codex", messages=QUESTION)
    message = response.choices[0].message
    assert message.content == "17 + 25 = 42"
    assert message.reasoning_content.startswith("**Adding two numbers**")
    assert response.usage.completion_tokens_details.reasoning_tokens == 64


async def test_reasoning_streamed(replay_provider: Any) -> None:
    replay_provider("recorded-reasoning.sse")
    stream = await litellm.acompletion(model="codex/gpt-5.1-codex", messages=QUESTION, stream=True)
    chunks = [chunk async for chunk in stream]
    reasoning = "".join(getattr(c.choices[0].delta, "reasoning_content", None) or "" for c in chunks if c.choices)
    assert reasoning == "**Adding two numbers**\n\nSeventeen plus twenty-five is forty-two."
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "17 + 25 = 42"


def test_tool_call(replay_provider: Any) -> None:
    replay_provider("recorded-tool-call.sse")
    response = litellm.completion(model="codex/gpt-5.1-codex", messages=QUESTION, tools=[WEATHER_TOOL])
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.id == "call_Wq3mJ9tXbV1s"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}


def test_tool_call_streamed(replay_provider: Any) -> None:
    replay_provider("recorded-tool-call.sse")
    chunks = list(litellm.completion(model="codex/gpt-5.1-codex", messages=QUESTION, tools=[WEATHER_TOOL], stream=True))
    calls = [call for c in chunks if c.choices for call in (c.choices[0].delta.tool_calls or [])]
    assert calls[0].id == "call_Wq3mJ9tXbV1s"
    assert calls[0].function.name == "get_weather"
    assert json.loads("".join(call.function.arguments or "" for call in calls)) == {"city": "Paris"}


def test_tool_result_turn(replay_provider: Any) -> None:
    replay = replay_provider("recorded-tool-result.sse")
    messages = [
        *QUESTION,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_Wq3mJ9tXbV1s",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_Wq3mJ9tXbV1s", "content": '{"sky": "sunny"}'},
    ]
    response = litellm.completion(model="codex/gpt-5.1-codex", messages=messages, tools=[WEATHER_TOOL])
    assert response.choices[0].message.content == "It is sunny in Paris (21 °C)."
    items = replay.requests[0][0].body["input"]
    assert [item["type"] for item in items][-2:] == ["function_call", "function_call_output"]


def test_usage_limit(replay_provider: Any) -> None:
    replay_provider("recorded-usage-limit.json")
    with pytest.raises(litellm.RateLimitError) as caught:
        litellm.completion(model="codex/gpt-5.1-codex", messages=QUESTION)
    assert "usage limit has been reached" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text"),
    [("recorded-text.sse", "pong"), ("recorded-reasoning.sse", "17 + 25 = 42"), ("recorded-tool-result.sse", None)],
)
def test_over_http(litellm_codex: Any, codex_backend: FakeCodexBackend, name: str, text: str | None) -> None:
    """The same bytes through the real httpx transport and SSE decoder."""
    raw = (FIXTURES / name).read_bytes()
    codex_backend.enqueue(Reply(raw=raw, together=True))
    response = litellm.completion(model="codex/gpt-5.1-codex", messages=QUESTION)
    expected = text if text is not None else "It is sunny in Paris (21 °C)."
    assert response.choices[0].message.content == expected
