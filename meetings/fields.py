from django.db import models

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
