"""The pure rules of the login file and its refresh (``domain.login``, ``domain.login_errors``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litellm_codex_oauth_provider.domain.errors import CodexAuthRefreshError
from litellm_codex_oauth_provider.domain.login import (
    LAST_REFRESH_MAX_AGE_SECONDS,
    LoginShape,
    LoginShapeError,
    StoredLogin,
    account_id_of,
    expiry_of,
    is_expired,
    merge_refresh,
    needs_refresh,
    parse_timestamp,
    read_login,
    refresh_margin,
    refresh_request_body,
)
from litellm_codex_oauth_provider.domain.login_errors import error_code, file_not_found, refresh_failed

CLAIM = "https://api.openai.com/auth"
NOW = 1_800_000_000.0


def codex_doc(**tokens: Any) -> dict[str, Any]:
    return {
        "auth_mode": "chatgpt",
        "OPENAI_API_KEY": None,
        "tokens": {"id_token": "id-1", "access_token": "at-1", "refresh_token": "rt-1", "account_id": "acct", **tokens},
        "last_refresh": "2026-11-20T10:00:00.000000Z",
        "agent_identity": {"future": True},
    }


# -- shapes ------------------------------------------------------------------------------


def test_codex_shape_is_read() -> None:
    login = read_login(codex_doc())
    assert login.shape is LoginShape.CODEX
    assert (login.access_token, login.refresh_token, login.id_token, login.account_id) == (
        "at-1",
        "rt-1",
        "id-1",
        "acct",
    )
    assert login.last_refresh == parse_timestamp("2026-11-20T10:00:00Z")


def test_chatgpt_shape_with_expires_at_in_milliseconds() -> None:
    login = read_login({"chatgpt": {"access_token": "at", "refresh_token": "rt", "expires_at": 1_800_000_000_000}})
    assert login.shape is LoginShape.CHATGPT
    assert login.expires_at == 1_800_000_000.0


def test_top_level_shape() -> None:
    login = read_login({"access_token": "at", "refresh_token": "rt", "expires_at": 1_800_000_000})
    assert login.shape is LoginShape.TOP_LEVEL
    assert login.expires_at == 1_800_000_000.0


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ([1, 2], "not a JSON object"),
        ({"tokens": {"refresh_token": "rt"}}, "no ChatGPT access token"),
        ({"tokens": {"access_token": "   "}}, "no ChatGPT access token"),
        ({"auth_mode": "apikey", "OPENAI_API_KEY": "sk-x"}, "'apikey' login"),
        ({"tokens": "at"}, "no ChatGPT access token"),
    ],
)
def test_wrong_shapes_are_refused(document: Any, words: str) -> None:
    with pytest.raises(LoginShapeError, match=words):
        read_login(document)


def test_timestamps() -> None:
    assert parse_timestamp("2026-11-20T10:00:00.5Z") == pytest.approx(parse_timestamp("2026-11-20T10:00:00Z") + 0.5)  # type: ignore[operator]
    assert parse_timestamp("2026-11-20T10:00:00") == parse_timestamp("2026-11-20T10:00:00+00:00")
    assert parse_timestamp("yesterday") is None
    assert parse_timestamp(True) is None
    assert parse_timestamp(None) is None


# -- claims and expiry ---------------------------------------------------------------------


def test_account_id_prefers_the_file_then_the_claim() -> None:
    claims = {CLAIM: {"chatgpt_account_id": "from-claim"}}
    assert account_id_of(read_login(codex_doc()), claims, CLAIM) == "acct"
    assert account_id_of(read_login(codex_doc(account_id=None)), claims, CLAIM) == "from-claim"
    assert account_id_of(read_login(codex_doc(account_id=None)), {}, CLAIM) is None


def test_expiry_from_exp_then_expires_at_then_last_refresh() -> None:
    login = read_login(codex_doc())
    assert expiry_of(login, {"exp": NOW}) == NOW
    assert expiry_of(login, {}) == login.last_refresh + LAST_REFRESH_MAX_AGE_SECONDS  # type: ignore[operator]
    legacy = StoredLogin(LoginShape.CHATGPT, "at", expires_at=NOW)
    assert expiry_of(legacy, {}) == NOW
    assert expiry_of(StoredLogin(LoginShape.TOP_LEVEL, "at"), {}) is None


def test_refresh_is_due_within_the_margin_and_never_for_an_unknown_expiry() -> None:
    assert not needs_refresh(NOW + 301, NOW, 300)
    assert needs_refresh(NOW + 300, NOW, 300)
    assert needs_refresh(NOW - 10, NOW, 300)
    assert not needs_refresh(None, NOW, 300)
    assert is_expired(NOW, NOW)
    assert not is_expired(None, NOW)


def test_margin_is_capped_at_half_a_short_tokens_lifetime() -> None:
    assert refresh_margin(300, {"iat": NOW, "exp": NOW + 10 * 24 * 3600}) == 300
    assert refresh_margin(300, {"iat": NOW, "exp": NOW + 120}) == 60
    assert refresh_margin(300, {"exp": NOW + 120}) == 300
    assert refresh_margin(300, {"exp": NOW + 120}, issued_at=NOW) == 60, "no iat: the lifetime from last_refresh"
    assert refresh_margin(300, {"iat": NOW, "exp": NOW + 120}, issued_at=NOW - 3600) == 60, "iat wins"


# -- the refresh and its write-back ------------------------------------------------------------


def test_refresh_request_carries_the_codex_client_id() -> None:
    body = refresh_request_body("rt-1", "app_x")
    assert body["grant_type"] == "refresh_token"
    assert body["client_id"] == "app_x"
    assert body["refresh_token"] == "rt-1"


def test_merge_keeps_unknown_keys_missing_tokens_and_order() -> None:
    document = codex_doc()
    merged = merge_refresh(document, LoginShape.CODEX, {"access_token": "at-2"}, now=NOW, expires_at=None)
    assert merged["tokens"] == {
        "id_token": "id-1",
        "access_token": "at-2",
        "refresh_token": "rt-1",
        "account_id": "acct",
    }
    assert merged["agent_identity"] == {"future": True}
    assert list(merged) == list(document)
    assert merged["last_refresh"].endswith("Z")
    assert parse_timestamp(merged["last_refresh"]) == pytest.approx(NOW)
    assert document["tokens"]["access_token"] == "at-1", "the input document is not changed"


def test_merge_writes_every_token_the_answer_has() -> None:
    answer = {"access_token": "at-2", "refresh_token": "rt-2", "id_token": "id-2", "expires_in": 10}
    merged = merge_refresh(codex_doc(), LoginShape.CODEX, answer, now=NOW, expires_at=NOW + 10)
    assert merged["tokens"]["refresh_token"] == "rt-2"
    assert merged["tokens"]["id_token"] == "id-2"
    assert "expires_at" not in merged and "expires_at" not in merged["tokens"], "the Codex shape has no expires_at"


def test_merge_keeps_the_chatgpt_shape_and_its_expires_at_unit() -> None:
    document = {"chatgpt": {"access_token": "at", "refresh_token": "rt", "expires_at": 1_700_000_000_000}, "x": 1}
    merged = merge_refresh(document, LoginShape.CHATGPT, {"access_token": "at-2"}, now=NOW, expires_at=NOW + 60)
    assert merged == {
        "chatgpt": {"access_token": "at-2", "refresh_token": "rt", "expires_at": int((NOW + 60) * 1000)},
        "x": 1,
    }


def test_merge_keeps_the_top_level_shape() -> None:
    document = {"access_token": "at", "refresh_token": "rt", "expires_at": 1, "user": "me"}
    answer = {"access_token": "at-2", "refresh_token": "rt-2"}
    merged = merge_refresh(document, LoginShape.TOP_LEVEL, answer, now=NOW, expires_at=NOW + 60)
    assert merged == {"access_token": "at-2", "refresh_token": "rt-2", "expires_at": int(NOW + 60), "user": "me"}


# -- errors and their guidance ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"message": "m", "type": "invalid_request_error", "code": "refresh_token_reused"}},
        {"error": "refresh_token_reused", "error_description": "m"},
        {"code": "refresh_token_reused"},
    ],
)
def test_the_code_is_found_wherever_it_sits(body: Any) -> None:
    assert error_code(body) == "refresh_token_reused"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("refresh_token_expired", "too old"),
        ("refresh_token_reused", "already used"),
        ("refresh_token_invalidated", "revoked"),
        ("something_new", "refused"),
    ],
)
def test_permanent_refusals_say_which_code_and_to_sign_in_again(code: str, words: str) -> None:
    error = refresh_failed(401, {"error": {"code": code}}, "https://auth.example/oauth/token")
    assert isinstance(error, CodexAuthRefreshError)
    assert error.status_code == 401
    assert error.code == code
    assert not error.transient
    assert code in str(error)
    assert words in str(error)
    assert "codex login" in str(error)


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
def test_server_failures_are_transient(status: int) -> None:
    error = refresh_failed(status, None, "https://auth.example/oauth/token")
    assert error.transient
    assert "try again" in str(error)
    assert "codex login" not in str(error)


def test_missing_file_says_codex_login_and_the_keyring_setting() -> None:
    message = str(file_not_found(Path("/nowhere/auth.json")))
    assert "/nowhere/auth.json" in message
    assert "codex login" in message
    assert 'cli_auth_credentials_store = "file"' in message


@pytest.mark.parametrize("status", [401, 403, 400])
def test_a_refusal_that_is_no_oauth_error_is_transient_and_quoted(status: int) -> None:
    page = "<html><head><title>Attention Required! | Cloudflare</title></head><body>" + "x" * 2000 + "</body></html>"
    error = refresh_failed(status, None, "https://auth.example/oauth/token", text=page)
    assert error.transient
    assert error.code is None
    assert "Cloudflare" in str(error)
    assert "x" * 200 not in str(error)
    assert "codex login" not in str(error)
