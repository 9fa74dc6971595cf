"""Two adds of one booked meeting at the same moment, under two organizations on one DingTalk host: the
database holds the one-registration rule (Meeting's constraint), not a check before the insert.

Each add runs in its own thread, with its own database connection, as two gunicorn hosts would; DingTalk
answers neither until both are in its query -- both have passed the portal's check by then.
"""

import datetime
import json
import threading

import pytest
import responses
from django.db import connection
from django.test import Client
from django.urls import reverse

from meetings import dingtalk, texts
from meetings.models import Meeting, Organization
from tests.helpers import ACCESS_TOKEN, API_BASE, edit_url

ADD_URL = reverse("meetings:add")
CONFERENCE_ID = "conf-race"
START_MS = 1764554400000


def query_answer(request):
    return (
        200,
        {},
        json.dumps(
            {
                "scheduleConferenceId": CONFERENCE_ID,
                "title": "Quarterly review",
                "startTime": START_MS,
                "endTime": START_MS + 3_600_000,
                "roomCode": "8387221234",
            }
        ),
    )


@pytest.mark.django_db(transaction=True)
def test_two_adds_at_the_same_moment_store_one_and_answer_the_other_with_its_link(organization, office_admin):
    beijing = Organization.objects.create(
        name="Beijing Office", time_zone="Asia/Shanghai", api_base=API_BASE, access_token=ACCESS_TOKEN
    )
    beijing.members.add(office_admin)
    both_asked_dingtalk = threading.Barrier(2)
    responses_by_organization, errors = {}, []

    def answer_after_both_asked(request):
        both_asked_dingtalk.wait(timeout=30)
        return query_answer(request)

    def add(under):
        try:
            client = Client()
            client.force_login(office_admin)
            responses_by_organization[under.name] = client.post(
                ADD_URL,
                {"organization": under.pk, "schedule_conference_id": CONFERENCE_ID, "creator_union_id": "creator-9"},
            )
        except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    with responses.RequestsMock() as dingtalk_fake:
        dingtalk_fake.add_callback(
            responses.GET, API_BASE + dingtalk.QUERY_PATH.format(id=CONFERENCE_ID), callback=answer_after_both_asked
        )
        threads = [threading.Thread(target=add, args=(under,)) for under in (organization, beijing)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    [stored] = Meeting.objects.filter(schedule_conference_id=CONFERENCE_ID)
    answers = {name: response.status_code for name, response in responses_by_organization.items()}
    assert sorted(answers.values()) == [200, 302]
    [added_under] = [name for name, status in answers.items() if status == 302]
    [refused] = [response for response in responses_by_organization.values() if response.status_code == 200]
    assert stored.organization.name == added_under
    assert responses_by_organization[added_under]["Location"] == edit_url(stored)
    assert refused.context["form"].errors["schedule_conference_id"] == [texts.MEETING_ALREADY_ELSEWHERE]
    assert f'href="{edit_url(stored)}"' in refused.content.decode()


@pytest.mark.parametrize(
    "spelling", ["https://API.dingtalk.com:443", "https://api.DingTalk.com/", "HTTPS://api.dingtalk.com:443/"]
)
def test_an_api_base_is_stored_in_one_spelling(db, spelling):
    organization = Organization.objects.create(name="Xi'an Office", api_base=spelling)
    organization.refresh_from_db()
    assert organization.api_base == API_BASE
    assert Organization.objects.filter(api_base=spelling).get() == organization


def test_a_meeting_under_a_host_spelled_otherwise_is_not_added_twice(alice_client, organization, office_admin):
    other = Organization.objects.create(name="Beijing Office", api_base="https://API.dingtalk.com:443")
    other.members.add(office_admin)
    now = datetime.datetime.now(datetime.UTC)
    existing = Meeting.objects.create(
        organization=other,
        schedule_conference_id=CONFERENCE_ID,
        creator_union_id="u",
        title="Quarterly review",
        starts_at=now,
        ends_at=now,
    )

    response = alice_client.post(
        ADD_URL, {"organization": organization.pk, "schedule_conference_id": CONFERENCE_ID, "creator_union_id": "c"}
    )

    assert response.context["form"].errors["schedule_conference_id"] == [texts.CONFERENCE_ALREADY_REGISTERED]
    assert f'href="{edit_url(existing)}"' in response.content.decode()
    assert Meeting.objects.count() == 1


def test_meetings_created_in_bulk_take_their_organizations_host(organization):
    now = datetime.datetime.now(datetime.UTC)
    [meeting] = Meeting.objects.bulk_create(
        [Meeting(organization=organization, schedule_conference_id="c", title="t", starts_at=now, ends_at=now)]
    )
    assert Meeting.objects.get(pk=meeting.pk).api_base == API_BASE
