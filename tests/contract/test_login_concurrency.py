"""Many processes, threads and tasks, and the Codex CLI, all using one login file at once."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from litellm_codex_oauth_provider.adapters.oauth_refresh import OAuthRefreshClient

from tests.fakes.codex_backend import FakeCodexBackend
from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file
from tests.fakes.token_endpoint import FakeTokenEndpoint

REPO = Path(__file__).resolve().parents[2]
UNKNOWN = {"agent_identity": {"id": "agent-1"}, "personal_access_token": None, "future_key": [1, 2, 3]}


class FileWatcher:
    """Reads the login file as fast as it can and notes every version that is not whole and intact."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.versions: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> FileWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                text = self.path.read_text()
                mode = stat.S_IMODE(os.stat(self.path).st_mode)
            except FileNotFoundError:
                self.problems.append("the file was missing")
                continue
            try:
                document = json.loads(text)
            except ValueError:
                self.problems.append(f"not JSON: {text[:40]!r}")
                continue
            if any(document.get(key) != value for key, value in UNKNOWN.items()):
                self.problems.append("an unknown key was lost")
            if mode != 0o600:
                self.problems.append(f"mode {oct(mode)}")
            self.versions.add(document["tokens"]["refresh_token"])
            time.sleep(0.0005)


def test_processes_threads_and_tasks_share_one_refresh(
    token_endpoint: FakeTokenEndpoint, busy_backend: FakeCodexBackend, auth_file: Path, tmp_path: Path
) -> None:
    """4 processes x (2 threads of sync calls + 2 event loops of 20 tasks), all from an expired login."""
    write_auth_file(auth_file, codex_auth_document(make_jwt(exp=time.time() - 60), "rt-initial", **UNKNOWN))
    token_endpoint.delay = 0.3
    go = tmp_path / "go"
    command = [sys.executable, "-m", "tests.contract.login_stress_worker", "--go-file", str(go)]
    workers = [
        subprocess.Popen(command, cwd=REPO, env=dict(os.environ), stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert json.loads(worker.stdout.readline()) == {"ready": True}
        started = time.monotonic()
        with FileWatcher(auth_file) as watcher:
            go.touch()
            reports = [json.loads(worker.communicate(timeout=60)[0].splitlines()[-1]) for worker in workers]
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            worker.kill()
    assert [report["errors"] for report in reports] == [[]] * 4
    assert sum(report["ok"] for report in reports) == 4 * (2 * 5 + 2 * 20)
    assert token_endpoint.calls == 1, "exactly one refresh reached the endpoint"
    (issued,) = token_endpoint.issued
    bearers = {request.headers["authorization"] for request in busy_backend.response_requests}
    assert bearers == {f"Bearer {issued['access_token']}"}
    assert len(busy_backend.response_requests) == 200
    assert watcher.problems == []
    assert watcher.versions <= {"rt-initial", issued["refresh_token"]}
    saved = json.loads(auth_file.read_text())
    assert saved["tokens"]["refresh_token"] == issued["refresh_token"] == token_endpoint.current_refresh_token
    assert {key: saved[key] for key in UNKNOWN} == UNKNOWN
    assert stat.S_IMODE(os.stat(auth_file).st_mode) == 0o600
    print(f"stress: 200 calls in 4 processes, one refresh, {elapsed:.2f} s after the start signal")


def test_the_codex_cli_refreshing_the_same_file_never_loses_the_login(
    token_endpoint: FakeTokenEndpoint, tmp_path: Path
) -> None:
    """The provider forces refreshes from threads and an event loop while the CLI stand-in refreshes too."""
    path = write_auth_file(
        tmp_path / "auth.json", codex_auth_document(make_jwt(exp=time.time() + 3600), "rt-initial", **UNKNOWN)
    )
    token_endpoint.delay = 0.02
    store = CodexAuthFileTokenStore(
        path, refresher=OAuthRefreshClient(token_endpoint.url), check_interval_seconds=0.0, reused_grace_seconds=3.0
    )
    cli = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "tests" / "fakes" / "codex_cli_standin.py"),
            "--auth-file",
            str(path),
            "--token-url",
            token_endpoint.url,
            "--times",
            "15",
            "--pause",
            "0.03",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    errors: list[str] = []
    ours: list[str] = []

    def keep_refreshing() -> None:
        while cli.poll() is None:
            try:
                auth = store.get_auth()
                fresh = store.force_refresh(auth)
                assert fresh.access_token != auth.access_token
                ours.append(fresh.access_token)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.01)

    async def keep_refreshing_async() -> None:
        while cli.poll() is None:
            try:
                auth = await store.aget_auth()
                fresh = await store.aforce_refresh(auth)
                assert fresh.access_token != auth.access_token
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(0.01)

    threads = [threading.Thread(target=keep_refreshing) for _ in range(3)]
    threads.append(threading.Thread(target=asyncio.run, args=(keep_refreshing_async(),)))
    for thread in threads:
        thread.start()
    report: dict[str, Any] = json.loads(cli.communicate(timeout=60)[0].splitlines()[-1])
    for thread in threads:
        thread.join()
    reused = token_endpoint.refused.get("refresh_token_reused", 0)
    print(f"race: provider {len(ours)} refreshes, CLI {report}, endpoint refused reuse {reused} times")
    assert errors == []
    assert report["refreshed"] >= 1, "the stand-in refreshed too"
    assert reused >= 1, "the race happened: a refresh token was spent by the other program first"
    assert len(ours) >= 1
    saved = json.loads(path.read_text())
    assert saved["tokens"]["refresh_token"] == token_endpoint.current_refresh_token, "the login is not lost"
    assert {key: saved[key] for key in UNKNOWN} == UNKNOWN
    assert store.get_auth().access_token == saved["tokens"]["access_token"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
