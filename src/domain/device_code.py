"""The device-code sign-in (``codex-litellm login --device``), free of I/O.

For machines without a browser: the server hands out a code the user types on
another device, and the client polls until it is entered. The poll follows RFC 8628
where the server speaks it (``authorization_pending``, ``slow_down``,
``expired_token``, ``access_denied``) and the Codex server's own habits (403 or 404
while the code is not entered yet, the interval as a string).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .login_errors import error_code
from .signin import LOGIN_AGAIN, CodexSignInError, SignInEndpoints

DEVICE_WAIT_SECONDS = 15 * 60
"""How long a device code is polled when the server does not say when it expires."""
SLOW_DOWN_STEP_SECONDS = 5.0
"""RFC 8628: ``slow_down`` adds five seconds to the polling interval."""


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """What the user is shown (URL and code) and what the poll sends back."""

    device_auth_id: str = field(repr=False)
    user_code: str
    interval: float
    verification_url: str
    expires_in: float = DEVICE_WAIT_SECONDS


def seconds(value: Any, default: float) -> float:
    """A number of seconds that may arrive as a number or as a string (``"5"``)."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return float(value) if value > 0 else default
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return default
        return number if number > 0 else default
    return default


def device_code_of(answer: Any, endpoints: SignInEndpoints) -> DeviceCode:
    if not isinstance(answer, Mapping):
        raise CodexSignInError("the sign-in server's device-code answer is not a JSON object; try again later")
    device_auth_id, user_code = answer.get("device_auth_id"), answer.get("user_code") or answer.get("usercode")
    if not isinstance(device_auth_id, str) or not device_auth_id or not isinstance(user_code, str) or not user_code:
        raise CodexSignInError("the sign-in server's device-code answer lacks the code; try again later")
    url = answer.get("verification_uri") or answer.get("verification_url")
    return DeviceCode(
        device_auth_id=device_auth_id,
        user_code=user_code,
        interval=seconds(answer.get("interval"), 5.0),
        verification_url=url if isinstance(url, str) and url else endpoints.device_verification_url,
        expires_in=seconds(answer.get("expires_in"), DEVICE_WAIT_SECONDS),
    )


@dataclass(frozen=True, slots=True)
class DeviceApproval:
    """The device poll's success: an authorization code and the verifier the server made for it."""

    authorization_code: str = field(repr=False)
    code_verifier: str = field(repr=False)


_STOPS = {
    "expired_token": "the device code expired before it was entered",
    "access_denied": "the sign-in was denied on the verification page",
}


def device_poll_step(status: int, body: Any, interval: float) -> DeviceApproval | float:
    """One poll's answer: the approval, or how long to wait before the next poll.

    403 and 404 mean "not entered yet"; ``authorization_pending`` the same;
    ``slow_down`` adds five seconds; ``expired_token`` and ``access_denied`` stop.
    """
    code = error_code(body)
    if code in _STOPS:
        raise CodexSignInError(f"{_STOPS[code]}; {LOGIN_AGAIN} (`--device`)", code=code)
    if code == "slow_down":
        return interval + SLOW_DOWN_STEP_SECONDS
    if status in (403, 404) or code == "authorization_pending":
        return interval
    if status == 200 and isinstance(body, Mapping):
        authorization_code, verifier = body.get("authorization_code"), body.get("code_verifier")
        if isinstance(authorization_code, str) and authorization_code and isinstance(verifier, str) and verifier:
            return DeviceApproval(authorization_code=authorization_code, code_verifier=verifier)
        raise CodexSignInError("the sign-in server approved the device code but sent no authorization code")
    if status >= 500 or status in (408, 429):
        return interval  # the server is busy: keep polling until the code expires
    raise CodexSignInError(
        f"the sign-in server refused the device-code poll (HTTP {status}{f', {code}' if code else ''}); "
        f"{LOGIN_AGAIN} (`--device`)",
        code=code,
    )
