"""A real ``redis-server`` for the tests: on a Unix socket in the test's folder, with no disk files.

Never a mock: the Redis store's guarantees (the lock's expiry, the compare-and-set
script) are Redis's own behaviour, so the tests run against the real server. No TCP
port at all (``--port 0``): a socket file in a private folder cannot be taken by
another process between choosing it and starting the server, as a probed port can.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

_HELD: list[socket.socket] = []


def refused_port() -> int:
    """A loopback port that refuses every connection: bound by this process, never listening.

    Held until the process ends, so no server can appear on it while a test expects a
    refusal (a port merely probed free could be taken by then).
    """
    if not _HELD:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        _HELD.append(sock)
    return int(_HELD[0].getsockname()[1])


class RedisServer:
    """``redis-server --port 0 --unixsocket <folder>/redis.sock --save '' --appendonly no`` as a child process."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.binary = binary
        self.folder = folder
        self.socket_path = folder / "redis.sock"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}?db=0"

    def start(self) -> RedisServer:
        command = [self.binary, "--port", "0", "--unixsocket", str(self.socket_path), "--unixsocketperm", "700"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            try:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(0.2)
                    sock.connect(str(self.socket_path))
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer within 10 s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    @property
    def pid(self) -> int:
        """The server's process id, to stop (``SIGSTOP``) and continue it: Redis hung, then back."""
        if self._process is None:
            raise RuntimeError("the server was not started")
        return self._process.pid


@contextlib.contextmanager
def running_redis(folder: Path) -> Iterator[RedisServer]:
    """A started server, stopped afterwards; the test is skipped only where the binary is absent."""
    try:
        server = RedisServer(folder)
    except FileNotFoundError as exc:
        pytest.skip(f"{exc}; CI installs it in .ci/run")
    server.start()
    try:
        yield server
    finally:
        server.stop()
