"""Encrypted reasoning carried in a thinking block's ``signature``, so it survives LiteLLM's bridges.

LiteLLM's convention for reasoning a caller must send back is the thinking block
(``{"type": "thinking", "thinking": <summary>, "signature": <opaque>}``); its
Anthropic front door (``/v1/messages``, Claude Code) passes the signature through
both ways, but strips blocks signed with LiteLLM's own ``litellm_encrypted_reasoning:``
tag before a custom provider sees them. So the backend's reasoning item (its encrypted
content and summary) travels in a signature of this package's own format.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any

SIGNATURE_PREFIX = "codex-reasoning-v1:"


def thinking_blocks(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One thinking block per reasoning item that has encrypted content."""
    blocks = []
    for item in items:
        encrypted = item.get("encrypted_content")
        if not isinstance(encrypted, str):
            continue
        summary = [part for part in item.get("summary") or [] if isinstance(part, Mapping)]
        carried = json.dumps({"encrypted_content": encrypted, "summary": summary}, separators=(",", ":"))
        signature = SIGNATURE_PREFIX + base64.urlsafe_b64encode(carried.encode()).decode()
        text = "\n\n".join(str(part.get("text") or "") for part in summary).strip()
        blocks.append({"type": "thinking", "thinking": text, "signature": signature})
    return blocks


def reasoning_items_of(blocks: Any) -> list[dict[str, Any]]:
    """The reasoning items inside thinking blocks this package signed; other blocks are not ours to read."""
    if not isinstance(blocks, Sequence) or isinstance(blocks, str):
        return []
    items = []
    for block in blocks:
        signature = block.get("signature") if isinstance(block, Mapping) else None
        if not isinstance(signature, str) or not signature.startswith(SIGNATURE_PREFIX):
            continue
        try:
            carried = json.loads(base64.urlsafe_b64decode(signature[len(SIGNATURE_PREFIX) :].encode()))
        except (ValueError, binascii.Error):
            continue
        if isinstance(carried, dict) and isinstance(carried.get("encrypted_content"), str):
            items.append(carried)
    return items
