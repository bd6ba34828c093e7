"""The answer state machine's success paths: text, reasoning, tool calls, odd but legal streams."""

from __future__ import annotations

from typing import Any

import pytest
from litellm_codex_oauth_provider.domain.answer import CompletionResult, StreamDelta
from litellm_codex_oauth_provider.domain.errors import CodexAPIError
from litellm_codex_oauth_provider.domain.stream import ResponseStreamState

from tests.fakes.codex_backend import answer, function_call_events, message_events, reasoning_events
from tests.fixtures_io import fixture_events


def run(events: list[dict[str, Any]], per_read: int = 1) -> tuple[list[StreamDelta], CompletionResult]:
    state = ResponseStreamState()
    deltas = [d for i in range(0, len(events), per_read) if (d := state.feed(events[i : i + per_read]))]
    return deltas, state.result()


def test_reasoning_parts_are_paragraphs_and_items_go_back_without_ids() -> None:
    deltas, result = run(fixture_events("reasoning_text"))
    assert result.reasoning == "**Checking the sum**\n\nTwo plus two is four.\n\n**Answering**\n\nKeep it short."
    assert "".join(d.reasoning for d in deltas) == result.reasoning
    assert result.text == "2 + 2 = 4."
    (item,) = result.reasoning_items
    assert item["encrypted_content"] == "gAAAAABreasoningBlob01=="
    assert "id" not in item
    assert deltas[-1].reasoning_items == result.reasoning_items
    assert deltas[-1].finish_reason == "stop"
    assert result.usage is not None and (result.usage.cached_tokens, result.usage.reasoning_tokens) == (1536, 64)


def test_tool_call_deltas_follow_openai_semantics() -> None:
    deltas, result = run(fixture_events("tool_calls"))
    pieces = [piece for d in deltas for piece in d.tool_calls]
    firsts = {}
    for piece in pieces:
        if piece.index not in firsts:
            firsts[piece.index] = piece
            assert piece.id and piece.name, "id and name come on a call's first delta"
        else:
            assert piece.id is None and piece.name is None
    assert [(p.index, p.id, p.name) for p in firsts.values()] == [
        (0, "call_weather_1", "get_weather"),
        (1, "call_time_2", "get_time"),
    ]
    assert [(c.id, c.name, c.arguments) for c in result.tool_calls] == [
        ("call_weather_1", "get_weather", '{"city": "Paris", "unit": "celsius"}'),
        ("call_time_2", "get_time", '{"timezone": "Europe/Paris"}'),
    ]
    assert result.finish_reason == "tool_calls"


def test_a_message_that_arrives_only_in_output_item_done() -> None:
    _, result = run(fixture_events("done_only"))
    assert result.text == "Whole answer, no deltas."


def test_items_only_in_the_completed_output_are_taken() -> None:
    events = answer(message_events("from completed"), function_call_events("f", "{}", call_id="call_9"))
    created, completed = events[:2], events[-1]
    deltas, result = run([*created, completed])
    assert result.text == "from completed"
    assert [(c.id, c.name, c.arguments) for c in result.tool_calls] == [("call_9", "f", "{}")]
    assert result.finish_reason == "tool_calls"
    assert deltas[-1].tool_calls[0].id == "call_9"


def test_completed_output_does_not_repeat_what_was_streamed() -> None:
    _, result = run(answer(reasoning_events("think"), message_events("hello", output_index=1)))
    assert result.text == "hello"
    assert result.reasoning == "think"
    assert len(result.reasoning_items) == 1


def test_a_function_call_seen_only_when_done_is_announced_whole() -> None:
    events = function_call_events("f", '{"x": 1}', call_id="call_1")
    done_only = [e for e in events if e["type"] == "response.output_item.done"]
    deltas, result = run(answer(done_only, empty_output=True))
    (piece,) = [p for d in deltas for p in d.tool_calls]
    assert (piece.index, piece.id, piece.name, piece.arguments) == (0, "call_1", "f", '{"x": 1}')
    assert result.tool_calls[0].arguments == '{"x": 1}'


def test_text_cut_short_in_deltas_is_completed_from_the_done_item() -> None:
    events = message_events("abcdef", pieces=3)
    events = [e for e in events if not (e["type"] == "response.output_text.delta" and e["delta"] == "ef")]
    deltas, result = run(answer(events))
    assert result.text == "abcdef"
    assert "".join(d.text for d in deltas) == "abcdef"


def test_unknown_events_are_ignored() -> None:
    events = answer(message_events("hi"))
    events.insert(2, {"type": "codex.rate_limits", "rate_limits": {}})
    events.insert(3, {"type": "response.something_new", "payload": [1, 2]})
    assert run(events)[1].text == "hi"


@pytest.mark.parametrize(("reason", "finish"), [("max_output_tokens", "length"), ("content_filter", "content_filter")])
def test_incomplete_answers_finish_with_the_text_so_far(reason: str, finish: str) -> None:
    events = fixture_events("incomplete")
    events[-1]["response"]["incomplete_details"] = {"reason": reason}
    deltas, result = run(events)
    assert result.text == "Once upon a time, in a land far"
    assert result.finish_reason == finish
    assert deltas[-1].finish_reason == finish
    assert result.usage is not None and result.usage.output_tokens == 97


def test_a_failed_answer_raises_the_mapped_error() -> None:
    with pytest.raises(CodexAPIError, match="Rate limit reached") as caught:
        run(fixture_events("failed"))
    assert caught.value.status_code == 429
    assert caught.value.retry_after == pytest.approx(11.054)
