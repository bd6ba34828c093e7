"""An open answer over httpx, sync and async: its headers, and its body as batches of SSE events.

Each batch is what one network read brought, decoded; an httpx failure while
reading becomes the package's stream error.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx

from ..application.logs import get_logger
from ..domain.answer_headers import lowered, request_id_of
from ..domain.backend_errors import api_error_from_event, text_excerpt
from ..domain.errors import CodexAPIError, CodexConnectionError, CodexStreamError, CodexTimeoutError
from ..domain.ports import RawEvent
from ..domain.sse import SSEDecoder
from .network_errors import NETWORK_ERRORS, Failure, classify

logger = get_logger(__name__)


def public_url(url: httpx.URL) -> str:
    """The request's address without credentials or query: what an error may show."""
    return str(url.copy_with(userinfo=b"", query=None, fragment=None))


def _answer_fields(response: httpx.Response) -> dict[str, Any]:
    """What an error raised while reading an answer carries of it: its headers, request id and address."""
    return {
        "headers": lowered(response.headers),
        "request_id": request_id_of(response.headers),
        "url": public_url(response.request.url),
    }


def _stream_failure(exc: BaseException, response: httpx.Response) -> CodexStreamError:
    """A network failure while reading the answer, as the package's error.

    Never chained (``from None``): httpx's error holds the request, and with it the
    Authorization header. Only silence is a timeout; anything else ended the answer early.
    """
    answer = _answer_fields(response)
    if classify(exc) is Failure.SILENT:
        return CodexTimeoutError("the answer stream was silent longer than the idle timeout", **answer)
    return CodexConnectionError("the answer stream closed before response.completed", status_code=502, **answer)


def _decoded(decoder: SSEDecoder, chunk: bytes) -> list[RawEvent]:
    events = decoder.feed(chunk)
    _warn_malformed(decoder)
    return events


def _flushed(decoder: SSEDecoder) -> list[RawEvent]:
    """The events left when the body ended (a last event without its blank line)."""
    rest = decoder.flush()
    _warn_malformed(decoder)
    return rest


def _warn_malformed(decoder: SSEDecoder) -> None:
    if decoder.malformed:
        logger.warning("codex_sse_data_undecodable", skipped=len(decoder.malformed), previews=decoder.malformed[:3])
        decoder.malformed.clear()


MAX_ANSWER_BYTES = 256 * 1024 * 1024
"""The most of one answer's body read, counted after decompression: a gzip bomb cannot fill memory."""


class AnswerTooLargeError(CodexAPIError):
    """One answer's body grew past ``MAX_ANSWER_BYTES``: refused, and never retried (it would only grow again)."""


JSON_ANSWER_CAP = 1024 * 1024
"""The most of a JSON (not event-stream) answer read to find its error."""


def _is_json(response: httpx.Response) -> bool:
    content_type = str(response.headers.get("content-type", ""))
    return content_type.split(";")[0].strip().lower() == "application/json"


def _json_answer_error(raw: bytes, response: httpx.Response) -> CodexAPIError:
    """A 200 answer that is a JSON document instead of events: the backend's own error, with its message.

    (Read as events it carried "no usable event": its message was lost, and it was retried.)
    """
    try:
        body: Any = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {"error": {"message": text_excerpt(raw.decode("utf-8", "replace")) or "an empty JSON answer"}}
    return api_error_from_event({**body, "type": "error"}, headers=response.headers)


class _OpenAnswer:
    """What the sync and async answers share: the response, its headers and its request id."""

    def __init__(self, response: httpx.Response, deadline: float | None = None) -> None:
        self._response = response
        self._deadline = deadline
        self._received = 0
        self._json_body: bytearray | None = bytearray() if _is_json(response) else None
        """A JSON answer (not events) is only kept, up to ``JSON_ANSWER_CAP``, to raise its error at the end."""

    def _read(self, decoder: SSEDecoder, chunk: bytes) -> list[RawEvent]:
        """The events a network read completed, unless the call's own timeout has run out.

        Checked on every read, so a backend trickling a byte at a time cannot stretch
        a call past its timeout (the idle timeout only bounds the silence between reads),
        and a body that decompresses without end cannot fill memory.
        """
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise CodexTimeoutError(
                "the call's timeout ran out while the answer was still arriving", **_answer_fields(self._response)
            )
        self._received += len(chunk)
        if self._received > MAX_ANSWER_BYTES:
            raise AnswerTooLargeError(
                502,
                f"the backend's answer grew past {MAX_ANSWER_BYTES // (1024 * 1024)} MiB once decompressed "
                "(the cap on one answer's body); it was refused",
                transient=False,
                **_answer_fields(self._response),
            )
        if self._json_body is not None:
            self._json_body += chunk[: max(0, JSON_ANSWER_CAP - len(self._json_body))]
            return []
        return _decoded(decoder, chunk)

    def _end(self, decoder: SSEDecoder) -> list[RawEvent]:
        """The events left when the body ended; a JSON answer's error is raised here."""
        if self._json_body is not None:
            raise _json_answer_error(bytes(self._json_body), self._response)
        return _flushed(decoder)

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def request_id(self) -> str | None:
        return request_id_of(self._response.headers)


class HttpxEventStream(_OpenAnswer):
    """An open sync answer stream."""

    def batches(self) -> Iterator[list[RawEvent]]:
        decoder = SSEDecoder()
        try:
            for chunk in self._response.iter_bytes():
                events = self._read(decoder, chunk)
                if events:
                    yield events
        except NETWORK_ERRORS as exc:
            raise _stream_failure(exc, self._response) from None
        rest = self._end(decoder)
        if rest:
            yield rest

    def close(self) -> None:
        self._response.close()


class HttpxAsyncEventStream(_OpenAnswer):
    """An open async answer stream."""

    async def batches(self) -> AsyncIterator[list[RawEvent]]:
        decoder = SSEDecoder()
        try:
            async for chunk in self._response.aiter_bytes():
                events = self._read(decoder, chunk)
                if events:
                    yield events
        except NETWORK_ERRORS as exc:
            raise _stream_failure(exc, self._response) from None
        rest = self._end(decoder)
        if rest:
            yield rest

    async def aclose(self) -> None:
        await self._response.aclose()
