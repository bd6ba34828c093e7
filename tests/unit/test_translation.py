"""Chat Completions requests to the Responses body the backend accepts."""

from __future__ import annotations

from typing import Any

import pytest
from litellm_codex_oauth_provider.domain.errors import CodexRequestError
from litellm_codex_oauth_provider.domain.models import ModelSpec
from litellm_codex_oauth_provider.domain.prompts import (
    DEFAULT_INSTRUCTIONS,
    TOOL_BRIDGE_TEXT,
    build_tool_bridge_message,
    derive_instructions,
)
from litellm_codex_oauth_provider.domain.translation import (
    ChatRequest,
    RequestPlan,
    derive_prompt_cache_key,
    plan_request,
)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get weather information",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
    },
}


def plan(
    messages: list[Any], codex_mode: bool = True, model: str = "codex/gpt-5.1-codex", **params: Any
) -> RequestPlan:
    return plan_request(ChatRequest(model, messages, params), instructions="CODEX", codex_mode=codex_mode)


def body(messages: list[Any], **kwargs: Any) -> dict[str, Any]:
    return plan(messages, **kwargs).body


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def msg(role: str, part: str, text: str) -> dict[str, Any]:
    return {"type": "message", "role": role, "content": [{"type": part, "text": text}]}


# -- the seed's instructions and tool bridge ------------------------------------------


def test_codex_mode_keeps_system_text_as_developer_messages_in_place() -> None:
    messages = [{"role": "system", "content": "Be terse."}, user("hi"), {"role": "developer", "content": "Use JSON."}]
    out = body(messages)
    assert out["instructions"] == "CODEX"
    assert out["input"] == [
        msg("developer", "input_text", "Be terse."),
        msg("user", "input_text", "hi"),
        msg("developer", "input_text", "Use JSON."),
    ]


def test_without_codex_mode_the_system_text_is_the_instructions() -> None:
    out = body([{"role": "system", "content": "Be terse."}, user("hi")], codex_mode=False)
    assert out["instructions"] == "Be terse."
    assert out["input"] == [msg("user", "input_text", "hi")]
    assert body([user("hi")], codex_mode=False)["instructions"] == "CODEX"


def test_derive_instructions_keeps_the_seed_signature() -> None:
    messages = [{"role": "system", "content": "S"}, user("hi")]
    instructions, items = derive_instructions(messages, codex_mode=False, normalized_model="gpt-5.1-codex")
    assert instructions == "S"
    assert items == [msg("user", "input_text", "hi")]
    instructions, items = derive_instructions(messages, codex_mode=True, normalized_model="gpt-5.1-codex")
    assert instructions == DEFAULT_INSTRUCTIONS
    assert items[0] == msg("developer", "input_text", "S")


def test_the_tool_bridge_leads_in_codex_mode_when_there_are_tools() -> None:
    bridge = build_tool_bridge_message()
    assert bridge == {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": TOOL_BRIDGE_TEXT}],
    }
    assert "ordinary function call" in TOOL_BRIDGE_TEXT
    assert body([user("hi")], tools=[WEATHER])["input"][0] == bridge
    assert bridge not in body([user("hi")])["input"]
    assert bridge not in body([user("hi")], codex_mode=False, tools=[WEATHER])["input"]


# -- messages ---------------------------------------------------------------------------


def test_user_images_become_input_images() -> None:
    content = [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.test/cat.png", "detail": "high"}},
        {"type": "image_url", "image_url": "data:image/png;base64,AAAA"},
    ]
    assert body([{"role": "user", "content": content}])["input"] == [
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "what is this?"},
                {"type": "input_image", "image_url": "https://example.test/cat.png", "detail": "high"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA", "detail": "auto"},
            ],
        }
    ]


def test_assistant_text_tool_calls_and_results() -> None:
    messages = [
        user("weather?"),
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"a":1}'}},
                {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": {"tz": "UTC"}}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        {
            "role": "tool",
            "tool_call_id": "call_2",
            "content": [{"type": "text", "text": "12"}, {"type": "text", "text": ":00"}],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "Sunny, noon."}]},
    ]
    assert body(messages)["input"][1:] == [
        msg("assistant", "output_text", "Let me look."),
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"a":1}'},
        {"type": "function_call", "call_id": "call_2", "name": "get_time", "arguments": '{"tz": "UTC"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
        {"type": "function_call_output", "call_id": "call_2", "output": "12\n:00"},
        msg("assistant", "output_text", "Sunny, noon."),
    ]


def test_reasoning_items_go_back_before_the_calls_without_server_ids() -> None:
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        "provider_specific_fields": {
            "reasoning_items": [
                {
                    "type": "reasoning",
                    "id": "rs_1",
                    "summary": [{"type": "summary_text", "text": "t"}],
                    "encrypted_content": "E",
                },
                {"type": "reasoning", "id": "rs_2", "summary": []},  # no encrypted content: useless without store
            ]
        },
    }
    items = body([user("go"), assistant, {"role": "tool", "tool_call_id": "call_1", "content": "ok"}])["input"]
    assert items[1:3] == [
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "t"}], "encrypted_content": "E"},
        {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
    ]
    assert all("id" not in item for item in items)


def test_litellms_own_reasoning_items_field_is_read_too() -> None:
    assistant = {
        "role": "assistant",
        "content": "x",
        "reasoning_items": [{"type": "reasoning", "encrypted_content": "E"}],
    }
    assert body([user("go"), assistant])["input"][1] == {"type": "reasoning", "summary": [], "encrypted_content": "E"}


def test_legacy_function_call_and_function_role() -> None:
    messages = [
        user("go"),
        {"role": "assistant", "content": None, "function_call": {"name": "lookup", "arguments": '{"q":1}'}},
        {"role": "function", "name": "lookup", "content": "found"},
    ]
    items = body(messages, functions=[{"name": "lookup"}], function_call={"name": "lookup"})
    assert items["input"][0] == build_tool_bridge_message()  # legacy functions are tools too
    assert items["input"][2:] == [
        {"type": "function_call", "call_id": "function_1", "name": "lookup", "arguments": '{"q":1}'},
        {"type": "function_call_output", "call_id": "function_1", "output": "found"},
    ]
    assert items["tools"] == [
        {"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}
    ]
    assert items["tool_choice"] == {"type": "function", "name": "lookup"}


def test_a_tool_result_without_its_call_is_kept_as_text_not_a_400() -> None:
    result = plan([user("go"), {"role": "tool", "tool_call_id": "call_lost", "name": "f", "content": "42"}])
    assert result.orphan_call_ids == ("call_lost",)
    assert result.body["input"][1] == msg("user", "input_text", "Result of tool call call_lost (f):\n42")
    assert not any(item["type"] == "function_call_output" for item in result.body["input"])


@pytest.mark.parametrize(
    ("messages", "named"),
    [
        ([{"content": "hi"}], r"messages\[0\] has no role"),
        ([{"role": "robot", "content": "hi"}], r"role 'robot'; expected one of"),
        (["hi"], r"messages\[0\] must be an object"),
        ([{"role": "user", "content": 42}], r"messages\[0\]\.content must be a string or a list"),
        ([{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}], r"'input_audio' part"),
        ([{"role": "user", "content": [{"type": "file", "file": {}}]}], r"'file' part.*supported: text, image_url"),
        ([{"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f"}}]}], r"has no id"),
        (
            [{"role": "assistant", "tool_calls": [{"id": "c", "function": {"arguments": "{}"}}]}],
            r"function has no name",
        ),
        ([{"role": "tool", "content": "x"}], r"tool message without a tool_call_id"),
        ([{"role": "tool", "tool_call_id": "c", "content": [{"type": "image_url"}]}], r"text parts only"),
    ],
)
def test_bad_messages_are_clear_errors(messages: list[Any], named: str) -> None:
    with pytest.raises(CodexRequestError, match=named):
        plan(messages)


# -- tools, choices and formats ---------------------------------------------------------------


def test_tools_are_flattened_with_description_and_strict_only_when_given() -> None:
    tools = [WEATHER, {"type": "function", "function": {"name": "now", "strict": True}}]
    assert body([user("hi")], tools=tools)["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Get weather information",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
        },
        {"type": "function", "name": "now", "parameters": {"type": "object", "properties": {}}, "strict": True},
    ]


@pytest.mark.parametrize(
    ("tools", "named"),
    [
        ([{"type": "function", "function": {"description": "nameless"}}], r"tools\[0\] is a function without a name"),
        ([{"type": "function", "function": {"name": "f", "parameters": {"type": "array"}}}], r"type 'object'"),
        ([{"type": "function", "function": {"name": "f", "parameters": "{}"}}], r"not str"),
    ],
)
def test_bad_tools_are_value_errors(tools: list[Any], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        plan([user("hi")], tools=tools)


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ({"type": "function", "function": {"name": "get_weather"}}, {"type": "function", "name": "get_weather"}),
    ],
)
def test_tool_choice(choice: Any, sent: Any) -> None:
    out = body([user("hi")], tools=[WEATHER], tool_choice=choice, parallel_tool_calls=False)
    assert out["tool_choice"] == sent
    assert out["parallel_tool_calls"] is False


def test_an_invalid_tool_choice_names_the_valid_ones() -> None:
    with pytest.raises(CodexRequestError, match="'auto', 'none', 'required'"):
        plan([user("hi")], tool_choice="sometimes")


def test_response_format() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    out = body(
        [user("hi")],
        response_format={"type": "json_schema", "json_schema": {"name": "num", "schema": schema, "strict": True}},
    )
    assert out["text"] == {"format": {"type": "json_schema", "name": "num", "schema": schema, "strict": True}}
    assert body([user("hi")], response_format={"type": "json_object"})["text"] == {"format": {"type": "json_object"}}
    assert "text" not in body([user("hi")], response_format={"type": "text"})
    out = body([user("hi")], model="gpt-5.1", verbosity="low", response_format={"type": "json_object"})
    assert out["text"] == {"verbosity": "low", "format": {"type": "json_object"}}
    with pytest.raises(CodexRequestError, match="json_object, json_schema"):
        plan([user("hi")], response_format={"type": "yaml"})


# -- parameters -------------------------------------------------------------------------------


def test_refused_parameters_are_not_sent_but_reported() -> None:
    refused = {
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 10,
        "max_output_tokens": 10,
        "max_completion_tokens": 10,
        "frequency_penalty": 0.1,
        "presence_penalty": 0.1,
        "seed": 7,
        "logprobs": True,
        "top_logprobs": 2,
        "user": "u",
        "metadata": {"a": "b"},
    }
    result = plan([user("hi")], **refused, stop=["x"])
    assert set(result.dropped_params) == set(refused)
    assert not set(result.body) & {*refused, "stop", "n"}
    assert result.stop == ("x",)
    assert plan([user("hi")], logprobs=False, temperature=None).dropped_params == ()


def test_n_above_one_is_refused_and_one_is_fine() -> None:
    assert "n" not in body([user("hi")], n=1)
    with pytest.raises(CodexRequestError, match="n=2"):
        plan([user("hi")], n=2)


def test_prompt_cache_key_is_sent_or_derived_stably() -> None:
    assert body([user("hi")], prompt_cache_key="conv-1")["prompt_cache_key"] == "conv-1"
    first = plan([{"role": "system", "content": "S"}, user("hi")])
    later = plan([{"role": "system", "content": "S"}, user("hi"), {"role": "assistant", "content": "yo"}, user("more")])
    assert first.session_id == later.session_id == first.body["prompt_cache_key"]
    assert first.session_id == derive_prompt_cache_key([{"role": "system", "content": "S"}, user("hi")])
    assert plan([user("other")]).session_id != first.session_id


def test_effort_from_params_extra_body_and_suffix() -> None:
    assert body([user("hi")], reasoning_effort="high")["reasoning"] == {"effort": "high", "summary": "auto"}
    assert body([user("hi")], reasoning={"effort": "low"})["reasoning"]["effort"] == "low"
    assert body([user("hi")], extra_body={"reasoning_effort": "high"})["reasoning"]["effort"] == "high"
    assert body([user("hi")], model="codex/gpt-5.1-codex-low")["reasoning"]["effort"] == "low"
    with pytest.raises(CodexRequestError, match="reasoning effort 'ultra'"):
        plan([user("hi")], reasoning_effort="ultra")


def test_the_request_plan_uses_the_live_spec() -> None:
    live = ModelSpec("gpt-5.1-codex", "codex", ("low", "medium", "high", "xhigh"), "medium", False, 1)
    planned = plan_request(
        ChatRequest("gpt-5.1-codex", [user("hi")], {"reasoning_effort": "xhigh"}),
        instructions=None,
        codex_mode=True,
        model_spec=live,
    )
    out, session = planned.body, planned.session_id
    assert out["reasoning"]["effort"] == "xhigh"
    assert out["instructions"] == DEFAULT_INSTRUCTIONS
    assert session == out["prompt_cache_key"]
    assert out["store"] is False and out["stream"] is True
    assert out["include"] == ["reasoning.encrypted_content"]


def test_a_message_object_with_model_dump_is_read_like_a_dict() -> None:
    class Sent:
        def model_dump(self) -> dict[str, Any]:
            return {"role": "assistant", "content": "earlier", "tool_calls": None, "function_call": None}

    assert body([user("hi"), Sent()])["input"][1] == msg("assistant", "output_text", "earlier")


def test_service_tier_is_sent_and_responses_native_tools_pass_as_they_are() -> None:
    out = body([user("hi")], service_tier="priority", tools=[{"type": "web_search"}])
    assert out["service_tier"] == "priority"
    assert out["tools"] == [{"type": "web_search"}]


@pytest.mark.parametrize("codex_mode", [True, False])
@pytest.mark.parametrize("found", ["CODEX", None])
@pytest.mark.parametrize("system", ["Be terse.", None])
def test_the_seed_helper_and_the_request_body_choose_the_same_instructions(
    codex_mode: bool, found: str | None, system: str | None
) -> None:
    messages = ([{"role": "system", "content": system}] if system else []) + [user("hi")]
    instructions, items = derive_instructions(
        messages, codex_mode=codex_mode, normalized_model="gpt-5.1-codex", codex_instructions=found
    )
    planned = plan_request(ChatRequest("gpt-5.1-codex", messages), instructions=found, codex_mode=codex_mode).body
    assert (instructions, items) == (planned["instructions"], planned["input"])
    expected = system if system and not codex_mode else found or DEFAULT_INSTRUCTIONS
    assert instructions == expected
