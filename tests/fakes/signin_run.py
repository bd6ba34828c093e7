"""``codex-litellm login`` as a child process, and the checks every sign-in test makes.

A child process because that is how a user runs it (``$BROWSER`` is read once per
process, Ctrl-C is a signal) and so its terminal output can be read as it comes.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


class LoginRun:
    """One ``codex-litellm`` command running; its output lines read as they arrive."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        script = Path(sys.executable).with_name("codex-litellm")
        self.process = subprocess.Popen(
            [str(script), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err, None), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[str], lines: queue.Queue[str] | None) -> None:
        for line in stream:
            into.append(line)
            if lines is not None:
                lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """The first output line (from now on) that matches ``pattern``."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                self.process.kill()
                raise AssertionError(f"no line matching {pattern!r}; so far: {''.join(self.out)}") from None
            found = re.search(pattern, line)
            if found:
                return found

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        for reader in self._readers:
            reader.join(timeout=10)
        return self.process.returncode, "".join(self.out), "".join(self.err)


def signin_env(auth_base_url: str, **extra: str) -> dict[str, str]:
    """The test's environment (its own HOME and CODEX_HOME), pointed at the stand-in sign-in server."""
    env = {name: value for name, value in os.environ.items() if name != "CODEX_OAUTH_TOKEN_URL"}
    env.update(CODEX_AUTH_BASE_URL=auth_base_url, CODEX_LOGIN_CALLBACK_PORT="0", **extra)
    return env


def assert_codex_cli_format(path: Path) -> dict[str, Any]:
    """The file as ``codex login`` writes it: the keys and types its ``AuthDotJson`` reads, pretty, 0600."""
    text = path.read_text()
    document = json.loads(text)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert text.rstrip("\n") == json.dumps(document, indent=2, ensure_ascii=False), "pretty-printed, two spaces"
    assert document["auth_mode"] == "chatgpt"
    assert document["OPENAI_API_KEY"] is None
    tokens = document["tokens"]
    for name in ("id_token", "access_token", "refresh_token", "account_id"):
        assert isinstance(tokens[name], str) and tokens[name], name
    assert tokens["id_token"].count(".") == 2 and tokens["access_token"].count(".") == 2
    assert RFC3339_UTC.match(document["last_refresh"]), document["last_refresh"]
    return dict(document)


def assert_no_secret(texts: list[str], secrets: set[str]) -> None:
    for secret in secrets:
        for text in texts:
            assert secret not in text, "a code, verifier or token reached the terminal"


def leftovers(folder: Path) -> list[str]:
    """Temporary files a write left behind (the lock file is expected)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))
