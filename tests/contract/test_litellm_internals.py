"""The LiteLLM internals this package leans on, each checked by name on the installed LiteLLM.

These are not public API, so a new LiteLLM may change them without notice. Each test
names the internal and the module of ours that relies on it, so that the failure on
a new release says what to revisit instead of leaving a silent slow path or a
wrong answer behind. ``make test-matrix`` runs them on both ends of the supported range.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import litellm
import pytest
from litellm.llms.custom_llm import CustomLLM
from litellm.types.utils import Delta, ModelResponse, StreamingChoices
from litellm_codex_oauth_provider import register
from litellm_codex_oauth_provider.domain.answer import StreamDelta, Usage
from litellm_codex_oauth_provider.domain.translation import ChatRequest
from litellm_codex_oauth_provider.entrypoints import chunks
from litellm_codex_oauth_provider.entrypoints.headers import with_provider_headers
from litellm_codex_oauth_provider.entrypoints.litellm_objects import Chunker


@pytest.fixture
def provider_map() -> Iterator[list[Any]]:
    saved = list(litellm.custom_provider_map)
    try:
        yield litellm.custom_provider_map
    finally:
        litellm.custom_provider_map[:] = saved


def test_the_cheap_text_chunk_still_matches_litellms_chunk_layout() -> None:
    assert chunks._FAST, (
        "LiteLLM changed the pydantic layout of ModelResponseStream / StreamingChoices / Delta "
        "(litellm.types.utils) that entrypoints/chunks.py copies: every text chunk now takes the slow "
        "constructor path. Re-check the layout checks in chunks._FAST for this LiteLLM."
    )
    cheap = chunks.text_chunk(chunk_id="chatcmpl-1", model="gpt-5.5", created=7, text="hi")
    built = chunks.CodexChunk(
        id="chatcmpl-1",
        model="gpt-5.5",
        created=7,
        choices=[StreamingChoices(index=0, delta=Delta(content="hi", provider_specific_fields=None))],
    )
    assert cheap.model_dump() == built.model_dump(), "chunks.text_chunk no longer builds what the constructors build"
    assert cheap._hidden_params == built._hidden_params == {}
    assert cheap.usage is None


class _ChunkerOnly(CustomLLM):
    """Yields exactly what the provider's Chunker makes of a two-read answer, nothing else."""

    def _chunks(self) -> list[Any]:
        chunker = Chunker(ChatRequest(model="gpt-5.5", messages=[]))
        usage = Usage(input_tokens=11, output_tokens=4, total_tokens=15)
        return [*chunker.push(StreamDelta(text="hello")), *chunker.push(StreamDelta(finish_reason="stop", usage=usage))]

    def streaming(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return iter(self._chunks())


def test_litellms_stream_wrapper_keeps_the_last_reads_usage_and_finish_reason(
    provider_map: list[Any],
) -> None:
    provider_map.append({"provider": "codex-internals-probe", "custom_handler": _ChunkerOnly()})
    litellm.utils.custom_llm_setup()
    stream = litellm.completion(
        model="codex-internals-probe/gpt-5.5",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    got = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in got if c.choices)
    finishes = [c.choices[0].finish_reason for c in got if c.choices and c.choices[0].finish_reason]
    usages = [c.usage for c in got if getattr(c, "usage", None) is not None]
    message = (
        "LiteLLM's CustomStreamWrapper (litellm_core_utils/streaming_handler.py) changed how it treats a "
        "custom provider's last chunks; entrypoints/litellm_objects.Chunker splits the finishing read "
        "around that behaviour (PROTOCOL.md section 8): revisit it for this LiteLLM."
    )
    assert text == "hello", message
    assert finishes == ["stop"], message
    assert usages and usages[-1].prompt_tokens == 11 and usages[-1].completion_tokens == 4, message


def test_custom_llm_setup_still_adds_the_provider_name(provider_map: list[Any]) -> None:
    setup = getattr(litellm.utils, "custom_llm_setup", None)
    assert callable(setup), (
        "litellm.utils.custom_llm_setup is gone: entrypoints/plugin.register() calls it so that a "
        "custom_provider_map entry added after import routes 'codex/...' to the provider."
    )
    provider_map[:] = [item for item in provider_map if item.get("provider") != "codex"]
    register()
    assert "codex" in litellm.provider_list, "custom_llm_setup no longer adds the name to litellm.provider_list"
    assert "codex" in litellm._custom_providers, "custom_llm_setup no longer adds the name to litellm._custom_providers"


def test_the_provider_header_helper_still_puts_headers_where_the_proxy_reads_them() -> None:
    from litellm.litellm_core_utils import core_helpers

    helper = getattr(core_helpers, "set_provider_response_headers_in_hidden_params", None)
    assert callable(helper), (
        "litellm.litellm_core_utils.core_helpers.set_provider_response_headers_in_hidden_params is gone: "
        "entrypoints/headers.py uses it to pass the x-codex-* limit headers on to proxy clients."
    )
    response = with_provider_headers(ModelResponse(), {"x-codex-primary-used-percent": "42", "set-cookie": "no"})
    additional = response._hidden_params.get("additional_headers") or {}
    assert additional.get("llm_provider-x-codex-primary-used-percent") == "42", (
        "set_provider_response_headers_in_hidden_params no longer writes llm_provider-<name> into "
        f"_hidden_params['additional_headers'] (got {additional!r}); proxy clients would lose the limit headers."
    )
    assert not any("set-cookie" in name for name in additional)
