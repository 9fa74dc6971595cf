import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from meetings.models import Organization
from meetings.validators import validate_time_zone


class Command(BaseCommand):
    help = (
        "Create or update a DingTalk organization. The access token is read from the environment "
        "variable DINGTALK_ACCESS_TOKEN, never from the command line (it would land in shell history)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--time-zone", required=True, help="IANA name, such as Asia/Shanghai.")
        parser.add_argument(
            "--api-base",
            default=Organization.ApiBase.MAINLAND,
            help="https://api.dingtalk.com (default) or https://api.dingtalk.io for international DingTalk.",
        )

    def handle(self, *args, name, time_zone, api_base, **options):
        try:
            validate_time_zone(time_zone)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        token = os.environ.get("DINGTALK_ACCESS_TOKEN", "").strip()
        organization, created = Organization.objects.get_or_create(
            name=name, defaults={"time_zone": time_zone, "api_base": api_base.rstrip("/")}
        )
        organization.time_zone = time_zone
        organization.api_base = api_base.rstrip("/")
        if token:
            organization.auth_mode = Organization.AuthMode.ACCESS_TOKEN
            organization.access_token = token
        organization.full_clean()
        organization.save()
        verb = "Created" if created else "Updated"
        token_state = "token set" if token else "token unchanged" if not created else "no token yet"
        self.stdout.write(self.style.SUCCESS(f"{verb} organization {name!r} ({time_zone}, {api_base}; {token_state})."))
