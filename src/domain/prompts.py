"""Instructions: where the caller's system text goes, and this project's own texts.

The texts here are written by this project. They are the last fallback when no
official Codex instructions can be had, and the tool bridge; never a copy of
OpenAI's prompts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_INSTRUCTIONS = (
    "You are a capable coding and reasoning assistant answering through an API. "
    "Follow the developer and user messages, answer accurately and concisely, and "
    "use the tools you are given when they help."
)


def message_text(content: Any) -> str:
    """The text of a chat message's content: a string, or the text parts of a list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "\n".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") in ("text", "input_text", "output_text")
        )
    return str(content)


def system_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """All system and developer text of a conversation, joined by blank lines."""
    return "\n\n".join(
        text
        for message in messages
        if message.get("role") in ("system", "developer") and (text := message_text(message.get("content")))
    )
