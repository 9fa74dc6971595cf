from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.db.models.lookups import Exact

from meetings import crypto
from meetings.fields import encrypted_fields, stored_ciphertext


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret under the first key in DINGTALK_ENCRYPTION_KEYS, so the keys after "
        "it can be retired. Safe to run again: values already under the first key are left as they are. "
        "See docs/operating.md, 'Credentials and key rotation'."
    )

    def handle(self, *args, **options):
        rotated = current = 0
        failed = []
        for model, field in encrypted_fields():
            column = stored_ciphertext(field.name)
            rows = model._base_manager.exclude(**{field.name: ""})
            for pk, stored in rows.values_list("pk", column):
                if not crypto.needs_rotation(stored):
                    current += 1
                    continue
                try:
                    replacement = crypto.rotate(stored)
                except crypto.SecretDecryptionError:
                    failed.append(f"{model._meta.label}.{field.name} of row {pk}")
                    continue
                # Only if the value is still the one read: a token refreshed meanwhile is already current.
                rotated += model._base_manager.filter(Exact(column, stored), pk=pk).update(
                    **{field.name: models.Value(replacement, output_field=models.TextField())}
                )
        self.stdout.write(f"Re-encrypted {rotated} value(s) under the first key; {current} already were.")
        if failed:
            raise CommandError(
                "No key in DINGTALK_ENCRYPTION_KEYS decrypts " + ", ".join(failed) + ". Put back the key "
                "they were encrypted with (after the first) and run this command again."
            )
