"""One process of the login stress test: threads of sync calls and event loops of async tasks, all at once.

Run by ``test_login_concurrency.py`` as ``python -m tests.contract.login_stress_worker``; the
settings come from the ``CODEX_*`` environment the test sets. It waits for the go-file so
that every process starts from the expired login at the same moment, and prints one JSON
line: how many calls succeeded, the errors, and the bearer tokens it used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from pathlib import Path

from litellm_codex_oauth_provider.domain.translation import ChatRequest
from litellm_codex_oauth_provider.entrypoints.container import Container


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--go-file", type=Path, required=True)
    parser.add_argument("--sync-threads", type=int, default=2)
    parser.add_argument("--sync-calls", type=int, default=5)
    parser.add_argument("--loops", type=int, default=2)
    parser.add_argument("--tasks", type=int, default=20)
    args = parser.parse_args()

    service = Container().completion_service()
    lock = threading.Lock()
    ok: list[str] = []
    errors: list[str] = []

    def record(text: str | None, error: BaseException | None) -> None:
        with lock:
            if error is None:
                ok.append(text or "")
            else:
                errors.append(f"{type(error).__name__}: {error}")

    def chat(n: int) -> ChatRequest:
        return ChatRequest(model="gpt-5.1-codex", messages=[{"role": "user", "content": f"call {n}"}])

    def sync_worker() -> None:
        for n in range(args.sync_calls):
            try:
                record(service.complete(chat(n)).text, None)
            except Exception as exc:
                record(None, exc)

    async def one(n: int) -> None:
        try:
            record((await service.acomplete(chat(n))).text, None)
        except Exception as exc:
            record(None, exc)

    async def loop_main() -> None:
        await asyncio.gather(*(one(n) for n in range(args.tasks)))

    threads = [threading.Thread(target=sync_worker) for _ in range(args.sync_threads)]
    threads += [threading.Thread(target=asyncio.run, args=(loop_main(),)) for _ in range(args.loops)]
    print(json.dumps({"ready": True}), flush=True)
    while not args.go_file.exists():
        time.sleep(0.002)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"ok": len(ok), "errors": errors}), flush=True)


if __name__ == "__main__":
    main()
