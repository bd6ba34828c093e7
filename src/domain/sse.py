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

_DATA = b"data:"
_EVENT = b"event:"


class SSEDecoder:
    """Incremental decoder: ``feed`` the bytes of each read, then ``flush`` at the end."""

    __slots__ = ("_buffer", "malformed")

    def __init__(self) -> None:
        self._buffer = b""
        self.malformed: list[str] = []
        """Short previews of event data that was not JSON; the caller logs and clears them."""

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Decode the events completed by ``data``; keep any partial event for later."""
        buffer = self._buffer + data if self._buffer else data
        if b"\r" in buffer:
            if buffer.endswith(b"\r"):
                # A CR at the very end may be half of a CRLF split across reads.
                self._buffer = buffer
                return []
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = buffer.rfind(b"\n\n")
        if end < 0:
            self._buffer = buffer
            return []
        self._buffer = buffer[end + 2 :]
        return self._decode_blocks(buffer[:end].split(b"\n\n"))

    def flush(self) -> list[dict[str, Any]]:
        """Decode what is left when the stream ends (an event without its blank line)."""
        buffer, self._buffer = self._buffer, b""
        buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n").strip(b"\n")
        return self._decode_blocks([buffer]) if buffer else []

    def _decode_blocks(self, blocks: list[bytes]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for block in blocks:
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
