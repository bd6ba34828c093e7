"""A stand-in for GitHub: the releases API and the raw file host, on one loopback HTTP server.

``GET /api/repos/openai/codex/releases/latest`` answers ``{"tag_name": tag}``;
``GET /raw/openai/codex/<tag>/codex-rs/core/<file>`` answers ``files[file]`` (the
same text for every tag unless ``tagged_files`` says otherwise) with an ETag, and
304 to a matching ``If-None-Match``. Failure modes per host: a forced status
(``api_status``/``raw_status``, 403 comes with GitHub's rate-limit headers), a
delay before answering, and ``drop`` (close without answering). Every request is
recorded. It imports nothing from the package.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_PREFIX = "/api"
RAW_PREFIX = "/raw"
LATEST_PATH = "/api/repos/openai/codex/releases/latest"
RAW_FILE_PREFIX = "/raw/openai/codex/"


@dataclass
class GitHubRequest:
    path: str
    headers: dict[str, str]
    status: int


def etag_of(text: str) -> str:
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:20] + '"'


class FakeGitHub:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.tag = "rust-v0.155.0"
        self.files: dict[str, str] = {
            "prompt.md": "Base prompt (fake GitHub).",
            "gpt_5_codex_prompt.md": "Codex prompt (fake GitHub).",
            "gpt_5_1_prompt.md": "GPT-5.1 prompt (fake GitHub).",
            "gpt-5.1-codex-max_prompt.md": "Codex-max prompt (fake GitHub).",
            "gpt_5_2_prompt.md": "GPT-5.2 prompt (fake GitHub).",
            "gpt-5.2-codex_prompt.md": "GPT-5.2-codex prompt (fake GitHub).",
        }
        self.tagged_files: dict[tuple[str, str], str] = {}
        self.api_status: int | None = None
        self.raw_status: int | None = None
        self.api_delay = 0.0
        self.raw_delay = 0.0
        self.drop = False
        self.requests: list[GitHubRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.origin + API_PREFIX

    @property
    def raw_url(self) -> str:
        return self.origin + RAW_PREFIX

    def __enter__(self) -> FakeGitHub:
        threading.Thread(target=self._server.serve_forever, name="fake-github", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- counts ----------------------------------------------------------------------

    @property
    def api_requests(self) -> list[GitHubRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(API_PREFIX)]

    @property
    def raw_requests(self) -> list[GitHubRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(RAW_PREFIX)]

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def _record(self, path: str, headers: dict[str, str], status: int) -> None:
        with self._lock:
            self.requests.append(GitHubRequest(path, headers, status))

    # -- answers ---------------------------------------------------------------------

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path.startswith(API_PREFIX):
            if self.api_status is not None:
                return self._failure(self.api_status)
            if path != LATEST_PATH:
                return 404, {}, b'{"message": "Not Found"}'
            body = json.dumps({"tag_name": self.tag, "name": self.tag}).encode()
            return self._conditional(body, headers, "application/json")
        if self.raw_status is not None:
            return self._failure(self.raw_status)
        rest = path[len(RAW_FILE_PREFIX) :] if path.startswith(RAW_FILE_PREFIX) else ""
        tag, _, file_path = rest.partition("/")
        name = file_path.removeprefix("codex-rs/core/")
        text = self.tagged_files.get((tag, name), self.files.get(name))
        if not file_path.startswith("codex-rs/core/"):
            text = None
        if text is None:
            return 404, {"content-type": "text/plain"}, b"404: Not Found"
        return self._conditional(text.encode(), headers, "text/plain; charset=utf-8")

    @staticmethod
    def _conditional(body: bytes, headers: dict[str, str], content_type: str) -> tuple[int, dict[str, str], bytes]:
        etag = etag_of(body.decode())
        if headers.get("if-none-match") == etag:
            return 304, {"etag": etag}, b""
        return 200, {"etag": etag, "content-type": content_type}, body

    @staticmethod
    def _failure(status: int) -> tuple[int, dict[str, str], bytes]:
        if status == 403:
            reset = str(int(time.time()) + 3600)
            headers = {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
            return 403, headers, b'{"message": "API rate limit exceeded for 127.0.0.1."}'
        return status, {}, b'{"message": "failure"}'


def _handler_for(github: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            delay = github.api_delay if self.path.startswith(API_PREFIX) else github.raw_delay
            if delay:
                time.sleep(delay)
            if github.drop:
                github._record(self.path, headers, 0)
                self.close_connection = True
                return
            status, extra, body = github.answer(self.path, headers)
            github._record(self.path, headers, status)
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

    return Handler
