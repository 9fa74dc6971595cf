"""The edit page's outcome of a save that failed or whose outcome is not known (issue 22): one message, which
takes the focus, says what happened and whether DingTalk changed, offers one next step as a control, and
ends with DingTalk's request ID in small print; what was typed is kept."""

import pytest
import responses
from django.test import Client
from django.urls import reverse

from meetings import texts
from tests.helpers import (
    REQUEST_ID,
    SUFFIX,
    UPDATE_URL,
    assert_input_kept,
    dingtalk_error,
    dingtalk_has,
    edit_url,
    post_typed,
    the_outcome,
)

SMALL_REQUEST_ID = f'<small class="request-id">{texts.REQUEST_ID_SUFFIX % {"request_id": REQUEST_ID}}</small>'


def title_fix(client, meeting):
    """A title fix with the meeting's own times (10:00-11:00 in Shanghai), as helpdesk saves."""
    data = {"title": "New title", "start_time": "2026-12-01T10:00", "end_time": "2026-12-01T11:00"}
    return client.post(edit_url(meeting), {**data, "version": meeting.version}, follow=True)


@responses.activate
def test_a_refusal_for_the_creator_links_change_creator_and_ends_with_the_request_id(alice_client, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))

    outcome = the_outcome(post_typed(alice_client, meeting))

    assert (outcome["level"], outcome["role"], outcome["focused"], outcome["count"]) == ("error", "alert", True, 1)
    # The portal's words first, DingTalk's own after them, the request ID last and small.
    assert outcome["text"].startswith("DingTalk refused: it lets only the person who booked a meeting change it")
    assert outcome["html"].rstrip().endswith(SMALL_REQUEST_ID)
    assert outcome["text"].endswith(SUFFIX.strip())
    assert outcome["text"].count(REQUEST_ID) == 1
    creator = reverse("meetings:creator", args=[meeting.pk])
    assert f'<a class="button primary" href="{creator}">{texts.NEXT_CHANGE_CREATOR}</a>' in outcome["html"]


@responses.activate
def test_helpdesk_who_cannot_change_the_creator_is_offered_to_ask_an_office_admin(helpdesk, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(400, "permissionError", "permissionError:not creator"))
    client = Client()
    client.force_login(helpdesk)

    outcome = the_outcome(title_fix(client, meeting))

    assert outcome["level"] == "error" and outcome["focused"]
    assert f'href="{reverse("meetings:creator", args=[meeting.pk])}"' not in outcome["html"]
    assert f">{texts.NEXT_ASK_OFFICE_ADMIN}</button>" in outcome["html"]
    # The button copies a request an office admin can act on: which meeting, where, the request ID.
    note = texts.NOTE_CHANGE_CREATOR % {
        "title": meeting.title,
        "url": f"http://testserver{reverse('meetings:creator', args=[meeting.pk])}",
        "request_id": REQUEST_ID,
    }
    assert f'data-copy="{note}"' in outcome["html"]


@responses.activate
def test_a_missing_permission_of_the_app_asks_an_office_admin(helpdesk, meeting):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **dingtalk_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied", "no"))
    client = Client()
    client.force_login(helpdesk)

    outcome = the_outcome(title_fix(client, meeting))

    assert f">{texts.NEXT_ASK_OFFICE_ADMIN}</button>" in outcome["html"]
    assert f"http://testserver{edit_url(meeting)}" in outcome["html"]


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(dingtalk_error(403, "Forbidden.AccessDenied.QpsLimitForApi", "qps"), id="throttled"),
        pytest.param(dingtalk_error(400, "systemError", "systemError:busy"), id="systemError-refused"),
    ],
)
@responses.activate
def test_a_passing_failure_offers_try_again_with_the_input_kept(alice_client, meeting, reply):
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, **reply)

    response = post_typed(alice_client, meeting)

    outcome = the_outcome(response)
    assert outcome["count"] == 1 and outcome["focused"]
    assert (
        f'<button type="submit" form="meeting-form" class="primary">{texts.NEXT_TRY_AGAIN}</button>'
        in (outcome["html"])
    )
    assert 'id="meeting-form"' in response.content.decode()
    assert_input_kept(response)
