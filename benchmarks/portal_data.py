"""The organizations, people and meetings a run puts in the portal's database (after setup_django)."""

from __future__ import annotations

from .common import CREATOR, PASSWORD, SANDBOX_TOKEN, portal
from .processes import Sandbox

# Whole minutes, far ahead: what the edit form shows is exactly what is stored.
FIRST_START_MS = 1_924_992_000_000  # 2031-01-01 00:00 UTC
MEETING_MINUTES = 45


def create_organization(*, name: str, api_base: str, app: bool = False):
    """An organization on the sandbox: with the sandbox's demo app, or with SANDBOX_TOKEN pasted."""
    from dingtalk_sandbox import DEMO_APP_KEY, DEMO_APP_SECRET

    Organization = portal().Organization
    if app:
        credentials = {
            "auth_mode": Organization.AuthMode.INTERNAL_APP,
            "app_key": DEMO_APP_KEY,
            "app_secret": DEMO_APP_SECRET,
        }
    else:
        credentials = {"auth_mode": Organization.AuthMode.ACCESS_TOKEN, "access_token": SANDBOX_TOKEN}
    return Organization.objects.create(name=name, time_zone="Asia/Shanghai", api_base=api_base, **credentials)


def create_people(
    organization, *, prefix: str, count: int, group: str = "", superuser: bool = False, staff: bool = False
) -> list:
    """`count` people in `organization` (and `group`), all with PASSWORD (hashed once, by the real hasher).

    `staff`: they may also use an admin site (the peer's, benchmarks/peer/), with their group's permissions.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    User = get_user_model()
    password = make_password(PASSWORD)
    people = User.objects.bulk_create(
        User(username=f"{prefix}{n:02d}", password=password, is_superuser=superuser, is_staff=superuser or staff)
        for n in range(1, count + 1)
    )
    people = list(User.objects.filter(username__in=[p.username for p in people]).order_by("username"))
    organization.members.add(*people)
    if group:
        Group.objects.get(name=group).user_set.add(*people)
    return people


def create_meetings(organization, *, prefix: str, count: int, sandbox: Sandbox | None = None) -> list:
    """`count` meetings in the portal and, when given, the same ones in the sandbox."""
    import datetime

    Meeting = portal().Meeting
    meetings = []
    for n in range(count):
        start_ms = FIRST_START_MS + n * 3_600_000
        end_ms = start_ms + MEETING_MINUTES * 60_000
        meetings.append(
            Meeting(
                organization=organization,
                schedule_conference_id=f"{prefix}-{n:05d}",
                creator_union_id=CREATOR,
                title=f"{prefix} meeting {n}",
                starts_at=datetime.datetime.fromtimestamp(start_ms / 1000, tz=datetime.UTC),
                ends_at=datetime.datetime.fromtimestamp(end_ms / 1000, tz=datetime.UTC),
            )
        )
        if sandbox is not None:
            sandbox.seed(
                schedule_conference_id=meetings[-1].schedule_conference_id,
                title=meetings[-1].title,
                start_ms=start_ms,
                end_ms=end_ms,
            )
    Meeting.objects.bulk_create(meetings, batch_size=1000)
    return list(Meeting.objects.filter(organization=organization).order_by("pk"))
