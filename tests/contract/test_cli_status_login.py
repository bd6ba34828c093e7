"""``codex-litellm status`` reads the login the way the token store does, and never shows a traceback."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from litellm_codex_oauth_provider.entrypoints.cli import main
from litellm_codex_oauth_provider.entrypoints.cli_output import EXIT_OK

from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file

DAY = 24 * 3600


def status(capsys: pytest.CaptureFixture[str], path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setenv("CODEX_AUTH_FILE", str(path))
    code = main(["status"])
    out, err = capsys.readouterr()
    return code, out, err


def token_line(out: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith("token")]
    return line


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def test_a_legacy_expires_at_in_milliseconds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expires_at = int(time.time()) + 3 * DAY
    document = {"chatgpt": {"access_token": make_jwt(), "refresh_token": "rt-old", "expires_at": expires_at * 1000}}
    path = write_auth_file(tmp_path / "auth.json", document)
    code, out, err = status(capsys, path, monkeypatch)
    assert (code, err) == (EXIT_OK, "")
    assert f"valid until {stamp(expires_at)} (in " in token_line(out)
    assert CodexAuthFileTokenStore(path).peek().auth.expires_at == expires_at, "the store reads the same moment"


def test_no_exp_and_an_old_last_refresh_is_the_stores_last_refresh_plus_8_days(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    last_refresh = time.time() - 10 * DAY
    document = codex_auth_document(make_jwt(exp=None))
    document["last_refresh"] = datetime.fromtimestamp(last_refresh, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    path = write_auth_file(tmp_path / "auth.json", document)
    code, out, _ = status(capsys, path, monkeypatch)
    assert code == EXIT_OK
    due = last_refresh + 8 * DAY
    assert token_line(out).endswith(
        f"expired {stamp(due)} (2 d 0 h ago); renewed on the next request (or `codex-litellm refresh`)"
    )
    assert CodexAuthFileTokenStore(path).peek().auth.expires_at == pytest.approx(due, abs=1e-3)


@pytest.mark.parametrize(
    ("exp", "words"), [(1e20, "valid until epoch second 1e+20"), (-1e20, "expired epoch second -1e+20")]
)
def test_an_exp_beyond_the_calendar(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exp: float, words: str
) -> None:
    path = write_auth_file(tmp_path / "auth.json", codex_auth_document(make_jwt(exp=exp)))
    code, out, err = status(capsys, path, monkeypatch)
    assert code == EXIT_OK
    assert "Traceback" not in err
    assert words in token_line(out)


def with_exp(token: str, exp: float) -> str:
    """The token with ``exp`` replaced; ``json.dumps`` writes ``NaN``/``Infinity`` as Python's JSON reader accepts."""
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw = json.dumps({**claims, "exp": exp}).encode()
    return ".".join((head, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), signature))


@pytest.mark.parametrize("exp", [float("nan"), float("inf")])
def test_a_non_finite_exp_is_no_expiry(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exp: float
) -> None:
    document = codex_auth_document(with_exp(make_jwt(), exp))
    del document["last_refresh"]
    path = write_auth_file(tmp_path / "auth.json", document)
    assert CodexAuthFileTokenStore(path).peek().auth.expires_at is None
    code, out, err = status(capsys, path, monkeypatch)
    assert (code, err) == (EXIT_OK, "")
    assert "no expiry known" in token_line(out)


def test_status_reads_the_login_of_the_configured_store(
    capsys: pytest.CaptureFixture[str], redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from litellm_codex_oauth_provider.adapters.redis_token_store import RedisTokenStore

    expires_at = int(time.time()) + 3 * DAY
    RedisTokenStore(redis_url, "status:login").import_login(codex_auth_document(make_jwt(exp=expires_at, plan="pro")))
    monkeypatch.setenv("CODEX_TOKEN_STORE", "redis")
    monkeypatch.setenv("CODEX_REDIS_URL", redis_url)
    monkeypatch.setenv("CODEX_REDIS_KEY", "status:login")
    assert main(["status"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("key 'status:login'")
    assert "pro" in out and f"valid until {stamp(expires_at)} (in " in token_line(out)
