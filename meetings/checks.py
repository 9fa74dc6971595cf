"""System checks for credentials: `manage.py check`, `runserver` and `migrate` stop with a clear error.

- The keys in DINGTALK_ENCRYPTION_KEYS must be Fernet keys.
- With the database checks (`migrate`, `check --database default`): every stored secret must decrypt
  with one of the keys, so a wrong or retired key is found at deployment rather than at a person's save.
- Every stored API base must pass meetings.validators.validate_api_base: the local DingTalk sandbox is a
  development tool, refused while it is disabled (demo/checks.py warns when it is enabled without DEBUG).
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from . import crypto
from .fields import encrypted_fields, stored_ciphertext


def check_encryption_keys(app_configs=None, **kwargs):
    try:
        crypto.check_keys()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint=crypto.GENERATE_KEY,
                id="meetings.E001",
            )
        ]
    return []


def check_stored_secrets_decrypt(app_configs=None, databases=None, **kwargs):
    if check_encryption_keys():
        return []  # meetings.E001 already says what is wrong
    errors = []
    for alias in databases or ():
        for model, field in encrypted_fields():
            rows = model._base_manager.using(alias).exclude(**{field.name: ""})
            try:
                stored = list(rows.values_list(stored_ciphertext(field.name), flat=True))
            except DatabaseError:  # no table yet: the first `migrate` runs its checks before creating it
                continue
            undecryptable = sum(1 for value in stored if not _decrypts(value))
            if undecryptable:
                errors.append(
                    checks.Error(
                        f"{undecryptable} value(s) of {model._meta.label}.{field.name} in database "
                        f"{alias!r} cannot be decrypted with any key in DINGTALK_ENCRYPTION_KEYS.",
                        hint="Put back the key they were encrypted with (after the new one) and run "
                        "`manage.py rotate_encryption_keys` before retiring it.",
                        id="meetings.E002",
                    )
                )
    return errors


def check_no_organization_uses_the_sandbox(app_configs=None, databases=None, **kwargs):
    """`migrate` and `check --database`: every stored organization's API base passes today's validator --
    with the sandbox off, none may still point at it (a development database restored in production), and
    none may keep a base stored before the validator was strict (`https://api.dingtalk.com@evil.example`)."""
    from django.core.exceptions import ValidationError

    from .models import Organization
    from .validators import validate_api_base

    errors = []
    for alias in databases or ():
        try:
            stored = list(Organization.objects.using(alias).values_list("name", "api_base"))
        except DatabaseError:  # no table yet: the first `migrate` runs its checks before creating it
            continue
        for name, api_base in stored:
            try:
                validate_api_base(api_base)
            except ValidationError:
                errors.append(
                    checks.Error(
                        f"Organization {name!r} in database {alias!r} points at {api_base}, which is not an "
                        "allowed API base (the local sandbox is for development only).",
                        hint="Set its API base URL to https://api.dingtalk.com or https://api.dingtalk.io, or "
                        "list a gateway's host in DINGTALK_EXTRA_API_HOSTS.",
                        id="meetings.E003",
                    )
                )
    return errors


def key_errors_at_start() -> list[str]:
    """What stops gunicorn before its first worker (admin_portal/gunicorn.conf.py): meetings.E001 and E002.

    gunicorn runs no system checks; without this a wrong key would start and answer with 500s.
    """
    errors = check_encryption_keys() or check_stored_secrets_decrypt(databases=["default"])
    return [f"{error.id}: {error.msg} HINT: {error.hint}" for error in errors]


def _decrypts(ciphertext: str) -> bool:
    try:
        crypto.decrypt(ciphertext)
    except crypto.SecretDecryptionError:
        return False
    return True
