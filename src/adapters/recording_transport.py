"""``RecordingResponsesTransport``: sends through another transport and keeps what came back.

``make record-fixtures`` wraps the real HTTP transport in it to capture answer
streams that :class:`~.replay_transport.ReplayResponsesTransport` plays back. What
it writes is scrubbed: the login's token and account id, e-mail addresses,
encrypted reasoning, cache keys and safety identifiers never reach a file, and of
the headers only the ``x-codex-*`` limit headers and the content type are kept.

Why not a recording library: vcrpy, the well-kept one, has had open trouble with
httpx streamed responses (kevin1024/vcrpy#597 async streaming, #884 a crash on
``stream=True`` bodies), and a cassette replays a body in one piece, which loses
the network reads the provider merges its chunks by. Recording at the port keeps
one reviewable SSE file per answer and never sees the request's headers at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..domain.errors import CodexAPIError
from ..domain.ports import AsyncEventStream, AuthContext, EventStream, RawEvent, ResponsesRequest, ResponsesTransport

SCRUBBED_ACCOUNT = "acct-recorded"
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SCRUBBED_KEYS = {
    "encrypted_content": "gAAAA-scrubbed-encrypted-reasoning==",
    "prompt_cache_key": "scrubbed-cache-key",
    "safety_identifier": "scrubbed",
    "user": "scrubbed",
    "instructions": "<instructions elided by the recorder>",
}
_KEPT_HEADER_PREFIXES = ("x-codex-", "content-type")


class Scrubber:
    """Removes the login and personal data from recorded events and headers.

    It works value by value: a secret the model itself split across two deltas would
    survive, which is why `make record-fixtures` also searches the written files.
    """

    def __init__(self, auth: AuthContext) -> None:
        self._secrets = {auth.access_token: "<access-token>", auth.account_id: SCRUBBED_ACCOUNT}

    def text(self, value: str) -> str:
        for secret, placeholder in self._secrets.items():
            if secret:
                value = value.replace(secret, placeholder)
        return _EMAIL.sub("user@example.com", value)

    def value(self, value: Any, key: str | None = None) -> Any:
        if key in _SCRUBBED_KEYS and isinstance(value, str) and value:
            return _SCRUBBED_KEYS[key]
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {
            name.lower(): self.text(value)
            for name, value in headers.items()
            if name.lower().startswith(_KEPT_HEADER_PREFIXES)
        }


def encode_recording(events: list[RawEvent], headers: Mapping[str, str], note: str) -> bytes:
    """One answer as an SSE file: header comments, then ``event:``/``data:`` frames."""
    lines = [f": {note}"] + [f": header {name}: {value}" for name, value in sorted(headers.items())]
    out = "\n".join(lines) + "\n\n"
    for event in events:
        out += f"event: {event.get('type', 'message')}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"
    return out.encode()


class _Capture:
    """The events of one answer, written to ``path`` when the stream closes."""

    def __init__(self, path: Path, scrubber: Scrubber, headers: Mapping[str, str], note: str) -> None:
        self.path, self._scrubber, self._note = path, scrubber, note
        self._headers = scrubber.headers(headers)
        self.events: list[RawEvent] = []
        self._written = False

    def keep(self, batch: list[RawEvent]) -> None:
        self.events.extend(self._scrubber.value(event) for event in batch)

    def write(self) -> None:
        if not self._written:
            self._written = True
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_bytes(encode_recording(self.events, self._headers, self._note))


class _RecordedStream:
    def __init__(self, inner: EventStream, capture: _Capture) -> None:
        self._inner, self._capture = inner, capture

    @property
    def headers(self) -> Mapping[str, str]:
        return self._inner.headers

    def batches(self) -> Iterator[list[RawEvent]]:
        for batch in self._inner.batches():
            self._capture.keep(batch)
            yield batch

    def close(self) -> None:
        self._inner.close()
        self._capture.write()


class _AsyncRecordedStream:
    def __init__(self, inner: AsyncEventStream, capture: _Capture) -> None:
        self._inner, self._capture = inner, capture

    @property
    def headers(self) -> Mapping[str, str]:
        return self._inner.headers

    async def batches(self) -> AsyncIterator[list[RawEvent]]:
        async for batch in self._inner.batches():
            self._capture.keep(batch)
            yield batch

    async def aclose(self) -> None:
        await self._inner.aclose()
        self._capture.write()


class RecordingResponsesTransport:
    """Wraps ``inner``; each answer goes to the next path :meth:`expect` was given."""

    def __init__(self, inner: ResponsesTransport, *, note: str = "recorded from the Codex backend") -> None:
        self._inner = inner
        self._note = note
        self._paths: list[Path] = []
        self.written: list[Path] = []

    def expect(self, path: Path) -> None:
        """Record the next answer to ``path`` (``.sse``; a refusal goes beside it as ``.json``)."""
        self._paths.append(path)

    def _path(self) -> Path:
        if not self._paths:
            raise LookupError("the recording transport was not told where to keep this answer")
        path = self._paths.pop(0)
        self.written.append(path)
        return path

    def _refused(self, path: Path, exc: CodexAPIError, scrubber: Scrubber) -> None:
        document = {
            "note": self._note,
            "status": exc.status_code,
            "headers": scrubber.headers(exc.headers),
            "body": exc.body,
        }
        target = path.with_suffix(".json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(scrubber.value(document), indent=2) + "\n")
        self.written[-1] = target

    def open(self, request: ResponsesRequest, auth: AuthContext) -> EventStream:
        path, scrubber = self._path(), Scrubber(auth)
        try:
            inner = self._inner.open(request, auth)
        except CodexAPIError as exc:
            self._refused(path, exc, scrubber)
            raise
        return _RecordedStream(inner, _Capture(path, scrubber, inner.headers, self._note))

    async def aopen(self, request: ResponsesRequest, auth: AuthContext) -> AsyncEventStream:
        path, scrubber = self._path(), Scrubber(auth)
        try:
            inner = await self._inner.aopen(request, auth)
        except CodexAPIError as exc:
            self._refused(path, exc, scrubber)
            raise
        return _AsyncRecordedStream(inner, _Capture(path, scrubber, inner.headers, self._note))
