import datetime

from django.urls import reverse

from meetings.models import Meeting, Organization

LIST_URL = reverse("meetings:list")


def make_meetings(organization, count, *, title="Standup", first=0):
    start = datetime.datetime(2026, 12, 1, 1, 0, tzinfo=datetime.UTC)
    return Meeting.objects.bulk_create(
        Meeting(
            organization=organization,
            schedule_conference_id=f"conf-{index:05d}",
            creator_union_id="creator",
            title=f"{title} {index}",
            starts_at=start + datetime.timedelta(days=index),
            ends_at=start + datetime.timedelta(days=index, hours=1),
        )
        for index in range(first, first + count)
    )


def test_it_lists_meetings_newest_first_in_the_organizations_zone(alice_client, organization):
    make_meetings(organization, 3)
    response = alice_client.get(LIST_URL)
    html = response.content.decode()
    assert [m.title for m in response.context["meetings"]] == ["Standup 2", "Standup 1", "Standup 0"]
    assert "2026-12-03 09:00" in html  # 01:00 UTC shown in Asia/Shanghai
    assert "Hangzhou Office" in html
    assert reverse("meetings:edit", args=[Meeting.objects.get(title="Standup 2").pk]) in html


def test_it_paginates(alice_client, organization):
    make_meetings(organization, 30)
    first = alice_client.get(LIST_URL)
    second = alice_client.get(LIST_URL, {"page": 2})
    assert len(first.context["meetings"]) == 25
    assert len(second.context["meetings"]) == 5
    assert 'rel="next"' in first.content.decode()


def test_it_searches_title_and_conference_id(alice_client, organization):
    make_meetings(organization, 12)
    by_title = alice_client.get(LIST_URL, {"q": "standup 11"})
    by_id = alice_client.get(LIST_URL, {"q": "conf-00003"})
    assert [m.title for m in by_title.context["meetings"]] == ["Standup 11"]
    assert [m.title for m in by_id.context["meetings"]] == ["Standup 3"]
    assert 'value="standup 11"' in by_title.content.decode()


def test_it_shows_canceled_meetings_as_canceled(alice_client, organization):
    [meeting] = make_meetings(organization, 1)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELED)
    assert "Canceled in DingTalk" in alice_client.get(LIST_URL).content.decode()


def test_it_hides_other_organizations(alice_client, organization):
    # Another host: the same conference IDs are other booked meetings there.
    elsewhere = Organization.objects.create(name="Elsewhere", time_zone="UTC", api_base="https://api.dingtalk.io")
    make_meetings(elsewhere, 2, title="Secret")
    make_meetings(organization, 1)
    html = alice_client.get(LIST_URL).content.decode()
    assert "Secret" not in html
    assert "Standup 0" in html


def test_it_needs_a_login(client):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={LIST_URL}"


def test_the_list_costs_the_same_queries_for_more_meetings(alice_client, organization, django_assert_num_queries):
    make_meetings(organization, 3)
    alice_client.get(LIST_URL)  # warm the session
    # session, person, permissions (one statement), count, page
    with django_assert_num_queries(5) as few:
        alice_client.get(LIST_URL)
    make_meetings(organization, 60, title="More", first=3)
    with django_assert_num_queries(len(few.captured_queries)):
        alice_client.get(LIST_URL)
