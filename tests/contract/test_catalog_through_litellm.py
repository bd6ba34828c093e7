"""Through LiteLLM: the catalog's ``base_instructions`` arrive as ``instructions``, fetched once."""

from __future__ import annotations

from typing import Any

import litellm

from tests.fakes.catalog_entries import catalog_models, model_entry
from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer

MESSAGES = [
    {"role": "system", "content": "Answer in one line."},
    {"role": "user", "content": "say hi"},
]


def test_catalog_instructions_reach_the_backend(litellm_codex: Any, codex_backend: FakeCodexBackend) -> None:
    codex_backend.models = [*catalog_models(), model_entry("gpt-5.1-codex", instructions="The catalog's prompt.")]
    codex_backend.enqueue(Reply(events=text_answer("one")), Reply(events=text_answer("two")))
    assert litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES).choices[0].message.content == "one"
    assert litellm.completion(model="codex/gpt-5.1-codex-high", messages=MESSAGES).choices[0].message.content == "two"
    first, second = codex_backend.response_requests
    assert first.body["instructions"] == "The catalog's prompt."
    assert second.body["instructions"] == "The catalog's prompt."
    assert first.body["input"][0] == {
        "type": "message",
        "role": "developer",
        "content": [{"type": "input_text", "text": "Answer in one line."}],
    }
    assert len(codex_backend.models_requests) == 1, "the second call was served from memory"
    assert codex_backend.models_requests[0].headers["authorization"] == first.headers["authorization"]


async def test_async_calls_use_the_catalog_too(litellm_codex: Any, codex_backend: FakeCodexBackend) -> None:
    codex_backend.models = [model_entry("gpt-5.5", ("none", "low", "medium", "high"), instructions="5.5 prompt.")]
    codex_backend.enqueue(Reply(events=text_answer("hi", model="gpt-5.5")))
    stream = await litellm.acompletion(model="codex/gpt-5.5", messages=MESSAGES, stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "hi"
    (request,) = codex_backend.response_requests
    assert request.body["instructions"] == "5.5 prompt."
    available = litellm_codex.service.catalog.available_models()
    assert [spec.slug for spec in available] == ["gpt-5.5"], "the data a 404's message lists"


def test_without_catalog_or_github_the_projects_own_text_is_sent(
    litellm_codex: Any, codex_backend: FakeCodexBackend
) -> None:
    codex_backend.models_status = 500
    litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES)
    (request,) = codex_backend.response_requests
    from litellm_codex_oauth_provider.domain.prompts import DEFAULT_INSTRUCTIONS

    assert request.body["instructions"] == DEFAULT_INSTRUCTIONS
