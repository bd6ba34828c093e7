"""Every way the login file can be unusable gives its own clear error, and the file is never rewritten."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from litellm_codex_oauth_provider.adapters.login_document import JsonStyle, detect_style
from litellm_codex_oauth_provider.domain.errors import (
    CodexAuthError,
    CodexAuthFileNotFoundError,
    CodexAuthTokenError,
)
from litellm_codex_oauth_provider.domain.ports import AuthContext

from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file
from tests.fakes.refresher import FakeRefresher

GOOD = json.dumps(codex_auth_document(make_jwt(exp=time.time() - 10)), indent=2)
BROKEN: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "is empty"),
    "blank": (b"  \n", "is empty"),
    "truncated": (GOOD[: len(GOOD) // 2].encode(), "not valid JSON"),
    "not utf-8": (b"\xff\xfe{\x00", "not UTF-8"),
    "a list": (b"[]", "not a JSON object"),
    "no tokens": (b'{"auth_mode": "chatgpt", "tokens": null}', "no ChatGPT access token"),
    "api key login": (b'{"auth_mode": "apikey", "OPENAI_API_KEY": "sk-secret"}', "'apikey' login"),
    "garbage token": (
        json.dumps(codex_auth_document("not-a-jwt-secret-value")).encode(),
        "access token is not a valid JWT",
    ),
    "no account": (
        json.dumps(codex_auth_document(make_jwt(exp=time.time() - 10, account_id=""), account_id=None)).encode(),
        "names no ChatGPT account",
    ),
}


def store_for(path: Path, refresher: FakeRefresher) -> CodexAuthFileTokenStore:
    return CodexAuthFileTokenStore(path, refresher=refresher, check_interval_seconds=0.0)


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_file_gives_its_error_and_is_left_alone(tmp_path: Path, name: str) -> None:
    content, words = BROKEN[name]
    path = tmp_path / "auth.json"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    refresher = FakeRefresher()
    store = store_for(path, refresher)
    for attempt in (store.get_auth, lambda: store.force_refresh(AuthContext("x", "y"))):
        with pytest.raises(CodexAuthTokenError, match=words) as caught:
            attempt()
        message = str(caught.value)
        assert str(path) in message
        assert "codex login" in message
        assert "sk-secret" not in message and "not-a-jwt-secret-value" not in message
        assert caught.value.status_code == 401
    assert path.read_bytes() == content
    assert refresher.calls == 0
    assert sorted(p.name for p in tmp_path.iterdir()) in (["auth.json"], ["auth.json", "auth.json.lock"])


async def test_a_broken_file_fails_the_async_path_too(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    path.write_bytes(b'{"tokens": {"access_')
    with pytest.raises(CodexAuthTokenError, match="not valid JSON"):
        await store_for(path, FakeRefresher()).aget_auth()
    assert path.read_bytes() == b'{"tokens": {"access_'


def test_a_missing_file_says_codex_login_and_the_keyring(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "auth.json"
    with pytest.raises(CodexAuthFileNotFoundError) as caught:
        store_for(path, FakeRefresher()).get_auth()
    assert isinstance(caught.value, CodexAuthError)
    assert "codex login" in str(caught.value)
    assert 'cli_auth_credentials_store = "file"' in str(caught.value)
    assert not path.parent.exists(), "nothing is created"


def test_a_folder_in_place_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    path.mkdir()
    with pytest.raises(CodexAuthTokenError, match="folder"):
        store_for(path, FakeRefresher()).get_auth()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file(tmp_path: Path) -> None:
    path = write_auth_file(tmp_path / "auth.json", codex_auth_document(make_jwt(exp=time.time() + 3600)))
    os.chmod(path, 0)
    with pytest.raises(CodexAuthTokenError, match="permission denied"):
        store_for(path, FakeRefresher()).get_auth()


def test_an_unreadable_file_as_root_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_auth_file(tmp_path / "auth.json", codex_auth_document(make_jwt(exp=time.time() + 3600)))
    real_open = open

    def refusing_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(CodexAuthTokenError, match="permission denied"):
        store_for(path, FakeRefresher()).get_auth()


def test_a_file_that_goes_missing_later_is_reported(tmp_path: Path) -> None:
    path = write_auth_file(tmp_path / "auth.json", codex_auth_document(make_jwt(exp=time.time() + 3600)))
    store = store_for(path, FakeRefresher())
    store.get_auth()
    path.unlink()
    with pytest.raises(CodexAuthFileNotFoundError):
        store.get_auth()


def test_a_file_caught_mid_write_is_read_again(tmp_path: Path) -> None:
    token = make_jwt(exp=time.time() + 3600)
    whole = json.dumps(codex_auth_document(token), indent=2)
    path = tmp_path / "auth.json"
    path.write_text(whole[:10])

    timer = threading.Timer(0.01, lambda: path.write_text(whole))
    timer.start()
    try:
        assert store_for(path, FakeRefresher()).get_auth().access_token == token
    finally:
        timer.join()


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ('{\n  "a": 1\n}', JsonStyle(2, False)),
        ('{\n    "a": 1\n}\n', JsonStyle(4, True)),
        ('{\n\t"a": 1\n}', JsonStyle("\t", False)),
        ('{"a": 1}', JsonStyle(None, False)),
    ],
)
def test_the_layout_is_detected_and_reproduced(text: str, style: JsonStyle) -> None:
    assert detect_style(text) == style
    assert style.render({"a": 1}) == text
