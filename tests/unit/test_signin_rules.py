"""The sign-in rules (``domain.signin``, ``domain.signin_document``): no I/O, no server."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litellm_codex_oauth_provider.domain.device_code import DeviceApproval, device_code_of, device_poll_step, seconds
from litellm_codex_oauth_provider.domain.login import read_login
from litellm_codex_oauth_provider.domain.signin import (
    CALLBACK_PORT,
    FALLBACK_CALLBACK_PORT,
    CodexSignInError,
    Pkce,
    SignInEndpoints,
    authorize_url,
    callback_ports,
    code_from_callback,
    is_callback,
    new_pkce,
    new_state,
    redirect_uri_for,
)
from litellm_codex_oauth_provider.domain.signin_document import (
    SignedInAccount,
    account_of,
    checked_token_answer,
    replaced_refresh_token,
    signed_in_document,
)

CLAIM = "https://api.openai.com/auth"
TOKENS = {"id_token": "id.jwt.x", "access_token": "access.jwt.x", "refresh_token": "rt-new"}
ALICE = SignedInAccount("acct-a", "user-alice", "alice@example.com", "pro")
ENDPOINTS = SignInEndpoints.derive("https://auth.example/")


def test_pkce_is_s256_of_the_verifier_as_rfc_7636_computes_it() -> None:
    # RFC 7636 appendix B: this verifier has this challenge.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    octets = bytes([116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186])
    octets += bytes([22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121])
    pkce = new_pkce(lambda n: octets)
    assert pkce.verifier == verifier
    assert pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert verifier not in repr(pkce)
    fresh = [new_pkce() for _ in range(3)]
    assert len({p.verifier for p in fresh}) == 3 and all(43 <= len(p.verifier) <= 128 for p in fresh)
    assert new_state() != new_state()


def test_every_url_derives_from_the_base_and_the_token_url_can_be_overridden() -> None:
    assert ENDPOINTS.authorize_url == "https://auth.example/oauth/authorize"
    assert ENDPOINTS.token_url == "https://auth.example/oauth/token"
    assert ENDPOINTS.revoke_url == "https://auth.example/oauth/revoke"
    assert ENDPOINTS.device_code_url == "https://auth.example/api/accounts/deviceauth/usercode"
    assert ENDPOINTS.device_token_url == "https://auth.example/api/accounts/deviceauth/token"
    assert ENDPOINTS.device_verification_url == "https://auth.example/codex/device"
    assert ENDPOINTS.device_redirect_uri == "https://auth.example/deviceauth/callback"
    assert SignInEndpoints.derive("https://auth.example", "http://t/token").token_url == "http://t/token"


def test_the_authorize_url_carries_the_codex_cli_parameters() -> None:
    pkce = Pkce(verifier="v" * 50, challenge="challenge")
    url = authorize_url(
        ENDPOINTS,
        client_id="app_x",
        redirect_uri=redirect_uri_for(1455),
        pkce=pkce,
        state="st",
        originator="codex_cli_rs",
    )
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert url.startswith("https://auth.example/oauth/authorize?")
    assert query == {
        "response_type": "code",
        "client_id": "app_x",
        "redirect_uri": "http://localhost:1455/auth/callback",
        "scope": "openid profile email offline_access",
        "code_challenge": "challenge",
        "code_challenge_method": "S256",
        "id_token_add_organizations": "true",
        "codex_cli_simplified_flow": "true",
        "state": "st",
        "originator": "codex_cli_rs",
    }
    assert "v" * 50 not in url, "the verifier never leaves the process"


def test_callback_ports_fall_back_to_1457_and_port_0_means_any() -> None:
    assert callback_ports(CALLBACK_PORT) == [1455, FALLBACK_CALLBACK_PORT]
    assert callback_ports(8000) == [8000, 1457]
    assert callback_ports(0) == [0]
    assert callback_ports(1457) == [1457]


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("/auth/callback?state=wrong&code=c1", "state_mismatch"),
        ("/auth/callback?code=c1", "state_mismatch"),
        ("/auth/callback?state=s&error=access_denied&error_description=user+said+no", "access_denied"),
        ("/auth/callback?state=s", "no_code"),
    ],
)
def test_a_callback_that_is_not_this_sign_ins_answer_is_refused(target: str, code: str) -> None:
    with pytest.raises(CodexSignInError) as caught:
        code_from_callback(target, "s")
    assert caught.value.code == code
    assert "c1" not in str(caught.value) and "\n" not in str(caught.value)


def test_the_right_callback_gives_its_code() -> None:
    assert code_from_callback("/auth/callback?code=c%2B1&state=s", "s") == "c+1"
    assert is_callback("/auth/callback?code=x") and not is_callback("/favicon.ico")


@pytest.mark.parametrize(
    ("value", "expected"), [("5", 5.0), (" 2.5 ", 2.5), (3, 3.0), ("soon", 7.0), (None, 7.0), (0, 7.0), (True, 7.0)]
)
def test_the_interval_may_arrive_as_a_string(value: Any, expected: float) -> None:
    assert seconds(value, 7.0) == expected


def test_a_device_code_answer_becomes_what_the_user_is_shown() -> None:
    device = device_code_of({"device_auth_id": "d1", "user_code": "AB-CD", "interval": "3"}, ENDPOINTS)
    assert (device.user_code, device.interval, device.verification_url) == (
        "AB-CD",
        3.0,
        ENDPOINTS.device_verification_url,
    )
    assert "d1" not in repr(device)
    with pytest.raises(CodexSignInError, match="lacks the code"):
        device_code_of({"interval": 5}, ENDPOINTS)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (403, {"error": {"code": "deviceauth_authorization_unknown"}}, 5.0),
        (404, None, 5.0),
        (400, {"error": "authorization_pending"}, 5.0),
        (400, {"error": "slow_down"}, 10.0),
        (503, None, 5.0),
        (429, {"error": "rate_limited"}, 5.0),
    ],
)
def test_the_poll_waits_while_the_code_is_not_entered(status: int, body: Any, expected: float) -> None:
    assert device_poll_step(status, body, 5.0) == expected


@pytest.mark.parametrize(
    ("body", "said"),
    [({"error": "expired_token"}, "expired"), ({"error": {"code": "access_denied"}}, "denied")],
)
def test_the_poll_stops_and_says_why(body: Any, said: str) -> None:
    with pytest.raises(CodexSignInError, match=said):
        device_poll_step(400, body, 5.0)


def test_the_poll_approval_and_a_refusal() -> None:
    approval = device_poll_step(200, {"authorization_code": "ac", "code_verifier": "cv"}, 5.0)
    assert approval == DeviceApproval("ac", "cv") and "ac" not in repr(approval)
    with pytest.raises(CodexSignInError, match="HTTP 400, invalid_request"):
        device_poll_step(400, {"error": "invalid_request"}, 5.0)


def test_a_token_answer_needs_all_three_tokens() -> None:
    assert checked_token_answer({**TOKENS, "expires_in": 5}) == TOKENS
    with pytest.raises(CodexSignInError, match="lacks refresh_token"):
        checked_token_answer({"id_token": "a", "access_token": "b"})


def test_the_account_comes_from_the_id_token_claims() -> None:
    id_claims = {"email": "alice@example.com", CLAIM: {"chatgpt_account_id": "acct-a", "chatgpt_user_id": "user-alice"}}
    access_claims = {CLAIM: {"chatgpt_account_id": "acct-other", "chatgpt_plan_type": "pro"}}
    assert account_of(id_claims, access_claims) == ALICE
    profile = {"https://api.openai.com/profile": {"email": "p@example.com"}}
    assert account_of(profile).email == "p@example.com"


def test_same_account_means_same_workspace_and_same_person_where_known() -> None:
    assert ALICE.same_as(SignedInAccount("acct-a", "user-alice"))
    assert ALICE.same_as(SignedInAccount("acct-a"))
    assert not ALICE.same_as(SignedInAccount("acct-a", "user-bob", "bob@example.com"))
    assert not ALICE.same_as(SignedInAccount("acct-b", "user-alice"))
    assert ALICE.describe() == "alice@example.com (account acct-a)"


def test_a_fresh_document_is_the_codex_cli_shape() -> None:
    document = signed_in_document(TOKENS, ALICE, now=0.0)
    assert list(document) == ["auth_mode", "OPENAI_API_KEY", "tokens", "last_refresh"]
    assert document["auth_mode"] == "chatgpt" and document["OPENAI_API_KEY"] is None
    assert document["tokens"] == {**TOKENS, "account_id": "acct-a"}
    assert document["last_refresh"] == "1970-01-01T00:00:00.000000Z"
    assert read_login(document).refresh_token == "rt-new"
    with pytest.raises(CodexSignInError, match="names no ChatGPT account"):
        signed_in_document(TOKENS, SignedInAccount(None), now=0.0)


def test_the_same_accounts_login_keeps_every_unknown_key() -> None:
    previous = {
        "OPENAI_API_KEY": None,
        "tokens": {"access_token": "old", "refresh_token": "rt-old", "account_id": "acct-a", "future": 1},
        "last_refresh": "2026-01-01T00:00:00Z",
        "agent_identity": {"id": "agent-1"},
    }
    document = signed_in_document(TOKENS, ALICE, now=0.0, previous=previous)
    assert document["agent_identity"] == {"id": "agent-1"}
    assert document["tokens"]["future"] == 1 and document["tokens"]["refresh_token"] == "rt-new"
    assert replaced_refresh_token(previous, "rt-new") == "rt-old"
    assert replaced_refresh_token(previous, "rt-old") is None
    assert replaced_refresh_token(None, "rt-new") is None


def test_a_legacy_shape_is_rewritten_without_its_stale_tokens() -> None:
    previous = {"access_token": "old", "refresh_token": "rt-old", "expires_at": 1, "note": "mine"}
    document = signed_in_document(TOKENS, ALICE, now=0.0, previous=previous)
    assert document["note"] == "mine"
    assert not {"access_token", "refresh_token", "expires_at"} & set(document)
    assert replaced_refresh_token(previous, "rt-new") == "rt-old"


def test_the_settings_derive_the_sign_in_urls_and_honour_the_token_url_override(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from litellm_codex_oauth_provider.entrypoints.settings import CodexSettings

    monkeypatch.delenv("CODEX_OAUTH_TOKEN_URL")
    assert CodexSettings().signin_endpoints == SignInEndpoints.derive("https://auth.openai.com")
    assert CodexSettings().login_callback_port == CALLBACK_PORT
    monkeypatch.setenv("CODEX_AUTH_BASE_URL", "http://127.0.0.1:8/")
    assert CodexSettings().token_url == "http://127.0.0.1:8/oauth/token"
    monkeypatch.setenv("CODEX_OAUTH_TOKEN_URL", "http://127.0.0.1:9/token")
    settings = CodexSettings()
    assert settings.signin_endpoints.token_url == settings.token_url == "http://127.0.0.1:9/token"
    assert settings.signin_endpoints.device_code_url == "http://127.0.0.1:8/api/accounts/deviceauth/usercode"
