"""The browser flow's local callback: one small HTTP server on 127.0.0.1, for one answer.

It listens on loopback only, on the configured port or the Codex CLI's fallback, and
serves requests in threads (a browser opens speculative connections that never send
a request; one of those must not block the real one). The first request to
``/auth/callback`` decides: the code when its ``state`` is this sign-in's, else the
error; anything else (``/favicon.ico``) gets a 404 and the wait goes on. The page
shown never echoes the code.
"""

from __future__ import annotations

import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..domain.signin import LOGIN_AGAIN, CodexSignInError, code_from_callback, is_callback, redirect_uri_for

_DONE_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Signed in</title></head><body>"
    "<h1>Signed in to codex-litellm</h1><p>You can close this window and go back to the terminal.</p>"
    "</body></html>"
)
_FAILED_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Sign-in failed</title></head><body>"
    "<h1>The sign-in did not complete</h1><p>The terminal says why. You can close this window.</p>"
    "</body></html>"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class CallbackServer:
    """``with CallbackServer([1455, 1457], state) as server: ... server.wait_for_code(timeout)``."""

    def __init__(self, ports: list[int], state: str, host: str = "127.0.0.1") -> None:
        self._answers: queue.Queue[str | CodexSignInError] = queue.Queue()
        self._state = state
        self._decided = threading.Lock()
        self._taken = False
        self._server = _bind(host, ports, _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="codex-signin-callback", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return redirect_uri_for(self.port)

    def __enter__(self) -> CallbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for_code(self, timeout: float) -> str:
        """The authorization code, or the callback's error; a clear error after ``timeout`` seconds.

        Waits in short slices so Ctrl-C reaches the main thread at once.
        """
        remaining = timeout
        while remaining > 0:
            step = min(0.5, remaining)
            try:
                answer = self._answers.get(timeout=step)
            except queue.Empty:
                remaining -= step
                continue
            if isinstance(answer, CodexSignInError):
                raise answer
            return answer
        raise CodexSignInError(
            f"no sign-in came back within {timeout:g} s (the browser never reached "
            f"{self.redirect_uri}); {LOGIN_AGAIN}, or use `codex-litellm login --device` on a machine "
            "without a browser",
            code="timeout",
        )

    def _judge(self, target: str) -> str | CodexSignInError | None:
        """The one callback request's answer (the code or the error); ``None`` for any later request."""
        with self._decided:
            if self._taken:
                return None
            self._taken = True
        try:
            return code_from_callback(target, self._state)
        except CodexSignInError as exc:
            return exc

    def _deliver(self, answer: str | CodexSignInError) -> None:
        """Hand the answer to the waiting command, once the browser has its page (the process may end at once)."""
        self._answers.put(answer)


def _bind(host: str, ports: list[int], handler: type[BaseHTTPRequestHandler]) -> _Server:
    failures = []
    for port in ports:
        try:
            return _Server((host, port), handler)
        except OSError as exc:
            failures.append(f"{port} ({exc.strerror or type(exc).__name__})")
    raise CodexSignInError(
        f"the sign-in callback cannot listen on {host} port {' or '.join(failures)}; free the port, "
        "set CODEX_LOGIN_CALLBACK_PORT to another one, or use `codex-litellm login --device`"
    )


def _handler_for(server: CallbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 30

        def log_message(self, format: str, *args: Any) -> None:
            return  # the request line holds the code: never logged

        def do_GET(self) -> None:
            if not is_callback(self.path):
                self._page(404, "<!doctype html><title>Not found</title>")
                return
            answer = server._judge(self.path)
            ok = isinstance(answer, str)
            try:
                self._page(200 if ok else 400, _DONE_PAGE if ok else _FAILED_PAGE)
            finally:
                if answer is not None:
                    server._deliver(answer)

        def _page(self, status: int, page: str) -> None:
            data = page.encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            self.send_header("cache-control", "no-store")
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

    return Handler
