"""The usage-limit file behind ``codex-litellm status`` (the login summary: ``test_login_summary.py``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from litellm_codex_oauth_provider.adapters.usage_limits import (
    UsageLimitsFile,
    UsageLimitsObservingTransport,
    limits_from_headers,
)
from litellm_codex_oauth_provider.application.completion import CompletionService
from litellm_codex_oauth_provider.domain.errors import CodexAPIError
from litellm_codex_oauth_provider.domain.translation import ChatRequest

from tests.fakes.codex_backend import text_answer
from tests.fakes.ports import FakeInstructionSource, FakeTokenStore, FakeTransport

HEADERS = {
    "X-Codex-Primary-Used-Percent": "12.5",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-after-seconds": "600",
    "x-codex-secondary-used-percent": "40",
    "x-codex-plan-type": "plus",
}


def test_limits_from_headers() -> None:
    document = limits_from_headers(HEADERS, now=1000.0)
    assert document is not None
    assert document["plan_type"] == "plus"
    assert document["windows"]["primary"] == {"used_percent": 12.5, "window_minutes": 300, "resets_at": 1600.0}
    assert document["windows"]["secondary"]["used_percent"] == 40
    assert limits_from_headers({"content-type": "text/event-stream"}, now=1.0) is None


def test_file_keeps_the_last_report_and_throttles(tmp_path: Path) -> None:
    limits = UsageLimitsFile(tmp_path / "cache" / "usage-limits.json", min_interval=60)
    assert limits.load() is None
    limits.observe(HEADERS)
    limits.flush()  # the first report is written at once (on a worker thread): wait for it
    limits.observe({**HEADERS, "x-codex-primary-used-percent": "99"})  # within the interval: held back
    loaded = limits.load()
    assert loaded is not None
    assert loaded.plan_type == "plus"
    primary = next(w for w in loaded.windows if w.name == "primary")
    assert primary.used_percent == 12.5
    assert primary.window_minutes == 300
    limits.observe({**HEADERS, "x-codex-primary-used-percent": "100"})  # the latest report wins
    limits.flush()
    loaded = limits.load()
    assert loaded is not None
    assert next(w for w in loaded.windows if w.name == "primary").used_percent == 100


def test_a_broken_file_reads_as_unknown(tmp_path: Path) -> None:
    path = tmp_path / "usage-limits.json"
    path.write_text("{not json")
    assert UsageLimitsFile(path).load() is None


def test_the_transport_decorator_records_answers_and_refusals(tmp_path: Path) -> None:
    limits = UsageLimitsFile(tmp_path / "limits.json", min_interval=0)
    refusal = CodexAPIError(429, "The usage limit has been reached", headers=HEADERS)
    inner = FakeTransport(answers=[refusal])
    service = CompletionService(
        tokens=FakeTokenStore(),
        instructions=FakeInstructionSource(),
        transport=UsageLimitsObservingTransport(inner, limits),
    )
    with pytest.raises(CodexAPIError):
        service.complete(ChatRequest("gpt-5.1-codex", [{"role": "user", "content": "hi"}]))
    limits.flush()
    loaded = limits.load()
    assert loaded is not None
    assert abs(loaded.seen_at - time.time()) < 60
    inner.answers.append([text_answer("ok")])
    assert service.complete(ChatRequest("gpt-5.1-codex", [{"role": "user", "content": "hi"}])).text == "ok"
