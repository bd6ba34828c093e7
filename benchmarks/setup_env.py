"""The benchmark's world: a throwaway HOME, both logins, and the fake backend in its own process.

Nothing here touches the real ``~/.codex``, the real cache folder or the network:
every URL the package might fetch from points at the loopback fake or a dead port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.logins import ACCOUNT_ID, codex_auth_document, make_jwt, write_auth_file  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeBackendProcess:
    """``tests/fakes/codex_backend.py`` run standalone, steered over its ``/_control`` endpoint."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/backend-api"
        self._process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "fakes" / "codex_backend.py"), "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # No keep-alive: every control call is one new connection, so the fake's connection count
        # minus the control calls made since the last reset is the connections the paths opened.
        self._control = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}", timeout=10, limits=httpx.Limits(max_keepalive_connections=0)
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                self.stats()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise RuntimeError("the fake backend did not start") from None
                time.sleep(0.05)

    def script(self, script: dict[str, Any] | None, *, reset_counts: bool = False) -> dict[str, Any]:
        answer = self._control.post("/_control", json={"script": script, "reset_counts": reset_counts})
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._control.get("/_control").json()
        return result

    def stop(self) -> None:
        self._control.close()
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()


def prepare_environment(backend: FakeBackendProcess) -> dict[str, Path]:
    """Logins for this package and for LiteLLM's built-in ``chatgpt`` provider, and every setting aimed at the fake."""
    home = Path(tempfile.mkdtemp(prefix="codex-bench-"))
    access_token = make_jwt(exp=time.time() + 7 * 24 * 3600)
    codex_auth = write_auth_file(home / ".codex" / "auth.json", codex_auth_document(access_token))
    # LiteLLM's built-in provider keeps its own flat login file (litellm/llms/chatgpt/authenticator.py).
    chatgpt_dir = home / "litellm-chatgpt"
    chatgpt_auth = write_auth_file(
        chatgpt_dir / "auth.json",
        {
            "access_token": access_token,
            "refresh_token": "rt-bench",
            "id_token": make_jwt(exp=time.time() + 3600, secret_tag="id"),
            "expires_at": int(time.time() + 7 * 24 * 3600),
            "account_id": ACCOUNT_ID,
        },
    )
    for name in list(os.environ):
        if name.startswith(("CODEX_", "CHATGPT_")):
            del os.environ[name]
    os.environ.update(
        {
            "HOME": str(home),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "CODEX_AUTH_FILE": str(codex_auth),
            "CODEX_CACHE_DIR": str(home / "cache"),
            "CODEX_BASE_URL": backend.base_url,
            "CODEX_GITHUB_API_URL": "http://127.0.0.1:9/github-api-disabled-in-benchmarks",
            "CODEX_GITHUB_RAW_URL": "http://127.0.0.1:9/github-raw-disabled-in-benchmarks",
            "CODEX_OAUTH_TOKEN_URL": "http://127.0.0.1:9/oauth-disabled-in-benchmarks",
            "CHATGPT_TOKEN_DIR": str(chatgpt_dir),
            "CHATGPT_AUTH_FILE": str(chatgpt_auth),
            "CHATGPT_API_BASE": backend.base_url + "/codex",
        }
    )
    return {"home": home, "codex_auth": codex_auth, "chatgpt_auth": chatgpt_auth}


def machine_description() -> dict[str, Any]:
    import platform
    from importlib.metadata import version

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "litellm": version("litellm"),
        "httpx": version("httpx"),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str))
