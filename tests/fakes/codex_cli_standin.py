"""A stand-in for the Codex CLI: another program that refreshes the same ``auth.json``.

Like the real CLI it takes no lock of this package's, rewrites the file in place
(truncate, then write), keeps every key it does not know, and when the endpoint
says ``refresh_token_reused`` it reads the file again and carries on. It imports
nothing from the package. Prints one JSON line: how many refreshes it made and lost.

``python tests/fakes/codex_cli_standin.py --auth-file F --token-url U --times 10``
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"


def read(path: Path) -> dict[str, Any]:
    for _ in range(50):
        try:
            document = json.loads(path.read_text())
            if isinstance(document, dict):
                return document
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    raise SystemExit(f"could not read {path}")


def refresh(token_url: str, refresh_token: str) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"client_id": CLIENT_ID, "grant_type": "refresh_token", "refresh_token": refresh_token})
    request = urllib.request.Request(
        token_url, data=body.encode(), headers={"content-type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--auth-file", type=Path, required=True)
    parser.add_argument("--token-url", required=True)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--pause", type=float, default=0.05)
    args = parser.parse_args()
    refreshed = lost = 0
    for _ in range(args.times):
        document = read(args.auth_file)
        status, answer = refresh(args.token_url, document["tokens"]["refresh_token"])
        if status == 200:
            for name in ("id_token", "access_token", "refresh_token"):
                if answer.get(name):
                    document["tokens"][name] = answer[name]
            document["last_refresh"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            with open(args.auth_file, "w") as handle:  # in place, as the CLI does
                handle.write(json.dumps(document, indent=2))
            os.chmod(args.auth_file, 0o600)
            refreshed += 1
        else:
            lost += 1
        time.sleep(args.pause)
    print(json.dumps({"refreshed": refreshed, "lost": lost}), flush=True)


if __name__ == "__main__":
    main()
