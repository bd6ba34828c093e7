"""The rules of signing in (``codex-litellm login``), free of I/O.

The two ways ``codex login`` signs in, as PROTOCOL.md section 2 describes them: the
browser flow (authorization code with PKCE S256, a ``state``, a callback on loopback)
and the device-code flow (a code the user types on another machine, then polling).
Both end in the same token answer, which becomes the ``auth.json`` document the Codex
CLI writes. What goes over the wire and what is kept on disk lives in the adapters.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from .errors import CodexAuthError

AUTH_BASE_URL = "https://auth.openai.com"
CALLBACK_PORT = 1455
FALLBACK_CALLBACK_PORT = 1457
CALLBACK_PATH = "/auth/callback"
SCOPE = "openid profile email offline_access"
LOGIN_AGAIN = "run `codex-litellm login` again"


class CodexSignInError(CodexAuthError):
    """Signing in failed; the message says why and what to do, and never holds a code or a token."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class SignInEndpoints:
    """Every URL of the sign-in server, derived from one base (``CODEX_AUTH_BASE_URL``)."""

    base_url: str
    token_url: str

    @classmethod
    def derive(cls, base_url: str, token_url: str | None = None) -> SignInEndpoints:
        base = base_url.rstrip("/")
        return cls(base_url=base, token_url=token_url or f"{base}/oauth/token")

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/oauth/authorize"

    @property
    def revoke_url(self) -> str:
        return f"{self.base_url}/oauth/revoke"

    @property
    def device_code_url(self) -> str:
        return f"{self.base_url}/api/accounts/deviceauth/usercode"

    @property
    def device_token_url(self) -> str:
        return f"{self.base_url}/api/accounts/deviceauth/token"

    @property
    def device_verification_url(self) -> str:
        return f"{self.base_url}/codex/device"

    @property
    def device_redirect_uri(self) -> str:
        return f"{self.base_url}/deviceauth/callback"


# -- the browser flow -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pkce:
    """RFC 7636: the verifier stays here; only its S256 challenge goes to the browser."""

    verifier: str = field(repr=False)
    challenge: str


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_pkce(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> Pkce:
    verifier = _b64url(random_bytes(64))
    return Pkce(verifier=verifier, challenge=_b64url(hashlib.sha256(verifier.encode("ascii")).digest()))


def new_state(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    return _b64url(random_bytes(32))


def callback_ports(port: int) -> list[int]:
    """The configured port, then the Codex CLI's fallback (none after port 0, which picks any free one)."""
    return [port] if port in (0, FALLBACK_CALLBACK_PORT) else [port, FALLBACK_CALLBACK_PORT]


def redirect_uri_for(port: int) -> str:
    return f"http://localhost:{port}{CALLBACK_PATH}"


def authorize_url(
    endpoints: SignInEndpoints, *, client_id: str, redirect_uri: str, pkce: Pkce, state: str, originator: str
) -> str:
    """The page the browser opens, with the parameters the Codex CLI sends."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "id_token_add_organizations": "true",
        "codex_cli_simplified_flow": "true",
        "state": state,
        "originator": originator,
    }
    return f"{endpoints.authorize_url}?{urlencode(query)}"


def is_callback(target: str) -> bool:
    """Whether a request line's target is the callback (a browser also asks for ``/favicon.ico``)."""
    return urlsplit(target).path == CALLBACK_PATH


def code_from_callback(target: str, expected_state: str) -> str:
    """The authorization code the callback carries; a wrong ``state`` or an ``error=`` raises."""
    query = {name: values[0] for name, values in parse_qs(urlsplit(target).query).items() if values}
    if not secrets.compare_digest(query.get("state", ""), expected_state):
        raise CodexSignInError(
            f"the sign-in answer came back with a state that does not match this sign-in; {LOGIN_AGAIN}",
            code="state_mismatch",
        )
    error = query.get("error")
    if error:
        why = query.get("error_description") or error
        raise CodexSignInError(f"the sign-in server refused the sign-in ({_clean(why)}); {LOGIN_AGAIN}", code=error)
    code = query.get("code")
    if not code:
        raise CodexSignInError(f"the sign-in answer carried no authorization code; {LOGIN_AGAIN}", code="no_code")
    return code


def code_exchange_body(*, code: str, redirect_uri: str, client_id: str, verifier: str) -> dict[str, str]:
    """The form the token URL takes for ``grant_type=authorization_code``."""
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "code_verifier": verifier,
    }


def _clean(text: str, limit: int = 200) -> str:
    """A server's words, on one line and short: they end up in a one-line error."""
    return " ".join(str(text).split())[:limit]
