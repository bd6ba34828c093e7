"""`make record-fixtures`: re-record the contract fixtures against the real Codex backend.

Run it by hand, never in CI: it uses your real login (``~/.codex/auth.json``, or
``CODEX_AUTH_FILE``) and spends a few small requests of your plan. Each answer is
written to ``tests/contract/fixtures/recorded-<scenario>.sse`` by
``RecordingResponsesTransport``, which scrubs the token, the account id, e-mail
addresses, encrypted reasoning, cache keys and safety identifiers; the script
then checks the files for any trace of the login before it reports success.

    make record-fixtures                      # every scenario, default model
    .venv/bin/python scripts/record_fixtures.py --model gpt-5.4 text tool-call

Review the diff (``git diff tests/contract/fixtures``) before committing: the
contract tests replaying them (tests/contract/test_recorded_fixtures.py) say
what the provider must make of the backend's answers today.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dependency_injector import providers
from litellm_codex_oauth_provider.adapters.recording_transport import RecordingResponsesTransport
from litellm_codex_oauth_provider.domain.answer import CompletionResult
from litellm_codex_oauth_provider.domain.errors import CodexError
from litellm_codex_oauth_provider.domain.translation import ChatRequest
from litellm_codex_oauth_provider.entrypoints.container import Container

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "contract" / "fixtures"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
TOOL_QUESTION = [{"role": "user", "content": "What is the weather in Paris? Use the get_weather tool."}]

Run = Callable[[str], ChatRequest]


def _text(model: str) -> ChatRequest:
    return ChatRequest(model, [{"role": "user", "content": "Reply with exactly one word: pong"}], {})


def _reasoning(model: str) -> ChatRequest:
    messages = [{"role": "user", "content": "What is 17 + 25? Answer in one short line."}]
    return ChatRequest(model, messages, {"reasoning_effort": "medium"})


def _tool_call(model: str) -> ChatRequest:
    return ChatRequest(model, TOOL_QUESTION, {"tools": [WEATHER_TOOL], "tool_choice": "required"})


def _tool_result(model: str, call: CompletionResult | None) -> ChatRequest:
    call_id, arguments = ("call_recorded", '{"city":"Paris"}')
    if call is not None and call.tool_calls:
        call_id, arguments = call.tool_calls[0].id, call.tool_calls[0].arguments
    messages: list[dict[str, Any]] = [
        *TOOL_QUESTION,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": arguments}}
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "content": '{"sky": "sunny", "celsius": 21}'},
    ]
    return ChatRequest(model, messages, {"tools": [WEATHER_TOOL]})


SCENARIOS = ("text", "reasoning", "tool-call", "tool-result")
BUILDERS: dict[str, Run] = {"text": _text, "reasoning": _reasoning, "tool-call": _tool_call}


def leaks(path: Path, secrets: list[str]) -> list[str]:
    """What of the login is still in a written file (nothing, when the scrubber did its job)."""
    text = path.read_text(errors="replace")
    found = [f"secret #{i}" for i, secret in enumerate(secrets) if secret and secret in text]
    if "eyJ" in text:
        found.append("something shaped like a JWT")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gpt-5.5", help="the model to record (default: gpt-5.5)")
    parser.add_argument("--out", type=Path, default=FIXTURES, help="where the fixtures go")
    parser.add_argument(
        "scenarios", nargs="*", metavar="scenario", help=f"some of {', '.join(SCENARIOS)} (default: all)"
    )
    args = parser.parse_args(argv)
    chosen = args.scenarios or list(SCENARIOS)
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")

    if os.environ.get("CI"):
        print("record-fixtures talks to the real backend with a real login: not in CI", file=sys.stderr)
        return 2
    container = Container()
    try:
        auth = container.token_store().get_auth()
    except CodexError as exc:
        print(f"record-fixtures needs a real login: {exc}", file=sys.stderr)
        return 2
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    recorder = RecordingResponsesTransport(
        container.transport(), note=f"recorded from the Codex backend on {stamp} by make record-fixtures ({args.model})"
    )
    container.transport.override(providers.Object(recorder))
    service = container.completion_service()

    failures = 0
    call: CompletionResult | None = None
    for scenario in chosen:
        chat = _tool_result(args.model, call) if scenario == "tool-result" else BUILDERS[scenario](args.model)
        recorder.expect(args.out / f"recorded-{scenario}.sse")
        try:
            result = service.complete(chat)
        except CodexError as exc:
            failures += 1
            print(f"{scenario}: refused or failed: {exc}", file=sys.stderr)
            continue
        if scenario == "tool-call":
            call = result
        print(f"{scenario}: {result.finish_reason}, {len(result.text)} characters, {len(result.tool_calls)} tool calls")

    secrets = [auth.access_token, auth.account_id]
    for path in recorder.written:
        found = leaks(path, secrets)
        if found:
            path.unlink()
            print(f"{path.name}: removed, it still held {', '.join(found)}", file=sys.stderr)
            failures += 1
        else:
            print(f"wrote {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
