"""Several hosts (processes), each with threads and event loops of tasks, sharing one login in Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.fakes.codex_backend import FakeCodexBackend
from tests.fakes.logins import codex_auth_document, make_jwt
from tests.fakes.token_endpoint import FakeTokenEndpoint

REPO = Path(__file__).resolve().parents[2]
KEY = "codex:login:replicas"


def test_hosts_meeting_an_expired_login_share_one_refresh(
    redis_url: str, busy_backend: FakeCodexBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """4 hosts x (2 threads of 5 sync calls + 2 event loops of 20 tasks): one refresh, 200 answers."""
    from litellm_codex_oauth_provider.adapters.redis_token_store import RedisTokenStore

    RedisTokenStore(redis_url, KEY).import_login(codex_auth_document(make_jwt(exp=time.time() - 60)))
    with FakeTokenEndpoint(delay=0.3) as endpoint:
        monkeypatch.setenv("CODEX_OAUTH_TOKEN_URL", endpoint.url)
        monkeypatch.setenv("CODEX_TOKEN_STORE", "redis")
        monkeypatch.setenv("CODEX_REDIS_URL", redis_url)
        monkeypatch.setenv("CODEX_REDIS_KEY", KEY)
        monkeypatch.setenv("CODEX_AUTH_FILE", str(tmp_path / "no-such-auth.json"))
        go = tmp_path / "go"
        command = [sys.executable, "-m", "tests.contract.login_stress_worker", "--go-file", str(go)]
        workers = [
            subprocess.Popen(command, cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        try:
            for worker in workers:
                assert worker.stdout is not None
                assert json.loads(worker.stdout.readline()) == {"ready": True}
            started = time.monotonic()
            go.touch()
            reports = [json.loads(worker.communicate(timeout=60)[0].splitlines()[-1]) for worker in workers]
            elapsed = time.monotonic() - started
        finally:
            for worker in workers:
                worker.kill()
    assert [report["errors"] for report in reports] == [[]] * 4
    assert sum(report["ok"] for report in reports) == 200
    assert endpoint.calls == 1, "exactly one refresh reached the token endpoint, from one host"
    (issued,) = endpoint.issued
    bearers = {request.headers["authorization"] for request in busy_backend.response_requests}
    assert bearers == {f"Bearer {issued['access_token']}"}
    with redis.Redis.from_url(redis_url) as client:
        raw = client.hgetall(KEY)
    assert json.loads(raw[b"document"])["tokens"]["refresh_token"] == endpoint.current_refresh_token
    assert raw[b"version"] == b"2"
    assert not (tmp_path / "no-such-auth.json").exists(), "no login file was written"
    print(f"redis hosts: 200 calls in 4 processes, one refresh, {elapsed:.2f} s after the start signal")
