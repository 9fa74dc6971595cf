"""Encryption at rest for DingTalk credentials.

Fernet (AES-128-CBC + HMAC) under a MultiFernet built from settings.DINGTALK_ENCRYPTION_KEYS: the first
key encrypts, every key decrypts, so a new key can be put first, rows re-encrypted
(`manage.py rotate_encryption_keys`) and the old key retired.

A value that no key can decrypt raises SecretDecryptionError. It is never returned as is: ciphertext
sent to DingTalk as if it were a token would fail far from the cause.

Every plaintext that passes through here is remembered (a bounded set, in this process only), so the
logging filter can take out of log lines the secrets the process actually holds (admin_portal/logging.py).
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


def _fernets(keys) -> list[Fernet]:
    if not keys:
        raise ImproperlyConfigured("DINGTALK_ENCRYPTION_KEYS is empty: secrets cannot be stored.")
    try:
        return [Fernet(key) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "DINGTALK_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from exc


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return MultiFernet(_fernets(settings.DINGTALK_ENCRYPTION_KEYS))


@lru_cache(maxsize=1)
def _primary() -> Fernet:
    return _fernets(settings.DINGTALK_ENCRYPTION_KEYS)[0]


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting == "DINGTALK_ENCRYPTION_KEYS":
        _fernet.cache_clear()
        _primary.cache_clear()


def check_keys(keys=None) -> None:
    """Raise ImproperlyConfigured unless every key (default: the configured ones) is a Fernet key."""
    _fernets(settings.DINGTALK_ENCRYPTION_KEYS if keys is None else keys)


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
