"""The answer state machine: raw Responses events in, chat deltas and a final result out.

One machine serves streaming and non-streaming calls, sync and async: it is fed
the events of each network read and answers with at most one merged
:class:`StreamDelta` for that read. When the stream ends, :meth:`result` gives
the whole answer, built from what was streamed (the ``output`` list of
``response.completed`` may be empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .answer import CompletionResult, FinishReason, StreamDelta, ToolCall, ToolCallDelta, Usage, int_or_zero
from .answer_headers import lowered, request_id_of
from .backend_errors import api_error_from_event
from .errors import CodexAPIError, CodexError, CodexStreamError
from .ports import RawEvent


@dataclass(slots=True)
class _Call:
    index: int
    call_id: str
    name: str
    arguments: list[str] = field(default_factory=list)
    announced: bool = False


class ResponseStreamState:
    """Feeds on raw events; see the module docstring.

    ``headers`` are the answer's: an error the machine raises carries its request id and
    limit headers from the start.
    """

    def __init__(self, headers: Mapping[str, str] | None = None) -> None:
        self.headers = lowered(headers or {})
        self.response_id: str | None = None
        self.model: str | None = None
        self._text: list[str] = []
        self._text_by_item: dict[str, list[str]] = {}  # what each message item streamed, to complete it when done
        self._reasoning: list[str] = []
        self._reasoning_key: tuple[str, int] | None = None
        self._reasoning_streamed: set[str] = set()
        self._calls: dict[str, _Call] = {}  # keyed by item id (deltas carry item_id), in order
        self._reasoning_items: list[dict[str, Any]] = []
        self._done_ids: set[str] = set()
        self._usage: Usage | None = None
        self._finish_reason: FinishReason | None = None
        self.completed = False
        self.events_seen = 0

    # -- feeding ---------------------------------------------------------------

    def feed(self, events: list[RawEvent]) -> StreamDelta | None:
        """Apply the events of one read; return their merged delta, or ``None`` if they add nothing.

        Text deltas, nearly every event of an answer, are handled here rather than
        through the handler table, and their pieces joined once per read: a 500-event
        read costs a third of what a call and a string copy per event did. Pending
        pieces go into the delta before any other handler runs, so order is kept.
        """
        self.events_seen += len(events)
        delta = StreamDelta()
        pieces: list[str] = []
        item_id: str | None = None  # the message item the pending pieces belong to
        for event in events:
            kind = event.get("type", "")
            if kind == _TEXT_DELTA:
                piece = event.get("delta")
                if piece and isinstance(piece, str):
                    piece_item = str(event.get("item_id") or "")
                    if piece_item != item_id and pieces:
                        self._add_pieces(item_id or "", pieces, delta)
                        pieces = []
                    item_id = piece_item
                    pieces.append(piece)
                continue
            handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
            if handler is not None:
                if pieces:
                    self._add_pieces(item_id or "", pieces, delta)
                    pieces = []
                try:
                    handler(self, event, delta)
                except CodexError:
                    raise
                except (AttributeError, TypeError, KeyError, ValueError, IndexError) as exc:
                    raise _malformed(kind, exc) from None
        if pieces:
            self._add_pieces(item_id or "", pieces, delta)
        if delta.text or delta.reasoning or delta.tool_calls or delta.finish_reason is not None:
            return delta
        return None

    def _add_pieces(self, item_id: str, pieces: list[str], delta: StreamDelta) -> None:
        text = pieces[0] if len(pieces) == 1 else "".join(pieces)
        self._text_by_item.setdefault(item_id, []).append(text)
        self._text.append(text)
        delta.text += text

    def _on_created(self, event: RawEvent, delta: StreamDelta) -> None:
        response = event.get("response") or {}
        self.response_id = response.get("id") or self.response_id
        self.model = response.get("model") or self.model

    def _on_refusal_delta(self, event: RawEvent, delta: StreamDelta) -> None:
        """A refusal streams like text (text deltas themselves are handled in :meth:`feed`)."""
        piece = event.get("delta") or ""
        if piece and isinstance(piece, str):
            self._add_pieces(str(event.get("item_id") or ""), [piece], delta)

    def _add_text(self, piece: str, delta: StreamDelta) -> None:
        self._text.append(piece)
        delta.text += piece

    def _on_reasoning_delta(self, event: RawEvent, delta: StreamDelta) -> None:
        piece = event.get("delta") or ""
        if not piece or not isinstance(piece, str):
            return
        item_id = str(event.get("item_id") or "")
        self._reasoning_streamed.add(item_id)
        self._add_reasoning(piece, (item_id, int_or_zero(event.get("summary_index"))), delta)

    def _add_reasoning(self, piece: str, key: tuple[str, int], delta: StreamDelta) -> None:
        if key != self._reasoning_key and self._reasoning:
            piece = "\n\n" + piece  # a new summary part starts a new paragraph
        self._reasoning_key = key
        self._reasoning.append(piece)
        delta.reasoning += piece

    def _on_item_added(self, event: RawEvent, delta: StreamDelta) -> None:
        item = event.get("item") or {}
        if item.get("type") == "function_call" and _call_key(item) not in self._calls:
            self._start_call(item, delta)

    def _on_arguments_delta(self, event: RawEvent, delta: StreamDelta) -> None:
        call = self._calls.get(event.get("item_id", ""))
        piece = event.get("delta") or ""
        if call is None or not piece:
            return
        call.arguments.append(piece)
        self._tool_delta(delta, call).arguments += piece

    def _on_item_done(self, event: RawEvent, delta: StreamDelta) -> None:
        item = event.get("item")
        if isinstance(item, dict):
            self._finish_item(item, delta)

    def _finish_item(self, item: dict[str, Any], delta: StreamDelta) -> None:
        """An item is whole: take from it whatever its deltas did not bring (maybe everything)."""
        item_id = str(item.get("id") or "")
        if item_id:
            if item_id in self._done_ids:
                return
            self._done_ids.add(item_id)
        kind = item.get("type")
        if kind == "function_call":
            call = self._calls.get(_call_key(item)) or self._start_call(item, delta)
            final = item.get("arguments")
            streamed = "".join(call.arguments)
            if isinstance(final, str) and final != streamed and final.startswith(streamed):
                rest = final[len(streamed) :]
                call.arguments.append(rest)
                self._tool_delta(delta, call).arguments += rest
        elif kind == "message":
            text, streamed = _message_text(item), "".join(self._text_by_item.get(item_id, ()))
            if len(text) > len(streamed) and text.startswith(streamed):
                self._text_by_item[item_id] = [text]
                self._add_text(text[len(streamed) :], delta)
        elif kind == "reasoning":
            self._reasoning_items.append(
                {k: v for k, v in item.items() if k in ("type", "summary", "encrypted_content")}
            )
            if item_id not in self._reasoning_streamed:
                for index, part in enumerate(item.get("summary") or []):
                    if isinstance(part, dict) and isinstance(part.get("text"), str) and part["text"]:
                        self._add_reasoning(part["text"], (item_id, index), delta)

    def _on_completed(self, event: RawEvent, delta: StreamDelta) -> None:
        response = event.get("response") or {}
        self._finish(response, "tool_calls" if self._has_calls(response, delta) else "stop", delta)

    def _on_incomplete(self, event: RawEvent, delta: StreamDelta) -> None:
        response = event.get("response") or {}
        details = response.get("incomplete_details") or {}
        reason = details.get("reason") if isinstance(details, dict) else None
        self._has_calls(response, delta)
        self._finish(response, "content_filter" if reason == "content_filter" else "length", delta)

    def _has_calls(self, response: dict[str, Any], delta: StreamDelta) -> bool:
        """Take the final ``output`` list's items that were not streamed; are there tool calls?"""
        anything_streamed = bool(self._text or self._reasoning or self._calls or self._done_ids)
        for item in response.get("output") or []:
            if isinstance(item, dict) and (item.get("id") or not anything_streamed):
                self._finish_item(item, delta)
        return bool(self._calls)

    def _finish(self, response: dict[str, Any], finish_reason: FinishReason, delta: StreamDelta) -> None:
        self.response_id = response.get("id") or self.response_id
        self.model = response.get("model") or self.model
        self._usage = Usage.from_response(response.get("usage"))
        self._finish_reason = finish_reason
        self.completed = True
        delta.finish_reason = self._finish_reason
        delta.usage = self._usage
        delta.reasoning_items = tuple(self._reasoning_items)

    def _on_failed(self, event: RawEvent, delta: StreamDelta) -> None:
        raise api_error_from_event(event, headers=self.headers)

    # -- helpers ---------------------------------------------------------------

    def _start_call(self, item: dict[str, Any], delta: StreamDelta) -> _Call:
        item_id = _call_key(item) or f"call_{len(self._calls)}"
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
            why = "stream closed before response.completed"
            why = why if self.events_seen else "the answer stream carried no usable event"
            raise CodexStreamError(502, why, headers=self.headers, request_id=request_id_of(self.headers))
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


def _call_key(item: dict[str, Any]) -> str:
    """Argument deltas name their call by item id; an item without one is known by its call id."""
    return str(item.get("id") or item.get("call_id") or "")


_TEXT_DELTA = "response.output_text.delta"


def _malformed(kind: str, exc: Exception) -> CodexAPIError:
    """A known event whose fields have the wrong types: the backend's fault (502), not the caller's."""
    return CodexAPIError(502, f"the backend sent a malformed {kind} event ({type(exc).__name__})", transient=False)


_HANDLERS = {
    "response.created": ResponseStreamState._on_created,
    "response.reasoning_summary_text.delta": ResponseStreamState._on_reasoning_delta,
    "response.output_item.added": ResponseStreamState._on_item_added,
    "response.function_call_arguments.delta": ResponseStreamState._on_arguments_delta,
    "response.output_item.done": ResponseStreamState._on_item_done,
    "response.refusal.delta": ResponseStreamState._on_refusal_delta,
    "response.completed": ResponseStreamState._on_completed,
    "response.incomplete": ResponseStreamState._on_incomplete,
    "response.failed": ResponseStreamState._on_failed,
    "error": ResponseStreamState._on_failed,
}
