"""A stand-in for ``https://auth.openai.com/oauth/token``: a real HTTP server on 127.0.0.1.

It behaves as PROTOCOL.md section 2 says the real one does: every refresh
rotates the refresh token, and a refresh token used a second time is refused
with ``refresh_token_reused``. It counts every call so tests can prove a refresh
happened exactly once. It imports nothing from the package: it stands for the
other side of the wire.

Run it on its own: ``python tests/fakes/token_endpoint.py --port 8766``.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

TOKEN_PATH = "/oauth/token"
CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
ACCOUNT_ID = "acct-test-123"
JWT_ACCOUNT_CLAIM = "https://api.openai.com/auth"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_jwt(claims: dict[str, Any]) -> str:
    header = {"alg": "RS256", "typ": "JWT"}
    return ".".join((_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), _b64(b"signature")))


def oauth_error(code: str, message: str = "refused") -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}


@dataclass
class Failure:
    """A scripted answer for the next call: ``status`` and JSON ``body`` (or ``drop`` the connection).

    ``html`` sends that page instead of the JSON body, as a CDN or proxy in front of the endpoint does.
    """

    status: int = 500
    body: Any = field(default_factory=lambda: {"error": {"message": "boom", "code": "server_error"}})
    drop: bool = False
    html: str | None = None


CLOUDFLARE_403 = (
    "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>"
    "<body><h1>Sorry, you have been blocked</h1>" + "<p>Ray ID: 0123456789abcdef</p>" * 40 + "</body></html>"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    """A burst of processes must not find the listen queue full."""


class FakeTokenEndpoint:
    """The server and its state. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        refresh_token: str = "rt-initial",
        lifetime: float = 10 * 24 * 3600,
        delay: float = 0.0,
        account_id: str = ACCOUNT_ID,
    ) -> None:
        self.current_refresh_token = refresh_token
        self.spent: set[str] = set()
        self.lifetime = lifetime
        self.delay = delay
        """Seconds each call takes before it answers: widens race windows."""
        self.account_id = account_id
        self.omit: set[str] = set()
        """Token fields to leave out of a successful answer."""
        self.failures: deque[Failure] = deque()
        self.calls = 0
        self.refused: dict[str, int] = {}
        """How often each error code was answered."""
        self.bodies: list[dict[str, Any]] = []
        self.issued: list[dict[str, Any]] = []
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._server = _Server((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{TOKEN_PATH}"

    def start(self) -> FakeTokenEndpoint:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-token-endpoint", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeTokenEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, *failures: Failure) -> None:
        self.failures.extend(failures)

    def mint_access_token(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        n = next(self._counter)
        return mint_jwt(
            {
                JWT_ACCOUNT_CLAIM: {"chatgpt_account_id": self.account_id, "chatgpt_plan_type": "plus"},
                "iat": int(now),
                "exp": int(now + self.lifetime),
                "n": n,
            }
        )

    def exchange(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One refresh, as the real endpoint answers it."""
        if body.get("grant_type") != "refresh_token" or body.get("client_id") != CLIENT_ID:
            return 400, oauth_error("invalid_request", "grant_type and client_id are required")
        token = body.get("refresh_token")
        with self._lock:
            if token in self.spent:
                self.refused["refresh_token_reused"] = self.refused.get("refresh_token_reused", 0) + 1
                return 401, oauth_error("refresh_token_reused", "Your refresh token has already been used")
            if token != self.current_refresh_token:
                self.refused["refresh_token_invalidated"] = self.refused.get("refresh_token_invalidated", 0) + 1
                return 401, oauth_error("refresh_token_invalidated", "Your refresh token was invalidated")
            self.spent.add(token)
            now = time.time()
            answer = {
                "access_token": self.mint_access_token(now),
                "refresh_token": f"rt-{next(self._counter)}",
                "id_token": mint_jwt({"email": "dev@example.com", "exp": int(now + 3600)}),
                "expires_in": int(self.lifetime),
                "token_type": "Bearer",
                "scope": "openid profile email",
            }
            self.current_refresh_token = answer["refresh_token"]
            self.issued.append(answer)
        for name in self.omit:
            answer.pop(name, None)
        return 200, answer


def _handler_for(endpoint: FakeTokenEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send_json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send_html(self, status: int, page: str) -> None:
            data = page.encode()
            self.send_response(status)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            if self.path.split("?")[0] != TOKEN_PATH:
                self._send_json(404, {"error": "not found"})
                return
            try:
                body = json.loads(raw) if raw.lstrip().startswith("{") else dict(parse_qsl(raw))
            except ValueError:
                body = {}
            with endpoint._lock:
                endpoint.calls += 1
                endpoint.bodies.append(body)
                failure = endpoint.failures.popleft() if endpoint.failures else None
            if endpoint.delay:
                time.sleep(endpoint.delay)
            if failure is not None:
                if failure.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                if failure.html is not None:
                    self._send_html(failure.status, failure.html)
                else:
                    self._send_json(failure.status, failure.body)
                return
            self._send_json(*endpoint.exchange(body))

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--refresh-token", default="rt-initial")
    args = parser.parse_args()
    with FakeTokenEndpoint(port=args.port, refresh_token=args.refresh_token) as endpoint:
        print(f"fake token endpoint at {endpoint.url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
