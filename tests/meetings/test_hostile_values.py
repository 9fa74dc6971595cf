"""Values from DingTalk the portal cannot show or edit: refused before they are stored, and a row already
stored with one never takes a page down (issue 15, point 3)."""

import csv
import datetime
import io

import pytest
import responses
from django.urls import reverse
from django.utils.html import strip_tags

from meetings import dingtalk, texts
from meetings.models import Meeting, MeetingChange, Organization
from tests.helpers import ACCESS_TOKEN, API_BASE, dingtalk_has, post_edit, shown_messages

ADD_URL = reverse("meetings:add")
QUERY_URL = API_BASE + "/v1.0/conference/scheduleConferences/conf-new/infos"
UTC = datetime.UTC
# 9999-12-31 20:00 UTC is already the year 10000 in Shanghai; 0001-01-01 02:00 UTC is the year 0 in New York.
FAR_FUTURE = datetime.datetime(9999, 12, 31, 20, 0, tzinfo=UTC)
DISTANT_PAST = datetime.datetime(1, 1, 1, 2, 0, tzinfo=UTC)


def ms(moment):
    return dingtalk.epoch_ms(moment)


@pytest.fixture
def new_york(organization):
    organization.time_zone = "America/New_York"
    organization.save()
    return organization


def register(client, organization, *, title="Review", starts_at, ends_at):
    responses.get(
        QUERY_URL,
        json={"scheduleConferenceId": "conf-new", "title": title, "startTime": ms(starts_at), "endTime": ms(ends_at)},
    )
    return client.post(
        ADD_URL,
        {"organization": organization.pk, "schedule_conference_id": "conf-new", "creator_union_id": "creator-9"},
    )


def messages_of(response):
    return shown_messages(response)  # the page's outcome too


# Each zone in the words the forms use (New York's offset is today's, as the message gives it).
ZONE_WORDS = {"Asia/Shanghai": "Beijing time (UTC+8)", "America/New_York": texts.zone_name("America/New_York")}


def unusable(organization):
    return texts.DINGTALK_VALUES_UNUSABLE % {
        "organization": organization.name,
        "time_zone": ZONE_WORDS[organization.time_zone],
    }


@responses.activate
@pytest.mark.parametrize(
    ("zone", "starts_at", "ends_at"),
    [
        ("Asia/Shanghai", FAR_FUTURE, FAR_FUTURE + datetime.timedelta(minutes=30)),
        ("America/New_York", DISTANT_PAST, DISTANT_PAST + datetime.timedelta(hours=1)),
        # Before 1970 in UTC, though 1970 in Shanghai: the form refuses it too.
        (
            "Asia/Shanghai",
            datetime.datetime(1969, 12, 31, 20, 0, tzinfo=UTC),
            datetime.datetime(1969, 12, 31, 21, 0, tzinfo=UTC),
        ),
        # An end not after the start: the edit form could never save it again.
        (
            "Asia/Shanghai",
            datetime.datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
            datetime.datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
        ),
    ],
)
def test_register_refuses_times_the_zone_cannot_show(alice_client, organization, zone, starts_at, ends_at):
    organization.time_zone = zone
    organization.save()

    response = register(alice_client, organization, starts_at=starts_at, ends_at=ends_at)

    assert response.status_code == 200
    assert messages_of(response) == [unusable(organization)]
    assert not Meeting.objects.exists()


@responses.activate
def test_register_refuses_a_reply_about_another_meeting(alice_client, organization):
    responses.get(
        QUERY_URL,
        json={
            "scheduleConferenceId": "conf-other",
            "title": "Review",
            "startTime": 1764554400000,
            "endTime": 1764558000000,
        },
    )

    response = alice_client.post(
        ADD_URL,
        {"organization": organization.pk, "schedule_conference_id": "conf-new", "creator_union_id": "creator-9"},
    )

    assert response.status_code == 200
    assert messages_of(response) == [unusable(organization)]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("conference_id", ["conf new", "conf\u202enew", "conf\nnew", "会议"])
def test_register_refuses_ids_dingtalk_never_issues(alice_client, organization, conference_id):
    response = alice_client.post(
        ADD_URL,
        {"organization": organization.pk, "schedule_conference_id": conference_id, "creator_union_id": "creator-9"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["schedule_conference_id"] == [texts.DINGTALK_ID_INVALID]


@responses.activate
def test_refresh_refuses_times_the_zone_cannot_show(alice_client, meeting):
    dingtalk_has(meeting, starts_at=FAR_FUTURE, ends_at=FAR_FUTURE + datetime.timedelta(minutes=30))

    response = alice_client.post(reverse("meetings:refresh", args=[meeting.pk]), follow=True)

    assert response.status_code == 200
    assert messages_of(response) == [unusable(meeting.organization)]
    meeting.refresh_from_db()
    assert meeting.starts_at == datetime.datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert MeetingChange.objects.get().outcome == MeetingChange.Outcome.FAILED


@responses.activate
def test_a_save_stops_when_dingtalk_has_times_the_zone_cannot_show(alice_client, meeting):
    dingtalk_has(meeting, starts_at=FAR_FUTURE, ends_at=FAR_FUTURE + datetime.timedelta(minutes=30))

    response = post_edit(alice_client, meeting, title="Weekly sync v2")

    assert response.status_code == 200
    assert messages_of(response) == [unusable(meeting.organization)]
    assert len(responses.calls) == 1  # the read; nothing was sent


@pytest.fixture
def stored_bad_meetings(office_admin, organization, new_york):
    """Rows stored before the portal checked DingTalk's values: one in each zone's impossible year."""
    shanghai = Organization.objects.create(name="Shanghai Office", time_zone="Asia/Shanghai", access_token=ACCESS_TOKEN)
    shanghai.members.add(office_admin)
    far = Meeting.objects.create(
        organization=shanghai,
        schedule_conference_id="far",
        creator_union_id="c",
        title="Far future",
        starts_at=FAR_FUTURE,
        ends_at=FAR_FUTURE + datetime.timedelta(minutes=30),
    )
    old = Meeting.objects.create(
        organization=new_york,
        schedule_conference_id="old",
        creator_union_id="c",
        title="Distant past",
        starts_at=DISTANT_PAST,
        ends_at=DISTANT_PAST + datetime.timedelta(hours=1),
    )
    for bad in (far, old):
        MeetingChange.objects.create(
            meeting=bad,
            organization=bad.organization,
            user=office_admin,
            outcome="success",
            action="register",
            new_title=bad.title,
            new_starts_at=bad.starts_at,
            new_ends_at=bad.ends_at,
        )
    return far, old


def test_no_page_fails_because_of_one_bad_row(office_admin_client, stored_bad_meetings):
    far, old = stored_bad_meetings
    pages = [reverse("meetings:list"), reverse("meetings:activity")]
    for bad in (far, old):
        pages += [reverse("meetings:edit", args=[bad.pk]), reverse("meetings:history", args=[bad.pk])]

    for page in pages:
        response = office_admin_client.get(page)
        assert response.status_code == 200, page
        assert "Far future" in response.content.decode() or "Distant past" in response.content.decode()
    edit = strip_tags(office_admin_client.get(reverse("meetings:edit", args=[far.pk])).content.decode())
    assert "9999-12-31 20:00 UTC" in edit  # shown in UTC, said so, when the zone cannot show it


@responses.activate
def test_refresh_of_a_bad_row_says_what_dingtalk_has(office_admin_client, stored_bad_meetings):
    far, _ = stored_bad_meetings
    dingtalk_has(
        far,
        starts_at=datetime.datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
    )

    response = office_admin_client.post(reverse("meetings:refresh", args=[far.pk]), follow=True)

    assert response.status_code == 200
    far.refresh_from_db()
    assert far.starts_at == datetime.datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_the_csv_has_every_row_though_one_cannot_be_shown_in_its_zone(office_admin_client, stored_bad_meetings):
    response = office_admin_client.get(reverse("meetings:activity_csv"))

    assert response.status_code == 200
    body = response.content.decode()
    header, *rows = list(csv.reader(io.StringIO(body[1:])))
    assert sorted(row[header.index("Meeting")] for row in rows) == ["Distant past", "Far future"]
    far_row = next(row for row in rows if row[header.index("Meeting")] == "Far future")
    assert far_row[header.index("New start")] == "9999-12-31T20:00:00+00:00"


@responses.activate
def test_a_title_with_invisible_formatting_from_dingtalk_is_kept_and_shown_marked(alice_client, organization):
    response = register(
        alice_client,
        organization,
        title="invoice\u202egpj.exe",
        starts_at=datetime.datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
    )
    meeting = Meeting.objects.get()
    assert meeting.title == "invoice\u202egpj.exe"  # DingTalk's value, as DingTalk has it

    for page in (reverse("meetings:list"), reverse("meetings:edit", args=[meeting.pk])):
        html = alice_client.get(page).content.decode()
        assert "invoice&lt;U+202E&gt;gpj.exe" in html
        assert "\u202e" not in html.replace('value="invoice\u202egpj.exe"', "")  # only in the input, to fix it
    assert response.status_code == 302
