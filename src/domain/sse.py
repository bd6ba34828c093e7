"""A sans-I/O server-sent-events decoder for the Codex answer stream.

Fed the bytes of each network read, it returns the JSON events that read
completed, as one list. Keeping read boundaries visible is the point: the
provider merges every delta of one read into one chunk, which is what makes it
cheap under LiteLLM's per-chunk cost (see the README's benchmark section). The
same decoder serves the sync and async transports.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import CodexAPIError

_DATA = b"data:"
_EVENT = b"event:"

MAX_EVENT_BYTES = 64 * 1024 * 1024
"""The largest single event accepted (a generated image's base64 is a few MiB): a bound on memory."""


class SSEEventTooLargeError(CodexAPIError):
    """One event grew past the decoder's cap: refused, and never retried (it would only grow again)."""

    def __init__(self, cap: int) -> None:
        super().__init__(
            502,
            f"the backend sent one event larger than {cap // (1024 * 1024)} MiB; the answer was refused",
            transient=False,
        )


class SSEDecoder:
    """Incremental decoder: ``feed`` the bytes of each read, then ``flush`` at the end.

    Linear in the size of the stream: the reads of an unfinished event are kept as a
    list and joined once, when its blank line arrives, and only each new read is
    searched. (Joining on every read made a 30 MB event cost seconds.)
    """

    __slots__ = ("_cr", "_pending", "_pending_size", "malformed", "max_event_bytes")

    def __init__(self, *, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._pending: list[bytes] = []
        """The reads since the last complete event, line endings already normalised."""
        self._pending_size = 0
        self._cr = False
        """The last read ended with a CR, which may be half of a CRLF split across reads."""
        self.max_event_bytes = max_event_bytes
        self.malformed: list[str] = []
        """Short previews of event data that was not JSON; the caller logs and clears them."""

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Decode the events completed by ``data``; keep any partial event for later."""
        if self._cr:
            data, self._cr = b"\r" + data, False
        if b"\r" in data:
            if data.endswith(b"\r"):
                data, self._cr = data[:-1], True
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        pending = self._pending
        end = data.rfind(b"\n\n")
        if end < 0 and not (pending and data.startswith(b"\n") and pending[-1].endswith(b"\n")):
            if data:
                pending.append(data)
                self._pending_size += len(data)
                if self._pending_size > self.max_event_bytes:
                    raise SSEEventTooLargeError(self.max_event_bytes)
            return []
        if pending:
            data = b"".join((*pending, data))
            end = data.rfind(b"\n\n")
            pending.clear()
        rest = data[end + 2 :]
        self._pending_size = len(rest)
        if rest:
            pending.append(rest)
        return self._decode_blocks(data[:end].split(b"\n\n"))

    def flush(self) -> list[dict[str, Any]]:
        """Decode what is left when the stream ends (an event without its blank line)."""
        buffer = b"".join(self._pending).strip(b"\n")
        self._pending.clear()
        self._pending_size, self._cr = 0, False
        return self._decode_blocks([buffer]) if buffer else []

    def _decode_blocks(self, blocks: list[bytes]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for block in blocks:
            if len(block) > self.max_event_bytes:
                raise SSEEventTooLargeError(self.max_event_bytes)
            event = self._decode_block(block)
            if event is not None:
                events.append(event)
        return events

    def _decode_block(self, block: bytes) -> dict[str, Any] | None:
        # The backend frames every event as exactly ``event: <type>`` then one ``data:`` line:
        # take that shape without splitting lines; anything else goes the general way.
        if block.startswith(_EVENT):
            newline = block.find(b"\n")
            if newline > 0 and block.startswith(_DATA, newline + 1) and block.find(b"\n", newline + 1) < 0:
                return self._parse(block[newline + 6 :], block[6:newline])
        event_name = b""
        data_lines: list[bytes] = []
        for line in block.split(b"\n"):
            if line.startswith(_DATA):
                value = line[5:]
                data_lines.append(value[1:] if value.startswith(b" ") else value)
            elif line.startswith(_EVENT):
                event_name = line[6:]
        if not data_lines:
            return None
        return self._parse(data_lines[0] if len(data_lines) == 1 else b"\n".join(data_lines), event_name)

    def _parse(self, data: bytes, event_name: bytes) -> dict[str, Any] | None:
        try:
            event = json.loads(data)
        except ValueError:
            if data.strip() != b"[DONE]":
                self.malformed.append(data[:80].decode("utf-8", "replace").strip())
            return None
        if not isinstance(event, dict):
            self.malformed.append(data[:80].decode("utf-8", "replace").strip())
            return None
        if "type" not in event:
            name = event_name.strip()
            if name:
                event["type"] = name.decode("utf-8", "replace")
        return event
