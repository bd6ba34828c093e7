"""The login summary ``codex-litellm status`` shows: the token store's own snapshot, never a token."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litellm_codex_oauth_provider.adapters.login_summary import read_login_summary
from litellm_codex_oauth_provider.domain.errors import CodexAuthFileNotFoundError, CodexAuthTokenError

from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file


def test_login_summary(tmp_path: Path) -> None:
    document = codex_auth_document(make_jwt(exp=time.time() + 3600), "rt")
    path = write_auth_file(tmp_path / "auth.json", document)
    summary = read_login_summary(path)
    assert summary.auth_mode == "chatgpt"
    assert summary.has_refresh_token is True
    assert summary.last_refresh == datetime(2026, 11, 20, 10, tzinfo=UTC).timestamp()
    document["tokens"].pop("refresh_token")
    write_auth_file(path, document)
    assert read_login_summary(path).has_refresh_token is False


def test_a_file_the_store_cannot_use_gives_the_stores_error(tmp_path: Path) -> None:
    path = tmp_path / "auth.json"
    path.write_text(json.dumps({"tokens": {}}))
    with pytest.raises(CodexAuthTokenError, match="no ChatGPT access token"):
        read_login_summary(path)
    with pytest.raises(CodexAuthFileNotFoundError, match="codex login"):
        read_login_summary(tmp_path / "missing.json")


def test_login_summary_reads_the_token_claims(tmp_path: Path) -> None:
    token = make_jwt(exp=2_000_000_000, plan="pro")
    path = write_auth_file(tmp_path / "auth.json", codex_auth_document(token, account_id=None))
    summary = read_login_summary(path)
    assert (summary.account_id, summary.plan_type, summary.expires_at) == ("acct-test-123", "pro", 2_000_000_000.0)
    assert token not in repr(summary)
    assert "rt-initial" not in repr(summary)
