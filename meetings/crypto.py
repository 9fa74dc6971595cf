"""Encryption at rest for DingTalk credentials: a MultiFernet over settings.DINGTALK_ENCRYPTION_KEYS.

Keys and their rotation: docs/operating.md, "Credentials and key rotation". A value no key decrypts raises
SecretDecryptionError and is never returned as is: ciphertext sent to DingTalk as a token would fail
far from the cause. Every plaintext that passes through is remembered (bounded, this process only) so
the logging filter can redact the secrets the process actually holds (admin_portal/logging.py).
"""

import threading
from collections import OrderedDict
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

# Enough for every secret of a few hundred organizations; the oldest are forgotten first.
KNOWN_SECRETS_LIMIT = 1024
# Shorter strings are not remembered: redacting "abc" from every log line would garble the log,
# and no real token or secret is that short.
KNOWN_SECRET_MIN_LENGTH = 8

_known_secrets: OrderedDict[str, None] = OrderedDict()
_known_secrets_lock = threading.Lock()


class SecretDecryptionError(ImproperlyConfigured):
    """A stored secret cannot be decrypted with any configured key."""


GENERATE_KEY = (
    'Generate a key with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"` '
    "and put it in the environment (or run `make run`, which writes a .env for development)."
)


def _fernets() -> list[Fernet]:
    """The configured keys; ImproperlyConfigured when there are none or one is not a Fernet key."""
    keys = settings.DINGTALK_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("DINGTALK_ENCRYPTION_KEYS is not set: secrets cannot be stored.")
    try:
        return [Fernet(key) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "DINGTALK_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from exc


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return MultiFernet(_fernets())


@lru_cache(maxsize=1)
def _primary() -> Fernet:
    return _fernets()[0]


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting == "DINGTALK_ENCRYPTION_KEYS":
        _fernet.cache_clear()
        _primary.cache_clear()


def check_keys() -> None:
    """Raise ImproperlyConfigured unless DINGTALK_ENCRYPTION_KEYS holds Fernet keys, and at least one.

    The one check of the keys: the system check (meetings.E001) and the WSGI application call it.
    """
    _fernets()


def encrypt(plaintext: str) -> str:
    remember(plaintext)
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        plaintext = _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError(
            "A stored DingTalk secret cannot be decrypted with any key in DINGTALK_ENCRYPTION_KEYS. "
            "Was a key removed before `manage.py rotate_encryption_keys` re-encrypted the data?"
        ) from None
    remember(plaintext)
    return plaintext


def needs_rotation(ciphertext: str) -> bool:
    """True when the value is not encrypted under the first key (so `rotate` would change its key)."""
    try:
        _primary().decrypt(ciphertext.encode())
    except InvalidToken:
        return True
    return False


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the first key (MultiFernet.rotate keeps the original timestamp)."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError("A stored DingTalk secret cannot be decrypted with any key.") from None


def remember(secret: str) -> None:
    """Note a secret this process holds, so log lines that contain it are redacted."""
    if len(secret) < KNOWN_SECRET_MIN_LENGTH:
        return
    with _known_secrets_lock:
        _known_secrets[secret] = None
        _known_secrets.move_to_end(secret)
        while len(_known_secrets) > KNOWN_SECRETS_LIMIT:
            _known_secrets.popitem(last=False)


def known_secrets() -> tuple[str, ...]:
    """The secrets this process has encrypted or decrypted lately, longest first."""
    with _known_secrets_lock:
        secrets = tuple(_known_secrets)
    return tuple(sorted(secrets, key=len, reverse=True))
