"""Chat Completions messages to Responses ``input`` items (PROTOCOL.md section 3).

Each assistant tool call becomes its own ``function_call`` item, each tool
message a ``function_call_output`` after it, and the encrypted reasoning the
caller got with an answer (in the message's ``provider_specific_fields``) goes
back as ``reasoning`` items before those calls. Server item ids never go back:
with ``store: false`` the backend has no item to refer to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import CodexRequestError
from .reasoning_signature import reasoning_items_of

ROLES = ("system", "developer", "user", "assistant", "tool", "function")
REASONING_ITEMS_FIELD = "reasoning_items"
"""The key, in an assistant message's ``provider_specific_fields``, of its encrypted reasoning."""

_TEXT_PARTS = ("text", "input_text", "output_text")
_Item = dict[str, Any]


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
            if isinstance(part, Mapping) and part.get("type") in _TEXT_PARTS
        )
    return str(content)


def system_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """All system and developer text of a conversation, joined by blank lines."""
    return "\n\n".join(
        text
        for message in messages
        if isinstance(message, Mapping)
        and message.get("role") in ("system", "developer")
        and (text := message_text(message.get("content")))
    )


@dataclass(slots=True)
class InputItems:
    """The ``input`` list, and the tool results whose call was not in the history."""

    items: list[_Item] = field(default_factory=list)
    orphan_call_ids: list[str] = field(default_factory=list)


def input_items(messages: Sequence[Mapping[str, Any]], *, system_as_developer: bool) -> InputItems:
    """Translate the whole conversation; raise :class:`CodexRequestError` naming the first bad message."""
    if not isinstance(messages, Sequence) or isinstance(messages, str):
        raise CodexRequestError("messages must be a list of message objects")
    builder = _Builder()
    for index, message in enumerate(messages):
        builder.add(index, message, system_as_developer=system_as_developer)
    return builder.result


class _Builder:
    def __init__(self) -> None:
        self.result = InputItems()
        self._calls: set[str] = set()
        self._legacy: list[tuple[str, str]] = []  # (name, call_id) of legacy function calls not yet answered

    def add(self, index: int, message: Any, *, system_as_developer: bool) -> None:
        where = f"messages[{index}]"
        if not isinstance(message, Mapping) and callable(getattr(message, "model_dump", None)):
            message = message.model_dump()  # a response's message object, sent back as it came
        if not isinstance(message, Mapping):
            raise CodexRequestError(f"{where} must be an object with a role, not {type(message).__name__}")
        role = message.get("role")
        if role not in ROLES:
            shown = "no role" if role is None else f"role {role!r}"
            raise CodexRequestError(f"{where} has {shown}; expected one of: {', '.join(ROLES)}")
        content = message.get("content")
        if role in ("system", "developer"):
            parts = _input_parts(content, where)
            if system_as_developer and parts:
                self._emit(_message("developer", parts))
        elif role == "user":
            parts = _input_parts(content, where)
            if parts:
                self._emit(_message("user", parts))
        elif role == "assistant":
            self._assistant(message, where, index)
        elif role == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str) or not call_id:
                raise CodexRequestError(f"{where} is a tool message without a tool_call_id")
            self._output(call_id, _output_text(content, where), message.get("name"))
        else:  # the legacy "function" role answers the latest legacy call of that name
            name = message.get("name")
            call_id = next((cid for n, cid in reversed(self._legacy) if n == name), None)
            if call_id is not None:
                self._legacy.remove((str(name), call_id))
            self._output(call_id or f"function_{index}", _output_text(content, where), name)

    def _emit(self, item: _Item) -> None:
        self.result.items.append(item)

    def _assistant(self, message: Mapping[str, Any], where: str, index: int) -> None:
        fields = message.get("provider_specific_fields")
        if not (isinstance(fields, Mapping) and fields.get(REASONING_ITEMS_FIELD)):
            fields = message  # LiteLLM's own ``Message.reasoning_items``
        items = _reasoning_items(fields)
        if not items:  # the thinking blocks an Anthropic client (Claude Code) sends back
            items = _reasoning_items({REASONING_ITEMS_FIELD: reasoning_items_of(message.get("thinking_blocks"))})
        for item in items:
            self._emit(item)
        parts = _output_parts(message.get("content"), where)
        if parts:
            self._emit(_message("assistant", parts))
        tool_calls = message.get("tool_calls") or []
        if not isinstance(tool_calls, Sequence) or isinstance(tool_calls, str):
            raise CodexRequestError(f"{where}.tool_calls must be a list")
        for number, call in enumerate(tool_calls):
            self._call(call, f"{where}.tool_calls[{number}]")
        legacy = message.get("function_call")
        if isinstance(legacy, Mapping):
            call_id = f"function_{index}"
            name = _function_name(legacy, f"{where}.function_call")
            self._legacy.append((name, call_id))
            self._emit(_function_call(call_id, name, legacy.get("arguments")))
            self._calls.add(call_id)

    def _call(self, call: Any, where: str) -> None:
        if not isinstance(call, Mapping):
            raise CodexRequestError(f"{where} must be an object")
        call_id = call.get("id")
        if not isinstance(call_id, str) or not call_id:
            raise CodexRequestError(f"{where} has no id; every tool call needs the id its result refers to")
        kind = call.get("type", "function")
        if kind != "function":
            raise CodexRequestError(f"{where} has type {kind!r}; only 'function' tool calls are supported")
        function = call.get("function")
        if not isinstance(function, Mapping):
            raise CodexRequestError(f"{where} has no function object")
        self._emit(_function_call(call_id, _function_name(function, f"{where}.function"), function.get("arguments")))
        self._calls.add(call_id)

    def _output(self, call_id: str, output: str, name: Any) -> None:
        if call_id in self._calls:
            self._emit({"type": "function_call_output", "call_id": call_id, "output": output})
            return
        # The backend refuses an output whose call it has not seen (400): keep the result as text.
        self.result.orphan_call_ids.append(call_id)
        label = f"{call_id} ({name})" if isinstance(name, str) and name else call_id
        text = f"Result of tool call {label}:\n{output}"
        self._emit(_message("user", [{"type": "input_text", "text": text}]))


def _message(role: str, parts: list[_Item]) -> _Item:
    return {"type": "message", "role": role, "content": parts}


def _function_call(call_id: str, name: str, arguments: Any) -> _Item:
    if arguments is None or arguments == "":
        arguments = "{}"
    elif not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False)
    return {"type": "function_call", "call_id": call_id, "name": name, "arguments": arguments}


def _function_name(function: Mapping[str, Any], where: str) -> str:
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise CodexRequestError(f"{where} has no name")
    return name


def _parts(content: Any, where: str) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if content is None:
        return []
    if isinstance(content, Sequence):
        return list(content)
    raise CodexRequestError(
        f"{where}.content must be a string or a list of content parts, not {type(content).__name__}"
    )


def _part_type(part: Any, where: str) -> str:
    if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
        raise CodexRequestError(f"{where} must be an object with a type")
    return str(part["type"])


def _text_of(part: Mapping[str, Any], key: str, where: str) -> str:
    text = part.get(key)
    if not isinstance(text, str):
        raise CodexRequestError(f"{where}.{key} must be a string")
    return text


def _input_parts(content: Any, where: str) -> list[_Item]:
    """User, system and developer content: text and images."""
    parts: list[_Item] = []
    for number, part in enumerate(_parts(content, where)):
        at = f"{where}.content[{number}]"
        kind = _part_type(part, at)
        if kind in ("text", "input_text"):
            parts.append({"type": "input_text", "text": _text_of(part, "text", at)})
        elif kind in ("image_url", "input_image"):
            parts.append(_image(part, at))
        else:
            raise CodexRequestError(
                f"{at} is a {kind!r} part, which the Codex backend does not take here; supported: text, image_url"
            )
    return parts


def _image(part: Mapping[str, Any], where: str) -> _Item:
    image = part.get("image_url")
    detail = part.get("detail")
    if isinstance(image, Mapping):
        detail = image.get("detail", detail)
        image = image.get("url")
    if not isinstance(image, str) or not image:
        raise CodexRequestError(f"{where} needs an image URL (https or data: URL)")
    if detail is not None and detail not in ("auto", "low", "high"):
        raise CodexRequestError(f"{where} has detail {detail!r}; use one of: auto, low, high")
    return {"type": "input_image", "image_url": image, "detail": detail or "auto"}


def _output_parts(content: Any, where: str) -> list[_Item]:
    """Assistant content: text (and refusals, kept as the text they are)."""
    parts: list[_Item] = []
    for number, part in enumerate(_parts(content, where)):
        at = f"{where}.content[{number}]"
        kind = _part_type(part, at)
        if kind in _TEXT_PARTS:
            text = _text_of(part, "text", at)
        elif kind == "refusal":
            text = _text_of(part, "refusal", at)
        else:
            raise CodexRequestError(f"{at} is a {kind!r} part; an assistant message may hold text and refusal parts")
        if text:
            parts.append({"type": "output_text", "text": text})
    return parts


def _output_text(content: Any, where: str) -> str:
    """A tool result as the one string the backend takes; a list's text parts are joined."""
    if isinstance(content, str):
        return content
    parts = _parts(content, where)
    texts = []
    for number, part in enumerate(parts):
        at = f"{where}.content[{number}]"
        if _part_type(part, at) not in _TEXT_PARTS:
            raise CodexRequestError(f"{at} is a {part['type']!r} part; a tool result may hold text parts only")
        texts.append(_text_of(part, "text", at))
    return "\n".join(texts)


def _reasoning_items(fields: Any) -> list[_Item]:
    """The encrypted reasoning the caller got back with an answer, without server ids."""
    if not isinstance(fields, Mapping):
        return []
    items = fields.get(REASONING_ITEMS_FIELD)
    if not isinstance(items, Sequence) or isinstance(items, str):
        return []
    result = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("encrypted_content"), str):
            continue  # without its encrypted content the backend cannot use it (nothing is stored)
        summary = item.get("summary")
        result.append(
            {
                "type": "reasoning",
                "summary": list(summary) if isinstance(summary, Sequence) and not isinstance(summary, str) else [],
                "encrypted_content": item["encrypted_content"],
            }
        )
    return result
