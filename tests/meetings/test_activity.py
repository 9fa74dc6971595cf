"""/meetings/activity/: attempts across the person's organizations, filtered, paginated and as CSV."""

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from meetings import texts
from meetings.exports import csv_safe
from meetings.models import Meeting, MeetingChange, Organization

ACTIVITY_URL = reverse("meetings:activity")
CSV_URL = reverse("meetings:activity_csv")


@pytest.fixture
def london(office_admin):
    organization = Organization.objects.create(name="London Office", time_zone="Europe/London")
    organization.members.add(office_admin)
    return organization


def meeting_in(organization, title="Standup", conference_id=""):
    # One booked meeting per DingTalk host: each title its own conference ID unless one is given.
    return Meeting.objects.create(
        organization=organization,
        schedule_conference_id=conference_id or f"conf-{title}",
        creator_union_id="c",
        title=title,
        starts_at=datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 12, 1, 3, 0, tzinfo=datetime.UTC),
    )


def attempt(
    meeting, user, *, outcome="success", at=datetime.datetime(2026, 11, 20, 3, 0, tzinfo=datetime.UTC), **fields
):
    return MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=user,
        outcome=outcome,
        created_at=at,
        old_title=meeting.title,
        new_title=fields.pop("new_title", meeting.title + " v2"),
        **fields,
    )


def listed(response):
    return [(change.meeting.title, change.outcome) for change in response.context["changes"]]


def test_it_lists_attempts_across_the_persons_organizations(office_admin_client, office_admin, meeting, london):
    attempt(meeting, office_admin)
    attempt(meeting_in(london, "Tea"), office_admin, outcome="failed", dingtalk_code="systemError", request_id="req-9")
    attempt(meeting_in(Organization.objects.create(name="Elsewhere"), "Secret"), None)

    response = office_admin_client.get(ACTIVITY_URL)

    assert sorted(listed(response)) == [("Tea", "failed"), ("Weekly sync", "success")]
    html = response.content.decode()
    assert "systemError" in html and "req-9" in html
    assert "2026-11-20 11:00" in html and "2026-11-20 03:00" in html  # Shanghai and London times


def test_it_filters_by_organization_person_and_outcome(
    office_admin_client, office_admin, meeting, london, django_user_model
):
    bob = django_user_model.objects.create_user("bob")
    meeting.organization.members.add(bob)
    attempt(meeting, office_admin, outcome="success")
    attempt(meeting, bob, outcome="conflict")
    attempt(meeting_in(london, "Tea"), office_admin, outcome="conflict")

    by_org = office_admin_client.get(ACTIVITY_URL, {"organization": london.pk})
    by_person = office_admin_client.get(ACTIVITY_URL, {"person": bob.pk})
    by_outcome = office_admin_client.get(ACTIVITY_URL, {"outcome": "conflict"})
    combined = office_admin_client.get(ACTIVITY_URL, {"outcome": "conflict", "organization": meeting.organization_id})

    assert listed(by_org) == [("Tea", "conflict")]
    assert listed(by_person) == [("Weekly sync", "conflict")]
    assert sorted(listed(by_outcome)) == [("Tea", "conflict"), ("Weekly sync", "conflict")]
    assert listed(combined) == [("Weekly sync", "conflict")]


def test_dates_are_the_organizations_own_days(office_admin_client, office_admin, meeting, london):
    # 2026-11-20 17:00 UTC is already the 21st in Shanghai, still the 20th in London.
    at = datetime.datetime(2026, 11, 20, 17, 0, tzinfo=datetime.UTC)
    attempt(meeting, office_admin, at=at)
    attempt(meeting_in(london, "Tea"), office_admin, at=at)

    on_the_21st = office_admin_client.get(ACTIVITY_URL, {"date_from": "2026-11-21", "date_to": "2026-11-21"})
    on_the_20th = office_admin_client.get(ACTIVITY_URL, {"date_from": "2026-11-20", "date_to": "2026-11-20"})
    until_the_20th = office_admin_client.get(ACTIVITY_URL, {"date_to": "2026-11-20"})

    assert [title for title, _ in listed(on_the_21st)] == ["Weekly sync"]
    assert [title for title, _ in listed(on_the_20th)] == ["Tea"]
    assert [title for title, _ in listed(until_the_20th)] == ["Tea"]


@pytest.mark.parametrize(
    "filters, field, error",
    [
        ({"date_from": "2026-11-21", "date_to": "2026-11-20"}, "date_to", texts.FILTER_DATES_REVERSED),
        ({"date_from": "yesterday"}, "date_from", texts.DATE_INVALID),
        ({"outcome": "exploded"}, "outcome", texts.CHOICE_NOT_IN_LIST),
        ({"person": "999999"}, "person", texts.CHOICE_NOT_IN_LIST),
        ({"organization": "abc"}, "organization", texts.ORGANIZATION_NOT_ALLOWED),
    ],
)
def test_it_validates_the_filters(office_admin_client, office_admin, meeting, filters, field, error):
    attempt(meeting, office_admin)
    response = office_admin_client.get(ACTIVITY_URL, filters)
    assert response.status_code == 200
    assert response.context["filter_form"].errors[field] == [error]
    assert listed(response) == []
    assert str(error) in response.content.decode()
    assert reverse("meetings:activity_csv") not in response.content.decode()  # no export of a bad filter


def test_it_paginates_and_keeps_the_filters(office_admin_client, office_admin, meeting):
    for index in range(55):
        attempt(meeting, office_admin, outcome="failed", new_title=f"t{index}")

    first = office_admin_client.get(ACTIVITY_URL, {"outcome": "failed"})
    second = office_admin_client.get(ACTIVITY_URL, {"outcome": "failed", "page": 2})

    assert len(first.context["changes"]) == 50 and len(second.context["changes"]) == 5
    assert 'href="?outcome=failed&amp;page=2"' in first.content.decode()


def test_it_costs_the_same_queries_for_more_rows(
    office_admin_client, office_admin, meeting, london, django_user_model, django_assert_num_queries
):
    attempt(meeting, office_admin)
    office_admin_client.get(ACTIVITY_URL)  # warm the session
    with CaptureQueriesContext(connection) as few:
        office_admin_client.get(ACTIVITY_URL)
    for index in range(30):
        user = django_user_model.objects.create_user(f"user{index}")
        attempt(meeting_in(london, f"Tea {index}", f"conf-{index}"), user)
    with django_assert_num_queries(len(few)):
        office_admin_client.get(ACTIVITY_URL)


def test_it_needs_the_permission(alice_client):
    assert alice_client.get(ACTIVITY_URL).status_code == 403
    assert alice_client.get(CSV_URL).status_code == 403


def read_csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # so spreadsheets read the Chinese right
    return list(csv.reader(io.StringIO(body[1:])))


def test_it_exports_the_filtered_rows_as_csv(office_admin_client, office_admin, meeting, london):
    attempt(
        meeting,
        office_admin,
        new_title="周会",
        dingtalk_code="",
        request_id="req-1",
        http_status=200,
        new_starts_at=meeting.starts_at,
    )
    attempt(meeting_in(london, "Tea"), office_admin, outcome="failed")
    for index in range(60):  # more than a page: the export is not paginated
        attempt(meeting, office_admin, new_title=f"t{index}", at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))

    response = office_admin_client.get(CSV_URL, {"organization": meeting.organization_id})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="meeting-activity.csv"'
    header, first, *rest = read_csv(response)
    assert header[:3] == ["When", "Organization", "Meeting"]
    assert len(rest) == 60
    row = dict(zip(header, first, strict=True))
    assert row["When"] == "2026-11-20T11:00:00+08:00"
    assert (row["Organization"], row["New title"], row["Outcome"], row["Request ID"]) == (
        "Hangzhou Office",
        "周会",
        "Succeeded",
        "req-1",
    )
    assert row["New start"] == "2026-12-01T10:00:00+08:00"


def test_the_csv_cannot_run_formulas_in_a_spreadsheet(office_admin_client, office_admin, meeting):
    attempt(meeting, office_admin, new_title='=HYPERLINK("http://evil","click")', message="@SUM(1)")
    Meeting.objects.filter(pk=meeting.pk).update(title="+cmd|' /C calc'!A0")

    header, row = read_csv(office_admin_client.get(CSV_URL))

    cells = dict(zip(header, row, strict=True))
    assert cells["New title"] == '\'=HYPERLINK("http://evil","click")'
    assert cells["Meeting"] == "'+cmd|' /C calc'!A0"
    assert cells["Message"] == "'@SUM(1)"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "＝1+1", "＋1", "－1", "＠x"])
def test_csv_safe_quotes_what_a_spreadsheet_would_run(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value, expected", [("Weekly", "Weekly"), ("a=b", "a=b"), (None, ""), (200, "200")])
def test_csv_safe_leaves_plain_text_alone(value, expected):
    assert csv_safe(value) == expected


def test_every_csv_cell_is_quoted(office_admin_client, office_admin, meeting):
    attempt(meeting, office_admin, new_title="a;b", message="plain")

    body = office_admin_client.get(CSV_URL).content.decode("utf-8").lstrip("\ufeff")

    for line in body.splitlines():
        assert line.startswith('"') and line.endswith('"')
        assert ";" not in line.replace('"a;b"', "")  # the one ; is inside its quoted cell
    assert '"plain"' in body and '"a;b"' in body


def test_the_csv_writes_out_invisible_formatting(office_admin_client, office_admin, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(title="invoice\u202egpj.exe")
    attempt(meeting, office_admin, new_title="\u200b=1+1")

    header, row = read_csv(office_admin_client.get(CSV_URL))

    cells = dict(zip(header, row, strict=True))
    assert cells["Meeting"] == "invoice<U+202E>gpj.exe"
    assert cells["New title"] == "<U+200B>=1+1"


def test_canceled_meetings_are_labeled(office_admin_client, office_admin, meeting):
    attempt(meeting, office_admin)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELED)
    assert "Canceled in DingTalk" in office_admin_client.get(ACTIVITY_URL).content.decode()


def visible_text(html):
    """What a reader sees: the page without its tags and attributes."""
    return unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)))


def test_a_chinese_reader_reads_codes_as_words_and_each_rows_zone(office_admin_client, office_admin, meeting, london):
    attempt(meeting, office_admin, outcome="failed", dingtalk_code="DingTalkTimeout")
    attempt(meeting_in(london, "Tea"), office_admin, outcome="failed", dingtalk_code="DingTalkConnectionDropped")
    attempt(meeting, office_admin, outcome="failed", dingtalk_code="systemError", request_id="req-9")

    html = office_admin_client.get(ACTIVITY_URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    text = visible_text(html)
    for code in ("DingTalkTimeout", "DingTalkConnectionDropped"):
        assert code not in html
    assert "systemError" not in text and 'title="systemError"' in html  # DingTalk's code, for asking DingTalk
    with translation.override("zh-hans"):
        for code in ("DingTalkTimeout", "DingTalkConnectionDropped", "systemError"):
            assert str(texts.CODE_LABELS[code]) in text
    rows = re.findall(r"<tr[ >].*?</tr>", html, flags=re.S)[1:]
    assert [("北京时间 (UTC+8)" in row, "伦敦时间 (UTC)" in row) for row in rows] == [
        (True, False),
        (False, True),
        (True, False),
    ]


def test_the_csv_gives_a_kept_sentence_in_the_readers_language(office_admin_client, office_admin, meeting):
    sentence = texts.Sentence(texts.SYSTEM_ERROR, {"detail": "busy"})
    attempt(meeting, office_admin, outcome="failed", message=str(sentence), message_sentence=sentence.as_data())

    rows = read_csv(office_admin_client.get(CSV_URL, HTTP_ACCEPT_LANGUAGE="zh-hans"))

    with translation.override("zh-hans"):
        assert rows[1][-1] == texts.SYSTEM_ERROR % {"detail": "busy"}
