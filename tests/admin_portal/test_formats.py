"""Dates and times in one format, 24-hour YYYY-MM-DD HH:MM, in every language: the admin's pages too, which
otherwise show each language's own ("March 15, 2027, 10 p.m.", "2027年3月15日22:00")."""

import datetime

import pytest
from django.urls import reverse

from meetings.models import Meeting


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admins_meeting_page_shows_times_as_yyyy_mm_dd_hh_mm(client, django_user_model, organization, language):
    admin = django_user_model.objects.create_superuser("root", password="a long password")
    organization.members.add(admin)
    meeting = Meeting.objects.create(
        organization=organization,
        schedule_conference_id="conference-1",
        creator_union_id="creator-1",
        title="Design review",
        starts_at=datetime.datetime(2027, 3, 15, 14, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2027, 3, 15, 15, 0, tzinfo=datetime.UTC),
    )
    client.force_login(admin)
    client.cookies["django_language"] = language

    page = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()

    assert "2027-03-15 22:00" in page  # Shanghai's wall clock
    assert "p.m." not in page and "March" not in page and "年3月" not in page
