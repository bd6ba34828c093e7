"""Input the backend cannot take is refused before sending, with a 400 that names the field."""

from __future__ import annotations

import pytest
from litellm_codex_oauth_provider.domain.errors import CodexRequestError
from litellm_codex_oauth_provider.domain.request_checks import header_safe_session_id
from litellm_codex_oauth_provider.domain.translation import ChatRequest, plan_request

HELLO = [{"role": "user", "content": "hello"}]


def plan(model: str = "codex/gpt-5.5", messages: object = HELLO, **params: object) -> object:
    return plan_request(
        ChatRequest(model=model, messages=messages, params=params),  # type: ignore[arg-type]
        instructions="be brief",
        codex_mode=True,
    )


@pytest.mark.parametrize("model", ["codex/", "codex/   ", "codex/-high", "", "gpt 5"])
def test_a_request_that_names_no_model_is_refused(model: str) -> None:
    with pytest.raises(CodexRequestError, match=r"^model: .* names no model; use codex/<model>"):
        plan(model)


@pytest.mark.parametrize(
    "messages",
    [[], [{"role": "user", "content": ""}], [{"role": "user", "content": []}, {"role": "assistant", "content": ""}]],
)
def test_a_conversation_with_nothing_to_send_is_refused(messages: object) -> None:
    with pytest.raises(CodexRequestError, match="no message has any content"):
        plan(messages=messages)


def test_messages_that_are_not_a_list_are_refused() -> None:
    with pytest.raises(CodexRequestError, match="messages: must be a list"):
        plan(messages="hello")


def test_a_lone_surrogate_is_named_by_its_place() -> None:
    messages = [{"role": "user", "content": [{"type": "text", "text": "ok \ud800 no"}]}]
    with pytest.raises(CodexRequestError, match=r"messages\[0\]\.content\[0\]\.text: holds a lone surrogate \(U\+D800"):
        plan(messages=messages)


def test_a_schema_nested_thousands_deep_is_refused_without_overflowing() -> None:
    schema: dict[str, object] = {"type": "string"}
    for _ in range(2000):
        schema = {"type": "object", "properties": {"x": schema}}
    tool = {"type": "function", "function": {"name": "deep", "parameters": schema}}
    with pytest.raises(CodexRequestError, match=r"^tools\[0\]\.function\.parameters.*: nested deeper than 64 levels"):
        plan(tools=[tool])


def test_ordinary_nesting_and_non_ascii_text_pass() -> None:
    schema: dict[str, object] = {"type": "string"}
    for _ in range(10):
        schema = {"type": "object", "properties": {"x": schema}}
    tool = {"type": "function", "function": {"name": "fine", "parameters": schema}}
    result = plan(messages=[{"role": "user", "content": "héllo 🌍"}], tools=[tool])
    assert result.body["input"][-1]["content"][0]["text"] == "héllo 🌍"  # type: ignore[attr-defined]


@pytest.mark.parametrize("key", ["conversation-42", "a" * 256])
def test_a_header_safe_cache_key_is_the_session_id(key: str) -> None:
    assert header_safe_session_id(key) == key
    assert plan(prompt_cache_key=key).session_id == key  # type: ignore[attr-defined]


@pytest.mark.parametrize("key", ["café", "line\r\nX-Injected: 1", "with space", "", "a" * 257, "bad\ud800"])
def test_any_other_cache_key_gives_a_stable_header_safe_session_id(key: str) -> None:
    session = header_safe_session_id(key)
    assert session == header_safe_session_id(key)
    assert session.isascii() and session.isprintable() and " " not in session and len(session) == 36
    assert session != header_safe_session_id(key + "x")


def test_a_non_ascii_cache_key_still_goes_to_the_body_as_sent() -> None:
    result = plan(prompt_cache_key="café")
    assert result.body["prompt_cache_key"] == "café"  # type: ignore[attr-defined]
    assert result.session_id.isascii()  # type: ignore[attr-defined]
