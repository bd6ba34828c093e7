"""The backend's failures as the package's errors: the one mapping, for HTTP and in-stream failures.

:func:`api_error_from_http` takes an HTTP status and body, :func:`api_error_from_event`
a ``response.failed`` or ``error`` event inside an answer that began 200. The
backend's error ``code`` decides the kind (a usage limit, the context window, an
overload) wherever it is given; the status decides otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .answer_headers import lowered, request_id_of
from .errors import (
    TRANSIENT_STATUSES,
    CodexAPIStatusError,
    CodexContextWindowError,
    CodexUsageLimitError,
    CodexUsageNotIncludedError,
)
from .limits import delay_from_message, retry_after_from_headers, usage_limit_info

USAGE_LIMIT_CODES = frozenset({"usage_limit_reached", "insufficient_quota"})
OVERLOAD_CODES = frozenset({"server_is_overloaded", "slow_down", "overloaded", "server_overloaded"})
POLICY_CODES = frozenset({"cyber_policy", "invalid_prompt", "content_policy_violation"})
_CONTEXT_TEXT = re.compile(r"context (?:window|length)|maximum context|too many tokens|prompt is too long", re.I)
_NOT_INCLUDED_MESSAGE = (
    "the ChatGPT {plan}plan does not include Codex: use an account whose plan includes it "
    "(sign in again with `codex login`), or upgrade the plan"
)


def _error_object(body: Any) -> dict[str, Any]:
    """The object that holds ``message``/``code`` in any of the backend's error shapes."""
    if not isinstance(body, dict):
        return {}
    response = body.get("response")
    if isinstance(response, dict) and isinstance(response.get("error"), dict):
        return dict(response["error"])
    error = body.get("error")
    if isinstance(error, dict):
        return error
    if isinstance(error, str):
        return {"message": error}
    detail = body.get("detail")
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, str):
        return {"message": detail}
    return body


def _code_of(details: Mapping[str, Any]) -> str | None:
    for key in ("code", "type"):
        value = details.get(key)
        if isinstance(value, str) and value and "." not in value and value not in ("error", "invalid_request_error"):
            return value
    return None


def _mentioned_code(body: Any) -> str | None:
    """A limit code named anywhere in the body (a usage limit dressed as a 404 hides it)."""
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    for code in ("usage_limit_reached", "usage_not_included", "rate_limit_exceeded", "insufficient_quota"):
        if code in text:
            return code
    return None


def _classify(
    status: int,
    code: str | None,
    message: str,
    details: Mapping[str, Any],
    *,
    headers: Mapping[str, str],
    retry_after: float | None,
    common: dict[str, Any],
) -> CodexAPIStatusError:
    """Shared by the HTTP and in-stream mappings: the code decides the kind, else the status."""
    if code in USAGE_LIMIT_CODES:
        info = usage_limit_info(details, headers)
        text = info.describe() if code == "usage_limit_reached" else f"the account's quota is spent: {message}"
        return CodexUsageLimitError(
            429,
            text,
            plan_type=info.plan_type,
            resets_at=info.resets_at,
            retry_after=info.retry_after if info.retry_after is not None else retry_after,
            code=code,
            **common,
        )
    if code == "usage_not_included":
        plan = details.get("plan_type") or headers.get("x-codex-plan-type")
        text = _NOT_INCLUDED_MESSAGE.format(plan=f"{plan} " if plan else "")
        return CodexUsageNotIncludedError(403, text, plan_type=plan, code=code, **common)
    if code == "context_length_exceeded" or (status in (400, 413) and _CONTEXT_TEXT.search(message)):
        return CodexContextWindowError(400, message, code=code or "context_length_exceeded", **common)
    if code == "rate_limit_exceeded":
        delay = delay_from_message(message)
        return CodexAPIStatusError(429, message, code=code, retry_after=delay or retry_after, transient=False, **common)
    if code in OVERLOAD_CODES:
        status = status if status in TRANSIENT_STATUSES else 503
        return CodexAPIStatusError(status, message, code=code, retry_after=retry_after, transient=True, **common)
    return CodexAPIStatusError(status, message, code=code, retry_after=retry_after, **common)


_HTML = re.compile(r"^\s*(<!doctype html|<html)", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
EXCERPT_CHARS = 160


def text_excerpt(text: str) -> str:
    """A short, readable excerpt of an error body: an HTML page (a proxy's, a CDN's) by its title."""
    if _HTML.match(text):
        title = _TITLE.search(text)
        words = " ".join(_TAG.sub(" ", title.group(1) if title else text).split())
        return f"an HTML error page ({words[:EXCERPT_CHARS]})" if words else "an HTML error page"
    words = " ".join(text.split())
    return words if len(words) <= EXCERPT_CHARS else words[:EXCERPT_CHARS] + " ..."


def api_error_from_http(
    status_code: int, body: Any, headers: Mapping[str, str], *, url: str | None = None
) -> CodexAPIStatusError:
    """The one place an HTTP failure of the backend becomes an error (``url``: the request's address)."""
    headers = lowered(headers)
    details = _error_object(body)
    message = details.get("message")
    if not isinstance(message, str) or not message.strip():
        message = text_excerpt(body) if isinstance(body, str) and body.strip() else "no detail given"
    code = _code_of(details)
    if status_code in (403, 404, 429) and (code is None or status_code == 404):
        code = _mentioned_code(body) or code
    common: dict[str, Any] = {
        "body": body,
        "headers": headers,
        "request_id": request_id_of(headers),
        "url": url,
    }
    retry_after = retry_after_from_headers(headers)
    return _classify(status_code, code, message, details, headers=headers, retry_after=retry_after, common=common)


def api_error_from_event(event: Mapping[str, Any], *, headers: Mapping[str, str] | None = None) -> CodexAPIStatusError:
    """A ``response.failed`` or ``error`` event of the answer stream, as the error its ``code`` names.

    The stream has no HTTP status (the answer began 200), so the code decides: a rate
    limit is 429 with the delay of "try again in ...", an overload 503, an unknown code 500.
    ``headers`` are the answer's (its request id and limits go with the error).
    """
    headers = lowered(headers or {})
    details = _error_object(dict(event))
    message = details.get("message")
    if not isinstance(message, str) or not message.strip():
        message = "the answer failed without a reason"
    code = _code_of(details)
    common: dict[str, Any] = {"body": dict(event), "headers": headers, "request_id": request_id_of(headers)}
    if code in POLICY_CODES:
        return CodexAPIStatusError(400, message, code=code, **common)
    return _classify(500, code, message, details, headers=headers, retry_after=None, common=common)
