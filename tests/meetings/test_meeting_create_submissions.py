"""/meetings/new/ sent twice (a double click, a re-post after a slow answer, Back and submit): one booking in
DingTalk, and the second arrival answered with the first one's outcome. The same key and unique audit row as
the edit form's (test_meeting_edit_submissions.py)."""

import datetime
import json
import threading
import time

import pytest
import requests
import responses
from django.db import connection
from django.test import Client
from django.urls import reverse

from meetings import dingtalk, texts
from meetings.models import Meeting, MeetingChange
from tests.helpers import API_BASE, SUFFIX, dingtalk_error, form_values, shown_messages

CREATE_PAGE = reverse("meetings:create")
PROGRESS = reverse("meetings:create_progress")
CREATE_URL = API_BASE + dingtalk.CREATE_PATH
CREATED = {
    "scheduleConferenceId": "conf-new",
    "url": "https://meeting.dingtalk.com/j/987654321",
    "roomCode": "987654321",
}
BOOKED = texts.MEETING_CREATED % {
    "title": "季度规划",
    "start": "2026-12-03 14:00",
    "end": "2026-12-03 15:00",
    "time_zone": "Beijing time (UTC+8)",
}


def opened_booking_form(client, organization, **overrides) -> dict:
    """What the browser posts from the booking page opened now: the typed values and the page's token."""
    token = client.get(CREATE_PAGE).context["form"]["submission"].value()
    assert token
    return {
        "submission": token,
        "organization": organization.pk,
        "title": "季度规划",
        "start_time": "2026-12-03T14:00",
        "end_time": "2026-12-03T15:00",
        "creator_union_id": "creator-7",
        **overrides,
    }


def creates_sent() -> int:
    return sum(call.request.url == CREATE_URL for call in responses.calls)


@responses.activate
def test_a_form_sent_twice_books_once_and_both_answers_show_the_meeting(alice_client, organization):
    responses.post(CREATE_URL, json=CREATED)
    form = opened_booking_form(alice_client, organization)

    first = alice_client.post(CREATE_PAGE, form, follow=True)
    second = alice_client.post(CREATE_PAGE, form, follow=True)  # Back and submit, or a second click

    meeting = Meeting.objects.get()
    assert creates_sent() == 1
    for answer in (first, second):
        assert answer.redirect_chain[-1][0] == reverse("meetings:edit", args=[meeting.pk])
        assert shown_messages(answer) == [BOOKED]
    assert MeetingChange.objects.get().outcome == MeetingChange.Outcome.SUCCESS


@responses.activate
def test_a_refused_booking_sent_twice_is_sent_once_and_both_answers_say_why(alice_client, organization):
    responses.post(CREATE_URL, **dingtalk_error(400, "paramsError", "error:startTime is illegal"))
    form = opened_booking_form(alice_client, organization)

    first = alice_client.post(CREATE_PAGE, form, follow=True)
    second = alice_client.post(CREATE_PAGE, form, follow=True)

    expected = [texts.PARAMS_ERROR % {"detail": "startTime is illegal"} + SUFFIX]
    assert shown_messages(first) == shown_messages(second) == expected
    assert second.context["form"]["title"].value() == "季度规划"  # the input, to correct and book again
    assert creates_sent() == 1
    assert Meeting.objects.count() == 0


@responses.activate
def test_a_booking_that_may_have_been_made_sent_twice_is_sent_once_and_says_so_again(alice_client, organization):
    responses.post(CREATE_URL, body=requests.ReadTimeout("slow"))
    form = opened_booking_form(alice_client, organization)

    first = alice_client.post(CREATE_PAGE, form, follow=True)
    second = alice_client.post(CREATE_PAGE, form, follow=True)

    [may_have_been_booked] = shown_messages(first)
    assert may_have_been_booked == MeetingChange.objects.get().message
    assert may_have_been_booked.startswith(str(texts.CREATE_OUTCOME_UNKNOWN).split("“")[0])
    assert shown_messages(second) == [may_have_been_booked]
    look_for_it = first.context["outcome"].next_step  # before booking again: add it if it is in DingTalk
    assert look_for_it.url == reverse("meetings:add")
    assert second.context["outcome"].next_step == look_for_it
    assert creates_sent() == 1


@responses.activate
def test_booking_again_from_the_page_of_a_failure_sends_again(alice_client, organization):
    responses.post(CREATE_URL, **dingtalk_error(500, "systemError", "busy"))  # certainly booked nothing
    responses.post(CREATE_URL, json=CREATED)
    failed = alice_client.post(CREATE_PAGE, opened_booking_form(alice_client, organization), follow=True)

    again = alice_client.post(CREATE_PAGE, form_values(failed) | {"creator_union_id": "creator-7"}, follow=True)

    assert shown_messages(again) == [BOOKED]
    assert creates_sent() == 2
    assert Meeting.objects.count() == 1


@responses.activate
def test_the_same_form_with_other_values_is_a_new_booking(alice_client, organization):
    responses.post(CREATE_URL, json=CREATED)
    responses.post(CREATE_URL, json={**CREATED, "scheduleConferenceId": "conf-other"})
    form = opened_booking_form(alice_client, organization)

    alice_client.post(CREATE_PAGE, form)
    alice_client.post(CREATE_PAGE, {**form, "title": "Another one"})  # Back, retype, book

    assert sorted(Meeting.objects.values_list("title", flat=True)) == ["Another one", "季度规划"]
    assert creates_sent() == 2


@responses.activate
def test_the_page_of_a_booking_is_only_its_authors(alice_client, django_user_model, organization):
    responses.post(CREATE_URL, **dingtalk_error(400, "paramsError", "error:startTime is illegal"))
    form = opened_booking_form(alice_client, organization)
    alice_client.post(CREATE_PAGE, form)
    page = f"{CREATE_PAGE}?submission={MeetingChange.objects.get().submission_key}"
    assert shown_messages(alice_client.get(page))  # its author sees the outcome there
    bob = django_user_model.objects.create_user("bob", password="pw-bob-123456", is_superuser=True)
    bobs = Client()
    bobs.force_login(bob)

    shown = bobs.get(page)

    assert shown.status_code == 200
    assert shown_messages(shown) == []
    assert "startTime is illegal" not in shown.content.decode()


def test_a_booking_whose_process_died_says_it_may_have_been_booked(alice_client, organization, office_admin):
    change = MeetingChange.objects.create(
        organization=organization,
        user=office_admin,
        action=MeetingChange.Action.CREATE,
        outcome=MeetingChange.Outcome.IN_PROGRESS,
        new_title="季度规划",
        message="DingTalk may have booked it: look for it.",
        check_after=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),  # its wait is over
        submission_key="a" * 32,
    )

    shown = alice_client.get(f"{CREATE_PAGE}?submission={change.submission_key}")

    assert shown_messages(shown) == ["DingTalk may have booked it: look for it."]
    assert "data-poll" not in shown.content.decode()  # over: nothing to wait for


def wait_for(condition, *, timeout=60.0):
    """Until `condition()` holds (polled; a generous bound, never a margin)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.django_db(transaction=True)
@responses.activate
def test_a_second_click_while_the_first_waits_for_dingtalk_is_answered_at_once_then_with_the_outcome(
    alice_client, office_admin, organization
):
    sent, answer = threading.Event(), threading.Event()

    def dingtalk_answers_when_told(request):
        sent.set()
        assert answer.wait(timeout=60)
        return 200, {}, json.dumps(CREATED)

    responses.add_callback(responses.POST, CREATE_URL, callback=dingtalk_answers_when_told)
    form = opened_booking_form(alice_client, organization)
    first_click = Client()  # its answer is the one the browser dropped for the second click's
    first_click.force_login(office_admin)

    def first_post():
        try:
            first_click.post(CREATE_PAGE, form)
        finally:
            connection.close()

    first = threading.Thread(target=first_post)
    first.start()
    try:
        assert sent.wait(timeout=60)  # the first click's create is with DingTalk

        second = alice_client.post(CREATE_PAGE, form)

        assert not answer.is_set()  # answered while DingTalk still holds the first
        waiting = alice_client.get(second["Location"])
        html = waiting.content.decode()
        assert str(texts.CREATE_BEING_BOOKED) in html
        # static/js/poll.js asks until DingTalk has answered, then goes to this page, which says the outcome.
        query = second["Location"].split("?")[1]
        assert f'data-poll="{PROGRESS}?{query}" data-poll-seconds="2" data-poll-next="?{query}"' in html
        assert alice_client.get(f"{PROGRESS}?{query}").json()["done"] is False
    finally:
        answer.set()
        first.join(timeout=60)

    assert alice_client.get(f"{PROGRESS}?{query}").json()["done"] is True
    answered = alice_client.get(second["Location"], follow=True)
    meeting = Meeting.objects.get()
    assert answered.redirect_chain[-1][0] == reverse("meetings:edit", args=[meeting.pk])
    assert shown_messages(answered) == [BOOKED]
    assert creates_sent() == 1


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_form_at_the_same_moment_book_once(alice_client, office_admin, organization):
    """Two hosts take the same form at once, each with its own database connection: the database's unique
    key decides, not a check before the insert. DingTalk holds the create it gets until the other post has
    its answer (or sent a create too)."""
    form = opened_booking_form(alice_client, organization)
    both_ready, release = threading.Barrier(2), threading.Event()
    answers, errors, creates = [], [], []

    def dingtalk_holds_the_create(request):
        creates.append(request)  # as it arrives (responses records a call once it is answered)
        assert release.wait(timeout=60)
        return 200, {}, json.dumps(CREATED)

    def post():
        try:
            client = Client()
            client.force_login(office_admin)
            both_ready.wait(timeout=30)
            answers.append(client.post(CREATE_PAGE, form))
        except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    with responses.RequestsMock() as dingtalk_fake:
        dingtalk_fake.add_callback(responses.POST, CREATE_URL, callback=dingtalk_holds_the_create)
        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            wait_for(lambda: (len(answers) == 1 and len(creates) == 1) or len(creates) == 2 or errors)
        finally:
            release.set()
            for thread in threads:
                thread.join(timeout=60)

    assert errors == []
    assert len(creates) == 1  # the other post sent nothing
    meeting = Meeting.objects.get()
    meeting_page = reverse("meetings:edit", args=[meeting.pk])
    booked, repeated = sorted((answer["Location"] for answer in answers), key=len)
    assert booked == meeting_page
    assert repeated.startswith(f"{CREATE_PAGE}?submission=")
    shown = alice_client.get(repeated, follow=True)  # the second post's answer: the first one's outcome
    assert shown.request["PATH_INFO"] == meeting_page
    assert shown_messages(shown) == [BOOKED]
    assert MeetingChange.objects.count() == 1
