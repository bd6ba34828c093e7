"""No token ever leaks: full requests, refreshes and failures with known secrets, every log record and error checked.

And what the package writes stays private to the user.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path
from typing import Any

import litellm
import pytest
import structlog

from tests.fakes.codex_backend import (
    FakeCodexBackend,
    Reply,
    failed_event,
    limit_headers,
    text_answer,
    usage_limit_body,
)
from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file

ACCESS_TAG = "SECRET-ACCESS-7f3a"
ID_TAG = "SECRET-ID-19be"
REFRESH_TOKEN = "rt-SECRET-REFRESH-4c2d"
MESSAGES = [{"role": "user", "content": "hello"}]
LOGGERS = ("", "LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "httpx", "httpcore", "litellm_codex_oauth_provider")


@pytest.fixture
def secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    access = make_jwt(exp=time.time() + 7 * 24 * 3600, secret_tag=ACCESS_TAG)
    id_token = make_jwt(exp=time.time() + 3600, secret_tag=ID_TAG)
    document = codex_auth_document(access, REFRESH_TOKEN)
    document["tokens"]["id_token"] = id_token
    path = write_auth_file(tmp_path / "codex" / "auth.json", document)
    monkeypatch.setenv("CODEX_AUTH_FILE", str(path))
    monkeypatch.setenv("CODEX_MAX_RETRIES", "1")
    monkeypatch.setenv("CODEX_STREAM_IDLE_TIMEOUT_SECONDS", "1")
    fragments = [part[i : i + 16] for token in (access, id_token) for part in token.split(".")[1:2] for i in (0, 30)]
    return {"path": path, "values": [access, id_token, REFRESH_TOKEN, ACCESS_TAG, ID_TAG, *fragments]}


def _texts_of(error: BaseException) -> list[str]:
    """The text, repr and every attribute that might be shown, along the whole cause chain."""
    texts: list[str] = []
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), repr(getattr(current, "__dict__", {}))]
        pending += [current.__cause__, current.__context__, getattr(current, "original_exception", None)]
        pending.append(getattr(current, "codex_error", None))
    return texts


async def _run(mode: str) -> list[str]:
    """One call; the texts of whatever it raised."""
    try:
        if mode == "completion":
            litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES)
        elif mode == "acompletion":
            await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES)
        elif mode == "completion-stream":
            list(litellm.completion(model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True))
        else:
            [c async for c in await litellm.acompletion(model="codex/gpt-5.1-codex", messages=MESSAGES, stream=True)]
    except Exception as error:
        return _texts_of(error)
    return []


SCENARIOS = [
    Reply(events=text_answer("fine"), headers=limit_headers()),
    Reply(status=429, body=usage_limit_body(), headers=limit_headers(100.0)),
    Reply(status=400, body={"detail": "Unsupported parameter: temperature"}),
    Reply(events=[*text_answer("x")[:3], failed_event("context_length_exceeded", "too long")]),
    Reply(events=text_answer("dropped"), drop_after=3),
    Reply(raw=b"data: {garbage\n\n"),
    Reply(events=text_answer("silent"), silent_after=3, silence=5),
]


async def test_no_secret_reaches_a_log_line_an_error_or_a_repr(
    secrets: dict[str, Any],
    codex_backend: FakeCodexBackend,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from litellm_codex_oauth_provider import CodexAuthProvider, register

    saved = list(litellm.custom_provider_map)
    provider = register(CodexAuthProvider())
    texts: list[str] = []
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    try:
        with structlog.testing.capture_logs() as events:
            for mode in ("completion", "acompletion", "completion-stream", "acompletion-stream"):
                for reply in SCENARIOS:
                    codex_backend.enqueue(reply, reply)
                    texts += await _run(mode)
                    codex_backend.replies.clear()
                codex_backend.valid_tokens = {"a-token-nobody-has"}  # refused: refresh-and-retry, then an error
                texts += await _run(mode)
                codex_backend.valid_tokens = None
            texts += [repr(provider), repr(provider.get_auth_context()), repr(provider.container.settings())]
            texts += [repr(provider.last_rate_limits)]
    finally:
        litellm.custom_provider_map[:] = saved
    assert any("Codex API error 429" in text for text in texts), "the failures did happen"
    assert any(r.headers.get("authorization") for r in codex_backend.requests), "the token was really sent"
    captured = capsys.readouterr()
    haystacks = {
        "structlog": [repr(event) for event in events],
        "logging": [record.getMessage() + repr(record.__dict__) for record in caplog.records],
        "errors": texts,
        "stdout": [captured.out],
        "stderr": [captured.err],
    }
    assert events, "structlog events were captured"
    for where, items in haystacks.items():
        for secret in secrets["values"]:
            leaks = [item for item in items if secret in item]
            assert not leaks, f"a secret leaked into {where}: {leaks[0][:300]}"


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


async def test_files_the_package_writes_are_private(secrets: dict[str, Any], codex_backend: FakeCodexBackend) -> None:
    from litellm_codex_oauth_provider import CodexAuthProvider, register

    home = Path(os.environ["HOME"])

    saved = list(litellm.custom_provider_map)
    register(CodexAuthProvider())
    before = {p for root in (home, secrets["path"].parent) for p in root.rglob("*") if p.is_file()}
    try:
        codex_backend.enqueue(Reply(events=text_answer("one")))
        await _run("acompletion")
        codex_backend.valid_tokens = {"a-token-nobody-has"}
        await _run("completion")
    finally:
        litellm.custom_provider_map[:] = saved
    after = {p for root in (home, secrets["path"].parent) for p in root.rglob("*") if p.is_file()}
    written = (after - before) | {secrets["path"]}  # the login file may be written back by a refresh
    assert written - {secrets["path"]}, "the calls should have written the caches and the usage-limit snapshot"
    loose = [str(p) for p in written if not _private(p)]
    assert not loose, f"readable by others: {loose}"
