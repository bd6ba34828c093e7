"""``codex-litellm login`` / ``logout``: sign in with ChatGPT without the Codex CLI (and without Node).

``login`` runs the browser flow (PKCE, a callback on 127.0.0.1) or, with ``--device``,
the device-code flow for machines without a browser, and writes the login exactly as
``codex login`` does, into the same ``auth.json`` (or into Redis), so the Codex CLI
and a running proxy keep sharing it. Nothing is written until the sign-in succeeded;
the terminal shows URLs, the user code and whose login it is, never a code or a token.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any

from ..adapters.login_snapshot import decode_claims
from ..adapters.oauth_signin import OAuthSignInClient
from ..adapters.signin_callback import CallbackServer
from ..adapters.signin_store import (
    FileLoginHome,
    LoginHome,
    RedisLoginHome,
    Replaced,
    account_in,
    remove_login,
    save_login,
)
from ..domain.constants import CODEX_OAUTH_CLIENT_ID
from ..domain.errors import CodexError
from ..domain.signin import (
    CodexSignInError,
    authorize_url,
    callback_ports,
    new_pkce,
    new_state,
)
from ..domain.signin_document import SignedInAccount, account_of, replaced_refresh_token, signed_in_document
from .cli_output import EXIT_FAILED, EXIT_OK
from .container import Container
from .settings import CodexSettings

BROWSER_WAIT_SECONDS = 600.0


def add_login_commands(commands: Any) -> None:
    """Add ``login`` and ``logout`` to the CLI's ``add_subparsers()`` object."""
    login = commands.add_parser("login", help="sign in with ChatGPT (a browser, or --device), writing auth.json")
    login.add_argument("--device", action="store_true", help="sign in with a code typed on another device")
    login.add_argument("--replace", action="store_true", help="replace a login of another account")
    login.add_argument("--no-browser", action="store_true", help="only print the URL; open it yourself")
    login.add_argument("--timeout", type=float, help="give up after this many seconds (browser default: 600)")
    _where(login)
    login.set_defaults(handler=_login)
    logout = commands.add_parser("logout", help="revoke and remove the login (the file, or the Redis key)")
    _where(logout)
    logout.set_defaults(handler=_logout)


def _where(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--auth-file", help="the login file (default: CODEX_AUTH_FILE, else $CODEX_HOME/auth.json)")
    parser.add_argument("--redis-url", help="keep the login in Redis instead (default: CODEX_REDIS_URL)")
    parser.add_argument("--key", help="the Redis key (default: CODEX_REDIS_KEY, else codex-litellm:login)")


def _home(args: argparse.Namespace, settings: CodexSettings) -> LoginHome:
    """Redis when the command line names it (or CODEX_TOKEN_STORE=redis and no --auth-file), else the file."""
    wants_redis = bool(args.redis_url or args.key) or (settings.token_store == "redis" and not args.auth_file)
    if args.auth_file and (args.redis_url or args.key):
        raise CodexSignInError("name either --auth-file or --redis-url/--key, not both")
    if not wants_redis:
        path = Path(args.auth_file).expanduser() if args.auth_file else settings.auth_path
        return FileLoginHome(path)
    url = args.redis_url or (settings.redis_url.get_secret_value() if settings.redis_url else None)
    if not url:
        raise CodexSignInError("a Redis login needs a URL: pass --redis-url or set CODEX_REDIS_URL")
    return RedisLoginHome(url, args.key or settings.redis_key)


def _client(settings: CodexSettings) -> OAuthSignInClient:
    return OAuthSignInClient(
        settings.signin_endpoints, client_id=CODEX_OAUTH_CLIENT_ID, timeout=settings.oauth_timeout_seconds
    )


def _fail(exc: CodexSignInError) -> int:
    print(f"codex-litellm: {' '.join(str(exc).split())}", file=sys.stderr)
    return EXIT_FAILED


# -- login -------------------------------------------------------------------------------------


def _login(args: argparse.Namespace, container: Container) -> int:
    settings = container.settings()
    try:
        home = _home(args, settings)
        _note_current_login(home, args)
        with _client(settings) as client:
            tokens = _device_flow(client, args) if args.device else _browser_flow(client, settings, args)
            account = account_of(*_claims(tokens))
            try:
                build = lambda old: _document(tokens, account, old, home, args)  # noqa: E731
                _, previous = save_login(home, build, replace=args.replace)
            except BaseException:
                client.revoke(tokens["refresh_token"])  # kept nowhere: let the server forget it too
                raise
            old_token = replaced_refresh_token(previous.document, tokens["refresh_token"])
            revoked = client.revoke(old_token) if old_token else None
    except CodexSignInError as exc:
        return _fail(exc)
    print(f"signed in as {account.describe()}, plan {account.plan_type or 'unknown'}")
    print(f"the login is in {home.where}")
    if previous.account is not None:
        note = {True: "its refresh token revoked", False: "the server did not confirm revoking it", None: ""}[revoked]
        print(f"it replaced the login of {previous.account.describe()}" + (f" ({note})" if note else ""))
    return EXIT_OK


def _note_current_login(home: LoginHome, args: argparse.Namespace) -> None:
    """Say up front whose login is there: signing in as someone else will need ``--replace``."""
    try:
        current = account_in(home.read())
    except CodexError:
        return  # unreadable: the write decides (it needs --replace too)
    if current is not None and not args.replace:
        print(f"{home.where} holds the login of {current.describe()}; another account's sign-in needs --replace")


def _claims(tokens: dict[str, str]) -> list[dict[str, Any]]:
    found = [decode_claims(tokens["id_token"]), decode_claims(tokens["access_token"])]
    return [claims for claims in found if claims is not None]


def _document(
    tokens: dict[str, str], account: SignedInAccount, old: Replaced, home: LoginHome, args: argparse.Namespace
) -> dict[str, Any]:
    """The new document; a login of another account stays unless ``--replace`` says otherwise."""
    same = old.account is not None and old.account.same_as(account)
    if old.account is not None and not same and not args.replace:
        raise CodexSignInError(
            f"{home.where} holds the login of {old.account.describe()}, not of {account.describe()}; "
            "it was left untouched. Add --replace to replace it (or --auth-file to write elsewhere)"
        )
    return signed_in_document(tokens, account, now=time.time(), previous=old.document if same else None)


def _browser_flow(client: OAuthSignInClient, settings: CodexSettings, args: argparse.Namespace) -> dict[str, str]:
    pkce, state = new_pkce(), new_state()
    with CallbackServer(callback_ports(settings.login_callback_port), state) as server:
        url = authorize_url(
            client.endpoints,
            client_id=client.client_id,
            redirect_uri=server.redirect_uri,
            pkce=pkce,
            state=state,
            originator=settings.originator,
        )
        print("Sign in with your ChatGPT account in the browser. If no browser opens, open this URL:")
        print(f"  {url}", flush=True)
        if not args.no_browser and _has_browser():
            _open_in_background(url)
        elif not args.no_browser:
            print("no display here: open the URL on this machine, or use `codex-litellm login --device`")
        print(f"waiting for the browser to come back to {server.redirect_uri} ...", flush=True)
        code = server.wait_for_code(args.timeout or BROWSER_WAIT_SECONDS)
    return client.exchange_code(code, redirect_uri=server.redirect_uri, verifier=pkce.verifier)


def _has_browser() -> bool:
    """``$BROWSER``, a desktop, or macOS/Windows: never a console browser taking over the terminal."""
    if os.environ.get("BROWSER") or sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_in_background(url: str) -> None:
    """``$BROWSER`` first, then the platform's opener; a browser that blocks must not stop the wait."""

    def _open() -> None:
        try:
            opened = webbrowser.open(url)
        except Exception:  # no browser is a normal case on a server
            opened = False
        if not opened:
            print(
                "no browser could be opened here: open the URL above on this machine, "
                "or use `codex-litellm login --device`",
                file=sys.stderr,
                flush=True,
            )

    threading.Thread(target=_open, name="codex-signin-browser", daemon=True).start()


def _device_flow(client: OAuthSignInClient, args: argparse.Namespace) -> dict[str, str]:
    device = client.request_device_code()
    if args.timeout:
        device = dataclasses.replace(device, expires_in=args.timeout)
    print(f"To sign in, open {device.verification_url} on any device and enter the code:")
    print(f"  {device.user_code}")
    print(f"(it expires in {device.expires_in / 60:.0f} min; Ctrl-C cancels)", flush=True)
    approval = client.wait_for_approval(device)
    return client.exchange_code(
        approval.authorization_code, redirect_uri=client.endpoints.device_redirect_uri, verifier=approval.code_verifier
    )


# -- logout ------------------------------------------------------------------------------------


def _logout(args: argparse.Namespace, container: Container) -> int:
    settings = container.settings()
    try:
        home = _home(args, settings)
        removed = remove_login(home)
        if removed.document is None and removed.unreadable is None:
            print(f"no login in {home.where}: nothing to remove")
            return EXIT_OK
        token = replaced_refresh_token(removed.document, "")
        revoked = None
        if token:
            with _client(settings) as client:
                revoked = client.revoke(token)
    except CodexSignInError as exc:
        return _fail(exc)
    who = removed.account.describe() if removed.account else "an unreadable login"
    print(f"removed the login of {who} from {home.where}")
    if revoked is not None:
        print("its refresh token was revoked" if revoked else "the sign-in server did not confirm the revocation")
    return EXIT_OK
