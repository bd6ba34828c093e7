"""A stand-in for the sign-in server ``https://auth.openai.com``: a real HTTP server on 127.0.0.1.

It plays both of ``codex login``'s flows as PROTOCOL.md section 2 describes them:
``/oauth/authorize`` checks the PKCE parameters and redirects the browser to the
callback with a code; ``/oauth/token`` exchanges a code (checking the verifier
against the challenge) and refreshes (rotating, so a lost rotation shows); the
device-code endpoints answer pending (403/404), ``slow_down``, ``expired_token`` or
the approval; ``/codex/device`` is the page where a user types the code; and
``/oauth/revoke`` records what it was asked to forget. Every token is tied to the
grant (the sign-in) it came from, so a test can tell which sign-in a file holds.
It imports nothing from the package: it stands for the other side of the wire.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
JWT_ACCOUNT_CLAIM = "https://api.openai.com/auth"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_jwt(claims: dict[str, Any]) -> str:
    return ".".join((_b64(b'{"alg":"RS256","typ":"JWT"}'), _b64(json.dumps(claims).encode()), _b64(b"sig")))


@dataclass
class FakeUser:
    """Who signs in at the stand-in: the claims its tokens carry."""

    email: str = "dev@example.com"
    account_id: str = "acct-test-123"
    user_id: str = "user-1"
    """The ``user_id`` of ``tests.fakes.logins.make_jwt``: the same person as the test logins."""
    plan: str = "plus"


@dataclass
class Device:
    """One device code and the answers its polls get before (and after) the user acts."""

    device_auth_id: str
    user_code: str
    script: deque[str] = field(default_factory=deque)
    """Answers for the next polls, in order: ``"403"``, ``"404"``, ``"pending"``, ``"slow_down"``,
    ``"expired_token"``, ``"access_denied"``; once empty, the user's action decides."""
    approved: bool = False
    denied: bool = False
    polls: int = 0
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class FakeAuthServer:
    """The server and its state. Use as a context manager."""

    def __init__(self, *, user: FakeUser | None = None, interval: Any = "0.05") -> None:
        self.user = user or FakeUser()
        self.interval = interval
        """What the device-code answer says, a string as the real server sends it."""
        self.expires_in: Any = None
        """The device code's ``expires_in``, when the answer should carry one."""
        self.auto_approve = False
        """Approve each device code at its first poll (no user needed)."""
        self.device_script: list[str] = []
        """The ``script`` every new device code starts with."""
        self.callback_override: dict[str, str] | None = None
        """Query the authorize page redirects with instead of code and state (``error=``, a wrong state)."""
        self.refuse_exchange: tuple[int, dict[str, Any]] | None = None
        self.device_code_status = 200
        self.authorize_requests: list[dict[str, str]] = []
        self.exchanges: list[dict[str, str]] = []
        self.revoked: list[str] = []
        self.refreshes = 0
        self.devices: dict[str, Device] = {}
        self.grants: list[int] = []
        """Every sign-in (code exchange), in order."""
        self.issued: list[dict[str, Any]] = []
        """Every token answer, for the tests that prove no secret reached the terminal."""
        self.valid_refresh: dict[str, int] = {}
        """Refresh tokens still valid, and the grant each belongs to."""
        self._codes: dict[str, dict[str, str]] = {}
        self._all_codes: list[str] = []
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-auth-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeAuthServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- tokens ------------------------------------------------------------------------------

    def _tokens(self, grant: int) -> dict[str, Any]:
        now, n = int(time.time()), next(self._counter)
        auth = {
            "chatgpt_account_id": self.user.account_id,
            "chatgpt_plan_type": self.user.plan,
            "chatgpt_user_id": self.user.user_id,
        }
        refresh = f"rt-g{grant}-{n}-{secrets.token_hex(4)}"
        self.valid_refresh[refresh] = grant
        answer = {
            "id_token": mint_jwt({"email": self.user.email, JWT_ACCOUNT_CLAIM: auth, "iat": now, "exp": now + 3600}),
            "access_token": mint_jwt({JWT_ACCOUNT_CLAIM: auth, "iat": now, "exp": now + 10 * 86400, "n": n}),
            "refresh_token": refresh,
            "expires_in": 10 * 86400,
            "token_type": "Bearer",
        }
        self.issued.append(answer)
        return answer

    def secrets(self) -> set[str]:
        """Every code, verifier and token this server handed out or was sent."""
        found = {value for answer in self.issued for key, value in answer.items() if key.endswith("_token")}
        found |= {body[key] for body in self.exchanges for key in ("code", "code_verifier") if body.get(key)}
        found |= set(self._all_codes) | {device.verifier for device in self.devices.values()}
        return found

    def _new_code(self, challenge: str, redirect_uri: str) -> str:
        code = f"code-{secrets.token_hex(8)}"
        self._codes[code] = {"challenge": challenge, "redirect_uri": redirect_uri}
        self._all_codes.append(code)
        return code

    def exchange(self, body: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if body.get("client_id") != CLIENT_ID:
                return 401, {"error": "invalid_client"}
            if body.get("grant_type") == "refresh_token":
                self.refreshes += 1
                grant = self.valid_refresh.pop(body.get("refresh_token", ""), None)
                if grant is None:
                    return 401, {"error": {"code": "refresh_token_reused", "message": "already used"}}
                return 200, self._tokens(grant)
            if body.get("grant_type") != "authorization_code":
                return 400, {"error": "unsupported_grant_type"}
            self.exchanges.append(body)
            if self.refuse_exchange is not None:
                return self.refuse_exchange
            issued = self._codes.pop(body.get("code", ""), None)
            verifier = body.get("code_verifier", "")
            challenge = _b64(hashlib.sha256(verifier.encode()).digest())
            if issued is None or issued["redirect_uri"] != body.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "unknown code or redirect_uri"}
            if issued["challenge"] != challenge:
                return 400, {"error": "invalid_grant", "error_description": "code_verifier does not match"}
            grant = next(self._counter)
            self.grants.append(grant)
            return 200, self._tokens(grant)

    # -- the browser flow ------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """``(status, Location or text)``: the page a signed-in user's browser gets."""
        self.authorize_requests.append(query)
        wanted = {"response_type": "code", "client_id": CLIENT_ID, "code_challenge_method": "S256"}
        if any(query.get(name) != value for name, value in wanted.items()) or not query.get("state"):
            return 400, "bad authorize request"
        redirect = query.get("redirect_uri", "")
        if not redirect.startswith("http://localhost:") or "offline_access" not in query.get("scope", ""):
            return 400, "bad redirect_uri or scope"
        answer = self.callback_override or {"code": self._new_code(query["code_challenge"], redirect)}
        answer = {"state": query["state"], **answer}
        return 302, f"{redirect}?{urlencode(answer)}"

    # -- the device flow ---------------------------------------------------------------------------

    def new_device(self) -> Device:
        device = Device(f"dev-{secrets.token_hex(6)}", f"{secrets.token_hex(2).upper()}-{secrets.token_hex(2).upper()}")
        device.script.extend(self.device_script)
        self.devices[device.user_code] = device
        return device

    def user_enters(self, user_code: str, *, deny: bool = False) -> bool:
        device = self.devices.get(user_code.strip())
        if device is None:
            return False
        device.approved, device.denied = not deny, deny
        return True

    def poll(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        device = self.devices.get(str(body.get("user_code")))
        if device is None or device.device_auth_id != body.get("device_auth_id"):
            return 404, {"error": "not_found"}
        device.polls += 1
        if device.script:
            step = device.script.popleft()
            if step in ("403", "404"):
                return int(step), {"error": {"message": "pending", "code": "deviceauth_authorization_unknown"}}
            return 400, {"error": "authorization_pending" if step == "pending" else step}
        if device.denied:
            return 400, {"error": "access_denied"}
        if device.approved or self.auto_approve:
            code = self._new_code(_b64(hashlib.sha256(device.verifier.encode()).digest()), self.device_redirect_uri)
            return 200, {"authorization_code": code, "code_verifier": device.verifier, "code_challenge": "x"}
        return 403, {"error": {"message": "pending", "code": "deviceauth_authorization_unknown"}}

    @property
    def device_redirect_uri(self) -> str:
        return f"{self.base_url}/deviceauth/callback"


def _handler_for(server: FakeAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "text/html" if isinstance(body, str) else "application/json")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/oauth/authorize":
                self._send(404, "not found")
                return
            status, where = server.authorize({k: v[0] for k, v in parse_qs(parts.query).items()})
            self._send(status, "" if status == 302 else where, {"location": where} if status == 302 else None)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            try:
                body = json.loads(raw) if raw.lstrip().startswith("{") else dict(parse_qsl(raw))
            except ValueError:
                body = {}
            path = urlsplit(self.path).path
            if path == "/oauth/token":
                self._send(*server.exchange(body))
            elif path == "/api/accounts/deviceauth/usercode":
                if body.get("client_id") != CLIENT_ID or server.device_code_status != 200:
                    self._send(server.device_code_status if body.get("client_id") == CLIENT_ID else 400, {})
                    return
                device = server.new_device()
                answer = {"device_auth_id": device.device_auth_id, "user_code": device.user_code}
                if server.expires_in is not None:
                    answer["expires_in"] = server.expires_in
                self._send(200, {**answer, "interval": server.interval})
            elif path == "/api/accounts/deviceauth/token":
                self._send(*server.poll(body))
            elif path == "/codex/device":
                ok = server.user_enters(str(body.get("user_code", "")), deny=body.get("deny") == "1")
                self._send(200 if ok else 404, "approved" if ok else "unknown code")
            elif path == "/oauth/revoke":
                server.revoked.append(str(body.get("token")))
                self._send(200, {})
            else:
                self._send(404, {"error": "not_found"})

    return Handler
