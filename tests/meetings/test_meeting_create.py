"""Booking a meeting: /meetings/new/ -> services.meeting_create -> DingTalk's create API."""

import datetime
import json

import pytest
import responses
from django.urls import reverse

from meetings import dingtalk, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import (
    ACCESS_TOKEN,
    API_BASE,
    CREATE_MAY_HAVE_ARRIVED,
    REQUEST_ID,
    connection_refused,
    dingtalk_error,
    grant,
    shown_messages,
    the_outcome,
)

CREATE_PAGE = reverse("meetings:create")
CREATE_URL = API_BASE + dingtalk.CREATE_PATH
CREATED = {
    "scheduleConferenceId": "conf-new",
    "url": "https://meeting.dingtalk.com/j/987654321",
    "roomCode": "987654321",
    "phones": ["+86 0571 2818 0000"],
}


def as_shown(message):
    """A stored sentence as the page shows it: DingTalk's request ID moved to the end."""
    text, request_id = texts.split_request_id(message)
    return f"{text} {texts.REQUEST_ID_SUFFIX % {'request_id': request_id}}" if request_id else text


def form_data(organization, **overrides):
    return {
        "organization": organization.pk,
        "title": "季度规划",
        "start_time": "2026-12-03T14:00",
        "end_time": "2026-12-03T15:00",
        "creator_union_id": "creator-7",
        **overrides,
    }


@responses.activate
def test_it_books_the_meeting_and_shows_how_to_join(alice_client, organization):
    responses.post(CREATE_URL, json=CREATED, headers={"x-acs-request-id": "req-c"})

    response = alice_client.post(CREATE_PAGE, form_data(organization), follow=True)

    meeting = Meeting.objects.get()
    assert response.redirect_chain[-1][0] == reverse("meetings:edit", args=[meeting.pk])
    assert (meeting.schedule_conference_id, meeting.creator_union_id, meeting.title) == (
        "conf-new",
        "creator-7",
        "季度规划",
    )
    assert meeting.starts_at == datetime.datetime(2026, 12, 3, 6, 0, tzinfo=datetime.UTC)  # 14:00 in Shanghai
    html = response.content.decode()
    # The join link and the number, once each, ready to copy.
    assert html.count('data-copy="https://meeting.dingtalk.com/j/987654321"') == 1
    assert html.count('data-copy="987654321"') == 1
    assert shown_messages(response) == [
        texts.MEETING_CREATED
        % {
            "title": "季度规划",
            "start": "2026-12-03 14:00",
            "end": "2026-12-03 15:00",
            "time_zone": "Beijing time (UTC+8)",
        }
    ]
    sent = responses.calls[0].request
    assert sent.headers["x-acs-dingtalk-access-token"] == ACCESS_TOKEN
    assert json.loads(sent.body) == {
        "creatorUnionId": "creator-7",
        "title": "季度规划",
        "startTime": 1796277600000,
        "endTime": 1796281200000,
    }
    change = MeetingChange.objects.get()
    assert (change.action, change.outcome, change.meeting, change.request_id) == (
        MeetingChange.Action.CREATE,
        MeetingChange.Outcome.SUCCESS,
        meeting,
        "req-c",
    )


def test_the_form_is_prefilled_with_the_default_creator(alice_client, organization):
    organization.default_creator_union_id = "boss-1"
    organization.save()

    response = alice_client.get(CREATE_PAGE)

    assert 'value="boss-1"' in response.content.decode()


@responses.activate
def test_an_empty_creator_books_for_the_default_creator(alice_client, organization):
    organization.default_creator_union_id = "boss-1"
    organization.save()
    responses.post(CREATE_URL, json=CREATED)

    alice_client.post(CREATE_PAGE, form_data(organization, creator_union_id=""))

    assert json.loads(responses.calls[0].request.body)["creatorUnionId"] == "boss-1"
    assert Meeting.objects.get().creator_union_id == "boss-1"


def test_without_a_default_creator_one_must_be_given(alice_client, organization):
    response = alice_client.post(CREATE_PAGE, form_data(organization, creator_union_id=""))

    assert response.context["form"].errors["creator_union_id"] == [
        texts.CREATOR_REQUIRED % {"organization": organization.name}
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "会" * 51}, "title", texts.TITLE_TOO_LONG % {"limit": 50, "length": 51}),
        ({"title": "   "}, "title", str(texts.TITLE_BLANK)),
        ({"end_time": "2026-12-03T13:00"}, "end_time", str(texts.END_NOT_AFTER_START)),
    ],
)
def test_it_validates_before_calling_dingtalk(alice_client, organization, overrides, field, message):
    with responses.RequestsMock():  # any DingTalk call would fail the test
        response = alice_client.post(CREATE_PAGE, form_data(organization, **overrides))

    assert response.context["form"].errors[field] == [message]
    assert not Meeting.objects.exists()


@responses.activate
def test_a_refused_create_says_why_and_keeps_a_failed_row(alice_client, organization):
    responses.post(CREATE_URL, **dingtalk_error(400, "paramsError", "error:startTime is illegal"))

    response = alice_client.post(CREATE_PAGE, form_data(organization))

    assert response.status_code == 200
    assert shown_messages(response)[0].startswith(texts.PARAMS_ERROR % {"detail": "startTime is illegal"})
    assert 'value="季度规划"' in response.content.decode()
    change = MeetingChange.objects.get()
    assert (change.outcome, change.meeting, change.dingtalk_code) == (MeetingChange.Outcome.FAILED, None, "paramsError")
    assert not Meeting.objects.exists()


@responses.activate
@pytest.mark.parametrize("reply", CREATE_MAY_HAVE_ARRIVED)
def test_an_unknown_outcome_is_not_retried_and_says_how_to_look(alice_client, organization, reply):
    responses.post(CREATE_URL, **reply)

    response = alice_client.post(CREATE_PAGE, form_data(organization))

    assert len(responses.calls) == 1
    [message] = shown_messages(response)
    assert message.startswith(texts.CREATE_OUTCOME_UNKNOWN.split("“")[0].replace("%(title)s", "季度规划"))
    assert "creator-7" in message
    change = MeetingChange.objects.get()
    assert change.outcome == MeetingChange.Outcome.UNKNOWN
    assert as_shown(change.message) == message
    assert not Meeting.objects.exists()


def test_only_people_who_may_add_meetings_book_them(client, django_user_model, organization):
    user = django_user_model.objects.create_user("bob")
    grant(user, "view_meeting", "change_meeting")
    organization.members.add(user)
    client.force_login(user)

    assert client.get(CREATE_PAGE).status_code == 403


def test_only_the_persons_organizations_are_offered(alice_client, organization, app_organization):
    response = alice_client.post(CREATE_PAGE, form_data(app_organization))

    assert response.context["form"].errors["organization"] == [str(texts.ORGANIZATION_NOT_ALLOWED)]


# --- the form asks as the edit form does (issue 22) ---------------------------------------------------


@responses.activate
def test_booking_in_the_past_asks_first_and_keeps_the_input(alice_client, organization):
    past = {"start_time": "2022-12-01 10:00", "end_time": "2022-12-01 11:00"}  # tests/conftest.py: now is 2023

    asked = alice_client.post(CREATE_PAGE, form_data(organization, **past))
    responses.post(CREATE_URL, json=CREATED)
    confirmed = alice_client.post(CREATE_PAGE, form_data(organization, confirm_past="on", **past))

    assert asked.status_code == 200 and not Meeting.objects.filter(title="季度规划", pk__lt=0).exists()
    assert asked.context["form"].errors["start_time"] == [
        texts.START_IN_PAST
        % {"now": "2023-01-01 08:00", "time_zone": "Beijing time (UTC+8)", "confirm": texts.CONFIRM_PAST_BOOKING_LABEL}
    ]
    html = asked.content.decode()
    assert 'name="confirm_past"' in html and 'value="2022-12-01 10:00"' in html and 'value="季度规划"' in html
    assert confirmed.status_code == 302
    assert len(responses.calls) == 1  # only the confirmed one reached DingTalk


def test_the_form_names_the_zone_in_words_and_takes_one_format(alice_client, organization):
    html = alice_client.get(CREATE_PAGE).content.decode()

    assert str(texts.TIME_INPUT_HINT % {"time_zone": "Beijing time (UTC+8)"}) in html
    assert 'type="datetime-local"' not in html
    # The only organization is chosen already.
    assert f'<option value="{organization.pk}" selected>' in html


def test_the_title_is_never_cut_silently(alice_client, organization):
    html = alice_client.get(CREATE_PAGE).content.decode()
    long_title = "长" * 51

    response = alice_client.post(CREATE_PAGE, form_data(organization, title=long_title))

    assert "maxlength" not in html.split('name="title"')[1].split(">")[0]
    assert 'data-max-length="50"' in html
    assert response.context["form"].errors["title"] == [texts.TITLE_TOO_LONG % {"limit": 50, "length": 51}]
    assert f'value="{long_title}"' in response.content.decode()  # kept, to shorten


# --- what DingTalk answers to a create: written ahead, kept with what can be stored (issue 20) -------------


@responses.activate
def test_the_attempt_is_on_record_before_dingtalk_is_asked(alice_client, organization):
    seen = []

    def dingtalk_books(request):
        seen.extend(MeetingChange.objects.values_list("action", "outcome", "new_title", "meeting"))
        return 200, {"x-acs-request-id": "req-c"}, json.dumps(CREATED)

    responses.add_callback(responses.POST, CREATE_URL, callback=dingtalk_books)

    alice_client.post(CREATE_PAGE, form_data(organization))

    assert seen == [(MeetingChange.Action.CREATE, MeetingChange.Outcome.IN_PROGRESS, "季度规划", None)]
    change = MeetingChange.objects.get()
    assert (change.outcome, change.meeting) == (MeetingChange.Outcome.SUCCESS, Meeting.objects.get())


@responses.activate
def test_a_create_interrupted_mid_call_leaves_a_row_that_says_what_to_look_for(alice_client, organization):
    def the_process_dies(request):
        raise KeyboardInterrupt  # not an Exception: nothing of the portal's handles it, as when a worker is killed

    responses.add_callback(responses.POST, CREATE_URL, callback=the_process_dies)

    with pytest.raises(KeyboardInterrupt):
        alice_client.post(CREATE_PAGE, form_data(organization))

    change = MeetingChange.objects.get()
    assert change.outcome == MeetingChange.Outcome.IN_PROGRESS
    assert change.message == texts.CREATE_OUTCOME_UNKNOWN % {
        "title": "季度规划",
        "start": "2026-12-03 14:00",
        "time_zone": "Beijing time (UTC+8)",
        "creator": "creator-7",
        "error": texts.CREATE_INTERRUPTED,
    }


@responses.activate
@pytest.mark.parametrize(
    ("reply", "kept"),
    [
        ({"roomCode": "9" * 65}, {"meeting_number": ""}),  # longer than the field's 64
        ({"roomCode": "98 76 54"}, {"meeting_number": "987654"}),  # spaced as people write it
        ({"roomCode": "９８７"}, {"meeting_number": ""}),  # full-width digits are no meeting number
        ({"roomCode": 987654321}, {"meeting_number": ""}),
        ({"url": "javascript:alert(document.cookie)"}, {"join_url": ""}),
        ({"url": "JAVASCRIPT:alert(1)//https://meeting.dingtalk.com"}, {"join_url": ""}),
        ({"url": "data:text/html,<script>alert(1)</script>"}, {"join_url": ""}),
        ({"url": "https://meeting.dingtalk.com/j/1 onmouseover=alert(1)"}, {"join_url": ""}),
        ({"url": "https://meeting.dingtalk.com/j/" + "1" * 600}, {"join_url": ""}),  # longer than the field's 512
        ({"url": ["https://meeting.dingtalk.com/j/1"]}, {"join_url": ""}),
        ({"phones": ["+86 0571 2818 0000", "+86 0571\x00 2818"]}, {"phones": ["+86 0571 2818 0000"]}),
        ({"phones": ["+86 0571 2818 0000", "8" * 100_000]}, {"phones": ["+86 0571 2818 0000"]}),
        ({"phones": ["+86 0571 2818 0000", 5712818, None, {"x": 1}]}, {"phones": ["+86 0571 2818 0000"]}),
        ({"phones": ["+86\u202e0000"]}, {"phones": []}),
        ({"phones": "+86 0571 2818 0000"}, {"phones": []}),
        ({"phones": [f"+86 {n}" for n in range(1000)]}, {"phones": [f"+86 {n}" for n in range(20)]}),
    ],
)
def test_what_cannot_be_stored_is_left_out_and_the_meeting_kept(alice_client, organization, reply, kept):
    responses.post(CREATE_URL, json={**CREATED, **reply}, headers={"x-acs-request-id": "req-c"})

    response = alice_client.post(CREATE_PAGE, form_data(organization), follow=True)

    meeting = Meeting.objects.get()
    expected = {"meeting_number": "987654321", "join_url": CREATED["url"], "phones": CREATED["phones"], **kept}
    assert {name: getattr(meeting, name) for name in expected} == expected
    assert response.redirect_chain[-1][0] == reverse("meetings:edit", args=[meeting.pk])
    assert len(response.content) < 50_000
    assert "javascript:" not in response.content.decode().lower()
    change = MeetingChange.objects.get()
    assert (change.outcome, change.meeting, change.request_id) == (MeetingChange.Outcome.SUCCESS, meeting, "req-c")


@responses.activate
@pytest.mark.parametrize(
    "conference_id",
    ["c" * 129, "conf\x00new", "conf new", 12345, None, "", ["conf-new"]],
)
def test_a_booking_without_a_usable_id_is_unknown_with_its_number(alice_client, organization, conference_id):
    responses.post(
        CREATE_URL,
        json={**CREATED, "scheduleConferenceId": conference_id, "roomCode": "987 654 321"},
        headers={"x-acs-request-id": "req-c"},
    )

    response = alice_client.post(CREATE_PAGE, form_data(organization))

    assert response.status_code == 200
    assert not Meeting.objects.exists()
    change = MeetingChange.objects.get()
    assert (change.outcome, change.request_id) == (MeetingChange.Outcome.UNKNOWN, "req-c")
    assert change.message.endswith(str(texts.CREATE_UNKNOWN_NUMBER % {"number": "987 654 321"}))
    assert shown_messages(response) == [as_shown(change.message)]


@responses.activate
def test_a_failure_of_the_portal_while_dingtalk_books_is_unknown_not_a_500(alice_client, organization):
    def broken_reply(request):
        raise ValueError("the reply could not be read")  # no DingTalk failure the transport knows

    responses.add_callback(responses.POST, CREATE_URL, callback=broken_reply)

    response = alice_client.post(CREATE_PAGE, form_data(organization))

    assert response.status_code == 200
    change = MeetingChange.objects.get()
    assert (change.outcome, change.dingtalk_code) == (MeetingChange.Outcome.UNKNOWN, "ValueError")
    assert str(texts.CREATE_INTERRUPTED) in change.message
    assert shown_messages(response) == [as_shown(change.message)]


# --- one message, one next step (issue 22: the failure pattern on every page) --------------------------------


def assert_typed_kept(html):
    """Everything typed is in the form again."""
    assert 'value="季度规划"' in html
    assert 'value="2026-12-03 14:00"' in html or 'value="2026-12-03T14:00"' in html
    assert 'value="2026-12-03 15:00"' in html or 'value="2026-12-03T15:00"' in html
    assert 'value="creator-7"' in html


@responses.activate
def test_nothing_sent_offers_try_again_with_the_typed_values_kept(alice_client, organization):
    responses.post(CREATE_URL, body=connection_refused())

    response = alice_client.post(CREATE_PAGE, form_data(organization))

    html = response.content.decode()
    assert shown_messages(response) == [texts.CONNECTION_REFUSED % {"host": API_BASE}]
    # One message, with the focus; its next step re-posts the booking form, what was typed kept in it.
    shown = the_outcome(response)
    assert (shown["level"], shown["role"], shown["focused"], shown["count"]) == ("error", "alert", True, 1)
    assert '<form method="post" class="form" id="create-form" novalidate>' in html
    assert '<button type="submit" form="create-form" class="primary">Try again</button>' in shown["html"]
    assert_typed_kept(html)
    assert not Meeting.objects.exists()


@responses.activate
def test_a_booking_that_may_exist_offers_to_add_it_by_its_number_never_try_again(alice_client, organization):
    # DingTalk booked it (its number in the reply) and the portal could not read the rest: look for it.
    responses.post(CREATE_URL, json={**CREATED, "scheduleConferenceId": ""}, headers={"x-acs-request-id": "req-c"})

    response = alice_client.post(CREATE_PAGE, form_data(organization))

    html = response.content.decode()
    shown = the_outcome(response)
    assert (shown["level"], shown["focused"], shown["count"]) == ("warning", True, 1)
    add = reverse("meetings:add")
    link = f'<a class="button primary" href="{add}?meeting_number=987654321">Add it by its meeting number</a>'
    assert link in shown["html"]
    assert "Try again" not in html
    assert_typed_kept(html)


@responses.activate
@pytest.mark.parametrize("reply", CREATE_MAY_HAVE_ARRIVED)
def test_a_lost_answer_offers_add_a_meeting_never_try_again(alice_client, organization, reply):
    responses.post(CREATE_URL, **reply)

    html = alice_client.post(CREATE_PAGE, form_data(organization)).content.decode()

    assert f'<a class="button primary" href="{reverse("meetings:add")}">Add a meeting</a>' in html
    assert "Try again" not in html
    assert_typed_kept(html)


@responses.activate
def test_the_request_id_is_last_in_small_print(alice_client, organization):
    # DingTalk's internal error: its request ID stood mid-sentence, before "Do not book it again yet".
    responses.post(CREATE_URL, **dingtalk_error(500, "systemError", "systemError:busy"))

    response = alice_client.post(CREATE_PAGE, form_data(organization))

    suffix = texts.REQUEST_ID_SUFFIX % {"request_id": REQUEST_ID}
    shown = the_outcome(response)
    assert shown["html"].rstrip().endswith(f'<small class="request-id">{suffix}</small>')
    assert shown["html"].count(REQUEST_ID) == 1
    assert_typed_kept(response.content.decode())


@responses.activate
def test_credentials_no_one_can_use_send_the_person_to_an_administrator(alice_client, organization, admin_user):
    organization.access_token = ""
    organization.save()

    html = alice_client.post(CREATE_PAGE, form_data(organization)).content.decode()

    assert '<button type="button" class="primary" data-copy="Please repair the DingTalk connection of Hangzhou' in html
    assert ">Ask a portal administrator</button>" in html
    assert_typed_kept(html)
    # An administrator gets the way to repair it instead.
    alice_client.force_login(admin_user)
    organization.members.add(admin_user)
    html = alice_client.post(CREATE_PAGE, form_data(organization)).content.decode()
    change = reverse("admin:meetings_organization_change", args=[organization.pk])
    assert f'<a class="button primary" href="{change}">Open the organization&#x27;s DingTalk connection</a>' in html


@responses.activate
def test_a_creator_dingtalk_refuses_leads_to_the_creator_field(alice_client, organization):
    responses.post(CREATE_URL, **dingtalk_error(400, "permissionError", "permissionError:not in org"))

    response = alice_client.post(CREATE_PAGE, form_data(organization))

    suffix = texts.REQUEST_ID_SUFFIX % {"request_id": REQUEST_ID}
    sentence = texts.CREATE_REFUSED_CREATOR % {"creator": "creator-7", "detail": "not in org"}
    assert shown_messages(response) == [f"{sentence} {suffix}"]
    shown = the_outcome(response)
    assert (shown["level"], shown["focused"], shown["count"]) == ("error", True, 1)
    assert '<a class="button primary" href="#id_creator_union_id">Correct the creator union ID</a>' in shown["html"]
    assert 'id="id_creator_union_id"' in response.content.decode()
    assert_typed_kept(response.content.decode())
    assert MeetingChange.objects.get().outcome == MeetingChange.Outcome.FAILED
