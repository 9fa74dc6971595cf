"""Every time the portal shows is in the organization's zone and says which, the admin's too."""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse

from meetings import texts
from meetings.models import MeetingChange, Organization


def in_shanghai(iso: str, shown: str) -> str:
    return f'<time datetime="{iso}">{shown}</time> <span class="zone">Beijing time (UTC+8)</span>'


START_IN_SHANGHAI = in_shanghai("2026-12-01T10:00:00+08:00", "2026-12-01 10:00")
END_IN_SHANGHAI = in_shanghai("2026-12-01T11:00:00+08:00", "2026-12-01 11:00")


def test_the_tag_shows_the_organizations_wall_clock_and_zone(meeting):
    template = Template("{% load zoned %}{% zoned_time when org %}|{% zoned_time when org seconds=True %}")
    when = meeting.starts_at + datetime.timedelta(seconds=7)

    html = template.render(Context({"when": when, "org": meeting.organization}))

    assert html.split("|") == [
        in_shanghai("2026-12-01T10:00:07+08:00", "2026-12-01 10:00"),
        in_shanghai("2026-12-01T10:00:07+08:00", "2026-12-01 10:00:07"),
    ]


def test_the_list_labels_start_and_end(alice_client, meeting):
    html = alice_client.get(reverse("meetings:list")).content.decode()

    assert START_IN_SHANGHAI in html and END_IN_SHANGHAI in html


def test_the_edit_page_labels_the_stored_times_and_says_how_to_type_them(alice_client, meeting):
    response = alice_client.get(reverse("meetings:edit", args=[meeting.pk]))
    html = response.content.decode()

    assert START_IN_SHANGHAI in html and END_IN_SHANGHAI in html
    hint = texts.TIME_INPUT_FORMAT  # the fieldset's legend names the zone: Times in Beijing time (UTC+8)
    assert "Times in Beijing time (UTC+8)</legend>" in html
    assert html.count(f'<p class="help" id="id_start_time_helptext">{hint}</p>') == 1
    assert 'aria-describedby="id_start_time_helptext"' in html


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-root-123456"))
    return client


def test_the_admins_meeting_list_shows_the_organizations_zone(superuser_client, meeting):
    html = superuser_client.get(reverse("admin:meetings_meeting_changelist")).content.decode()

    assert START_IN_SHANGHAI in html and END_IN_SHANGHAI in html


def test_the_admins_meeting_page_is_in_the_organizations_zone(superuser_client, meeting):
    html = superuser_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()

    assert texts.TIMES_IN_ZONE % {"time_zone": "Beijing time (UTC+8)"} in html
    # As every page writes times (admin_portal/formats/), in Shanghai's wall clock, not UTC's.
    assert "2026-12-01 10:00" in html and "2026-12-01 02:00" not in html


def test_the_admins_change_list_shows_when_in_the_organizations_zone(superuser_client, meeting):
    MeetingChange.objects.create(
        meeting=meeting, organization=meeting.organization, outcome="success", created_at=meeting.starts_at
    )

    html = superuser_client.get(reverse("admin:meetings_meetingchange_changelist")).content.decode()

    assert START_IN_SHANGHAI in html


def test_a_pasted_tokens_expiry_is_shown_and_read_in_the_organizations_zone(superuser_client, organization):
    organization.access_token_expires_at = datetime.datetime(2030, 1, 1, 2, 0, tzinfo=datetime.UTC)
    organization.save()
    url = reverse("admin:meetings_organization_change", args=[organization.pk])

    html = superuser_client.get(url).content.decode()
    assert 'type="datetime-local" name="access_token_expires_at" value="2030-01-01T10:00"' in html
    assert texts.TOKEN_EXPIRY_HINT % {"time_zone": "Beijing time (UTC+8)"} in html
    assert "2030-01-01 10:00 (Beijing time (UTC+8))" in html  # the status line beside it says the same

    form = superuser_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(members=[], access_token_expires_at="2030-06-01T09:30")
    response = superuser_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    organization = Organization.objects.get(pk=organization.pk)
    assert organization.access_token_expires_at == datetime.datetime(2030, 6, 1, 1, 30, tzinfo=datetime.UTC)
