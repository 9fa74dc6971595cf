"""A deployment's environment, and Python run in a fresh process with only it: what the tests of the real
deployment (settings, gunicorn, file modes, the .env) share."""

import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "admin_portal.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3Jq9vP0w7Zs2Lx8Rt5Nc1Hy6Ub4Me0Ga9Fd3Vo7Wi2Qp5Ej8Tl1",
    "DJANGO_ALLOWED_HOSTS": "portal.example.com",
    "DINGTALK_ENCRYPTION_KEYS": "n2kZDnX5cjyA3ofd6cUGyN1XQpo6fXrqtVUK4N2m4fA=",
    # Only these variables: not the development .env that `make run` may have left in this tree.
    "DJANGO_ENV_FILE": "",
}


def python(*args, **env):
    """Run Python in a fresh process with only what a deployment sets (None removes a variable)."""
    environment = {"PATH": "/usr/bin:/bin", **PRODUCTION_ENV, **env}
    environment = {name: value for name, value in environment.items() if value is not None}
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )
