import datetime
import os
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from meetings import services
from meetings.models import Organization
from meetings.validators import canonical_api_base, validate_time_zone

AuthMode = Organization.AuthMode
# Each way of authenticating, as environment variables and the fields they fill. Secrets come from the
# environment only: on the command line they would land in shell history and `ps` output.
ENVIRONMENT = {
    AuthMode.ACCESS_TOKEN: {"DINGTALK_ACCESS_TOKEN": "access_token"},
    AuthMode.INTERNAL_APP: {"DINGTALK_APP_KEY": "app_key", "DINGTALK_APP_SECRET": "app_secret"},
    AuthMode.THIRD_PARTY_APP: {
        "DINGTALK_SUITE_KEY": "app_key",
        "DINGTALK_SUITE_SECRET": "app_secret",
        "DINGTALK_AUTH_CORP_ID": "auth_corp_id",
        "DINGTALK_SUITE_TICKET": "suite_ticket",
    },
}


class Command(BaseCommand):
    help = (
        "Create or update a DingTalk organization. Credentials are read from the environment, never from "
        "the command line (it would land in shell history): DINGTALK_ACCESS_TOKEN (a pasted token), or "
        "DINGTALK_APP_KEY and DINGTALK_APP_SECRET (an internal app), or DINGTALK_SUITE_KEY, "
        "DINGTALK_SUITE_SECRET, DINGTALK_AUTH_CORP_ID and DINGTALK_SUITE_TICKET (a third-party enterprise "
        "app). None set: the stored credentials stay as they are."
    )

    def create_parser(self, *args, **kwargs):
        parser = super().create_parser(*args, **kwargs)
        parser.allow_abbrev = False  # `--token X` must fail, not be taken for `--token-expires-at X`
        return parser

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--time-zone", required=True, help="IANA name, such as Asia/Shanghai.")
        parser.add_argument(
            "--api-base",
            default=Organization.ApiBase.MAINLAND,
            help="https://api.dingtalk.com (default) or https://api.dingtalk.io for international DingTalk.",
        )
        parser.add_argument(
            "--corp-id",
            help="The DingTalk corp ID whose people may sign in with DingTalk and be approved into this "
            "organization. Not given: the stored one stays.",
        )
        parser.add_argument(
            "--token-expires-at",
            help="When DINGTALK_ACCESS_TOKEN expires, e.g. 2026-12-01T14:05 (in --time-zone) or with an "
            "offset; the portal stops sending it then.",
        )

    def handle(self, *args, name, time_zone, api_base, token_expires_at, corp_id, **options):
        try:
            validate_time_zone(time_zone)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        auth_mode, values = _credentials_from_environment()
        if token_expires_at and auth_mode != AuthMode.ACCESS_TOKEN:
            raise CommandError("--token-expires-at goes with DINGTALK_ACCESS_TOKEN (a pasted token).")

        organization = Organization.objects.filter(name=name).first()
        created = organization is None
        if created:
            organization = Organization(name=name)
        changed = {"time_zone"}
        api_base = canonical_api_base(api_base)
        if created or organization.api_base != api_base:
            changed.add("api_base")
        organization.time_zone = time_zone
        organization.api_base = api_base
        if corp_id is not None:
            organization.corp_id = corp_id.strip()
            changed.add("corp_id")
        if auth_mode:
            # Credentials given are taken as new even when equal: a cached app token is dropped and renewed.
            changed |= {"auth_mode", *values}
            organization.auth_mode = auth_mode
            for field, value in values.items():
                setattr(organization, field, value)
            if auth_mode == AuthMode.ACCESS_TOKEN:
                organization.access_token_expires_at = _expiry(token_expires_at, time_zone)
                changed.add("access_token_expires_at")
        try:
            organization.full_clean()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        try:
            services.organization_save(organization=organization, changed=changed)
        except services.OrganizationHostTaken as exc:
            raise CommandError(exc.message) from None

        verb = "Created" if created else "Updated"
        state = f"{organization.get_auth_mode_display()} set" if auth_mode else "credentials unchanged"
        if created and not auth_mode:
            state = "no credentials yet"
        self.stdout.write(self.style.SUCCESS(f"{verb} organization {name!r} ({time_zone}, {api_base}; {state})."))


def _credentials_from_environment() -> tuple[str | None, dict[str, str]]:
    """The one way of authenticating whose variables are set, and the field values they give."""
    given = {}
    for auth_mode, variables in ENVIRONMENT.items():
        present = {variable: os.environ.get(variable, "").strip() for variable in variables}
        if any(present.values()):
            given[auth_mode] = present
    if not given:
        return None, {}
    if len(given) > 1:
        sets = " / ".join(", ".join(variables) for variables in given.values())
        raise CommandError(f"Set the variables of one way of authenticating only, not several: {sets}.")
    [(auth_mode, present)] = given.items()
    missing = [variable for variable, value in present.items() if not value]
    if missing:
        raise CommandError(f"{AuthMode(auth_mode).label} also needs {', '.join(missing)} in the environment.")
    return auth_mode, {ENVIRONMENT[auth_mode][variable]: value for variable, value in present.items()}


def _expiry(text: str | None, time_zone: str) -> datetime.datetime | None:
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        # The value is not repeated: it may be a secret typed in the wrong place.
        raise CommandError("--token-expires-at takes a date and time like 2026-12-01T14:05.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    return moment
