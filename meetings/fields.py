from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.db.models.query_utils import DeferredAttribute

from . import crypto
from .validators import canonical_api_base


class Ciphertext(str):
    """A value as the database stores it, not yet decrypted."""


class DecryptedAttribute(DeferredAttribute):
    """The plaintext, decrypted at first use and kept on the instance.

    Loading a row decrypts nothing: a list of organizations, a choice field or a join never needs the
    secret, and a value no key decrypts (a retired key) must not take those pages down. Only the code
    that uses the secret meets crypto.SecretDecryptionError.
    """

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Ciphertext):
            value = crypto.decrypt(value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """A text column stored Fernet-encrypted; Python sees plaintext, the database never does.

    An empty string stays empty (no secret set), so "is it set?" needs no decryption (`is_set`), and a
    stored value is decrypted only when it is read (`DecryptedAttribute`). Saving a row whose secret was
    never read writes its ciphertext back as it was.
    """

    description = "Text encrypted at rest"
    descriptor_class = DecryptedAttribute

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return Ciphertext(value)

    def pre_save(self, model_instance, add):
        if self.attname in model_instance.__dict__:
            return model_instance.__dict__[self.attname]  # not decrypted only to be encrypted again
        return super().pre_save(model_instance, add)

    def get_prep_value(self, value):
        if isinstance(value, Ciphertext):
            return str(value)
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(value)


class ApiBaseField(models.CharField):
    """A DingTalk API base, written and looked up in its canonical form (validators.canonical_api_base)
    whoever writes it -- the admin, `add_org`, the demo, a migration, a test -- so the database compares
    hosts, not spellings."""

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = canonical_api_base(value)
            setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return canonical_api_base(value) if isinstance(value, str) else value


def is_set(instance: models.Model, name: str) -> bool:
    """True when the instance has a value for the encrypted field `name`, without decrypting it."""
    if name not in instance.__dict__ and instance.pk is not None:
        instance.refresh_from_db(fields=[name])
    return bool(instance.__dict__.get(name))


def decrypts(instance: models.Model, name: str) -> bool:
    """True unless the field holds a stored value that no configured key decrypts."""
    try:
        getattr(instance, name)
    except crypto.SecretDecryptionError:
        return False
    return True


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """(model, field) for every encrypted column of every installed model."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def stored_ciphertext(field_name: str) -> Cast:
    """The column as stored, not decrypted: for re-encrypting and checking it, never for showing it."""
    return Cast(field_name, output_field=models.TextField())
