"""Tools, ``tool_choice`` and ``response_format`` in the Responses shapes.

The backend wants function tools flat (``{"type": "function", "name", ...}``); the
Chat Completions nested form is refused with ``Missing required parameter:
'tools[0].name'``, so every tool is flattened here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import CodexRequestError

TOOL_CHOICES = ("auto", "none", "required")
_EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}


def convert_tools(tools: Any) -> list[dict[str, Any]]:
    """OpenAI tools (and the legacy ``functions`` list items) to flat Responses tools."""
    if tools is None:
        return []
    if not isinstance(tools, Sequence) or isinstance(tools, str):
        raise CodexRequestError("tools must be a list of tool objects")
    return [_tool(tool, f"tools[{index}]") for index, tool in enumerate(tools)]


def convert_functions(functions: Any) -> list[dict[str, Any]]:
    """The legacy ``functions`` parameter: bare function definitions."""
    if functions is None:
        return []
    if not isinstance(functions, Sequence) or isinstance(functions, str):
        raise CodexRequestError("functions must be a list of function objects")
    return [_function(fn, f"functions[{index}]") for index, fn in enumerate(functions)]


def _tool(tool: Any, where: str) -> dict[str, Any]:
    if not isinstance(tool, Mapping):
        raise CodexRequestError(f"{where} must be an object")
    kind = tool.get("type", "function")
    if kind != "function":
        # A Responses-native tool (web_search, ...): the backend decides whether it takes it.
        return dict(tool)
    nested = tool.get("function")
    return _function(nested if isinstance(nested, Mapping) else tool, where)


def _function(function: Any, where: str) -> dict[str, Any]:
    if not isinstance(function, Mapping):
        raise CodexRequestError(f"{where} must be an object")
    name = function.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CodexRequestError(f"{where} is a function without a name")
    parameters = function.get("parameters")
    if parameters is None:
        parameters = dict(_EMPTY_SCHEMA)
    elif not isinstance(parameters, Mapping) or parameters.get("type", "object") != "object":
        raise CodexRequestError(
            f"{where} ({name}): parameters must be a JSON schema of type 'object', not {_describe(parameters)}"
        )
    result: dict[str, Any] = {"type": "function", "name": name, "parameters": dict(parameters)}
    if function.get("description") is not None:
        result["description"] = function["description"]
    if function.get("strict") is not None:
        result["strict"] = bool(function["strict"])
    return result


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"type {value.get('type')!r}"
    return type(value).__name__


def convert_tool_choice(choice: Any) -> str | dict[str, Any]:
    """``auto``/``none``/``required``, or a named function in the flat form."""
    if isinstance(choice, str):
        if choice in TOOL_CHOICES:
            return choice
    elif isinstance(choice, Mapping):
        function = choice.get("function")
        name = function.get("name") if isinstance(function, Mapping) else choice.get("name")
        if choice.get("type", "function") == "function" and isinstance(name, str) and name:
            return {"type": "function", "name": name}
    raise CodexRequestError(
        f"tool_choice {choice!r} is not valid; use 'auto', 'none', 'required' "
        "or {'type': 'function', 'function': {'name': ...}}"
    )


def convert_function_call(choice: Any) -> str | dict[str, Any]:
    """The legacy ``function_call`` parameter: ``auto``, ``none`` or ``{"name": ...}``."""
    if isinstance(choice, Mapping):
        return convert_tool_choice({"type": "function", "name": choice.get("name")})
    return convert_tool_choice(choice)


def convert_response_format(response_format: Any) -> dict[str, Any] | None:
    """``response_format`` to ``text.format``; ``None`` for plain text."""
    if response_format is None:
        return None
    if not isinstance(response_format, Mapping):
        raise CodexRequestError("response_format must be an object such as {'type': 'json_object'}")
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
            raise CodexRequestError("response_format json_schema needs json_schema.schema, a JSON schema object")
        result: dict[str, Any] = {
            "type": "json_schema",
            "name": spec.get("name") or "response",
            "schema": dict(spec["schema"]),
        }
        if spec.get("description") is not None:
            result["description"] = spec["description"]
        if spec.get("strict") is not None:
            result["strict"] = bool(spec["strict"])
        return result
    raise CodexRequestError(f"response_format type {kind!r} is not valid; use one of: text, json_object, json_schema")
