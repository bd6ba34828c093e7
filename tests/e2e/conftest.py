"""The real LiteLLM proxy, started once per module, in front of the fake Codex backend.

The proxy runs as its own process, started the way users start it
(``codex-litellm serve``, which is ``make serve`` and execs ``litellm --config <the
bundled config>``), with
this package installed, a throwaway HOME and login, and ``CODEX_BASE_URL`` pointing
at a :class:`FakeCodexBackend` served from the test process on loopback. Tests talk
to it with the official ``openai`` SDK.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fakes.codex_backend import FakeCodexBackend
from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file

MASTER_KEY = "sk-e2e-master-key"
START_TIMEOUT_SECONDS = 90.0


@dataclass
class RunningProxy:
    base_url: str
    backend: FakeCodexBackend
    access_token: str
    log: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    """The proxy's environment: the same login, backend and cache folder for other commands."""

    def log_tail(self, size: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-size:]


def listening_port(pid: int) -> int | None:
    """The TCP port process ``pid`` listens on (Linux's /proc), once it listens.

    The proxy is started with ``--port 0``: the kernel picks a free port as the proxy
    binds it, so no port is probed free and then taken by someone else in between.
    """
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                return int(fields[1].rsplit(":", 1)[1], 16)
    return None


def proxy_config() -> Path:
    from litellm_codex_oauth_provider.entrypoints.cli import PROXY_CONFIG

    return PROXY_CONFIG


def _environment(home: Path, auth: Path, backend: FakeCodexBackend) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_", "CHATGPT_", "OPENAI_", "LITELLM_"))}
    env.update(
        HOME=str(home),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        LITELLM_MASTER_KEY=MASTER_KEY,
        LITELLM_LOG="ERROR",
        LITELLM_TELEMETRY="False",
        NO_PROXY="127.0.0.1,localhost",
        CODEX_AUTH_FILE=str(auth),
        CODEX_BASE_URL=backend.base_url,
        CODEX_CACHE_DIR=str(home / "cache"),
        CODEX_GITHUB_API_URL="http://127.0.0.1:9/github-api-disabled-in-tests",
        CODEX_GITHUB_RAW_URL="http://127.0.0.1:9/github-raw-disabled-in-tests",
        CODEX_OAUTH_TOKEN_URL="http://127.0.0.1:9/oauth-disabled-in-tests",
    )
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    return env


def _wait_until_ready(process: subprocess.Popen[bytes], log: Path) -> str:
    """The proxy's address, once it answers its liveliness check."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the proxy exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}"
            )
        port = listening_port(process.pid)
        try:
            if port and httpx.get(f"http://127.0.0.1:{port}/health/liveliness", timeout=1.0).status_code == 200:
                return f"http://127.0.0.1:{port}"
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(
        f"the proxy did not start in {START_TIMEOUT_SECONDS:.0f} s:\n{log.read_text(errors='replace')[-4000:]}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # the group this test started (start_new_session)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningProxy]:
    if shutil.which("litellm", path=os.path.dirname(sys.executable)) is None:
        pytest.fail("the LiteLLM proxy is not installed in this environment (the `proxy` extra)")
    serve = [str(Path(sys.executable).with_name("codex-litellm")), "serve", "--config", str(proxy_config())]
    home = tmp_path_factory.mktemp("proxy-home")
    token = make_jwt(exp=time.time() + 7 * 24 * 3600)
    auth = write_auth_file(home / ".codex" / "auth.json", codex_auth_document(token))
    log = home / "proxy.log"
    with FakeCodexBackend() as backend, log.open("wb") as out:
        env = _environment(home, auth, backend)
        process = subprocess.Popen(
            [*serve, "--host", "127.0.0.1", "--port", "0"],
            env=env,
            cwd=home,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            url = _wait_until_ready(process, log)
            yield RunningProxy(url, backend, token, log, process, env)
        finally:
            _stop(process)
