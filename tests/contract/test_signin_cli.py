"""``codex-litellm login`` / ``logout`` end to end, as child processes, against the stand-in sign-in server.

The browser flow is driven by a real headless Chromium (Debian's ``chromium``; ``make
chromium`` installs it) handed the URL through ``$BROWSER``, or, for the failures, by
the test fetching the printed URL itself; the device flow by the test playing the
user on the verification page. Every test checks the terminal for secrets.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from litellm_codex_oauth_provider.entrypoints.cli import main

from tests.fakes.auth_server import FakeAuthServer
from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file
from tests.fakes.signin_run import (
    LoginRun,
    assert_codex_cli_format,
    assert_no_secret,
    leftovers,
    signin_env,
)

CHROMIUM_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
    "--disable-component-update --disable-sync"
)
UNKNOWN: dict[str, Any] = {"agent_identity": {"id": "agent-1"}}


@pytest.fixture
def auth_server() -> Iterator[FakeAuthServer]:
    with FakeAuthServer() as server:
        yield server


@pytest.fixture
def home_login(_isolated_home: Path) -> Path:
    """Where the login goes by default: ``$CODEX_HOME/auth.json`` of the test's own HOME."""
    return _isolated_home / ".codex" / "auth.json"


def other_accounts_login(path: Path) -> Path:
    document = codex_auth_document(make_jwt(exp=time.time() + 3600, account_id="acct-bob"), "rt-bob", **UNKNOWN)
    document["tokens"].update(account_id="acct-bob", id_token=make_jwt(account_id="acct-bob", email="bob@example.com"))
    return write_auth_file(path, document)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def browser_script(folder: Path) -> Path:
    """A ``$BROWSER`` that opens the URL in a fresh headless Chromium and keeps the page it ends on."""
    script = folder / "open-in-chromium"
    script.write_text(
        "#!/bin/sh\n"
        f'exec chromium {CHROMIUM_FLAGS} --user-data-dir="{folder}/profile" --dump-dom "$1" '
        f'>"{folder}/page.html" 2>"{folder}/chromium.log"\n'
    )
    script.chmod(0o755)
    return script


def test_browser_sign_in_through_a_real_headless_chromium(
    auth_server: FakeAuthServer, home_login: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed and could not be (`make chromium` installs Debian's package)")
    browser = browser_script(tmp_path)
    run = LoginRun(["login"], signin_env(auth_server.base_url, BROWSER=str(browser)))
    code, out, err = run.finish(timeout=240)
    assert code == 0, (out, err, (tmp_path / "chromium.log").read_text())
    assert "signed in as dev@example.com (account acct-test-123), plan plus" in out
    assert "You can close this window" in (tmp_path / "page.html").read_text()
    [asked] = auth_server.authorize_requests
    assert asked["code_challenge_method"] == "S256" and asked["redirect_uri"].startswith("http://localhost:")
    assert asked["redirect_uri"].endswith("/auth/callback") and asked["originator"] == "codex_cli_rs"
    document = assert_codex_cli_format(home_login)
    assert document["tokens"]["account_id"] == "acct-test-123"
    assert CodexAuthFileTokenStore(home_login).get_auth().account_id == "acct-test-123"
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "acct-test-123" in status and "plus" in status
    assert_no_secret([out, err], auth_server.secrets())


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("wrong_state", "state that does not match"),
        ("error", "refused the sign-in (The user cancelled)"),
        ("refused", "refused the code exchange (HTTP 400, invalid_grant)"),
        ("timeout", "no sign-in came back within 1 s"),
    ],
)
def test_a_failed_browser_sign_in_says_why_in_one_line_and_keeps_the_login(
    case: str, said: str, auth_server: FakeAuthServer, home_login: Path
) -> None:
    write_auth_file(home_login, codex_auth_document(make_jwt(exp=time.time() + 3600), "rt-kept", **UNKNOWN))
    before = home_login.read_bytes()
    if case == "wrong_state":
        auth_server.callback_override = {"state": "forged", "code": "code-forged"}
    elif case == "error":
        auth_server.callback_override = {"error": "access_denied", "error_description": "The user cancelled"}
    elif case == "refused":
        auth_server.refuse_exchange = (400, {"error": "invalid_grant", "error_description": "bad code"})
    run = LoginRun(["login", "--no-browser", "--timeout", "1"], signin_env(auth_server.base_url))
    url = run.wait_for(r"^\s+(http\S+/oauth/authorize\?\S+)$").group(1)
    if case != "timeout":
        httpx.get(url, follow_redirects=True, timeout=30)
    code, out, err = run.finish()
    assert code == 1
    assert said in one_line(err)
    assert home_login.read_bytes() == before
    assert leftovers(home_login.parent) == []
    assert_no_secret([out, err], auth_server.secrets() | {"code-forged"})


def test_device_sign_in_with_the_user_typing_the_code_elsewhere(
    auth_server: FakeAuthServer, home_login: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth_server.device_script = ["403", "404", "pending"]
    run = LoginRun(["login", "--device"], signin_env(auth_server.base_url))
    page = run.wait_for(r"open (\S+) on any device").group(1)
    user_code = run.wait_for(r"^\s+(\S+)\s*$").group(1)
    assert page == f"{auth_server.base_url}/codex/device"
    assert httpx.post(page, data={"user_code": user_code}).status_code == 200  # the user, on their phone
    code, out, err = run.finish()
    assert code == 0, err
    assert auth_server.devices[user_code].polls >= 4, "403, 404 and authorization_pending were waited out"
    [exchange] = auth_server.exchanges
    assert exchange["redirect_uri"] == auth_server.device_redirect_uri
    assert_codex_cli_format(home_login)
    assert CodexAuthFileTokenStore(home_login).get_auth().account_id == "acct-test-123"
    assert main(["status"]) == 0
    assert "plus" in capsys.readouterr().out
    assert_no_secret([out, err], auth_server.secrets())


def test_ctrl_c_while_polling_leaves_the_old_login_whole(auth_server: FakeAuthServer, home_login: Path) -> None:
    other_accounts_login(home_login)
    before = home_login.read_bytes()
    run = LoginRun(["login", "--device", "--replace"], signin_env(auth_server.base_url))
    user_code = run.wait_for(r"^\s+(\S+)\s*$").group(1)
    while auth_server.devices[user_code].polls == 0:
        time.sleep(0.05)
    run.interrupt()
    code, out, err = run.finish()
    assert code == 130 and "interrupted" in err and "Traceback" not in err
    assert home_login.read_bytes() == before
    assert leftovers(home_login.parent) == []
    assert_no_secret([out, err], auth_server.secrets())


def test_another_accounts_login_is_replaced_only_with_replace(auth_server: FakeAuthServer, home_login: Path) -> None:
    other_accounts_login(home_login)
    before = home_login.read_bytes()
    auth_server.auto_approve = True
    code, out, err = LoginRun(["login", "--device"], signin_env(auth_server.base_url)).finish()
    assert code == 1
    assert "holds the login of bob@example.com (account acct-bob); another account's sign-in needs --replace" in out
    line = one_line(err)
    assert "bob@example.com (account acct-bob)" in line and "--replace" in line and "rt-bob" not in line
    assert home_login.read_bytes() == before
    assert auth_server.revoked == [auth_server.issued[0]["refresh_token"]], "the unused new login is revoked"
    code, out, err = LoginRun(["login", "--device", "--replace"], signin_env(auth_server.base_url)).finish()
    assert code == 0, err
    assert "replaced the login of bob@example.com (account acct-bob)" in out
    assert "rt-bob" in auth_server.revoked
    document = assert_codex_cli_format(home_login)
    assert "agent_identity" not in document, "another account's keys go with its login"
    assert_no_secret([out, err], auth_server.secrets() | {"rt-bob"})


def test_the_same_accounts_login_is_renewed_keeping_unknown_keys(auth_server: FakeAuthServer, home_login: Path) -> None:
    write_auth_file(home_login, codex_auth_document(make_jwt(exp=time.time() + 3600), "rt-old", **UNKNOWN))
    auth_server.auto_approve = True
    code, out, err = LoginRun(["login", "--device"], signin_env(auth_server.base_url)).finish()
    assert code == 0, err
    assert "it replaced the login of dev@example.com" in out
    document = assert_codex_cli_format(home_login)
    assert document["agent_identity"] == {"id": "agent-1"}
    assert document["tokens"]["refresh_token"] == auth_server.issued[-1]["refresh_token"]
    assert auth_server.revoked == ["rt-old"]


def test_logout_revokes_and_removes_the_login(auth_server: FakeAuthServer, home_login: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "auth.json"
    auth_server.auto_approve = True
    env = signin_env(auth_server.base_url)
    assert LoginRun(["login", "--device", "--auth-file", str(target)], env).finish()[0] == 0
    assert not home_login.exists(), "--auth-file writes there and only there"
    token = auth_server.issued[-1]["refresh_token"]
    code, out, err = LoginRun(["logout", "--auth-file", str(target)], env).finish()
    assert code == 0, err
    assert f"removed the login of dev@example.com (account acct-test-123) from {target}" in out
    assert "revoked" in out and auth_server.revoked == [token]
    assert not target.exists()
    code, out, _ = LoginRun(["logout", "--auth-file", str(target)], env).finish()
    assert code == 0 and "nothing to remove" in out


def test_device_sign_in_straight_into_redis(auth_server: FakeAuthServer, home_login: Path, redis_url: str) -> None:
    from litellm_codex_oauth_provider.adapters.redis_token_store import RedisTokenStore

    auth_server.auto_approve = True
    env = signin_env(auth_server.base_url)
    where = ["--redis-url", redis_url, "--key", "codex:login:signin"]
    code, out, err = LoginRun(["login", "--device", *where], env).finish()
    assert code == 0, err
    assert "the login is in Redis" in out
    assert not home_login.parent.exists() or not any(home_login.parent.iterdir()), "no file is ever written"
    store = RedisTokenStore(redis_url, "codex:login:signin")
    assert store.get_auth().account_id == "acct-test-123"
    assert store.export_login()["tokens"]["refresh_token"] == auth_server.issued[-1]["refresh_token"]
    code, out, err = LoginRun(["logout", *where], env).finish()
    assert code == 0 and "removed the login of dev@example.com" in out
    assert RedisTokenStore(redis_url, "codex:login:signin").backend.read() is None
    assert_no_secret([out, err], auth_server.secrets())


def test_a_damaged_file_is_overwritten_only_with_replace(auth_server: FakeAuthServer, home_login: Path) -> None:
    home_login.parent.mkdir(parents=True)
    home_login.write_text('{"tokens": {"access_token": "not-a-jwt"}}')
    home_login.chmod(0o600)
    auth_server.auto_approve = True
    code, _, err = LoginRun(["login", "--device"], signin_env(auth_server.base_url)).finish()
    assert code == 1 and "not a usable login" in one_line(err) and "--replace" in err
    assert home_login.read_text() == '{"tokens": {"access_token": "not-a-jwt"}}'
    code, _, err = LoginRun(["login", "--device", "--replace"], signin_env(auth_server.base_url)).finish()
    assert code == 0, err
    assert_codex_cli_format(home_login)
