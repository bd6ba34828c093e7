"""``codex-litellm login-import`` and ``login-export`` against a real Redis."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from litellm_codex_oauth_provider.entrypoints.cli import main

from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file
from tests.fakes.redis_server import refused_port

UNKNOWN = {"agent_identity": {"id": "agent-1"}}


def test_import_then_export_round_trips_the_whole_file(
    redis_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_auth_file(
        tmp_path / "auth.json", codex_auth_document(make_jwt(exp=time.time() + 3600), "rt-1", **UNKNOWN)
    )
    assert main(["login-import", "--redis-url", redis_url, "--key", "k1", "--auth-file", str(source)]) == 0
    assert "version 1" in capsys.readouterr().out
    target = tmp_path / "out" / "auth.json"
    assert main(["login-export", "--redis-url", redis_url, "--key", "k1", "--auth-file", str(target)]) == 0
    assert json.loads(target.read_text()) == json.loads(source.read_text())
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert main(["login-export", "--redis-url", redis_url, "--key", "k1", "--auth-file", str(target)]) == 1
    assert "--force" in capsys.readouterr().err


def test_a_second_import_needs_replace(redis_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write_auth_file(tmp_path / "a.json", codex_auth_document(make_jwt(exp=time.time() + 3600), "rt-a"))
    second = write_auth_file(tmp_path / "b.json", codex_auth_document(make_jwt(exp=time.time() + 3600), "rt-b"))
    base = ["--redis-url", redis_url, "--key", "k2"]
    assert main(["login-import", *base, "--auth-file", str(first)]) == 0
    assert main(["login-import", *base, "--auth-file", str(second)]) == 1
    assert "already holds a login" in capsys.readouterr().err
    assert main(["login-import", *base, "--auth-file", str(second), "--replace"]) == 0
    exported = tmp_path / "exported.json"
    assert main(["login-export", *base, "--auth-file", str(exported)]) == 0
    assert json.loads(exported.read_text())["tokens"]["refresh_token"] == "rt-b"


def test_settings_give_the_defaults(
    redis_url: str, auth_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CODEX_REDIS_URL", redis_url)
    monkeypatch.setenv("CODEX_REDIS_KEY", "from-env")
    assert main(["login-import"]) == 0
    assert "'from-env'" in capsys.readouterr().out


def test_unreachable_redis_and_missing_file_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_auth_file(tmp_path / "auth.json", codex_auth_document(make_jwt(exp=time.time() + 3600)))
    dead = f"redis://:pw-123@127.0.0.1:{refused_port()}/0"
    assert main(["login-import", "--redis-url", dead, "--auth-file", str(source)]) == 1
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "pw-123" not in err
    assert "CODEX_REDIS_URL" in err, "the CLI says which setting to check"
    assert main(["login-import", "--redis-url", dead, "--auth-file", str(tmp_path / "none.json")]) == 3
    assert "no Codex login file" in capsys.readouterr().err
