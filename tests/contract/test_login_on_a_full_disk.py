"""A real full file system (a tiny tmpfs): the refreshed login survives a failed write, and lands later."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litellm_codex_oauth_provider.adapters.auth_file import CodexAuthFileTokenStore
from structlog.testing import capture_logs

from tests.fakes.logins import codex_auth_document, make_jwt, write_auth_file
from tests.fakes.refresher import FakeRefresher


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs of our own; skipped where this process may not mount one (not root, a locked sandbox)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path) -> Path:
    """A file that takes every free byte (written unbuffered, so nothing is left to flush)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_keeps_the_old_file_and_the_new_login_until_it_can_be_written(tiny_disk: Path) -> None:
    path = tiny_disk / "auth.json"
    write_auth_file(path, codex_auth_document(make_jwt(exp=time.time() - 10), "rt-initial"))
    before = path.read_bytes()
    filler = _fill(tiny_disk)
    refresher = FakeRefresher()
    store = CodexAuthFileTokenStore(path, refresher=refresher, check_interval_seconds=0.0)
    with capture_logs() as logs:
        auth = store.get_auth()
    assert path.read_bytes() == before, "the old login is left whole, never half-written"
    assert any(log["event"] == "codex_login_write_failed" and log["where"] == str(path) for log in logs)
    assert not [name for name in os.listdir(tiny_disk) if name not in ("auth.json", "auth.json.lock", "filler")]
    filler.unlink()
    assert store.get_auth() == auth, "still the refreshed login, now written"
    assert json.loads(path.read_text())["tokens"]["refresh_token"] == "rt-fresh-1"
    assert refresher.calls == 1, "one refresh: the spent token is never sent again"
