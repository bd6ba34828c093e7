"""`make demo`: one streamed answer through LiteLLM and the real provider, with no account needed.

A local stand-in for the Codex backend answers (tests/fakes/codex_backend.py), and a
throwaway login file in a temporary folder stands in for ~/.codex/auth.json.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer
from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file

ANSWER = (
    "This answer comes from a local stand-in for the Codex backend, streamed through "
    "litellm.completion and the real provider: the login file, the request, the SSE "
    "decoding and the chunks are all the real code path."
)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, FakeCodexBackend() as backend:
        login = write_auth_file(Path(folder) / "auth.json", codex_auth_document(make_jwt(exp=time.time() + 3600)))
        os.environ.update(
            CODEX_AUTH_FILE=str(login),
            CODEX_BASE_URL=backend.base_url,
            CODEX_CACHE_DIR=str(Path(folder) / "cache"),
            CODEX_INSTRUCTIONS_SOURCES="catalog",  # offline: no GitHub; the stand-in's catalog, else the default
        )
        backend.enqueue(Reply(events=text_answer(ANSWER, pieces=24), together=False, delay=0.05))

        import litellm
        from litellm_codex_oauth_provider import register

        register()
        print(f"[demo] a local stand-in backend answers at {backend.base_url} (no ChatGPT account used)\n")
        stream = litellm.completion(
            model="codex/gpt-5.1-codex",
            messages=[{"role": "user", "content": "Say something about this demo."}],
            stream=True,
            stream_options={"include_usage": True},
        )
        usage = None
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                print(chunk.choices[0].delta.content, end="", flush=True)
            usage = getattr(chunk, "usage", None) or usage
        print("\n")
        if usage is not None:
            print(f"[demo] usage: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens")
        (request,) = backend.response_requests
        print(f"[demo] the stand-in backend received model={request.body['model']!r}, store=False, stream=True")


if __name__ == "__main__":
    main()
