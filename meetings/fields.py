from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

from . import crypto


class EncryptedTextField(models.TextField):
    """A text column stored Fernet-encrypted; Python sees plaintext, the database never does.

    An empty string stays empty (no secret set), so "is it set?" needs no decryption.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(value)


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
