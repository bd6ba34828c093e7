"""Instructions: where the caller's system text goes, and this project's own texts.

The texts here are written by this project. They are the last fallback when no
official Codex instructions can be had, and the tool bridge; never a copy of
OpenAI's prompts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .messages import input_items, message_text, system_text

__all__ = [
    "DEFAULT_INSTRUCTIONS",
    "TOOL_BRIDGE_TEXT",
    "build_tool_bridge_message",
    "derive_instructions",
    "instructions_for",
    "message_text",
    "system_text",
]

DEFAULT_INSTRUCTIONS = (
    "You are a capable coding and reasoning assistant answering through an API. "
    "Follow the developer and user messages, answer accurately and concisely, and "
    "use the tools you are given when they help."
)

TOOL_BRIDGE_TEXT = (
    "About tools in this conversation: the only tools you can use are the functions listed with "
    "this request. Use one by making an ordinary function call with its exact name and JSON "
    "arguments that match its schema; its result comes back in the next message. The tools of the "
    "Codex CLI described in your instructions (a shell, apply_patch, update_plan and the like) do "
    "not exist here: do not call them, and do not write out a call as text instead of making it."
)


def build_tool_bridge_message() -> dict[str, Any]:
    """The developer message that tells a Codex-prompted model whose tools it really has.

    The Codex instructions describe the CLI's own tools; a caller's request brings its
    own. Without this note the model reaches for tools that are not there.
    """
    return {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": TOOL_BRIDGE_TEXT}]}


def instructions_for(messages: Sequence[Mapping[str, Any]], *, codex_mode: bool, codex_instructions: str | None) -> str:
    """The ``instructions`` of a request: the one rule, for the seed's helper and the request body.

    With ``codex_mode`` the Codex instructions (found by the application) lead and the
    caller's system text stays in the input as developer messages; without it the
    caller's system text is the instructions (falling back to the Codex ones). This
    project's own text is the last resort, because the backend refuses an empty ``instructions``.
    """
    if codex_mode:
        return codex_instructions or DEFAULT_INSTRUCTIONS
    return system_text(messages) or codex_instructions or DEFAULT_INSTRUCTIONS


def derive_instructions(
    messages: list[dict[str, Any]] | Sequence[Mapping[str, Any]],
    *,
    codex_mode: bool,
    normalized_model: str,
    codex_instructions: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The seed's helper: the ``instructions`` (:func:`instructions_for`) and the ``input`` items of a conversation."""
    del normalized_model  # the application already chose the instructions for it
    instructions = instructions_for(messages, codex_mode=codex_mode, codex_instructions=codex_instructions)
    return instructions, input_items(messages, system_as_developer=codex_mode).items
