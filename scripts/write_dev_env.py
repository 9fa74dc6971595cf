"""Print a development .env with fresh random keys (used by `make run` when no .env exists)."""

import secrets

from cryptography.fernet import Fernet

print("# Written by `make run` for local development. Never commit this file.")
print("DJANGO_DEBUG=1")
print(f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"DINGTALK_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
