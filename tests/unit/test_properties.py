"""Properties that must hold for every input, not just the examples (hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litellm_codex_oauth_provider.domain.answer import CompletionResult
from litellm_codex_oauth_provider.domain.errors import CodexAPIError, CodexRequestError
from litellm_codex_oauth_provider.domain.params import NOT_SENT_PARAMS, StopCutter
from litellm_codex_oauth_provider.domain.sse import SSEDecoder
from litellm_codex_oauth_provider.domain.stream import ResponseStreamState
from litellm_codex_oauth_provider.domain.translation import ChatRequest, plan_request

from tests.fixtures_io import NAMES, fixture_bytes

BODY_KEYS = {
    "model",
    "instructions",
    "input",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "reasoning",
    "store",
    "stream",
    "include",
    "prompt_cache_key",
    "text",
    "service_tier",
}
REFUSED = {*NOT_SENT_PARAMS, "stop", "n"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
param_names = st.sampled_from(
    [*NOT_SENT_PARAMS, "stop", "n", "tools", "tool_choice", "reasoning_effort", "prompt_cache_key", "extra_body", "x"]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(params=st.dictionaries(param_names, json_values, max_size=8))
def test_the_body_never_carries_a_refused_parameter(params: dict[str, Any]) -> None:
    chat = ChatRequest("codex/gpt-5.1-codex", [{"role": "user", "content": "hi"}], params)
    try:
        plan = plan_request(chat, instructions="I", codex_mode=True)
    except CodexRequestError:
        return  # a malformed value is refused before anything is sent
    assert set(plan.body) <= BODY_KEYS
    assert not set(plan.body) & REFUSED
    assert set(plan.dropped_params) <= set(params) & set(NOT_SENT_PARAMS), "only what was asked is reported"
    asked_for = {k for k in ("temperature", "max_tokens", "seed") if isinstance(params.get(k), int | float | str)}
    assert asked_for <= set(plan.dropped_params), "a value the backend cannot honour is never dropped silently"


@pytest.mark.parametrize(
    ("params", "dropped"),
    [
        ({"temperature": 0.2}, {"temperature"}),
        ({"temperature": None}, set()),
        ({"logprobs": False}, set()),
        ({"logprobs": True, "top_logprobs": 3}, {"logprobs", "top_logprobs"}),
        ({"max_tokens": 100, "seed": 0, "user": ""}, {"max_tokens", "seed", "user"}),
        ({"metadata": {}, "stop": ["x"], "n": 1}, {"metadata"}),
        ({"x": 1, "reasoning_effort": "low", "prompt_cache_key": "k"}, set()),
    ],
)
def test_the_parameters_reported_as_not_sent(params: dict[str, Any], dropped: set[str]) -> None:
    chat = ChatRequest("codex/gpt-5.1-codex", [{"role": "user", "content": "hi"}], params)
    assert set(plan_request(chat, instructions="I", codex_mode=True).dropped_params) == dropped


call_ids = st.sampled_from(["call_a", "call_b", "call_c", "call_d"])


@st.composite
def conversations(draw: st.DrawFn) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["user", "assistant", "calls", "tool", "system"]))
        if kind in ("user", "system"):
            messages.append({"role": kind, "content": draw(st.text(max_size=8))})
        elif kind == "assistant":
            messages.append({"role": "assistant", "content": draw(st.text(max_size=8))})
        elif kind == "calls":
            ids = draw(st.lists(call_ids, min_size=1, max_size=3, unique=True))
            calls = [{"id": i, "type": "function", "function": {"name": "f", "arguments": "{}"}} for i in ids]
            messages.append({"role": "assistant", "content": None, "tool_calls": calls})
        else:
            messages.append({"role": "tool", "tool_call_id": draw(call_ids), "content": draw(st.text(max_size=8))})
    # A conversation with nothing to say is refused before translation (tests/unit/test_request_checks.py).
    messages.append({"role": "user", "content": draw(st.text(alphabet="abc", min_size=1, max_size=8))})
    return messages


@settings(max_examples=300)
@given(messages=conversations(), codex_mode=st.booleans())
def test_every_function_call_output_follows_its_function_call(messages: list[dict[str, Any]], codex_mode: bool) -> None:
    plan = plan_request(ChatRequest("gpt-5.1-codex", messages), instructions="I", codex_mode=codex_mode)
    seen: set[str] = set()
    for item in plan.body["input"]:
        assert "id" not in item and item["type"] != "item_reference"
        if item["type"] == "function_call":
            seen.add(item["call_id"])
        elif item["type"] == "function_call_output":
            assert item["call_id"] in seen
        elif item["type"] == "message":
            assert item["role"] in ("user", "assistant", "developer")
    tool_messages = sum(1 for m in messages if m["role"] == "tool")
    outputs = sum(1 for i in plan.body["input"] if i["type"] == "function_call_output")
    assert outputs + len(plan.orphan_call_ids) == tool_messages


def _play(reads: list[bytes]) -> tuple[dict[str, Any], CompletionResult]:
    """Feed reads as the transport would; return what the deltas add up to, and the final result."""
    decoder, state = SSEDecoder(), ResponseStreamState()
    streamed: dict[str, Any] = {"text": "", "reasoning": "", "calls": {}, "finish": [], "items": ()}
    for events in [*(decoder.feed(read) for read in reads), decoder.flush()]:
        delta = state.feed(events)
        if delta is None:
            continue
        streamed["text"] += delta.text
        streamed["reasoning"] += delta.reasoning
        for piece in delta.tool_calls:
            call = streamed["calls"].setdefault(piece.index, {"id": piece.id, "name": piece.name, "arguments": ""})
            call["arguments"] += piece.arguments
        if delta.finish_reason:
            streamed["finish"].append(delta.finish_reason)
            streamed["items"] = delta.reasoning_items
    return streamed, state.result()


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_chunking_of_a_recorded_stream_gives_the_same_answer(name: str, data: st.DataObject) -> None:
    raw = fixture_bytes(name)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=40)))
    reads = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    if name == "failed":
        with pytest.raises(CodexAPIError):
            _play(reads)
        return
    _, whole = _play([raw])
    streamed, result = _play(reads)
    assert result == whole
    assert streamed["text"] == result.text
    assert streamed["reasoning"] == result.reasoning
    assert streamed["finish"] == [result.finish_reason]
    assert streamed["items"] == result.reasoning_items
    calls = [streamed["calls"][i] for i in sorted(streamed["calls"])]
    assert calls == [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in result.tool_calls]


@settings(max_examples=300)
@given(
    text=st.text(alphabet="abEND\n", max_size=40),
    stops=st.lists(st.text(alphabet="abEND\n", min_size=1, max_size=4), max_size=3),
    data=st.data(),
)
def test_stop_cuts_the_same_streamed_or_whole(text: str, stops: list[str], data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=10)))
    cutter = StopCutter(stops)
    streamed = "".join(cutter.feed(text[a:b]) for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True))
    streamed += cutter.finish()
    whole, stopped = StopCutter.cut(text, stops)
    assert streamed == whole
    assert cutter.stopped == stopped
    assert text.startswith(whole), "a cut only ever removes the end"
    assert stopped == any(s in text for s in stops)
    assert not any(s in whole for s in stops), "no stop sequence survives in what is kept"


@pytest.mark.parametrize(
    ("text", "stops", "kept"),
    [
        ("abENDcd", ["END"], "ab"),
        ("no stop here", ["END"], "no stop here"),
        ("xabcd", ["bcd", "abc"], "x"),  # "abc" is complete first: the answer ends before it
        ("aXbXc", ["c", "Xb"], "a"),
        ("aXbXc", ["XbXc", "bX"], "aX"),  # "bX" completes before the longer one that began earlier
        ("abcd", ["bcd", "cd"], "a"),  # both complete at once: the one that began first
        ("END", ["END"], ""),
    ],
)
def test_where_the_answer_stops(text: str, stops: list[str], kept: str) -> None:
    assert StopCutter.cut(text, stops) == (kept, kept != text)
    cutter = StopCutter(stops)
    assert "".join(cutter.feed(ch) for ch in text) + cutter.finish() == kept


def test_stop_holds_back_only_a_possible_start_of_a_stop_sequence() -> None:
    cutter = StopCutter(["END"])
    assert cutter.feed("hello E") == "hello "
    assert cutter.feed("x") == "Ex"
    assert cutter.feed("EN") == ""
    assert cutter.feed("D tail") == ""
    assert cutter.stopped
