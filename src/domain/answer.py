"""What an answer is made of: its usage, its tool calls, what each network read adds, the whole result.

The state machine (``stream.py``) builds these; the application and the LiteLLM
entrypoint read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
        input_tokens = int_or_zero(usage.get("input_tokens"))
        output_tokens = int_or_zero(usage.get("output_tokens"))
        input_details = usage.get("input_tokens_details") or {}
        output_details = usage.get("output_tokens_details") or {}
        return cls(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=int_or_zero(usage.get("total_tokens")) or input_tokens + output_tokens,
            cached_tokens=int_or_zero(input_details.get("cached_tokens")) if isinstance(input_details, dict) else 0,
            reasoning_tokens=(
                int_or_zero(output_details.get("reasoning_tokens")) if isinstance(output_details, dict) else 0
            ),
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
    reasoning_items: tuple[dict[str, Any], ...] = ()
    """On the finishing delta: the answer's encrypted reasoning, for the caller to send back."""

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


def int_or_zero(value: Any) -> int:
    """A count from the backend's JSON; anything that is not an integer counts as none."""
    return value if isinstance(value, int) else 0
