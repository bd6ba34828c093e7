"""OpenAI parameters through ``litellm.completion``: each sent, mapped, emulated, dropped or refused."""

from __future__ import annotations

from typing import Any

import litellm
import pytest

from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer

MESSAGES = [{"role": "user", "content": "count to five"}]
REFUSED = {
    "temperature": 0.3,
    "top_p": 0.9,
    "max_tokens": 50,
    "frequency_penalty": 0.1,
    "presence_penalty": 0.1,
    "seed": 7,
    "user": "someone",
}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_refused_parameters_are_dropped_and_stop_is_emulated(
    litellm_codex: Any, codex_backend: FakeCodexBackend, stream: bool
) -> None:
    codex_backend.enqueue(Reply(events=text_answer("1, 2, 3, 4, 5", pieces=7), together=False))
    response = litellm.completion(
        model="codex/gpt-5.1-codex", messages=MESSAGES, stop=[", 4"], stream=stream, **REFUSED
    )
    if stream:
        chunks = list(response)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    else:
        text, finishes = response.choices[0].message.content, [response.choices[0].finish_reason]
    assert text == "1, 2, 3"
    assert finishes == ["stop"]
    (request,) = codex_backend.response_requests
    assert not set(request.body) & {*REFUSED, "stop", "max_output_tokens", "max_completion_tokens"}


def test_max_completion_tokens_and_response_format_and_cache_key(
    litellm_codex: Any, codex_backend: FakeCodexBackend
) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    litellm.completion(
        model="codex/gpt-5.1-codex",
        messages=MESSAGES,
        max_completion_tokens=20,
        response_format={"type": "json_schema", "json_schema": {"name": "n", "schema": schema, "strict": True}},
        prompt_cache_key="conversation-42",
        parallel_tool_calls=False,
    )
    (request,) = codex_backend.response_requests
    assert request.body["text"]["format"] == {"type": "json_schema", "name": "n", "schema": schema, "strict": True}
    assert request.body["prompt_cache_key"] == "conversation-42"
    assert request.headers["session-id"] == "conversation-42"
    assert "max_completion_tokens" not in request.body and "max_tokens" not in request.body


def test_reasoning_effort_reaches_the_backend_clamped(litellm_codex: Any, codex_backend: FakeCodexBackend) -> None:
    litellm.completion(
        model="codex/gpt-5.1-codex-mini",
        messages=MESSAGES,
        reasoning_effort="low",
        allowed_openai_params=["reasoning_effort"],
    )
    litellm.completion(model="codex/gpt-5.1-codex-high", messages=MESSAGES)
    first, second = codex_backend.response_requests
    assert first.body["model"] == "gpt-5.1-codex-mini"
    assert first.body["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert second.body["model"] == "gpt-5.1-codex"
    assert second.body["reasoning"]["effort"] == "high"


def test_n_above_one_is_a_bad_request(litellm_codex: Any, codex_backend: FakeCodexBackend) -> None:
    with pytest.raises(litellm.BadRequestError, match="n=2"):
        litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES, n=2)
    assert codex_backend.response_requests == []


def test_a_bad_message_is_a_bad_request(litellm_codex: Any, codex_backend: FakeCodexBackend) -> None:
    audio = [{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}]
    with pytest.raises(litellm.BadRequestError, match="input_audio"):
        litellm.completion(model="codex/gpt-5.1-codex", messages=audio)
    assert codex_backend.response_requests == []


def test_strict_params_turns_dropping_into_a_bad_request(
    codex_backend: FakeCodexBackend, auth_file: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from litellm_codex_oauth_provider import CodexAuthProvider, register

    monkeypatch.setenv("CODEX_STRICT_PARAMS", "true")
    saved = list(litellm.custom_provider_map)
    litellm.custom_provider_map[:] = [item for item in saved if item.get("provider") != "codex"]
    register(CodexAuthProvider())
    try:
        with pytest.raises(litellm.BadRequestError, match="temperature"):
            litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES, temperature=0.5)
        assert codex_backend.response_requests == []
        litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES)
        assert len(codex_backend.response_requests) == 1
    finally:
        litellm.custom_provider_map[:] = saved
