from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("DingTalk meetings")

    def ready(self):
        from django.core import checks as django_checks

        from . import checks, tasks  # noqa: F401 -- tasks register themselves with meetings/queue.py

        django_checks.register(checks.check_encryption_keys, django_checks.Tags.security)
        django_checks.register(checks.check_stored_secrets_decrypt, django_checks.Tags.database)
        django_checks.register(checks.check_no_organization_uses_the_sandbox, django_checks.Tags.database)
