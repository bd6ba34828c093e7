"""``ReplayResponsesTransport``: answers from recorded files instead of the network.

Contract tests replay the answer streams ``make record-fixtures`` captured from the
real backend, and applications embedding the provider use it to test their own
code with no login and no network (``CodexAuthProvider(transport=...)``).

Two kinds of recording:

- ``*.sse``: the raw answer stream, as the backend framed it. Leading comment lines
  ``: header <name>: <value>`` are the answer's HTTP headers; other comments are notes.
- ``*.json``: a refused request, ``{"status": 429, "headers": {...}, "body": {...}}``;
  replaying it raises the same error the HTTP transport raises for that answer.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..domain.backend_errors import api_error_from_http
from ..domain.ports import AuthContext, RawEvent, ResponsesRequest
from ..domain.sse import SSEDecoder

HEADER_COMMENT = b": header "


def split_recording(raw: bytes) -> tuple[dict[str, str], list[bytes]]:
    """The headers noted in a recording and its SSE blocks, each with its blank line."""
    headers: dict[str, str] = {}
    text = raw.replace(b"\r\n", b"\n")
    blocks: list[bytes] = []
    for block in text.split(b"\n\n"):
        lines = [line for line in block.split(b"\n") if line]
        for line in lines:
            if line.startswith(HEADER_COMMENT):
                name, _, value = line[len(HEADER_COMMENT) :].decode("utf-8").partition(":")
                headers[name.strip().lower()] = value.strip()
        payload = [line for line in lines if not line.startswith(b":")]
        if payload:
            blocks.append(b"\n".join(payload) + b"\n\n")
    return headers, blocks


class _Recording:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.raw = path.read_bytes()
        self.failure: Mapping[str, Any] | None = json.loads(self.raw) if path.suffix == ".json" else None


class ReplayEventStream:
    """One recorded answer, served read by read (sync and async alike)."""

    def __init__(self, recording: bytes, events_per_read: int) -> None:
        self._headers, blocks = split_recording(recording)
        size = events_per_read if events_per_read > 0 else max(1, len(blocks))
        self._reads = [b"".join(blocks[i : i + size]) for i in range(0, len(blocks), size)]
        self.closed = False

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    def _decoded(self) -> Iterator[list[RawEvent]]:
        decoder = SSEDecoder()
        for read in self._reads:
            if self.closed:
                return
            events = decoder.feed(read)
            if events:
                yield events
        rest = decoder.flush()
        if rest:
            yield rest

    def batches(self) -> Iterator[list[RawEvent]]:
        return self._decoded()

    def close(self) -> None:
        self.closed = True


class AsyncReplayEventStream(ReplayEventStream):
    async def _abatches(self) -> AsyncIterator[list[RawEvent]]:
        for batch in self._decoded():
            yield batch

    def batches(self) -> AsyncIterator[list[RawEvent]]:  # type: ignore[override]
        return self._abatches()

    async def aclose(self) -> None:
        self.close()


class ReplayResponsesTransport:
    """Plays ``recordings`` in order, one per request; with ``cycle`` it starts over when done.

    ``requests`` keeps every request it was asked to send, so a test can check the
    body the provider built. ``events_per_read`` sets how many events make one
    network read (``0``: the whole answer arrives in one read).
    """

    def __init__(self, recordings: Sequence[Path | str], *, cycle: bool = False, events_per_read: int = 1) -> None:
        if not recordings:
            raise ValueError("a replay transport needs at least one recording")
        loaded = [_Recording(Path(path)) for path in recordings]
        self._next = itertools.cycle(loaded) if cycle else iter(loaded)
        self._events_per_read = events_per_read
        self._lock = threading.Lock()
        self.requests: list[tuple[ResponsesRequest, AuthContext]] = []

    def _take(self, request: ResponsesRequest, auth: AuthContext) -> _Recording:
        with self._lock:
            self.requests.append((request, auth))
            recording = next(self._next, None)
        if recording is None:
            raise LookupError(f"the replay transport played all its recordings; request {len(self.requests)} has none")
        if recording.failure is not None:
            failure = recording.failure
            raise api_error_from_http(int(failure["status"]), failure.get("body"), dict(failure.get("headers") or {}))
        return recording

    def open(self, request: ResponsesRequest, auth: AuthContext) -> ReplayEventStream:
        return ReplayEventStream(self._take(request, auth).raw, self._events_per_read)

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> AsyncReplayEventStream:
        return AsyncReplayEventStream(self._take(request, auth).raw, self._events_per_read)
