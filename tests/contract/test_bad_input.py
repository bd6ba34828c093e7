"""Bad input through LiteLLM: a 400 that names the field, and nothing sent to the backend."""

from __future__ import annotations

from typing import Any

import litellm
import pytest

from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer


def _deep_tool(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"x": schema}}
    return {"type": "function", "function": {"name": "deep", "parameters": schema}}


BAD = [
    pytest.param({"model": "codex/-high"}, "model: '-high' names no model", id="effort-only-model"),
    pytest.param({"messages": []}, "messages: no message has any content", id="no-messages"),
    pytest.param({"messages": [{"role": "user", "content": ""}]}, "no message has any content", id="empty-content"),
    pytest.param(
        {"messages": [{"role": "user", "content": "bad \ud800"}]},
        "messages[0].content: holds a lone surrogate",
        id="lone-surrogate",
    ),
    pytest.param({"tools": [_deep_tool(2000)]}, "nested deeper than 64 levels", id="deep-schema"),
]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize(("change", "message"), BAD)
async def test_bad_input_is_a_400_naming_the_field_and_nothing_is_sent(
    litellm_codex: object, codex_backend: FakeCodexBackend, change: dict[str, Any], message: str, stream: bool
) -> None:
    call: dict[str, Any] = {"model": "codex/gpt-5.5", "messages": [{"role": "user", "content": "hi"}], **change}

    async def send() -> None:
        reply = await litellm.acompletion(**call, stream=stream)
        if stream:
            [chunk async for chunk in reply]

    with pytest.raises(litellm.BadRequestError) as caught:
        await send()
    assert caught.value.status_code == 400
    assert message in str(caught.value)
    assert codex_backend.response_requests == []


@pytest.mark.parametrize("key", ["café ☕", "line\r\nX-Injected: yes"])
def test_a_cache_key_unfit_for_headers_still_works_and_stays_in_the_body(
    litellm_codex: object, codex_backend: FakeCodexBackend, key: str
) -> None:
    codex_backend.enqueue(Reply(events=text_answer("fine")), Reply(events=text_answer("again")))
    for _ in range(2):
        litellm.completion(model="codex/gpt-5.5", messages=[{"role": "user", "content": "hi"}], prompt_cache_key=key)
    first, second = codex_backend.response_requests
    assert first.body["prompt_cache_key"] == key
    assert "x-injected" not in first.headers
    assert first.headers["session-id"] == second.headers["session-id"], "the same key, the same session"
    assert first.headers["session-id"].isascii() and first.headers["session-id"] != key
