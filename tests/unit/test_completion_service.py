from __future__ import annotations

from typing import Any

import pytest
from litellm_codex_oauth_provider.application import completion as completion_module
from litellm_codex_oauth_provider.application.completion import CompletionService
from litellm_codex_oauth_provider.domain.errors import CodexAPIError, CodexStreamError
from litellm_codex_oauth_provider.domain.models import ModelSpec
from litellm_codex_oauth_provider.domain.translation import ChatRequest

from tests.fakes.codex_backend import text_answer
from tests.fakes.ports import FakeInstructionSource, FakeTokenStore, FakeTransport

CHAT = ChatRequest(model="gpt-5.1-codex", messages=[{"role": "user", "content": "hi"}])


def service(transport: FakeTransport, tokens: FakeTokenStore | None = None) -> CompletionService:
    return CompletionService(
        tokens=tokens or FakeTokenStore(), instructions=FakeInstructionSource(), transport=transport
    )


def test_complete_builds_the_whole_answer() -> None:
    transport = FakeTransport(answers=[[text_answer("Hello world")]])
    result = service(transport).complete(CHAT)
    assert result.text == "Hello world"
    assert result.finish_reason == "stop"
    assert result.usage is not None and result.usage.total_tokens == 30
    request, _ = transport.sent[0]
    assert request.body["instructions"] == "Fake instructions."
    assert request.session_id == request.body["prompt_cache_key"]


def test_a_401_refreshes_once_and_retries_with_the_new_token() -> None:
    tokens = FakeTokenStore()
    transport = FakeTransport(answers=[CodexAPIError(401, "Unauthorized"), [text_answer("ok")]])
    assert service(transport, tokens).complete(CHAT).text == "ok"
    assert [auth.access_token for _, auth in transport.sent] == ["token-1", "token-2"]
    assert tokens.refreshes == 1


def test_a_second_401_is_not_retried_again() -> None:
    transport = FakeTransport(answers=[CodexAPIError(401, "Unauthorized"), CodexAPIError(401, "Unauthorized")])
    with pytest.raises(CodexAPIError, match="Codex API error 401"):
        service(transport).complete(CHAT)
    assert len(transport.sent) == 2


async def test_stream_yields_one_delta_per_read_and_finishes_with_usage() -> None:
    events = text_answer("abcdef", pieces=3)
    transport = FakeTransport(answers=[[events[:4], events[4:]]])
    deltas = [d async for d in service(transport).astream(CHAT)]
    assert "".join(d.text for d in deltas) == "abcdef"
    assert deltas[-1].finish_reason == "stop"
    assert deltas[-1].usage is not None


def test_a_stream_that_ends_before_completed_is_an_error() -> None:
    events = text_answer("abcdef")
    transport = FakeTransport(answers=[[events[:-1]]])
    with pytest.raises(CodexStreamError, match="before response.completed"):
        list(service(transport).stream(CHAT))


class RecordingCatalog:
    """A ``ModelCatalog`` that knows one model."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    def get_model(self, slug: str) -> ModelSpec | None:
        return self.spec if slug == self.spec.slug else None

    async def aget_model(self, slug: str) -> ModelSpec | None:
        return self.get_model(slug)

    def available_models(self) -> list[ModelSpec] | None:
        return [self.spec]


LIVE_SPEC = ModelSpec("gpt-5.1-codex", "codex", ("low", "medium", "high", "xhigh"), "high", False, 400_000)


async def test_the_catalogs_spec_reaches_the_request_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[ModelSpec | None] = []
    real = completion_module.build_request_body

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("model_spec"))
        return real(*args, **kwargs)

    monkeypatch.setattr(completion_module, "build_request_body", spy)
    catalog = RecordingCatalog(LIVE_SPEC)
    svc = CompletionService(
        tokens=FakeTokenStore(),
        instructions=FakeInstructionSource(),
        transport=FakeTransport(answers=[[text_answer("a")], [text_answer("b")], [text_answer("c")]]),
        catalog=catalog,
    )
    svc.complete(CHAT)
    await svc.acomplete(CHAT)
    svc.complete(ChatRequest(model="gpt-9", messages=CHAT.messages))
    assert seen == [LIVE_SPEC, LIVE_SPEC, None]
    assert svc.catalog is catalog
    assert svc.catalog.available_models() == [LIVE_SPEC]


def test_without_codex_mode_no_instruction_source_is_asked() -> None:
    class Refusing(FakeInstructionSource):
        def get_instructions(self, model: str) -> str | None:
            raise AssertionError("asked")

    transport = FakeTransport(answers=[[text_answer("ok")]])
    svc = CompletionService(tokens=FakeTokenStore(), instructions=Refusing(), transport=transport, codex_mode=False)
    chat = ChatRequest(model="gpt-5.1-codex", messages=[{"role": "system", "content": "Be brief."}, *CHAT.messages])
    assert svc.complete(chat).text == "ok"
    assert transport.sent[0][0].body["instructions"] == "Be brief."
