"""The seed's constants, and this project's defaults.

A few names are kept only because the seed's ``constants`` module had them (marked
"seed-compat"): code outside this package may import them; nothing here reads them.
"""

from __future__ import annotations

from pathlib import Path

# API configuration
CODEX_API_BASE_URL = "https://chatgpt.com/backend-api"
CODEX_RESPONSES_ENDPOINT = "/codex/responses"
CODEX_MODELS_ENDPOINT = "/codex/models"

# Authentication
JWT_ACCOUNT_CLAIM = "https://api.openai.com/auth"
CHATGPT_ACCOUNT_HEADER = "chatgpt-account-id"
CODEX_OAUTH_TOKEN_URL = "https://auth.openai.com/oauth/token"
CODEX_OAUTH_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"

# Feature flags
CODEX_MODE_ENV = "CODEX_MODE"  # seed-compat: the settings read CODEX_MODE through CodexSettings
DEFAULT_CODEX_MODE = True

# Caching
CODEX_CACHE_DIR = Path.home() / ".opencode" / "cache"
CODEX_INSTRUCTIONS_CACHE_TTL_SECONDS = 15 * 60

# Token management
TOKEN_CACHE_BUFFER_SECONDS = 300
TOKEN_DEFAULT_EXPIRY_SECONDS = 3600  # seed-compat: a token without ``exp`` is judged by its last refresh

# Client identity sent to the backend
DEFAULT_ORIGINATOR = "codex_cli_rs"
CODEX_CLIENT_VERSION = "0.155.0"

# Where the official instructions live
GITHUB_API_URL = "https://api.github.com"
GITHUB_RAW_URL = "https://raw.githubusercontent.com"
