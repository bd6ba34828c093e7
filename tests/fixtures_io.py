"""Reading the recorded answer fixtures (``tests/contract/fixtures/*.sse``) without the package's transport."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litellm_codex_oauth_provider.domain.sse import SSEDecoder

FIXTURES = Path(__file__).parent / "contract" / "fixtures"
NAMES = ("text", "reasoning_text", "tool_calls", "incomplete", "failed", "done_only")


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / f"{name}.sse").read_bytes()


def fixture_events(name: str) -> list[dict[str, Any]]:
    decoder = SSEDecoder()
    events = decoder.feed(fixture_bytes(name)) + decoder.flush()
    assert not decoder.malformed
    return events
