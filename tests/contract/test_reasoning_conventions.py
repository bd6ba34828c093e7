"""Encrypted reasoning in LiteLLM's own convention, both ways: a thinking block signed in this package's format."""

from __future__ import annotations

from typing import Any

import litellm
from litellm_codex_oauth_provider.domain.reasoning_signature import SIGNATURE_PREFIX

from tests.fakes.codex_backend import FakeCodexBackend, Reply, answer, message_events, reasoning_events

ENCRYPTED = "gAAAA-secret-chain-of-thought=="


def _reasoned_answer() -> Reply:
    return Reply(
        events=answer(reasoning_events("Weighing it.", encrypted=ENCRYPTED), message_events("42", output_index=1))
    )


def test_an_answer_carries_a_signed_thinking_block_and_its_reasoning_items(
    litellm_codex: object, codex_backend: FakeCodexBackend
) -> None:
    codex_backend.enqueue(_reasoned_answer())
    message = litellm.completion(model="codex/gpt-5.5", messages=[{"role": "user", "content": "q"}]).choices[0].message
    (block,) = message.thinking_blocks
    assert block["type"] == "thinking" and block["thinking"] == "Weighing it."
    assert block["signature"].startswith(SIGNATURE_PREFIX)
    assert [item["encrypted_content"] for item in message.provider_specific_fields["reasoning_items"]] == [ENCRYPTED]


def test_a_stream_carries_them_on_its_last_chunks(litellm_codex: object, codex_backend: FakeCodexBackend) -> None:
    codex_backend.enqueue(_reasoned_answer())
    chunks = list(litellm.completion(model="codex/gpt-5.5", messages=[{"role": "user", "content": "q"}], stream=True))
    blocks = [b for c in chunks if c.choices for b in (getattr(c.choices[0].delta, "thinking_blocks", None) or [])]
    assert [b["signature"].startswith(SIGNATURE_PREFIX) for b in blocks] == [True]


def test_a_thinking_block_sent_back_reaches_the_backend_as_the_reasoning_item(
    litellm_codex: object, codex_backend: FakeCodexBackend
) -> None:
    """What an Anthropic client (Claude Code) does: only the thinking block comes back, nothing else."""
    codex_backend.enqueue(_reasoned_answer())
    first = litellm.completion(model="codex/gpt-5.5", messages=[{"role": "user", "content": "q"}]).choices[0].message
    codex_backend.enqueue(Reply(events=answer(message_events("done"))))
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "42", "thinking_blocks": first.thinking_blocks},
        {"role": "user", "content": "and then?"},
    ]
    litellm.completion(model="codex/gpt-5.5", messages=history)
    sent = codex_backend.response_requests[-1].body["input"]
    reasoning = [item for item in sent if item["type"] == "reasoning"]
    assert [item["encrypted_content"] for item in reasoning] == [ENCRYPTED]
    assert reasoning[0]["summary"] == [{"type": "summary_text", "text": "Weighing it."}]
    assert [item["type"] for item in sent].index("reasoning") < [item.get("role") for item in sent].index("assistant")


def test_a_thinking_block_signed_by_someone_else_is_not_read(
    litellm_codex: object, codex_backend: FakeCodexBackend
) -> None:
    codex_backend.enqueue(Reply(events=answer(message_events("ok"))))
    foreign = [{"type": "thinking", "thinking": "x", "signature": "EqQBCkgIBhABGAIiQ...anthropic"}]
    history = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a", "thinking_blocks": foreign},
        {"role": "user", "content": "next"},
    ]
    litellm.completion(model="codex/gpt-5.5", messages=history)
    assert not [item for item in codex_backend.response_requests[-1].body["input"] if item["type"] == "reasoning"]
