from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litellm_codex_oauth_provider.domain.sse import SSEDecoder, SSEEventTooLargeError

EVENTS = [
    {"type": "response.created", "response": {"id": "resp_1"}},
    {"type": "response.output_text.delta", "delta": "Hé\nllo"},
    {"type": "response.completed", "response": {"id": "resp_1", "usage": None}},
]
STREAM = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in EVENTS)


def test_one_read_gives_all_its_events_in_one_batch() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(STREAM) == EVENTS
    assert decoder.flush() == []


def test_partial_event_waits_for_the_rest() -> None:
    decoder = SSEDecoder()
    cut = STREAM.index(b"\n\n") + 10
    assert decoder.feed(STREAM[:cut]) == EVENTS[:1]
    assert decoder.feed(STREAM[cut:]) == EVENTS[1:]


def test_crlf_framing_done_marker_comments_and_event_name_fallback() -> None:
    raw = b': keep-alive\r\n\r\nevent: response.in_progress\r\ndata: {"x": 1}\r\n\r\ndata: [DONE]\r\n\r\n'
    decoder = SSEDecoder()
    assert decoder.feed(raw[:20]) + decoder.feed(raw[20:]) == [{"type": "response.in_progress", "x": 1}]


def test_undecodable_data_is_skipped_and_remembered() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b'data: {not json\n\ndata: [1, 2]\n\ndata: {"type": "ok"}\n\n')
    assert events == [{"type": "ok"}]
    assert len(decoder.malformed) == 2


def test_an_event_without_its_blank_line_is_flushed_at_the_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"type": "last"}') == []
    assert decoder.flush() == [{"type": "last"}]


@given(
    st.sampled_from([STREAM, STREAM.replace(b"\n", b"\r\n")]),  # LF and CRLF framing
    st.lists(st.integers(min_value=0, max_value=len(STREAM) * 2), max_size=12),
)
def test_any_split_gives_the_same_events(stream: bytes, cuts: list[int]) -> None:
    points = sorted({cut for cut in cuts if cut <= len(stream)})
    pieces = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    decoder = SSEDecoder()
    events = [event for piece in pieces if piece for event in decoder.feed(piece)]
    assert events + decoder.flush() == EVENTS


def test_the_common_event_then_data_shape_and_its_variants() -> None:
    raw = (
        b'event: response.in_progress\ndata:{"x": 1}\n\n'  # no space after the colon
        b'event: named\ndata: {"y": 2}\n\n'  # the type comes from the event line
        b"event: done\ndata: [DONE]\n\n"
        b'event: split\ndata: {"z":\ndata: 3}\n\n'  # two data lines join with a newline
    )
    decoder = SSEDecoder()
    assert decoder.feed(raw) == [
        {"type": "response.in_progress", "x": 1},
        {"type": "named", "y": 2},
        {"type": "split", "z": 3},
    ]
    assert decoder.malformed == []


def test_a_large_event_in_many_reads_decodes_once_whole() -> None:
    text = "x" * 3_000_000
    raw = f"data: {json.dumps({'type': 'big', 'delta': text})}\n\n".encode() + STREAM
    decoder = SSEDecoder()
    events = []
    for start in range(0, len(raw), 65_536):
        events += decoder.feed(raw[start : start + 65_536])
    assert events == [{"type": "big", "delta": text}, *EVENTS]


def test_an_unfinished_event_over_the_cap_is_refused_before_it_ends() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    decoder.feed(b'data: {"type": "big", "delta": "' + b"x" * 600)
    with pytest.raises(SSEEventTooLargeError, match="larger than") as caught:
        decoder.feed(b"x" * 600)
    assert caught.value.status_code == 502
    assert caught.value.transient is False


def test_a_finished_event_over_the_cap_is_refused_and_smaller_ones_pass() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    small = b'data: {"type": "ok", "delta": "' + b"x" * 900 + b'"}\n\n'
    assert decoder.feed(small) == [{"type": "ok", "delta": "x" * 900}]
    with pytest.raises(SSEEventTooLargeError):
        decoder.feed(b'data: {"type": "big", "delta": "' + b"x" * 1000 + b'"}\n\n')
