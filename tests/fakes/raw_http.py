"""A loopback server that answers every request with the same raw bytes: broken HTTP, or a stand-in proxy."""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class RawHTTPServer:
    """Reads a request (headers and ``content-length`` body), writes ``answer``, closes. Port 0, loopback only."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.request_lines: list[str] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self.base_url = f"{self.url}/backend-api"

    def __enter__(self) -> RawHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stopping = True
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stopping:
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                self.request_lines.append(self._read_request(conn))
                with contextlib.suppress(OSError):
                    conn.sendall(self.answer)

    @staticmethod
    def _read_request(conn: socket.socket) -> str:
        """The request line, once the whole request is read."""
        data = b""
        while b"\r\n\r\n" not in data:
            piece = conn.recv(65536)
            if not piece:
                return data.split(b"\r\n", 1)[0].decode(errors="replace")
            data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:
            piece = conn.recv(65536)
            if not piece:
                break
            body += piece
        return head.split(b"\r\n", 1)[0].decode(errors="replace")
