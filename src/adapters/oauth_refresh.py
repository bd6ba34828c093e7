"""The one HTTP call of the login lifecycle: ``POST`` the refresh token to the OAuth endpoint.

A refresh happens about once a week, from whichever thread or event loop found the
token stale, so each call opens its own short-lived client (an ``AsyncClient``
belongs to the loop that first used it). Tests hand in httpx transports.
"""

from __future__ import annotations

from typing import Any

import httpx

from ..application.logs import get_logger
from ..domain.constants import CODEX_OAUTH_CLIENT_ID
from ..domain.login import refresh_request_body
from ..domain.login_errors import refresh_failed, refresh_malformed, refresh_unreachable

logger = get_logger(__name__)

_SUCCESS = 200


class OAuthRefreshClient:
    """Exchanges a refresh token for new tokens; raises ``CodexAuthRefreshError`` on any failure."""

    def __init__(
        self,
        token_url: str,
        *,
        client_id: str = CODEX_OAUTH_CLIENT_ID,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.timeout = timeout
        self._transport = transport
        self._async_transport = async_transport

    def __repr__(self) -> str:
        return f"OAuthRefreshClient(token_url={self.token_url!r})"

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        body = refresh_request_body(refresh_token, self.client_id)
        try:
            with httpx.Client(timeout=self.timeout, transport=self._transport) as client:
                response = client.post(self.token_url, json=body, headers={"accept": "application/json"})
        except httpx.HTTPError as exc:
            raise refresh_unreachable(self.token_url, type(exc).__name__) from None
        return self._answer(response)

    async def arefresh(self, refresh_token: str) -> dict[str, Any]:
        body = refresh_request_body(refresh_token, self.client_id)
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self._async_transport) as client:
                response = await client.post(self.token_url, json=body, headers={"accept": "application/json"})
        except httpx.HTTPError as exc:
            raise refresh_unreachable(self.token_url, type(exc).__name__) from None
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        try:
            payload: Any = response.json()
        except ValueError:
            payload = None
        if response.status_code != _SUCCESS:
            text = response.text if payload is None else ""
            error = refresh_failed(response.status_code, payload, self.token_url, text=text)
            logger.warning(
                "codex_login_refresh_refused", status=response.status_code, code=error.code, transient=error.transient
            )
            raise error
        if not isinstance(payload, dict) or not isinstance(payload.get("access_token"), str):
            raise refresh_malformed(self.token_url)
        return payload
