"""A stand-in for the Codex backend: a real HTTP server on 127.0.0.1.

It serves ``POST /backend-api/codex/responses`` with server-sent events in the
shapes of PROTOCOL.md section 4, checks what the real backend checks, and records
every request so tests can assert on it. It deliberately imports nothing from
the package: it stands for the other side of the wire.

Run it on its own: ``python tests/fakes/codex_backend.py --port 8765``.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RESPONSES_PATH = "/backend-api/codex/responses"
MODELS_PATH = "/backend-api/codex/models"
UNSUPPORTED_PARAMETERS = (
    "max_output_tokens",
    "max_completion_tokens",
    "max_tokens",
    "temperature",
    "top_p",
    "user",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "logprobs",
    "top_logprobs",
    "stop",
    "metadata",
    "n",
)
DEFAULT_USAGE = {
    "input_tokens": 21,
    "input_tokens_details": {"cached_tokens": 5},
    "output_tokens": 9,
    "output_tokens_details": {"reasoning_tokens": 3},
    "total_tokens": 30,
}

_ids = itertools.count(1)


# -- answer builders ---------------------------------------------------------------


def _created(response_id: str, model: str) -> list[dict[str, Any]]:
    response = {
        "id": response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress",
        "model": model,
        "output": [],
    }
    return [
        {"type": "response.created", "response": response},
        {"type": "response.in_progress", "response": response},
    ]


def _completed(response_id: str, model: str, output: list[Any], usage: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "type": "response.completed",
        "response": {
            "id": response_id,
            "object": "response",
            "status": "completed",
            "model": model,
            "output": output,
            "usage": usage,
        },
    }


def message_events(text: str, *, output_index: int = 0, pieces: int | None = None) -> list[dict[str, Any]]:
    """The events of one assistant message, its text split into ``pieces`` deltas."""
    item_id = f"msg_{next(_ids)}"
    count = pieces or max(1, min(len(text), 8))
    size = max(1, -(-len(text) // count))
    deltas = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    item = {"type": "message", "id": item_id, "role": "assistant", "status": "in_progress", "content": []}
    done_item = {**item, "status": "completed", "content": [{"type": "output_text", "text": text, "annotations": []}]}
    base = {"item_id": item_id, "output_index": output_index, "content_index": 0}
    return [
        {"type": "response.output_item.added", "output_index": output_index, "item": item},
        {"type": "response.content_part.added", **base, "part": {"type": "output_text", "text": ""}},
        *({"type": "response.output_text.delta", **base, "delta": d, "obfuscation": "xyz"} for d in deltas),
        {"type": "response.output_text.done", **base, "text": text},
        {"type": "response.content_part.done", **base, "part": {"type": "output_text", "text": text}},
        {"type": "response.output_item.done", "output_index": output_index, "item": done_item},
    ]


def reasoning_events(
    summary: str, *, output_index: int = 0, encrypted: str = "gAAAAencrypted=="
) -> list[dict[str, Any]]:
    item_id = f"rs_{next(_ids)}"
    base = {"item_id": item_id, "output_index": output_index, "summary_index": 0}
    half = len(summary) // 2
    return [
        {
            "type": "response.output_item.added",
            "output_index": output_index,
            "item": {"type": "reasoning", "id": item_id, "summary": []},
        },
        {"type": "response.reasoning_summary_part.added", **base, "part": {"type": "summary_text", "text": ""}},
        {"type": "response.reasoning_summary_text.delta", **base, "delta": summary[:half]},
        {"type": "response.reasoning_summary_text.delta", **base, "delta": summary[half:]},
        {"type": "response.reasoning_summary_text.done", **base, "text": summary},
        {"type": "response.reasoning_summary_part.done", **base, "part": {"type": "summary_text", "text": summary}},
        {
            "type": "response.output_item.done",
            "output_index": output_index,
            "item": {
                "type": "reasoning",
                "id": item_id,
                "summary": [{"type": "summary_text", "text": summary}],
                "encrypted_content": encrypted,
            },
        },
    ]


def function_call_events(name: str, arguments: str, *, call_id: str, output_index: int = 0) -> list[dict[str, Any]]:
    item_id = f"fc_{next(_ids)}"
    item = {
        "type": "function_call",
        "id": item_id,
        "call_id": call_id,
        "name": name,
        "arguments": "",
        "status": "in_progress",
    }
    half = len(arguments) // 2
    return [
        {"type": "response.output_item.added", "output_index": output_index, "item": item},
        {
            "type": "response.function_call_arguments.delta",
            "item_id": item_id,
            "output_index": output_index,
            "delta": arguments[:half],
        },
        {
            "type": "response.function_call_arguments.delta",
            "item_id": item_id,
            "output_index": output_index,
            "delta": arguments[half:],
        },
        {
            "type": "response.function_call_arguments.done",
            "item_id": item_id,
            "output_index": output_index,
            "arguments": arguments,
        },
        {
            "type": "response.output_item.done",
            "output_index": output_index,
            "item": {**item, "arguments": arguments, "status": "completed"},
        },
    ]


def answer(
    *parts: list[dict[str, Any]],
    model: str = "gpt-5.1-codex",
    usage: dict[str, Any] | None = None,
    empty_output: bool = False,
) -> list[dict[str, Any]]:
    """A whole answer stream: created, the parts' events, completed with usage."""
    response_id = f"resp_{next(_ids)}"
    events = [event for part in parts for event in part]
    output = [] if empty_output else [e["item"] for e in events if e["type"] == "response.output_item.done"]
    return [
        *_created(response_id, model),
        *events,
        _completed(response_id, model, output, DEFAULT_USAGE if usage is None else usage),
    ]


def text_answer(text: str, **kwargs: Any) -> list[dict[str, Any]]:
    pieces = kwargs.pop("pieces", None)
    return answer(message_events(text, pieces=pieces), **kwargs)


def encode_sse(events: Iterable[dict[str, Any]]) -> list[bytes]:
    """Each event framed as the backend frames it: ``event: <type>`` and ``data: <json>``."""
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]


def failed_event(code: str, message: str, *, response_id: str = "resp_failed") -> dict[str, Any]:
    """A ``response.failed`` event, as the backend ends an answer it cannot finish."""
    return {
        "type": "response.failed",
        "response": {
            "id": response_id,
            "object": "response",
            "status": "failed",
            "error": {"code": code, "message": message},
        },
    }


def error_event(code: str, message: str) -> dict[str, Any]:
    """A bare ``error`` event."""
    return {"type": "error", "code": code, "message": message, "param": None}


def limit_headers(primary_used: float = 42.0, secondary_used: float = 7.5, *, plan: str = "plus") -> dict[str, str]:
    """The ``x-codex-*`` headers the backend puts on every answer."""
    return {
        "x-codex-primary-used-percent": str(primary_used),
        "x-codex-primary-window-minutes": "300",
        "x-codex-primary-reset-after-seconds": "3600",
        "x-codex-primary-reset-at": str(int(time.time()) + 3600),
        "x-codex-secondary-used-percent": str(secondary_used),
        "x-codex-secondary-window-minutes": "10080",
        "x-codex-secondary-reset-after-seconds": "86400",
        "x-codex-secondary-reset-at": str(int(time.time()) + 86400),
        "x-codex-plan-type": plan,
        "x-codex-active-limit": "primary",
    }


def usage_limit_body(plan: str = "plus", resets_in_seconds: int = 5400) -> dict[str, Any]:
    """What the backend answers (429) when the plan's usage window is spent."""
    return {
        "error": {
            "type": "usage_limit_reached",
            "message": "The usage limit has been reached",
            "plan_type": plan,
            "resets_at": int(time.time()) + resets_in_seconds,
            "resets_in_seconds": resets_in_seconds,
        }
    }


# -- scripted replies ----------------------------------------------------------------


@dataclass
class Reply:
    """What the fake answers to one Responses request.

    ``events`` are sent as SSE: all in one write (``together``), or one write each
    with ``delay`` seconds between them. A ``status`` of 300 or more sends ``body``
    instead (JSON, or as it is when it is a string) with ``headers``.

    Fault modes: ``drop_after`` closes the connection after that many events;
    ``silent_after`` sends that many events and then nothing at all (the connection
    stays open for ``silence`` seconds); ``raw`` sends those bytes instead of events
    (garbage, odd framing); ``trickle`` sends the stream that many bytes at a time,
    ``delay`` seconds apart.
    """

    events: list[dict[str, Any]] | None = None
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    together: bool = True
    delay: float = 0.0
    drop_after: int | None = None
    raw: bytes | None = None
    silent_after: int | None = None
    silence: float = 30.0
    trickle: int | None = None
    hold_last: threading.Event | None = None
    hold_seconds: float = 60.0
    """The longest the last event waits for ``hold_last`` (a test that never sets it still ends)."""


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeCodexBackend:
    """The server and its state. Use as a context manager, or ``start()``/``stop()``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, listen_queue: int | None = None) -> None:
        self.requests: list[RecordedRequest] = []
        self.replies: deque[Reply] = deque()
        self.valid_tokens: set[str] | None = None
        """When set, a bearer token outside it is answered 401."""
        self.usage_limited_tokens: set[str] = set()
        """Bearer tokens whose plan's usage limit is spent: answered 429 ``usage_limit_reached``."""
        self.models: list[dict[str, Any]] = []
        """What ``GET /codex/models`` lists; its ETag follows the content (304 to a matching If-None-Match)."""
        self.models_status: int = 200
        """Anything else than 200 answers ``/codex/models`` with that status."""
        self.models_delay: float = 0.0
        self.connections = 0
        self.stopping = False
        self.scripted: Reply | None = None
        """A reply served to every request while the queue is empty (see ``scripted_reply``)."""
        self._lock = threading.Lock()
        self._server = _Server((host, port), _handler_for(self), bind_and_activate=False)
        if listen_queue is not None:
            self._server.request_queue_size = listen_queue  # read by listen() in server_activate
        self._server.server_bind()
        self._server.server_activate()
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/backend-api"

    def start(self) -> FakeCodexBackend:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-codex", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping = True
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeCodexBackend:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def enqueue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    @property
    def response_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith(RESPONSES_PATH)]

    @property
    def models_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(MODELS_PATH)]

    def models_etag(self) -> str:
        return '"' + hashlib.sha256(json.dumps(self.models, sort_keys=True).encode()).hexdigest()[:20] + '"'

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.replies:
                return self.replies.popleft()
            if self.scripted is not None:
                return self.scripted
        return Reply(events=text_answer(default_text(body), model=str(body.get("model"))))


def default_text(body: dict[str, Any]) -> str:
    last_user = ""
    for item in body.get("input") or []:
        if isinstance(item, dict) and item.get("role") == "user":
            last_user = " ".join(p.get("text", "") for p in item.get("content") or [] if isinstance(p, dict))
    return f"Hello from the local stand-in Codex backend. You said: {last_user}"


def validate_models_request(headers: dict[str, str], valid_tokens: set[str] | None) -> tuple[int, Any] | None:
    auth = headers.get("authorization", "")
    if not auth.startswith("Bearer ") or (valid_tokens is not None and auth[7:] not in valid_tokens):
        return 401, {"detail": "Unauthorized"}
    if not headers.get("chatgpt-account-id"):
        return 403, {"detail": "Missing chatgpt-account-id header"}
    return None


def validate(headers: dict[str, str], body: Any, valid_tokens: set[str] | None) -> tuple[int, dict[str, Any]] | None:
    """What the real backend refuses, as (status, body); ``None`` when the request is acceptable."""
    auth = headers.get("authorization", "")
    if not auth.startswith("Bearer ") or (valid_tokens is not None and auth[7:] not in valid_tokens):
        return 401, {"detail": "Unauthorized"}
    if not headers.get("chatgpt-account-id"):
        return 403, {"detail": "Missing chatgpt-account-id header"}
    if not isinstance(body, dict):
        return 400, {"detail": "Request body must be a JSON object"}
    for name in UNSUPPORTED_PARAMETERS:
        if name in body:
            return 400, {"detail": f"Unsupported parameter: {name}"}
    if body.get("store") is not False:
        return 400, {"detail": "Store must be set to false"}
    if body.get("stream") is not True:
        return 400, {"detail": "Stream must be set to true"}
    if not isinstance(body.get("instructions"), str) or not body["instructions"].strip():
        return 400, {"detail": "Instructions are required"}
    if not isinstance(body.get("input"), list):
        return 400, {"detail": "Input must be a list"}
    for index, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or "name" not in tool:
            return 400, {"detail": f"Missing required parameter: 'tools[{index}].name'"}
    calls: set[str] = set()
    for item in body["input"]:
        if not isinstance(item, dict):
            return 400, {"detail": "Input items must be objects"}
        if item.get("type") == "message" and item.get("role") == "system":
            return 400, {"detail": "System messages are not allowed"}
        if item.get("type") == "item_reference":
            return 400, {"detail": "Items are not persisted when store is set to false."}
        if item.get("type") == "function_call":
            calls.add(str(item.get("call_id")))
        if item.get("type") == "function_call_output" and item.get("call_id") not in calls:
            return 400, {"detail": f"No tool call found for function call output with call_id {item.get('call_id')}."}
    return None


# -- benchmark support (issue 8): scripted replies and a control endpoint ---------------------
#
# A benchmark runs this fake in its own process (so it does not compete for the
# benchmark's GIL) and steers it over HTTP: ``POST /_control`` with
# ``{"script": {"deltas": 500}}`` (everything in one write) or
# ``{"script": {"events": 60, "delay": 0.01}}`` (one write per event, paced) makes
# every following Responses request get that answer; ``{"script": null}`` goes
# back to the default. ``GET /_control`` answers the connection and request counts.

CONTROL_PATH = "/_control"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a hundred streams connecting at once must not overflow the accept queue

    def get_request(self) -> tuple[socket.socket, Any]:
        # Like real servers, send each write at once: without TCP_NODELAY the stream's closing
        # chunk waits for the client's delayed ACK (40 ms on Linux) behind the data before it.
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is one of the faults under test, not a server error."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def scripted_reply(script: dict[str, Any]) -> Reply:
    """An answer with ``deltas`` text deltas, or ``events`` events in all; sent at once or ``delay`` apart."""
    delay = float(script.get("delay") or 0.0)
    deltas = int(script.get("deltas") or 0)
    if not deltas:
        # created, in_progress, item added, part added, text done, part done, item done, completed
        deltas = max(1, int(script.get("events") or 60) - 8)
    text = "".join(f"w{i} " for i in range(deltas))
    events = text_answer(text, pieces=deltas, model=str(script.get("model") or "gpt-5.1-codex"))
    if delay:
        return Reply(events=events, together=False, delay=delay)
    # Encoded once: every request gets the same bytes, so the fake costs little per answer.
    return Reply(raw=b"".join(encode_sse(events)))


def control(backend: FakeCodexBackend, body: Any) -> tuple[int, Any]:
    if not isinstance(body, dict):
        return 400, {"detail": "expected a JSON object"}
    if "script" in body:
        script = body["script"]
        backend.scripted = scripted_reply(script) if isinstance(script, dict) else None
    if body.get("reset_counts"):
        with backend._lock:
            backend.connections = 0
            backend.requests.clear()
    return 200, control_stats(backend)


def control_stats(backend: FakeCodexBackend) -> dict[str, Any]:
    with backend._lock:
        paths: dict[str, int] = {}
        for request in backend.requests:
            key = f"{request.method} {request.path.split('?')[0]}"
            paths[key] = paths.get(key, 0) + 1
        return {"connections": backend.connections, "requests": paths}


# -- end of benchmark support -------------------------------------------------------------------


def _handler_for(backend: FakeCodexBackend) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            with backend._lock:
                backend.connections += 1

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self, body: Any) -> dict[str, str]:
            headers = {k.lower(): v for k, v in self.headers.items()}
            with backend._lock:
                backend.requests.append(RecordedRequest(self.command, self.path, headers, body))
            return headers

        def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("content-length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.startswith(CONTROL_PATH):
                self._send_json(200, control_stats(backend))
                return
            headers = self._record(None)
            if not self.path.startswith(MODELS_PATH):
                self._send_json(404, {"detail": "Not Found"})
                return
            if backend.models_delay:
                time.sleep(backend.models_delay)
            refusal = validate_models_request(headers, backend.valid_tokens)
            if refusal is not None:
                self._send_json(*refusal)
            elif backend.models_status != 200:
                self._send_json(backend.models_status, {"detail": "catalog unavailable"})
            elif headers.get("if-none-match") == (etag := backend.models_etag()):
                self.send_response(304)
                self.send_header("etag", etag)
                self.send_header("content-length", "0")
                self.end_headers()
            else:
                self._send_json(200, {"models": backend.models}, {"etag": etag})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            if self.path.startswith(CONTROL_PATH):
                self._send_json(*control(backend, body))
                return
            headers = self._record(body)
            if not self.path.startswith(RESPONSES_PATH):
                self._send_json(404, {"detail": "Not Found"})
                return
            refusal = validate(headers, body, backend.valid_tokens)
            if refusal is not None:
                self._send_json(*refusal)
                return
            if headers.get("authorization", "")[len("Bearer ") :] in backend.usage_limited_tokens:
                self._send_json(429, usage_limit_body(resets_in_seconds=3600), {"retry-after": "3600"})
                return
            self._reply(backend.next_reply(body))

        def _reply(self, reply: Reply) -> None:
            if reply.status >= 300:
                self._send_json(reply.status, reply.body if reply.body is not None else {}, reply.headers)
                return
            self.send_response(reply.status)
            if "content-type" not in {key.lower() for key in reply.headers}:
                self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.send_header("x-request-id", f"req_{next(_ids)}")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            frames = [reply.raw] if reply.raw is not None else encode_sse(reply.events or [])
            cut = reply.drop_after if reply.drop_after is not None else reply.silent_after
            if cut is not None:
                frames = frames[:cut]
            if reply.trickle:
                data = b"".join(frames)
                frames = [data[i : i + reply.trickle] for i in range(0, len(data), reply.trickle)]
            try:
                if reply.hold_last is not None:
                    self._chunk(b"".join(frames[:-1]))
                    reply.hold_last.wait(reply.hold_seconds)
                    self._chunk(frames[-1])
                elif reply.together and not reply.delay and not reply.trickle:
                    self._chunk(b"".join(frames))
                else:
                    for frame in frames:
                        self._chunk(frame)
                        if reply.delay:
                            time.sleep(reply.delay)
                if reply.silent_after is not None:
                    self._stay_silent(reply.silence)
                if reply.drop_after is not None or reply.silent_after is not None:
                    self.close_connection = True
                    return
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _stay_silent(self, seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not backend.stopping:
                time.sleep(0.05)

        def _chunk(self, data: bytes) -> None:
            if data:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    backend = FakeCodexBackend(args.host, args.port)
    print(f"fake Codex backend on {backend.base_url}", flush=True)
    backend._server.serve_forever()


if __name__ == "__main__":
    main()
