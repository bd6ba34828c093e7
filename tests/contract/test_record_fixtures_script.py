"""``make record-fixtures`` end to end, against the fake backend instead of the real one."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from litellm_codex_oauth_provider.adapters.replay_transport import ReplayResponsesTransport
from litellm_codex_oauth_provider.adapters.static_token_store import StaticTokenStore
from litellm_codex_oauth_provider.application.completion import CompletionService
from litellm_codex_oauth_provider.domain.translation import ChatRequest

from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer
from tests.fakes.logins import ACCOUNT_ID
from tests.fakes.ports import FakeInstructionSource

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "record_fixtures.py"


@pytest.fixture
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("record_fixtures", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_records_scrubbed_files_that_replay(
    script: ModuleType,
    tmp_path: Path,
    auth_file: Path,
    access_token: str,
    codex_backend: FakeCodexBackend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    codex_backend.enqueue(
        Reply(
            events=text_answer(f"pong for {ACCOUNT_ID}", pieces=1, model="gpt-5.5"),
            headers={"x-codex-primary-used-percent": "3", "set-cookie": "session=abc"},
        ),
        Reply(
            status=429, body={"error": {"type": "usage_limit_reached", "message": "The usage limit has been reached"}}
        ),
    )
    code = script.main(["--out", str(tmp_path), "text", "reasoning"])
    assert code == 1, "the refused scenario is reported"
    text = (tmp_path / "recorded-text.sse").read_text()
    assert access_token not in text
    assert ACCOUNT_ID not in text
    assert "session=abc" not in text
    assert ": header x-codex-primary-used-percent: 3" in text
    assert (tmp_path / "recorded-reasoning.json").exists()
    assert codex_backend.response_requests[1].body["model"] == "gpt-5.5"

    service = CompletionService(
        tokens=StaticTokenStore("t", "a"),
        instructions=FakeInstructionSource(),
        transport=ReplayResponsesTransport([tmp_path / "recorded-text.sse"]),
    )
    assert (
        service.complete(ChatRequest("gpt-5.5", [{"role": "user", "content": "hi"}])).text == "pong for acct-recorded"
    )


def test_refuses_to_run_in_ci(script: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CI", "true")
    assert script.main(["--out", str(tmp_path)]) == 2
    assert list(tmp_path.iterdir()) == []
