"""A whole tool round trip through ``litellm.completion``: call, result, final answer.

Run four ways (sync and async, streamed and whole). The second request must carry
the model's encrypted reasoning, each call and each result in the order the
backend accepts, with no server item ids.
"""

from __future__ import annotations

import json
from typing import Any

import litellm
import pytest

from tests.fakes.codex_backend import (
    FakeCodexBackend,
    Reply,
    answer,
    function_call_events,
    reasoning_events,
    text_answer,
)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    },
    {"type": "function", "function": {"name": "get_time"}},
]
FIRST_ARGS = '{"city": "Tokyo"}'
SECOND_ARGS = '{"zone": "Asia/Tokyo"}'


def tool_call_answer() -> list[dict[str, Any]]:
    return answer(
        reasoning_events("Need weather and time.", output_index=0, encrypted="gAAAA-secret-reasoning"),
        function_call_events("get_weather", FIRST_ARGS, call_id="call_weather", output_index=1),
        function_call_events("get_time", SECOND_ARGS, call_id="call_time", output_index=2),
    )


async def run_turn(messages: list[Any], *, stream: bool, use_async: bool) -> tuple[dict[str, Any], str | None]:
    """One call; returns the assistant message as a plain dict (as a caller would send it back) and the finish."""
    kwargs: dict[str, Any] = {"model": "codex/gpt-5.1-codex", "messages": messages, "tools": TOOLS, "stream": stream}
    if not stream:
        response = await litellm.acompletion(**kwargs) if use_async else litellm.completion(**kwargs)
        message = response.choices[0].message
        return message.model_dump(exclude_none=True), response.choices[0].finish_reason
    if use_async:
        chunks = [chunk async for chunk in await litellm.acompletion(**kwargs)]
    else:
        chunks = list(litellm.completion(**kwargs))
    built = litellm.stream_chunk_builder(chunks, messages=messages)
    message = built.choices[0].message.model_dump(exclude_none=True)
    fields = [c.choices[0].delta.provider_specific_fields for c in chunks if c.choices]
    fields = [f for f in fields if f and f.get("reasoning_items")]
    if fields:
        message["provider_specific_fields"] = fields[-1]
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    return message, finishes[-1] if finishes else None


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
async def test_tool_round_trip(
    litellm_codex: Any, codex_backend: FakeCodexBackend, stream: bool, use_async: bool
) -> None:
    codex_backend.enqueue(
        Reply(events=tool_call_answer(), together=False),
        Reply(events=text_answer("Tokyo: 21°C, 14:05.", pieces=4), together=False),
    )
    messages: list[Any] = [{"role": "user", "content": "Weather and time in Tokyo?"}]

    assistant, finish = await run_turn(messages, stream=stream, use_async=use_async)
    assert finish == "tool_calls"
    calls = assistant["tool_calls"]
    assert [(c["id"], c["function"]["name"]) for c in calls] == [
        ("call_weather", "get_weather"),
        ("call_time", "get_time"),
    ]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [json.loads(FIRST_ARGS), json.loads(SECOND_ARGS)]
    assert assistant["reasoning_content"] == "Need weather and time."
    (reasoning,) = assistant["provider_specific_fields"]["reasoning_items"]
    assert reasoning["encrypted_content"] == "gAAAA-secret-reasoning"

    messages += [
        assistant,
        {"role": "tool", "tool_call_id": "call_weather", "content": "21°C"},
        {"role": "tool", "tool_call_id": "call_time", "content": [{"type": "text", "text": "14:05"}]},
    ]
    final, finish = await run_turn(messages, stream=stream, use_async=use_async)
    assert final["content"] == "Tokyo: 21°C, 14:05."
    assert finish == "stop"

    first, second = (r.body for r in codex_backend.response_requests)
    assert first["tools"][0] == {
        "type": "function",
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": TOOLS[0]["function"]["parameters"],
    }
    assert first["tools"][1] == {
        "type": "function",
        "name": "get_time",
        "parameters": {"type": "object", "properties": {}},
    }
    conversation = [item for item in second["input"] if item.get("role") != "developer"]
    assert conversation == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Weather and time in Tokyo?"}]},
        {
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "Need weather and time."}],
            "encrypted_content": "gAAAA-secret-reasoning",
        },
        {"type": "function_call", "call_id": "call_weather", "name": "get_weather", "arguments": FIRST_ARGS},
        {"type": "function_call", "call_id": "call_time", "name": "get_time", "arguments": SECOND_ARGS},
        {"type": "function_call_output", "call_id": "call_weather", "output": "21°C"},
        {"type": "function_call_output", "call_id": "call_time", "output": "14:05"},
    ]
    assert second["prompt_cache_key"] == first["prompt_cache_key"]
    assert all("id" not in item for item in second["input"]), "no server item ids go back"


def test_the_answers_message_object_can_be_sent_back_as_it_is(
    litellm_codex: Any, codex_backend: FakeCodexBackend
) -> None:
    codex_backend.enqueue(Reply(events=tool_call_answer()), Reply(events=text_answer("done")))
    messages: list[Any] = [{"role": "user", "content": "Weather and time in Tokyo?"}]
    first = litellm.completion(model="codex/gpt-5.1-codex", messages=messages, tools=TOOLS)
    messages.append(first.choices[0].message)  # the LiteLLM Message object itself
    messages.append({"role": "tool", "tool_call_id": "call_weather", "content": "21°C"})
    messages.append({"role": "tool", "tool_call_id": "call_time", "content": "14:05"})
    assert (
        litellm.completion(model="codex/gpt-5.1-codex", messages=messages, tools=TOOLS).choices[0].message.content
        == "done"
    )
    kinds = [item["type"] for item in codex_backend.response_requests[1].body["input"]]
    assert kinds[-5:] == ["reasoning", "function_call", "function_call", "function_call_output", "function_call_output"]
