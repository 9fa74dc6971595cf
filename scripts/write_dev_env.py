"""Write a development .env with fresh random keys (used by `make run` when no .env exists).

`python scripts/write_dev_env.py .env`: the file is created readable by its owner only (mode 0600, whatever
the umask) and never overwritten: it holds the keys that decrypt the development database's secrets.
"""

import os
import secrets
import sys

from cryptography.fernet import Fernet

LINES = [
    "# Written by `make run` for local development. Never commit this file.",
    "DJANGO_DEBUG=1",
    f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}",
    f"DINGTALK_ENCRYPTION_KEYS={Fernet.generate_key().decode()}",
]

if len(sys.argv) != 2:
    sys.exit("usage: write_dev_env.py PATH")
try:
    descriptor = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
except FileExistsError:
    sys.exit(f"{sys.argv[1]} exists; not overwritten.")
with os.fdopen(descriptor, "w") as env_file:
    env_file.write("\n".join(LINES) + "\n")
