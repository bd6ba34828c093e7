"""The recorded answers are real Responses shapes, and each one reaches a LiteLLM caller whole.

Every event of every fixture must validate against the ``openai`` package's published
``ResponseStreamEvent`` union; then each fixture is served by the fake backend and read
through ``litellm.completion``, streamed and not, and both must give the same answer.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import litellm
import pytest
from openai.types.responses import ResponseStreamEvent
from pydantic import TypeAdapter

from tests.fakes.codex_backend import FakeCodexBackend, Reply
from tests.fixtures_io import NAMES, fixture_bytes, fixture_events

EVENT = TypeAdapter(ResponseStreamEvent)


def _event_classes() -> dict[str, type[Any]]:
    """Each published event type's model, by its ``type`` literal (for precise failures)."""
    union = typing.get_args(ResponseStreamEvent)[0]  # Annotated[Union[...], discriminator]
    return {
        literal: cls
        for cls in typing.get_args(union)
        for literal in typing.get_args(cls.model_fields["type"].annotation)
    }


EVENT_CLASSES = _event_classes()

REASONING = "**Checking the sum**\n\nTwo plus two is four.\n\n**Answering**\n\nKeep it short."
EXPECTED: dict[str, dict[str, Any]] = {
    "text": {"content": "Hello! How can I help you today?", "finish": "stop"},
    "reasoning_text": {"content": "2 + 2 = 4.", "finish": "stop", "reasoning": REASONING},
    "tool_calls": {
        "content": None,
        "finish": "tool_calls",
        "calls": [
            ("call_weather_1", "get_weather", {"city": "Paris", "unit": "celsius"}),
            ("call_time_2", "get_time", {"timezone": "Europe/Paris"}),
        ],
    },
    "incomplete": {"content": "Once upon a time, in a land far", "finish": "length"},
    "done_only": {"content": "Whole answer, no deltas.", "finish": "stop"},
}


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_event_is_a_published_responses_event(name: str) -> None:
    events = fixture_events(name)
    assert events, "a fixture holds events"
    for event in events:
        if event["type"].startswith("codex."):
            assert event["type"] == "codex.rate_limits"
            assert {"primary", "secondary"} <= set(event["rate_limits"])
            continue
        assert event["type"] in EVENT_CLASSES, f"{event['type']} is not a published Responses event"
        EVENT_CLASSES[event["type"]].model_validate(event)  # a precise error first
        parsed = EVENT.validate_python(event)
        assert type(parsed) is EVENT_CLASSES[event["type"]]
    terminal = events[-1]["type"]
    assert terminal in ("response.completed", "response.incomplete", "response.failed")


def _answer(message: Any, finish: str | None) -> dict[str, Any]:
    calls = [
        (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
        for c in message.get("tool_calls") or []
    ]
    return {
        "content": message.get("content") or None,
        "finish": finish,
        "reasoning": message.get("reasoning_content"),
        "calls": calls,
    }


def _whole(messages: list[dict[str, Any]]) -> dict[str, Any]:
    response = litellm.completion(model="codex/gpt-5.1-codex", messages=messages)
    choice = response.choices[0]
    answer = _answer(choice.message.model_dump(), choice.finish_reason)
    answer["usage"] = (response.usage.prompt_tokens, response.usage.completion_tokens, response.usage.total_tokens)
    fields = choice.message.provider_specific_fields or {}
    answer["reasoning_items"] = fields.get("reasoning_items")
    return answer


def _streamed(messages: list[dict[str, Any]]) -> dict[str, Any]:
    chunks = list(
        litellm.completion(
            model="codex/gpt-5.1-codex", messages=messages, stream=True, stream_options={"include_usage": True}
        )
    )
    built = litellm.stream_chunk_builder(chunks, messages=messages)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finishes) == 1, "exactly one chunk carries the finish reason"
    answer = _answer(built.choices[0].message.model_dump(), finishes[0])
    usage = [c.usage for c in chunks if getattr(c, "usage", None)][-1]
    answer["usage"] = (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)
    fields = [c.choices[0].delta.provider_specific_fields for c in chunks if c.choices]
    answer["reasoning_items"] = next((f["reasoning_items"] for f in fields if f and "reasoning_items" in f), None)
    return answer


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_answer_reaches_the_caller_the_same_streamed_or_not(
    name: str, litellm_codex: Any, codex_backend: FakeCodexBackend
) -> None:
    raw = fixture_bytes(name)
    codex_backend.enqueue(Reply(raw=raw), Reply(raw=raw))
    messages = [{"role": "user", "content": "hi"}]
    whole, streamed = _whole(messages), _streamed(messages)
    assert whole == streamed
    expected = EXPECTED[name]
    assert whole["content"] == expected["content"]
    assert whole["finish"] == expected["finish"]
    assert whole["reasoning"] == expected.get("reasoning", whole["reasoning"])
    assert whole["calls"] == expected.get("calls", [])
    assert whole["usage"] == (1834, 97, 1931)
    if name in ("reasoning_text", "tool_calls"):
        (item,) = whole["reasoning_items"]
        assert item["encrypted_content"].startswith("gAAAAAB")
        assert "id" not in item


def test_a_failed_answer_is_an_error_naming_the_backend_message(
    litellm_codex: Any, codex_backend: FakeCodexBackend
) -> None:
    raw = fixture_bytes("failed")
    codex_backend.enqueue(Reply(raw=raw), Reply(raw=raw))
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(Exception, match="Rate limit reached"):
        litellm.completion(model="codex/gpt-5.1-codex", messages=messages)
    with pytest.raises(Exception, match="Rate limit reached"):
        list(litellm.completion(model="codex/gpt-5.1-codex", messages=messages, stream=True))
