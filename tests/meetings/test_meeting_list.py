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


def test_it_lists_upcoming_meetings_soonest_first_in_the_organizations_zone(alice_client, organization):
    make_meetings(organization, 3)
    response = alice_client.get(LIST_URL)
    html = response.content.decode()
    assert [m.title for m in response.context["meetings"]] == ["Standup 0", "Standup 1", "Standup 2"]
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
    assert "Canceled in DingTalk" in alice_client.get(LIST_URL, {"show": "canceled"}).content.decode()


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


# --- upcoming first, past and canceled apart; a way on from "no match" (issue 22) ---------------------


def test_upcoming_meetings_come_soonest_first_and_past_and_canceled_apart(alice_client, organization):
    # tests/conftest.py's clock: now is 2023-01-01; these are long over or still to come.
    soon, later = make_meetings(organization, 2, title="Soon")
    [over] = make_meetings(organization, 1, title="Over", first=3)
    [canceled] = make_meetings(organization, 1, title="Called off", first=5)
    Meeting.objects.filter(pk=over.pk).update(
        starts_at=datetime.datetime(2022, 5, 1, 1, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2022, 5, 1, 2, tzinfo=datetime.UTC),
    )
    Meeting.objects.filter(pk=canceled.pk).update(status=Meeting.Status.CANCELED)

    def titles(**query):
        return [m.title for m in alice_client.get(LIST_URL, query).context["meetings"]]

    assert titles() == ["Soon 0", "Soon 1"]
    assert titles(show="past") == ["Over 3"]
    assert titles(show="canceled") == ["Called off 5"]
    assert titles(q="o") == ["Called off 5", "Soon 1", "Soon 0", "Over 3"]  # a search looks through all


def test_the_search_box_has_the_focus_and_no_match_offers_adding_by_the_number(alice_client, organization):
    html = alice_client.get(LIST_URL, {"q": "838 722 1234"}).content.decode()

    assert 'name="q" id="id_q" value="838 722 1234" autofocus' in html
    assert f'href="{reverse("meetings:add")}?meeting_number=8387221234"' in html
    added = alice_client.get(reverse("meetings:add"), {"meeting_number": "8387221234"}).content.decode()
    assert 'name="meeting_number" value="8387221234"' in added
