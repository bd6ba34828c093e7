"""The fake backend's benchmark controls: what ``make bench`` relies on to steer it from another process."""

from __future__ import annotations

import json

import httpx

from tests.fakes.codex_backend import FakeCodexBackend, Reply, text_answer
from tests.fakes.logins import ACCOUNT_ID

HEADERS = {"authorization": "Bearer t", "chatgpt-account-id": ACCOUNT_ID}
BODY = {"model": "m", "instructions": "x", "input": [], "store": False, "stream": True}


def _deltas(response: httpx.Response) -> list[str]:
    lines = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    return [e["delta"] for e in map(json.loads, lines) if e["type"] == "response.output_text.delta"]


def test_a_script_answers_every_request_until_cleared_and_counts_are_reported() -> None:
    with FakeCodexBackend() as backend, httpx.Client(base_url=backend.base_url.removesuffix("/backend-api")) as client:
        stats = client.post("/_control", json={"script": {"deltas": 3}, "reset_counts": True}).json()
        assert stats["requests"] == {}
        for _ in range(2):
            answer = client.post("/backend-api/codex/responses", headers=HEADERS, json=BODY)
            assert _deltas(answer) == ["w0 ", "w1 ", "w2 "]
        backend.enqueue(Reply(events=text_answer("queued", pieces=1)))  # a queued reply still comes first
        assert _deltas(client.post("/backend-api/codex/responses", headers=HEADERS, json=BODY)) == ["queued"]
        stats = client.get("/_control").json()
        assert stats["requests"] == {"POST /backend-api/codex/responses": 3}
        assert stats["connections"] == 0  # the kept-alive connection was opened before the reset
        client.post("/_control", json={"script": None})
        answer = client.post("/backend-api/codex/responses", headers=HEADERS, json=BODY)
        assert "".join(_deltas(answer)).startswith("Hello from the local stand-in")


def test_a_paced_script_has_the_asked_number_of_events_one_write_each() -> None:
    with FakeCodexBackend() as backend, httpx.Client(base_url=backend.base_url.removesuffix("/backend-api")) as client:
        client.post("/_control", json={"script": {"events": 12, "delay": 0.001}})
        with client.stream("POST", "/backend-api/codex/responses", headers=HEADERS, json=BODY) as answer:
            body = b"".join(answer.iter_bytes())
        assert body.count(b"\n\n") == 12
