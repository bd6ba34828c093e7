"""A stand-in for the OAuth token endpoint (``POST /oauth/token``) on 127.0.0.1 that rotates the login.

Every refresh answers with ``access_token`` (a new JWT unless set), ``refresh_token``
``rt-rotated-<n>`` and ``expires_in``, and is recorded in ``calls``. It imports nothing
from the package.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.logins import make_jwt


class FakeTokenEndpoint:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.access_token = make_jwt(exp=time.time() + 10 * 86400, secret_tag="rotated")
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/oauth/token"

    def __enter__(self) -> FakeTokenEndpoint:
        threading.Thread(target=self._server.serve_forever, name="fake-oauth", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                endpoint.calls.append(raw.decode("utf-8", "replace"))
                data = json.dumps(
                    {
                        "access_token": endpoint.access_token,
                        "refresh_token": f"rt-rotated-{len(endpoint.calls)}",
                        "id_token": make_jwt(exp=time.time() + 3600, secret_tag="id"),
                        "expires_in": 864000,
                    }
                ).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
