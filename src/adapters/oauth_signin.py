"""The sign-in server's HTTP calls: the code exchange, the device code and its poll, revocation.

Sign-in happens once in a while from the command line, so the calls are synchronous
and share one short-lived client per ``OAuthSignInClient``. Every failure becomes a
``CodexSignInError`` whose text names the URL and the server's error code, never
the code, the verifier or a token. Tests hand in an httpx transport or point
``CODEX_AUTH_BASE_URL`` at a loopback stand-in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from ..application.logs import get_logger
from ..domain.constants import CODEX_OAUTH_CLIENT_ID
from ..domain.device_code import DeviceApproval, DeviceCode, device_code_of, device_poll_step
from ..domain.login_errors import error_code
from ..domain.signin import LOGIN_AGAIN, CodexSignInError, SignInEndpoints, code_exchange_body
from ..domain.signin_document import checked_token_answer

logger = get_logger(__name__)

_JSON = {"accept": "application/json"}


class OAuthSignInClient:
    """The HTTP side of ``codex-litellm login`` and ``logout``."""

    def __init__(
        self,
        endpoints: SignInEndpoints,
        *,
        client_id: str = CODEX_OAUTH_CLIENT_ID,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoints = endpoints
        self.client_id = client_id
        self._client = httpx.Client(timeout=timeout, transport=transport, headers=_JSON)
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:
        return f"OAuthSignInClient(base_url={self.endpoints.base_url!r})"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> OAuthSignInClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the code exchange (both flows end here) ---------------------------------------------

    def exchange_code(self, code: str, *, redirect_uri: str, verifier: str) -> dict[str, str]:
        """The three tokens the authorization code buys (form-encoded, as the Codex CLI sends it)."""
        body = code_exchange_body(code=code, redirect_uri=redirect_uri, client_id=self.client_id, verifier=verifier)
        url = self.endpoints.token_url
        response = self._post(url, "the code exchange", data=body)
        payload = _json(response)
        if response.status_code != httpx.codes.OK:
            error = error_code(payload)
            logger.warning("codex_signin_exchange_refused", status=response.status_code, code=error)
            detail = f"HTTP {response.status_code}" + (f", {error}" if error else "")
            raise CodexSignInError(f"the sign-in server {url} refused the code exchange ({detail}); {LOGIN_AGAIN}")
        return checked_token_answer(payload)

    # -- the device-code flow ---------------------------------------------------------------------

    def request_device_code(self) -> DeviceCode:
        url = self.endpoints.device_code_url
        response = self._post(url, "the device-code request", json={"client_id": self.client_id})
        payload = _json(response)
        if response.status_code != httpx.codes.OK:
            error = error_code(payload)
            hint = " (device-code sign-in may not be enabled for this server)" if response.status_code == 404 else ""
            raise CodexSignInError(
                f"the sign-in server {url} refused to issue a device code (HTTP {response.status_code}"
                f"{f', {error}' if error else ''}){hint}; try the browser sign-in (`codex-litellm login`)"
            )
        return device_code_of(payload, self.endpoints)

    def wait_for_approval(self, device: DeviceCode, *, on_wait: Callable[[], None] | None = None) -> DeviceApproval:
        """Poll until the user enters the code: at the server's interval, slower when told, until it expires."""
        deadline = self._clock() + device.expires_in
        interval = device.interval
        body = {"device_auth_id": device.device_auth_id, "user_code": device.user_code}
        while True:
            self._sleep(interval)
            if self._clock() >= deadline:
                raise CodexSignInError(
                    f"the device code expired before it was entered; {LOGIN_AGAIN} (`--device`)", code="expired_token"
                )
            try:
                response = self._client.post(self.endpoints.device_token_url, json=body)
            except httpx.HTTPError as exc:  # a network hiccup while the user types: keep polling
                logger.warning("codex_signin_poll_failed", error=type(exc).__name__)
                continue
            step = device_poll_step(response.status_code, _json(response), interval)
            if isinstance(step, DeviceApproval):
                return step
            if step != interval:
                logger.info("codex_signin_poll_slowed", interval=step)
            interval = step
            if on_wait is not None:
                on_wait()

    # -- revocation (best effort) -------------------------------------------------------------------

    def revoke(self, refresh_token: str) -> bool:
        """Ask the server to forget a refresh token; ``False`` (never an error) when it cannot be done."""
        body = {"token": refresh_token, "token_type_hint": "refresh_token", "client_id": self.client_id}
        try:
            response = self._client.post(self.endpoints.revoke_url, json=body, timeout=10.0)
        except httpx.HTTPError as exc:
            logger.warning("codex_signin_revoke_failed", error=type(exc).__name__)
            return False
        if response.status_code >= 300:
            logger.warning("codex_signin_revoke_refused", status=response.status_code)
            return False
        return True

    # -- shared -----------------------------------------------------------------------------------

    def _post(self, url: str, what: str, **content: Any) -> httpx.Response:
        try:
            return self._client.post(url, **content)
        except httpx.HTTPError as exc:
            raise CodexSignInError(
                f"{what} could not reach the sign-in server {url} ({type(exc).__name__}); "
                "check the network (or CODEX_AUTH_BASE_URL) and try again"
            ) from None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
