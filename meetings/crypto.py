"""Encryption at rest for DingTalk credentials.

Fernet (AES-128-CBC + HMAC) under a MultiFernet built from settings.DINGTALK_ENCRYPTION_KEYS: the first
key encrypts, every key decrypts, so a new key can be put first, rows re-encrypted
(`manage.py rotate_encryption_keys`) and the old key retired.

A value that no key can decrypt raises SecretDecryptionError. It is never returned as is: ciphertext
sent to DingTalk as if it were a token would fail far from the cause.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


class SecretDecryptionError(ImproperlyConfigured):
    """A stored secret cannot be decrypted with any configured key."""


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = settings.DINGTALK_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("DINGTALK_ENCRYPTION_KEYS is empty: secrets cannot be stored.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "DINGTALK_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from exc


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting == "DINGTALK_ENCRYPTION_KEYS":
        _fernet.cache_clear()


def check_keys() -> None:
    """Fail fast at start-up when the keys are malformed."""
    _fernet()


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError(
            "A stored DingTalk secret cannot be decrypted with any key in DINGTALK_ENCRYPTION_KEYS. "
            "Was a key removed before `manage.py rotate_encryption_keys` re-encrypted the data?"
        ) from None


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the first key (MultiFernet.rotate keeps the original timestamp)."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretDecryptionError("A stored DingTalk secret cannot be decrypted with any key.") from None
