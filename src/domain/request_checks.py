"""Input the backend cannot take, refused before anything is sent, as a 400 that names the field.

Without these checks such input failed deep inside the package (a lone surrogate in
``str.encode``, a schema nested thousands deep in ``json.dumps``) or reached the
backend as a request it refuses with a message about something else (a model
called ``""``, an empty ``input``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import CodexRequestError

MAX_NESTING = 64
"""How deep messages and tool schemas may nest; real JSON schemas stay far below it."""

_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]*")
_HEADER_SAFE = re.compile(r"[\x21-\x7e]{1,256}")
_SESSION_NAMESPACE = uuid.UUID("6c1a1bf4-3a62-4f0e-9a1d-2f6de2a9b0c1")


def check_model(requested: str, normalized: str) -> None:
    if not _MODEL_NAME.fullmatch(normalized):
        raise CodexRequestError(
            f"model: {requested!r} names no model; use codex/<model>, for example codex/gpt-5.5 "
            "(`codex-litellm models` lists what your account can use)"
        )


def check_messages(messages: object) -> None:
    """A list of messages whose every string is sendable text, nested no deeper than :data:`MAX_NESTING`."""
    if not isinstance(messages, Sequence) or isinstance(messages, str | bytes):
        raise CodexRequestError("messages: must be a list of messages")
    check_sendable(messages, "messages")


def check_sendable(value: Any, name: str) -> None:
    """Every string in ``value`` encodes as UTF-8 and nothing nests deeper than :data:`MAX_NESTING`.

    Iterative, so a structure nested thousands deep is named rather than overflowing the stack.
    """
    stack: list[tuple[Any, str, int]] = [(value, name, 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                _check_text(item, path)
            continue
        if isinstance(item, Mapping):
            children: Any = ((f"{path}.{key}", child) for key, child in item.items())
        elif isinstance(item, list | tuple):
            children = ((f"{path}[{index}]", child) for index, child in enumerate(item))
        else:
            continue
        if depth >= MAX_NESTING:
            raise CodexRequestError(f"{path}: nested deeper than {MAX_NESTING} levels; flatten it")
        stack.extend((child, child_path, depth + 1) for child_path, child in children)


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise CodexRequestError(
            f"{path}: holds a lone surrogate (U+{ord(text[exc.start]):04X} at character {exc.start}), "
            "which is not text; send valid UTF-8"
        ) from None


def check_input(items: Sequence[Any]) -> None:
    """At least one input item says something: text, an image, a tool call or its result."""
    if not any(_says_something(item) for item in items):
        raise CodexRequestError("messages: no message has any content; send at least one non-empty message")


def _says_something(item: Any) -> bool:
    if not isinstance(item, Mapping) or item.get("type") != "message":
        return True
    content = item.get("content")
    if isinstance(content, str):
        return bool(content)
    return any(not isinstance(part, Mapping) or part.get("text") != "" for part in content or ())


def header_safe_session_id(cache_key: str) -> str:
    """The key itself when it can travel in an HTTP header, else a stable id derived from it.

    The session id goes into three request headers; a caller's ``prompt_cache_key`` with
    non-ASCII characters or a line break cannot, but the same key must still give the
    same id on every turn.
    """
    if _HEADER_SAFE.fullmatch(cache_key):
        return cache_key
    return str(uuid.uuid5(_SESSION_NAMESPACE, cache_key.encode("utf-8", "surrogatepass").hex()))
