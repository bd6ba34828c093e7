from __future__ import annotations

import pytest
from litellm_codex_oauth_provider.application.completion import CompletionService
from litellm_codex_oauth_provider.domain.errors import CodexAPIError, CodexRequestError, CodexStreamError
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


# -- parameters the backend refuses, and stop -------------------------------------------------


def test_refused_parameters_are_dropped_with_one_warning_each_per_runtime() -> None:
    """The services of one runtime (one per login) share its record of what was warned about."""
    from litellm_codex_oauth_provider.application.answer_rules import DroppedParamWarnings
    from structlog.testing import capture_logs

    warnings_of_the_runtime = DroppedParamWarnings()

    def login_service(transport: FakeTransport) -> CompletionService:
        return CompletionService(
            tokens=FakeTokenStore(),
            instructions=FakeInstructionSource(),
            transport=transport,
            param_warnings=warnings_of_the_runtime,
        )

    chat = ChatRequest(model="gpt-5.1-codex", messages=[{"role": "user", "content": "hi"}], params={"temperature": 0})
    transport = FakeTransport(answers=[[text_answer("a")], [text_answer("b")], [text_answer("c")]])
    with capture_logs() as logs:
        login_service(transport).complete(chat)
        login_service(transport).complete(chat)
        login_service(transport).complete(ChatRequest(chat.model, chat.messages, {"temperature": 1, "seed": 3}))
    warnings = [(e["event"], e["parameter"]) for e in logs if e["log_level"] == "warning"]
    assert warnings == [("codex_parameter_not_sent", "temperature"), ("codex_parameter_not_sent", "seed")]
    assert all("temperature" not in request.body for request, _ in transport.sent)


def test_strict_params_refuses_them_before_anything_is_sent() -> None:
    transport = FakeTransport(answers=[[text_answer("a")]])
    strict = CompletionService(
        tokens=FakeTokenStore(), instructions=FakeInstructionSource(), transport=transport, strict_params=True
    )
    chat = ChatRequest("gpt-5.1-codex", [{"role": "user", "content": "hi"}], {"max_tokens": 5, "top_p": 0.5})
    with pytest.raises(CodexRequestError, match="top_p, max_tokens|max_tokens.*top_p") as caught:
        strict.complete(chat)
    assert caught.value.status_code == 400
    assert transport.sent == []


def test_a_tool_result_without_its_call_is_logged() -> None:
    from structlog.testing import capture_logs

    chat = ChatRequest("gpt-5.1-codex", [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "c9"}])
    with capture_logs() as logs:
        service(FakeTransport(answers=[[text_answer("a")]])).complete(chat)
    assert {"event": "codex_tool_result_without_call", "call_id": "c9", "log_level": "warning"}.items() <= logs[
        0
    ].items()


STOP_CHAT = ChatRequest("gpt-5.1-codex", [{"role": "user", "content": "count"}], {"stop": ["4", "END"]})


def test_stop_cuts_a_whole_answer() -> None:
    result = service(FakeTransport(answers=[[text_answer("1 2 3 4 5")]])).complete(STOP_CHAT)
    assert (result.text, result.finish_reason) == ("1 2 3 ", "stop")


async def test_stop_cuts_a_streamed_answer_across_reads() -> None:
    events = text_answer("ab EN", pieces=5)[:-1] + text_answer("D more")[2:]
    # one read per event: the stop sequence "END" straddles two deltas
    transport = FakeTransport(answers=[[[e] for e in events]])
    deltas = [d async for d in service(transport).astream(STOP_CHAT)]
    assert "".join(d.text for d in deltas) == "ab "
    assert deltas[-1].finish_reason == "stop"
    assert deltas[-1].usage is not None


def test_text_held_back_by_stop_is_released_at_the_end() -> None:
    transport = FakeTransport(answers=[[[e] for e in text_answer("xyE", pieces=3)]])
    deltas = list(service(transport).stream(STOP_CHAT))
    assert "".join(d.text for d in deltas) == "xyE"
    assert deltas[-1].finish_reason == "stop"


class RecordingCatalog:
    """A ``ModelCatalog`` that knows one model and records the slugs it was asked about."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.asked: list[str] = []

    def get_model(self, slug: str) -> ModelSpec | None:
        self.asked.append(slug)
        return self.spec if slug == self.spec.slug else None

    async def aget_model(self, slug: str) -> ModelSpec | None:
        return self.get_model(slug)

    def available_models(self) -> list[ModelSpec] | None:
        return [self.spec]


LIVE_SPEC = ModelSpec("gpt-5.1-codex", "codex", ("low", "medium", "high", "xhigh"), "high", False, 400_000)


async def test_the_catalogs_spec_decides_effort_levels() -> None:
    """The live catalog says gpt-5.1-codex defaults to high and takes xhigh; the static one says neither."""
    catalog = RecordingCatalog(LIVE_SPEC)
    transport = FakeTransport(answers=[[text_answer("a")], [text_answer("b")], [text_answer("c")]])
    svc = CompletionService(
        tokens=FakeTokenStore(), instructions=FakeInstructionSource(), transport=transport, catalog=catalog
    )
    svc.complete(CHAT)
    await svc.acomplete(ChatRequest(model=CHAT.model, messages=CHAT.messages, params={"reasoning_effort": "xhigh"}))
    svc.complete(ChatRequest(model="gpt-5.1-codex-mini", messages=CHAT.messages, params={"reasoning_effort": "xhigh"}))
    efforts = [request.body["reasoning"]["effort"] for request, _ in transport.sent]
    assert efforts == ["high", "xhigh", "high"]
    assert catalog.asked == ["gpt-5.1-codex", "gpt-5.1-codex", "gpt-5.1-codex-mini"], "asked by the normalised slug"


def test_without_codex_mode_no_instruction_source_is_asked() -> None:
    class Refusing(FakeInstructionSource):
        def get_instructions(self, model: str) -> str | None:
            raise AssertionError("asked")

    transport = FakeTransport(answers=[[text_answer("ok")]])
    svc = CompletionService(tokens=FakeTokenStore(), instructions=Refusing(), transport=transport, codex_mode=False)
    chat = ChatRequest(model="gpt-5.1-codex", messages=[{"role": "system", "content": "Be brief."}, *CHAT.messages])
    assert svc.complete(chat).text == "ok"
    assert transport.sent[0][0].body["instructions"] == "Be brief."
