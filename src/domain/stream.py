"""The answer state machine: raw Responses events in, chat deltas and a final result out.

One machine serves streaming and non-streaming calls, sync and async: it is fed
the events of each network read and answers with at most one merged
:class:`StreamDelta` for that read. When the stream ends, :meth:`result` gives
the whole answer, built from what was streamed (the ``output`` list of
``response.completed`` may be empty).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import CodexStreamError, api_error_from_event
from .ports import RawEvent

FinishReason = str  # "stop" | "tool_calls" | "length" | "content_filter"


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0

    @classmethod
    def from_response(cls, usage: Any) -> Usage | None:
        if not isinstance(usage, dict):
            return None
        input_tokens = _int(usage.get("input_tokens"))
        output_tokens = _int(usage.get("output_tokens"))
        input_details = usage.get("input_tokens_details") or {}
        output_details = usage.get("output_tokens_details") or {}
        return cls(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=_int(usage.get("total_tokens")) or input_tokens + output_tokens,
            cached_tokens=_int(input_details.get("cached_tokens")) if isinstance(input_details, dict) else 0,
            reasoning_tokens=(_int(output_details.get("reasoning_tokens")) if isinstance(output_details, dict) else 0),
        )


@dataclass(slots=True)
class ToolCallDelta:
    """A piece of one tool call. ``id`` and ``name`` come on the call's first piece only."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(slots=True)
class StreamDelta:
    """What one network read added to the answer."""

    text: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCallDelta] = field(default_factory=list)
    finish_reason: FinishReason | None = None
    usage: Usage | None = None

    @property
    def has_content(self) -> bool:
        return bool(self.text or self.reasoning or self.tool_calls)


@dataclass(frozen=True, slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class CompletionResult:
    """The whole answer."""

    response_id: str | None
    model: str | None
    text: str
    reasoning: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: FinishReason
    usage: Usage | None
    reasoning_items: tuple[dict[str, Any], ...] = ()
    """Reasoning items (with ``encrypted_content``) to send back on the next turn."""


@dataclass(slots=True)
class _Call:
    index: int
    call_id: str
    name: str
    arguments: list[str] = field(default_factory=list)
    announced: bool = False


class ResponseStreamState:
    """Feeds on raw events; see the module docstring."""

    def __init__(self) -> None:
        self.response_id: str | None = None
        self.model: str | None = None
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[str, _Call] = {}  # keyed by item id (deltas carry item_id), in order
        self._reasoning_items: list[dict[str, Any]] = []
        self._usage: Usage | None = None
        self._finish_reason: FinishReason | None = None
        self.completed = False
        self.events_seen = 0

    # -- feeding ---------------------------------------------------------------

    def feed(self, events: list[RawEvent]) -> StreamDelta | None:
        """Apply the events of one read; return their merged delta, or ``None`` if they add nothing."""
        delta = StreamDelta()
        for event in events:
            self.events_seen += 1
            handler = _HANDLERS.get(event.get("type", ""))
            if handler is not None:
                handler(self, event, delta)
        if delta.has_content or delta.finish_reason is not None:
            return delta
        return None

    def _on_created(self, event: RawEvent, delta: StreamDelta) -> None:
        response = event.get("response") or {}
        self.response_id = response.get("id") or self.response_id
        self.model = response.get("model") or self.model

    def _on_text_delta(self, event: RawEvent, delta: StreamDelta) -> None:
        piece = event.get("delta") or ""
        if piece:
            self._text.append(piece)
            delta.text += piece

    def _on_reasoning_delta(self, event: RawEvent, delta: StreamDelta) -> None:
        piece = event.get("delta") or ""
        if piece:
            self._reasoning.append(piece)
            delta.reasoning += piece

    def _on_item_added(self, event: RawEvent, delta: StreamDelta) -> None:
        item = event.get("item") or {}
        if item.get("type") == "function_call":
            self._start_call(item, delta)

    def _on_arguments_delta(self, event: RawEvent, delta: StreamDelta) -> None:
        call = self._calls.get(event.get("item_id", ""))
        piece = event.get("delta") or ""
        if call is None or not piece:
            return
        call.arguments.append(piece)
        self._tool_delta(delta, call).arguments += piece

    def _on_item_done(self, event: RawEvent, delta: StreamDelta) -> None:
        item = event.get("item") or {}
        kind = item.get("type")
        if kind == "function_call":
            call = self._calls.get(item.get("id", "")) or self._start_call(item, delta)
            final = item.get("arguments")
            streamed = "".join(call.arguments)
            if isinstance(final, str) and final != streamed and final.startswith(streamed):
                rest = final[len(streamed) :]
                call.arguments.append(rest)
                self._tool_delta(delta, call).arguments += rest
        elif kind == "message" and not self._text:
            # Some answers arrive whole in output_item.done without text deltas.
            text = _message_text(item)
            if text:
                self._text.append(text)
                delta.text += text
        elif kind == "reasoning":
            self._reasoning_items.append(
                {k: v for k, v in item.items() if k in ("type", "summary", "encrypted_content")}
            )

    def _on_completed(self, event: RawEvent, delta: StreamDelta) -> None:
        response = event.get("response") or {}
        self.response_id = response.get("id") or self.response_id
        self.model = response.get("model") or self.model
        self._usage = Usage.from_response(response.get("usage"))
        self._finish_reason = "tool_calls" if self._calls else "stop"
        self.completed = True
        delta.finish_reason = self._finish_reason
        delta.usage = self._usage

    def _on_failed(self, event: RawEvent, delta: StreamDelta) -> None:
        raise api_error_from_event(event)

    # -- helpers ---------------------------------------------------------------

    def _start_call(self, item: dict[str, Any], delta: StreamDelta) -> _Call:
        item_id = item.get("id") or item.get("call_id") or f"call_{len(self._calls)}"
        call = _Call(index=len(self._calls), call_id=item.get("call_id") or item_id, name=item.get("name") or "")
        self._calls[item_id] = call
        self._tool_delta(delta, call)
        return call

    def _tool_delta(self, delta: StreamDelta, call: _Call) -> ToolCallDelta:
        for piece in delta.tool_calls:
            if piece.index == call.index:
                return piece
        piece = ToolCallDelta(index=call.index)
        if not call.announced:
            call.announced = True
            piece.id, piece.name = call.call_id, call.name
        delta.tool_calls.append(piece)
        return piece

    # -- the end ---------------------------------------------------------------

    def result(self) -> CompletionResult:
        """The whole answer; raises if the stream ended before ``response.completed``."""
        if not self.completed:
            if self.events_seen == 0:
                raise CodexStreamError(502, "the answer stream carried no usable event")
            raise CodexStreamError(502, "stream closed before response.completed")
        return CompletionResult(
            response_id=self.response_id,
            model=self.model,
            text="".join(self._text),
            reasoning="".join(self._reasoning),
            tool_calls=tuple(
                ToolCall(id=c.call_id, name=c.name, arguments="".join(c.arguments)) for c in self._calls.values()
            ),
            finish_reason=self._finish_reason or "stop",
            usage=self._usage,
            reasoning_items=tuple(self._reasoning_items),
        )


def _message_text(item: dict[str, Any]) -> str:
    parts = item.get("content") or []
    return "".join(p.get("text", "") for p in parts if isinstance(p, dict) and p.get("type") == "output_text")


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


_HANDLERS = {
    "response.created": ResponseStreamState._on_created,
    "response.output_text.delta": ResponseStreamState._on_text_delta,
    "response.reasoning_summary_text.delta": ResponseStreamState._on_reasoning_delta,
    "response.output_item.added": ResponseStreamState._on_item_added,
    "response.function_call_arguments.delta": ResponseStreamState._on_arguments_delta,
    "response.output_item.done": ResponseStreamState._on_item_done,
    "response.completed": ResponseStreamState._on_completed,
    "response.failed": ResponseStreamState._on_failed,
    "error": ResponseStreamState._on_failed,
}
