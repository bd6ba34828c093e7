"""The README's embedding example under an audit hook: every connection it opens, and every name it resolves.

Run by ``test_embedding.py`` as ``python -m tests.contract.embedding_no_network_worker`` (a
process of its own, so the hook never reaches other tests). It installs the hook before
anything is imported, runs the example (a static token, the application's instructions, a
replay transport) sync and async, lets any background work of the provider finish, and
prints one JSON line: the answers, and the destinations that were not loopback.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sys
import threading
from pathlib import Path
from typing import Any

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
outside: list[str] = []


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.getaddrinfo":
        host = args[0]
        if host is not None and not _is_loopback(host):
            outside.append(f"resolve {host!r}")
    elif event == "socket.connect":
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) == socket.AF_UNIX:
            return
        host = address[0] if isinstance(address, tuple) and address else address
        if not _is_loopback(host):
            outside.append(f"connect {host!r}")


sys.addaudithook(_audit)

FIXTURES = Path(__file__).parent / "fixtures"


def main() -> None:
    import asyncio

    import litellm
    from litellm_codex_oauth_provider import CodexAuthProvider, register
    from litellm_codex_oauth_provider.adapters.replay_transport import ReplayResponsesTransport
    from litellm_codex_oauth_provider.adapters.static_instructions import StaticInstructionSource
    from litellm_codex_oauth_provider.adapters.static_token_store import StaticTokenStore

    replay = ReplayResponsesTransport([FIXTURES / "recorded-text.sse"] * 2)
    provider = CodexAuthProvider(
        token_store=StaticTokenStore(access_token="app-token", account_id="acct-app"),
        instruction_source=StaticInstructionSource("You are the assistant of MyApp."),
        transport=replay,
    )
    register(provider, name="myapp-codex")
    messages = [{"role": "user", "content": "Reply with exactly one word: pong"}]
    answers = [litellm.completion(model="myapp-codex/gpt-5.5", messages=messages).choices[0].message.content]

    async def async_call() -> str:
        response = await litellm.acompletion(model="myapp-codex/gpt-5.5", messages=messages)
        return str(response.choices[0].message.content)

    answers.append(asyncio.run(async_call()))
    for thread in threading.enumerate():  # background fetches the provider may have started
        if thread is not threading.current_thread() and thread.name.startswith("codex-"):
            thread.join(timeout=30)
    print(json.dumps({"answers": answers, "requests": len(replay.requests), "outside": outside}))


if __name__ == "__main__":
    main()
