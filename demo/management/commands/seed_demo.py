"""The demo `make run` shows: logins, two organizations on the local DingTalk sandbox, and their meetings.

Development only. Every demo meeting must exist in both places -- the portal's database and the
sandbox -- with the same title and times, or the first save would stop with "changed in DingTalk". The
sandbox is seeded through its control API, so this works whether it was just started or has been
running for a while. Running it again changes nothing that exists: edits made during a demo are kept,
and a meeting missing on one side is copied from the other.
"""

import datetime
from dataclasses import dataclass

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts import services as accounts_services
from dingtalk_sandbox import (
    DEMO_APP_KEY,
    DEMO_APP_SECRET,
    DEMO_CORP_IDS,
    DEMO_LOGIN_CLIENT_ID,
    DEMO_LOGIN_CLIENT_SECRET,
    DEMO_PEOPLE,
)
from meetings import dingtalk, services
from meetings.models import Meeting, Organization

DEFAULT_SANDBOX_URL = "http://127.0.0.1:8001"
DEFAULT_PORTAL_URL = "http://127.0.0.1:8000"
# The pasted token of the organization that does not use an app; preloaded in the sandbox, never expires.
SANDBOX_TOKEN = "sandbox-demo-token"
DEMO_PASSWORD = "dingtalk-demo"
# Li Lei in the sandbox's sign-in: he books the demo meetings, and is Demo Shanghai's office admin.
DEMO_OFFICE_ADMIN = DEMO_PEOPLE[0]
DEMO_CREATOR = DEMO_OFFICE_ADMIN.union_id
CALLBACK_PATH = "/accounts/dingtalk/login/callback/"
SANDBOX_TIMEOUT = 5


@dataclass(frozen=True)
class DemoLogin:
    username: str
    description: str
    superuser: bool = False
    group: str = ""  # a role from migration 0002_roles


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    time_zone: str
    credentials: dict


@dataclass(frozen=True)
class DemoMeeting:
    organization: str
    schedule_conference_id: str
    title: str
    days_from_today: int
    local_hour: int
    minutes: int
    meeting_number: str  # the meeting number, so the demo can find meetings by it


DEMO_LOGINS = (
    DemoLogin("admin", "sees and changes everything, and the admin", superuser=True),
    DemoLogin("helpdesk", "Helpdesk: fixes titles only", group="Helpdesk"),
)
DEMO_ORGANIZATIONS = (
    # Tokens obtained (and renewed) by the portal with the sandbox's demo app.
    DemoOrganization(
        "Demo Shanghai",
        "Asia/Shanghai",
        {"auth_mode": Organization.AuthMode.INTERNAL_APP, "app_key": DEMO_APP_KEY, "app_secret": DEMO_APP_SECRET},
    ),
    # A token an administrator pasted.
    DemoOrganization(
        "Demo Berlin",
        "Europe/Berlin",
        {"auth_mode": Organization.AuthMode.ACCESS_TOKEN, "access_token": SANDBOX_TOKEN},
    ),
)
DEMO_MEETINGS = (
    DemoMeeting("Demo Shanghai", "demo-sh-0001", "Weekly product sync", 1, 10, 60, "8387221201"),
    DemoMeeting("Demo Shanghai", "demo-sh-0002", "季度复盘会议", 2, 14, 90, "8387221202"),
    DemoMeeting("Demo Shanghai", "demo-sh-0003", "Design reveiw", 3, 9, 45, "8387221234"),  # a typo to fix
    DemoMeeting("Demo Berlin", "demo-be-0001", "Partner call", 1, 16, 30, "5550001201"),
    DemoMeeting("Demo Berlin", "demo-be-0002", "All hands", 7, 11, 60, "5550001202"),
)


def demo_banner(portal_url: str) -> str:
    """Where to log in, and as whom."""
    logins = "".join(
        f"  Username: {demo.username:<9} Password: {DEMO_PASSWORD}   ({demo.description})\n" for demo in DEMO_LOGINS
    )
    dingtalk = (
        f'  Or "Sign in with DingTalk": {DEMO_OFFICE_ADMIN.nick} is Demo Shanghai\'s office admin and approves\n'
        "  the others at /people/ (one of them is from a company the portal does not know: refused).\n"
    )
    return f"\n  Portal:   {portal_url.rstrip('/')}/\n{logins}{dingtalk}"


class SandboxUnavailable(CommandError):
    pass


class SandboxControl:
    """The few `/_sandbox/` control calls seeding needs (the sandbox is a development tool, not DingTalk)."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False  # a proxy from the environment must not see loopback calls

    def meeting(self, schedule_conference_id: str) -> dict | None:
        response = self._call("GET", f"/_sandbox/meetings/{requests.utils.quote(schedule_conference_id, safe='')}")
        return None if response.status_code == 404 else self._json(response)["meeting"]

    def put_meeting(self, **fields) -> None:
        self._json(self._call("POST", "/_sandbox/meetings", json=fields))

    def add_login_app(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self._json(
            self._call(
                "POST",
                "/_sandbox/login-apps",
                json={"clientId": client_id, "clientSecret": client_secret, "redirectUri": redirect_uri},
            )
        )

    def add_token(self, token: str) -> None:
        self._json(self._call("POST", "/_sandbox/tokens", json={"token": token}))

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        try:
            return self.session.request(method, self.base_url + path, timeout=SANDBOX_TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise SandboxUnavailable(
                f"The DingTalk sandbox does not answer at {self.base_url} ({type(exc).__name__}). Start it first "
                "(`make run` does both), or pass --sandbox-url."
            ) from None

    def _json(self, response: requests.Response) -> dict:
        if response.status_code >= 300:
            raise CommandError(
                f"The DingTalk sandbox refused {response.request.method} {response.url}: "
                f"HTTP {response.status_code} {response.text[:200]}"
            )
        return response.json()


class Command(BaseCommand):
    help = (
        "Create the demo logins, organizations and meetings, in the portal and in the running DingTalk "
        "sandbox (development only; running it again keeps what exists)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sandbox-url", default=DEFAULT_SANDBOX_URL, help="default: %(default)s")
        parser.add_argument(
            "--portal-url", default=DEFAULT_PORTAL_URL, help="printed with the logins (default: %(default)s)"
        )

    def handle(self, *args, sandbox_url, portal_url, **options):
        # A fake DingTalk and known passwords have no place in production.
        if not settings.DINGTALK_SANDBOX_ENABLED:
            raise CommandError(
                "seed_demo is for development: it needs DINGTALK_SANDBOX_ENABLED (on with DJANGO_DEBUG)."
            )
        sandbox = SandboxControl(sandbox_url)
        sandbox.add_token(SANDBOX_TOKEN)
        users = [self._login(demo) for demo in DEMO_LOGINS]
        organizations = {}
        for demo in DEMO_ORGANIZATIONS:
            organizations[demo.name] = self._organization(demo, api_base=sandbox.base_url)
            organizations[demo.name].members.add(*users)
        for demo in DEMO_MEETINGS:
            self._meeting(demo, organizations[demo.organization], sandbox)
        # Sign in with DingTalk: the sandbox's login app sends people back to this portal only.
        sandbox.add_login_app(DEMO_LOGIN_CLIENT_ID, DEMO_LOGIN_CLIENT_SECRET, portal_url.rstrip("/") + CALLBACK_PATH)
        accounts_services.person_approved_ensure(
            union_id=DEMO_OFFICE_ADMIN.union_id,
            nick=DEMO_OFFICE_ADMIN.nick,
            corp_id=DEMO_OFFICE_ADMIN.corp_id,
            role="office_admin",
            organizations=[organizations[DEMO_OFFICE_ADMIN.organization]],
        )
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(demo_banner(portal_url)))

    def _login(self, demo: DemoLogin):
        user, created = get_user_model().objects.get_or_create(
            username=demo.username, defaults={"is_staff": demo.superuser, "is_superuser": demo.superuser}
        )
        if created:  # a password or role changed since is kept
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            if demo.group:
                user.groups.add(Group.objects.get(name=demo.group))
        return user

    def _organization(self, demo: DemoOrganization, *, api_base: str) -> Organization:
        organization, created = Organization.objects.get_or_create(
            name=demo.name,
            defaults={
                "time_zone": demo.time_zone,
                "api_base": api_base,
                "corp_id": DEMO_CORP_IDS[demo.name],
                **demo.credentials,
            },
        )
        if not organization.corp_id:  # a demo database from before sign-in with DingTalk
            organization.corp_id = DEMO_CORP_IDS[demo.name]
            organization.save(update_fields=["corp_id"])
        if not created and organization.api_base != api_base:
            # The sandbox moved to another port: follow it, and drop a token obtained from the old address.
            organization.api_base = api_base
            services.organization_save(organization=organization, changed={"api_base"})
        return organization

    def _meeting(self, demo: DemoMeeting, organization: Organization, sandbox: SandboxControl) -> None:
        stored = Meeting.objects.filter(
            organization=organization, schedule_conference_id=demo.schedule_conference_id
        ).first()
        in_sandbox = sandbox.meeting(demo.schedule_conference_id)
        if stored is not None and in_sandbox is not None:
            return
        if stored is not None:
            title, starts_at, ends_at = stored.title, stored.starts_at, stored.ends_at
            creator, canceled = stored.creator_union_id, stored.is_canceled
        elif in_sandbox is not None:
            title, creator, canceled = in_sandbox["title"], in_sandbox["creatorUnionId"], in_sandbox["canceled"]
            starts_at = dingtalk.from_epoch_ms(in_sandbox["startTime"])
            ends_at = dingtalk.from_epoch_ms(in_sandbox["endTime"])
        else:
            day = timezone.localdate() + datetime.timedelta(days=demo.days_from_today)
            starts_at = datetime.datetime.combine(day, datetime.time(demo.local_hour), tzinfo=organization.zone)
            ends_at = starts_at + datetime.timedelta(minutes=demo.minutes)
            title, creator, canceled = demo.title, DEMO_CREATOR, False
        if in_sandbox is None:
            sandbox.put_meeting(
                scheduleConferenceId=demo.schedule_conference_id,
                creatorUnionId=creator,
                title=title,
                startTime=dingtalk.epoch_ms(starts_at),
                endTime=dingtalk.epoch_ms(ends_at),
                canceled=canceled,
                roomCode=demo.meeting_number,
                url=f"https://meeting.dingtalk.com/j/{demo.meeting_number}",
                organization=organization.name,  # labels for the sandbox's page
                timeZone=organization.time_zone,
            )
        if stored is None:
            Meeting.objects.create(
                organization=organization,
                schedule_conference_id=demo.schedule_conference_id,
                creator_union_id=creator,
                title=title,
                starts_at=starts_at,
                ends_at=ends_at,
                status=Meeting.Status.CANCELED if canceled else Meeting.Status.ACTIVE,
                meeting_number=demo.meeting_number,
                join_url=f"https://meeting.dingtalk.com/j/{demo.meeting_number}",
            )
