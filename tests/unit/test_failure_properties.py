"""Property tests: whatever the wire or the caller sends, the package fails only with its own clear errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litellm_codex_oauth_provider.domain.errors import CodexError, CodexRequestError
from litellm_codex_oauth_provider.domain.sse import SSEDecoder
from litellm_codex_oauth_provider.domain.stream import ResponseStreamState
from litellm_codex_oauth_provider.domain.translation import ChatRequest, plan_request

from tests.fakes.codex_backend import encode_sse, error_event, failed_event, function_call_events, text_answer

SSE_PIECES = st.sampled_from(
    [b"data: ", b"event: ", b"\n", b"\r\n", b"\r", b"\n\n", b"{", b"}", b"[DONE]", b": ping", b'"type"', b"\xff\xfe"]
)
WIRE = st.lists(st.one_of(st.binary(max_size=40), SSE_PIECES), max_size=40).map(b"".join)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=5,
)
_POOL = [
    *text_answer("Hello there", pieces=3),
    *function_call_events("lookup", '{"q": 1}', call_id="call_1", output_index=1),
    failed_event("server_is_overloaded", "busy"),
    failed_event("rate_limit_exceeded", "Please try again in 2s."),
    error_event("context_length_exceeded", "too long"),
    {"type": "codex.rate_limits", "rate_limits": {}},
]
EVENTS = st.lists(st.sampled_from(_POOL), max_size=12)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@given(WIRE, st.lists(st.integers(min_value=0, max_value=2000), max_size=10))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_the_decoder_fed_any_bytes_in_any_split_gives_only_objects(data: bytes, cuts: list[int]) -> None:
    decoder = SSEDecoder()
    events = [event for piece in _split(data, cuts) for event in decoder.feed(piece)]
    events += decoder.flush()
    assert all(isinstance(event, dict) for event in events)
    assert all(isinstance(preview, str) and len(preview) <= 80 for preview in decoder.malformed)


@given(WIRE, st.lists(st.integers(min_value=0, max_value=2000), max_size=6), st.integers(min_value=0, max_value=20))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_garbage_between_events_never_loses_the_good_ones(garbage: bytes, cuts: list[int], at: int) -> None:
    good = text_answer("Hé, llo\nworld")
    frames = encode_sse(good)
    at = min(at, len(frames))
    noise = garbage.replace(b"\r", b"").replace(b"\n", b"") + b"\n\n"  # one undecodable block
    data = b"".join([*frames[:at], b"data: " + noise, *frames[at:]])
    decoder = SSEDecoder()
    events = [event for piece in _split(data, cuts) for event in decoder.feed(piece)] + decoder.flush()
    assert [e for e in events if e in good] == good


@given(EVENTS)
@settings(max_examples=150)
def test_an_answer_succeeds_only_when_completed_and_not_failed(events: list[dict[str, Any]]) -> None:
    """Any order, any subset of real events: a success needs ``response.completed``; never an empty success."""
    state = ResponseStreamState()
    failure: CodexError | None = None
    try:
        for event in events:
            state.feed([event])
        state.result()
    except CodexError as error:
        failure = error
    ends = [e["type"] for e in events if e["type"] in ("response.failed", "error", "response.completed")]
    succeeded = bool(ends) and all(end == "response.completed" for end in ends)
    assert (failure is None) == succeeded
    assert failure is None or str(failure).startswith("Codex API error ")


@given(st.text(max_size=30), st.sampled_from(["rate_limit_exceeded", "context_length_exceeded", "x", ""]))
def test_a_failed_event_is_never_an_empty_success(message: str, code: str) -> None:
    state = ResponseStreamState()
    state.feed(text_answer("so far")[:5])
    with pytest.raises(CodexError, match=r"^Codex API error \d{3}: "):
        state.feed([failed_event(code, message)])


ROLES = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "robot", None, 3])
CONTENT = st.one_of(
    st.text(max_size=20),
    st.none(),
    st.integers(),
    st.lists(
        st.one_of(
            st.fixed_dictionaries({"type": st.just("text"), "text": st.text(max_size=10)}),
            st.fixed_dictionaries({"type": st.just("image_url"), "image_url": st.just({"url": "https://x/y.png"})}),
            st.dictionaries(st.text(max_size=5), JSON, max_size=3),
            st.text(max_size=5),
            st.integers(),
        ),
        max_size=3,
    ),
    st.dictionaries(st.text(max_size=5), JSON, max_size=3),
)
MESSAGE = st.fixed_dictionaries(
    {"role": ROLES, "content": CONTENT},
    optional={
        "tool_calls": st.one_of(st.none(), st.lists(st.dictionaries(st.text(max_size=8), JSON, max_size=3))),
        "tool_call_id": st.one_of(st.text(max_size=5), st.none(), st.integers()),
        "name": st.text(max_size=5),
    },
)
NOT_A_MESSAGE = st.one_of(st.dictionaries(st.text(max_size=6), JSON, max_size=3), st.text(max_size=5), st.none())


def _translates_or_refuses_clearly(messages: list[Any]) -> None:
    chat = ChatRequest(model="gpt-5.1-codex", messages=messages)
    failure: CodexRequestError | None = None
    try:
        body = plan_request(chat, instructions="Be brief.", codex_mode=True).body
        json.dumps(body)  # what is sent is always serialisable
        assert isinstance(body["input"], list)
    except CodexRequestError as error:
        failure = error
    assert failure is None or str(failure)


@given(st.lists(MESSAGE, max_size=6))
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
def test_any_message_list_translates_or_raises_the_clear_request_error(messages: list[Any]) -> None:
    _translates_or_refuses_clearly(messages)


@given(st.lists(st.one_of(MESSAGE, NOT_A_MESSAGE), max_size=6))
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
def test_any_list_entry_translates_or_raises_the_clear_request_error(messages: list[Any]) -> None:
    _translates_or_refuses_clearly(messages)
