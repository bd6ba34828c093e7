"""The replay and recording transports, with the application's own completion service (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litellm_codex_oauth_provider.adapters.recording_transport import (
    SCRUBBED_ACCOUNT,
    RecordingResponsesTransport,
    Scrubber,
)
from litellm_codex_oauth_provider.adapters.replay_transport import ReplayResponsesTransport, split_recording
from litellm_codex_oauth_provider.adapters.static_token_store import StaticTokenStore
from litellm_codex_oauth_provider.application.completion import CompletionService
from litellm_codex_oauth_provider.domain.errors import CodexAPIError, CodexAuthTokenExpiredError
from litellm_codex_oauth_provider.domain.ports import AuthContext, ResponsesTransport, TokenStore
from litellm_codex_oauth_provider.domain.translation import ChatRequest

from tests.fakes.codex_backend import encode_sse, text_answer
from tests.fakes.ports import FakeInstructionSource, FakeTransport

FIXTURES = Path(__file__).resolve().parent.parent / "contract" / "fixtures"
CHAT = ChatRequest(model="gpt-5.1-codex", messages=[{"role": "user", "content": "hi"}])
STORE = StaticTokenStore("secret-token-value", "acct-real-42", plan_type="pro")


def service(transport: ResponsesTransport) -> CompletionService:
    return CompletionService(tokens=STORE, instructions=FakeInstructionSource(), transport=transport)


def write_stream(path: Path, text: str, headers: dict[str, str] | None = None) -> Path:
    head = "".join(f": header {k}: {v}\n" for k, v in (headers or {}).items())
    path.write_bytes((head + "\n").encode() + b"".join(encode_sse(text_answer(text))))
    return path


def test_static_token_store_is_a_token_store_that_cannot_refresh() -> None:
    assert isinstance(STORE, TokenStore)
    auth = STORE.get_auth()
    assert (auth.access_token, auth.account_id, auth.plan_type) == ("secret-token-value", "acct-real-42", "pro")
    assert "secret-token-value" not in repr(STORE) + repr(auth)
    with pytest.raises(CodexAuthTokenExpiredError):
        STORE.force_refresh(auth)
    with pytest.raises(ValueError):
        StaticTokenStore("", "acct")


def test_replay_plays_recordings_in_order_and_keeps_the_requests(tmp_path: Path) -> None:
    first = write_stream(tmp_path / "a.sse", "first answer", {"x-codex-primary-used-percent": "12"})
    second = write_stream(tmp_path / "b.sse", "second answer")
    replay = ReplayResponsesTransport([first, second])
    assert isinstance(replay, ResponsesTransport)
    assert service(replay).complete(CHAT).text == "first answer"
    assert service(replay).complete(CHAT).text == "second answer"
    with pytest.raises(LookupError):
        service(replay).complete(CHAT)
    request, auth = replay.requests[0]
    assert request.body["model"] == "gpt-5.1-codex"
    assert auth.account_id == "acct-real-42"


def test_replay_streams_one_batch_per_event_or_all_at_once(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "a.sse", "abcdefgh")
    per_event = list(service(ReplayResponsesTransport([path])).stream(CHAT))
    whole = list(service(ReplayResponsesTransport([path], events_per_read=0)).stream(CHAT))
    assert len(per_event) > 2
    assert len(whole) == 1
    assert "".join(d.text for d in per_event) == whole[0].text == "abcdefgh"
    assert whole[0].usage is not None


async def test_replay_async_and_cycle(tmp_path: Path) -> None:
    path = write_stream(tmp_path / "a.sse", "again")
    replay = ReplayResponsesTransport([path], cycle=True)
    for _ in range(3):
        assert (await service(replay).acomplete(CHAT)).text == "again"
    deltas = [d async for d in service(replay).astream(CHAT)]
    assert "".join(d.text for d in deltas) == "again"


def test_replay_of_a_refusal_raises_the_http_error() -> None:
    replay = ReplayResponsesTransport([FIXTURES / "recorded-usage-limit.json"])
    with pytest.raises(CodexAPIError) as caught:
        service(replay).complete(CHAT)
    assert caught.value.status_code == 429
    assert "usage limit has been reached" in caught.value.message
    assert caught.value.headers["x-codex-primary-used-percent"] == "100"


def test_split_recording_reads_header_comments() -> None:
    headers, blocks = split_recording(b": a note\n: header X-Codex-Plan-Type: plus\n\nevent: e\ndata: {}\n\n")
    assert headers == {"x-codex-plan-type": "plus"}
    assert blocks == [b"event: e\ndata: {}\n\n"]


def test_scrubber_removes_the_login_and_personal_data() -> None:
    scrub = Scrubber(AuthContext("tok-SECRET", "acct-real-42"))
    event = {
        "type": "response.created",
        "response": {
            "instructions": "long prompt",
            "prompt_cache_key": "conv-1",
            "safety_identifier": "user-abc",
            "user": "someone",
            "note": "account acct-real-42 of jane.doe@corp.example with tok-SECRET",
            "output": [{"type": "reasoning", "encrypted_content": "gAAAAreal"}],
            "usage": {"input_tokens": 3},
        },
    }
    cleaned = json.dumps(scrub.value(event))
    for secret in ("tok-SECRET", "acct-real-42", "jane.doe", "gAAAAreal", "conv-1", "user-abc", "long prompt"):
        assert secret not in cleaned
    assert SCRUBBED_ACCOUNT in cleaned
    assert '"input_tokens": 3' in cleaned
    kept = scrub.headers({"X-Codex-Primary-Used-Percent": "5", "Set-Cookie": "s=1", "x-request-id": "r"})
    assert kept == {"x-codex-primary-used-percent": "5"}


def test_recording_then_replaying_gives_the_same_answer(tmp_path: Path) -> None:
    events = text_answer("recorded text, acct-real-42", pieces=1)
    inner = FakeTransport(answers=[[[e] for e in events]])
    recorder = RecordingResponsesTransport(inner)
    recorder.expect(tmp_path / "recorded-x.sse")
    original = service(recorder).complete(CHAT)
    assert recorder.written == [tmp_path / "recorded-x.sse"]
    raw = (tmp_path / "recorded-x.sse").read_text()
    assert "acct-real-42" not in raw
    assert "secret-token-value" not in raw
    replayed = service(ReplayResponsesTransport([tmp_path / "recorded-x.sse"])).complete(CHAT)
    assert replayed.text == original.text.replace("acct-real-42", SCRUBBED_ACCOUNT)
    assert replayed.usage == original.usage


def test_recording_a_refusal_writes_json_beside(tmp_path: Path) -> None:
    refusal = CodexAPIError(
        429, "limit", body={"error": {"message": "limit for acct-real-42"}}, headers={"x-codex-plan-type": "plus"}
    )
    recorder = RecordingResponsesTransport(FakeTransport(answers=[refusal]))
    recorder.expect(tmp_path / "recorded-limit.sse")
    with pytest.raises(CodexAPIError):
        service(recorder).complete(CHAT)
    document = json.loads((tmp_path / "recorded-limit.json").read_text())
    assert document["status"] == 429
    assert "acct-real-42" not in json.dumps(document)
    with pytest.raises(CodexAPIError) as caught:
        service(ReplayResponsesTransport([tmp_path / "recorded-limit.json"])).complete(CHAT)
    assert caught.value.status_code == 429
