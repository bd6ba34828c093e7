"""What one network read becomes: chunks LiteLLM's other front doors keep whole.

LiteLLM's ``/v1/responses`` bridge streams only the reasoning of a chunk that also
carries text, and its ``/v1/messages`` bridge made two tool calls on one chunk into
one ``tool_use`` block (PROTOCOL.md section 8), so such a read is split, in order.
"""

from __future__ import annotations

from typing import Any

from litellm_codex_oauth_provider.domain.answer import StreamDelta, ToolCallDelta, Usage
from litellm_codex_oauth_provider.domain.translation import ChatRequest
from litellm_codex_oauth_provider.entrypoints.litellm_objects import Chunker


def _parts(chunks: list[Any]) -> list[tuple[str, ...]]:
    described = []
    for chunk in chunks:
        delta, choice = chunk.choices[0].delta, chunk.choices[0]
        kinds = []
        if getattr(delta, "reasoning_content", None):
            kinds.append(f"reasoning:{delta.reasoning_content}")
        if delta.content:
            kinds.append(f"text:{delta.content}")
        kinds += [f"call:{call.index}" for call in delta.tool_calls or []]
        if choice.finish_reason:
            kinds.append(f"finish:{choice.finish_reason}")
        described.append(tuple(kinds))
    return described


def chunker() -> Chunker:
    return Chunker(ChatRequest(model="gpt-5.5", messages=[]))


def test_reasoning_and_text_of_one_read_go_out_on_separate_chunks_in_order() -> None:
    chunks = chunker().push(StreamDelta(reasoning="thinking", text="answer"))
    assert _parts(chunks) == [("reasoning:thinking",), ("text:answer",)]


def test_a_read_without_reasoning_stays_one_chunk() -> None:
    assert _parts(chunker().push(StreamDelta(text="just text"))) == [("text:just text",)]


def test_each_tool_call_of_one_read_gets_its_own_chunk() -> None:
    calls = [
        ToolCallDelta(index=0, id="call_a", name="f", arguments="{}"),
        ToolCallDelta(index=1, id="call_b", name="g"),
    ]
    chunks = chunker().push(StreamDelta(reasoning="plan", tool_calls=calls, finish_reason="tool_calls"))
    assert _parts(chunks) == [("reasoning:plan",), ("call:0",), ("call:1", "finish:tool_calls")]


def test_the_finishing_read_keeps_its_usage_on_the_last_chunk() -> None:
    usage = Usage(input_tokens=5, output_tokens=2, total_tokens=7)
    chunks = chunker().push(StreamDelta(reasoning="r", text="t", finish_reason="stop", usage=usage))
    assert _parts(chunks) == [("reasoning:r",), ("text:t", "finish:stop")]
    assert chunks[-1].usage.total_tokens == 7
    assert getattr(chunks[0], "usage", None) is None
