"""Domain results to LiteLLM objects: one ``ModelResponse``, or the chunks of a stream."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import Any

from litellm.types.utils import (
    ChatCompletionDeltaToolCall,
    ChatCompletionMessageToolCall,
    Delta,
    Function,
    Message,
    ModelResponse,
    ModelResponseStream,
)
from litellm.types.utils import Usage as LiteLLMUsage

from ..domain.answer import CompletionResult, StreamDelta, Usage
from ..domain.messages import REASONING_ITEMS_FIELD
from ..domain.reasoning_signature import thinking_blocks
from ..domain.translation import ChatRequest
from .chunks import CodexChunk, streaming_choice, text_chunk


def litellm_usage(usage: Usage | None) -> LiteLLMUsage | None:
    if usage is None:
        return None
    return LiteLLMUsage(
        prompt_tokens=usage.input_tokens,
        completion_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
        prompt_tokens_details={"cached_tokens": usage.cached_tokens},
        completion_tokens_details={"reasoning_tokens": usage.reasoning_tokens},
    )


def reasoning_fields(items: tuple[dict[str, Any], ...]) -> dict[str, Any] | None:
    """The answer's encrypted reasoning, for the caller to send back with this message next turn."""
    return {REASONING_ITEMS_FIELD: [dict(item) for item in items]} if items else None


def reasoning_conventions(items: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    """The same reasoning as LiteLLM's own thinking blocks, which its bridges carry to the other front doors.

    Not also as ``reasoning_items``: the Anthropic bridge turns those into a second thinking
    block signed with LiteLLM's own tag, which it strips again before the next turn reaches us.
    """
    blocks = thinking_blocks(items) if items else None
    return {"thinking_blocks": blocks} if blocks else {}


def model_response(result: CompletionResult, chat: ChatRequest, template: Any) -> ModelResponse:
    response = template if isinstance(template, ModelResponse) else ModelResponse()
    tool_calls = [
        ChatCompletionMessageToolCall(
            id=call.id, type="function", function=Function(name=call.name, arguments=call.arguments)
        )
        for call in result.tool_calls
    ]
    message = Message(
        content=result.text or None,
        role="assistant",
        tool_calls=tool_calls or None,
        reasoning_content=result.reasoning or None,
        provider_specific_fields=reasoning_fields(result.reasoning_items),
        **reasoning_conventions(result.reasoning_items),
    )
    choice = response.choices[0]
    choice.message = message
    choice.finish_reason = result.finish_reason  # type: ignore[assignment]
    if result.response_id:
        response.id = result.response_id
    response.model = result.model or chat.target.slug
    response.created = int(time.time())
    usage = litellm_usage(result.usage)
    if usage is not None:
        response.usage = usage  # type: ignore[attr-defined]
    return response


class Chunker:
    """Domain deltas to ``ModelResponseStream`` chunks, as few per network read as the bridges allow.

    A read's reasoning goes out on a chunk of its own before its text or tool calls,
    and each tool call on its own chunk: LiteLLM's bridges to its other front doors
    (``/v1/responses``, ``/v1/messages``) drop or merge what shares a chunk
    (PROTOCOL.md section 8). A read with text only stays one chunk.

    LiteLLM's stream wrapper drops a custom provider's chunk that carries a finish
    reason but no text or tool call, usage and reasoning included (PROTOCOL.md
    section 8). So when the last read adds neither, its reasoning and usage go out
    on a chunk without a finish reason (LiteLLM keeps it for usage and strips it
    before the caller if empty), followed by a chunk with the finish reason alone.
    A last read that does carry text or a tool call goes out as one chunk.

    Every chunk of one answer shares one id, as OpenAI's do; it also spares
    LiteLLM's chunk constructor a uuid per chunk. A read that brought text only
    (nearly every read of an answer) gets the cheap :func:`text_chunk`.
    """

    __slots__ = ("_created", "_id", "_model", "_role")

    def __init__(self, chat: ChatRequest) -> None:
        self._model = chat.target.slug
        self._created = int(time.time())
        self._id = f"chatcmpl-{uuid.uuid4()}"
        self._role: str | None = "assistant"  # on the first chunk only, as OpenAI streams it

    def push(self, delta: StreamDelta) -> list[ModelResponseStream]:
        if delta.reasoning and (delta.text or delta.tool_calls):
            # LiteLLM's Responses bridge streams only the reasoning of a chunk that carries both.
            return [self._chunk(StreamDelta(reasoning=delta.reasoning)), *self.push(replace(delta, reasoning=""))]
        if len(delta.tool_calls) > 1:
            # One tool call per chunk: the Messages bridge made two on one chunk into one tool_use block.
            first, *rest = delta.tool_calls
            return [self._chunk(StreamDelta(tool_calls=[first])), *self.push(replace(delta, tool_calls=rest))]
        if delta.finish_reason is None or delta.text or delta.tool_calls:
            return [self._chunk(delta)]
        chunks = []
        if delta.reasoning or delta.usage is not None or delta.reasoning_items:
            chunks.append(
                self._chunk(
                    StreamDelta(reasoning=delta.reasoning, usage=delta.usage, reasoning_items=delta.reasoning_items)
                )
            )
        chunks.append(self._chunk(StreamDelta(finish_reason=delta.finish_reason)))
        return chunks

    def _chunk(self, delta: StreamDelta) -> ModelResponseStream:
        if (
            self._role is None
            and delta.text
            and not (delta.reasoning or delta.tool_calls or delta.finish_reason or delta.usage or delta.reasoning_items)
        ):
            return text_chunk(chunk_id=self._id, model=self._model, created=self._created, text=delta.text)
        tool_calls = [
            ChatCompletionDeltaToolCall(
                index=piece.index,
                id=piece.id,
                type="function" if piece.id else None,
                function=Function(name=piece.name, arguments=piece.arguments),
            )
            for piece in delta.tool_calls
        ]
        fields = reasoning_fields(delta.reasoning_items)
        role, self._role = self._role, None
        chunk = CodexChunk(
            id=self._id,
            model=self._model,
            created=self._created,
            choices=[
                streaming_choice(
                    index=0,
                    delta=Delta(
                        content=delta.text or None,
                        reasoning_content=delta.reasoning or None,
                        tool_calls=tool_calls or None,
                        role=role,
                        provider_specific_fields=fields,
                        **reasoning_conventions(delta.reasoning_items),
                    ),
                    finish_reason=delta.finish_reason,
                )
            ],
        )
        usage = litellm_usage(delta.usage)
        if usage is not None:
            chunk.usage = usage
        return chunk
