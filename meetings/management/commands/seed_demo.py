import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from meetings.models import Meeting, Organization

DEMO_USERNAME = "admin"
DEMO_PASSWORD = "dingtalk-demo"
SANDBOX_URL = "http://127.0.0.1:8001"
SANDBOX_TOKEN = "sandbox-demo-token"
DEMO_MEETINGS = [
    # (organization, conference id, title, local start as days from today and hour, minutes)
    ("Demo Shanghai", "demo-sh-0001", "Weekly product sync", 1, 10, 60),
    ("Demo Shanghai", "demo-sh-0002", "季度复盘会议", 2, 14, 90),
    ("Demo Shanghai", "demo-sh-0003", "Design reveiw", 3, 9, 45),
    ("Demo Berlin", "demo-be-0001", "Partner call", 1, 16, 30),
    ("Demo Berlin", "demo-be-0002", "All hands", 7, 11, 60),
]
DEMO_ORGANIZATIONS = {"Demo Shanghai": "Asia/Shanghai", "Demo Berlin": "Europe/Berlin"}
DEMO_CREATOR = "demo-creator-union-id"


class Command(BaseCommand):
    help = "Create the demo login, organizations and meetings for `make run` (development only; idempotent)."

    def handle(self, *args, **options):
        if not settings.DINGTALK_SANDBOX_ENABLED:
            raise CommandError(
                "seed_demo is for development: it needs DINGTALK_SANDBOX_ENABLED (on with DJANGO_DEBUG)."
            )
        user = self._demo_user()
        today = timezone.localdate()
        for name, zone in DEMO_ORGANIZATIONS.items():
            organization, created = Organization.objects.get_or_create(
                name=name, defaults={"time_zone": zone, "api_base": SANDBOX_URL, "access_token": SANDBOX_TOKEN}
            )
            organization.members.add(user)
        for org_name, conference_id, title, days, hour, minutes in DEMO_MEETINGS:
            organization = Organization.objects.get(name=org_name)
            start = datetime.datetime.combine(
                today + datetime.timedelta(days=days), datetime.time(hour), tzinfo=organization.zone
            )
            Meeting.objects.get_or_create(
                organization=organization,
                schedule_conference_id=conference_id,
                defaults={
                    "creator_union_id": DEMO_CREATOR,
                    "title": title,
                    "starts_at": start,
                    "ends_at": start + datetime.timedelta(minutes=minutes),
                },
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Portal:   http://127.0.0.1:8000/\n  Username: {DEMO_USERNAME}\n  Password: {DEMO_PASSWORD}\n"
            )
        )

    def _demo_user(self):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user
