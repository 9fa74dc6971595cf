"""Editing a meeting over real HTTP against the sandbox when DingTalk says no or does not answer.

For every fault the sandbox can inject: the person reads the portal's sentence for it, the form still
holds what they typed, and the portal's copy of the meeting is unchanged (DingTalk did not say yes).
"""

import pytest
import requests

from dingtalk_sandbox import FAULTS, WRITE_SCOPE
from dingtalk_sandbox.api import FAULT_DETAIL
from dingtalk_sandbox.records import DEFAULT_TRICKLE_SECONDS
from meetings import texts
from meetings.models import Meeting, MeetingChange

from .helpers import (
    PASTED_TOKEN,
    RETRIED,
    TYPED,
    apis,
    assert_input_kept,
    said_unknown,
    save,
    sent_body,
    stored,
    wait_for_replies,
    with_request_id,
)
from .portal import Page

pytestmark = pytest.mark.e2e


# --- DingTalk says no, or does not answer ------------------------------------------------------------


def said(text, *, suffix=True, then=None):
    """The sentence expected for an organization and the request ID of DingTalk's last reply (and `then`)."""

    def sentence(organization, request_id):
        if not suffix:
            return text % {"request_id": request_id}
        params = {"organization": organization.name, "detail": FAULT_DETAIL, "scopes": WRITE_SCOPE, "status": 503}
        return with_request_id(text % params if then is None else f"{text % params} {then}", request_id)

    return sentence


# The outcome of a save whose update may have reached DingTalk: not known until the portal checks.
UNKNOWN = "unknown"

UPDATE_FAULTS = {
    # fault: (calls it fails, the sentence shown, or UNKNOWN)
    "paramsError": (1, said(texts.PARAMS_ERROR)),
    "permissionError": (1, said(texts.PERMISSION_ERROR, then=texts.SAVE_REFUSED_CHANGE_CREATOR)),
    "resourceCancel": (1, said(texts.RESOURCE_CANCEL)),
    "systemError": (RETRIED, UNKNOWN),  # DingTalk-side: the last try may have acted (retried under the lease)
    "InvalidAuthentication": (1, said(texts.INVALID_AUTHENTICATION)),
    "missingScope": (1, said(texts.MISSING_SCOPE)),
    "qpsLimit": (RETRIED, said(texts.THROTTLED)),
    "apiCountLimit": (1, said(texts.MONTHLY_QUOTA)),
    "html": (1, UNKNOWN),
    "drop": (1, UNKNOWN),
    "slow": (1, UNKNOWN),
    "success_false": (1, UNKNOWN),
    # A hostile gateway: DingTalk acted, its reply comes back trickling, compressed or oversized.
    "trickle": (1, UNKNOWN),
    "gzip": (1, UNKNOWN),
    "oversized": (1, UNKNOWN),
}
# Faults after which DingTalk has the change: it acted, only its reply was late or unusable.
APPLIED_FAULTS = ("slow", "trickle", "gzip", "oversized")
# Faults that end in a timeout (no answer in time), not an answer that was cut off or unusable.
TIMED_OUT_FAULTS = ("slow", "trickle")


# What the person is told when the update may have reached DingTalk, in words of its own for each cause.
UNKNOWN_SENTENCES = {
    "systemError": texts.OUTCOME_UNKNOWN_SYSTEM_ERROR,
    "html": texts.OUTCOME_UNKNOWN_UNREADABLE,
    "drop": texts.OUTCOME_UNKNOWN_DROPPED,
    "slow": texts.OUTCOME_UNKNOWN,
    "success_false": texts.OUTCOME_UNKNOWN_NOT_CONFIRMED,
    "trickle": texts.OUTCOME_UNKNOWN,
    "gzip": texts.OUTCOME_UNKNOWN_UNREADABLE,
    "oversized": texts.OUTCOME_UNKNOWN_UNREADABLE,
}


def test_every_fault_the_sandbox_knows_is_covered():
    assert set(UPDATE_FAULTS) == set(FAULTS)


@pytest.mark.parametrize("fault", FAULTS)
def test_it_shows_what_went_wrong_and_keeps_the_input(fault, portal, sandbox, meeting, settings):
    calls, sentence = UPDATE_FAULTS[fault]
    # A slow reply takes longer; the read before the update must not, even on a busy machine.
    settings.DINGTALK_READ_TIMEOUT = 3
    sandbox.state.arm_fault(fault, api="update", count=calls, seconds=4)
    before = stored(meeting)

    page = save(portal, meeting)

    updates = sandbox.state.requests("update")
    assert [call["body"] for call in updates] == [sent_body(meeting)] * calls
    assert {call["headers"]["x-acs-dingtalk-access-token"] for call in updates} == {PASTED_TOKEN}
    change = MeetingChange.objects.get(meeting=meeting)
    if sentence == UNKNOWN:
        assert said_unknown(page.messages, UNKNOWN_SENTENCES[fault]), page.messages
        assert change.outcome == MeetingChange.Outcome.UNKNOWN
        assert change.message == str(UNKNOWN_SENTENCES[fault])  # no time kept: the page says the wait
    else:
        assert page.messages == [
            (
                "warning" if fault == "resourceCancel" else "error",
                sentence(meeting.organization, updates[-1]["requestId"]),
            )
        ]
        assert change.outcome == MeetingChange.Outcome.FAILED
        assert change.message == page.messages[0][1]
    if fault == "resourceCancel":
        # Nothing left to edit: the portal marks it canceled and shows no form.
        assert stored(meeting) == (*before[:4], Meeting.Status.CANCELED)
        assert page.forms[-1]["values"].get("title") is None
        return
    assert stored(meeting) == before
    assert_input_kept(page)
    wait_for_replies(sandbox)
    in_dingtalk = sandbox.state.get_meeting(meeting.schedule_conference_id).title
    # A slow reply is the case "may or may not have been saved": DingTalk saved after the portal gave up.
    assert in_dingtalk == ("Design review" if fault in APPLIED_FAULTS else "Design reveiw")


def quick_fault_button(sandbox, fault):
    """The sandbox control page's "Fail the next save with…" form for `fault`, as a browser shows it."""
    page = Page(requests.get(sandbox.base_url + "/_sandbox/", timeout=5))
    return next(form for form in page.forms if form["values"].get("fault") == fault)


@pytest.mark.parametrize("fault", [fault for fault in FAULTS if fault not in TIMED_OUT_FAULTS])
def test_a_quick_fault_button_fails_the_whole_next_save(fault, portal, sandbox, meeting):
    button = quick_fault_button(sandbox, fault)
    pressed = requests.post(sandbox.base_url + button["action"], data=button["values"], timeout=5)
    assert pressed.status_code == 200  # back on the control page

    page = save(portal, meeting)

    calls, sentence = UPDATE_FAULTS[fault]
    updates = sandbox.state.requests("update")
    assert len(updates) == calls
    if sentence == UNKNOWN:
        assert said_unknown(page.messages, UNKNOWN_SENTENCES[fault]), page.messages
    else:
        assert page.messages == [
            (
                "warning" if fault == "resourceCancel" else "error",
                sentence(meeting.organization, updates[-1]["requestId"]),
            )
        ]
    assert sandbox.state.faults() == []  # nothing left armed to fail the save after


def test_the_quick_slow_button_outlasts_the_portals_read_timeout(sandbox, settings):
    button = quick_fault_button(sandbox, "slow")["values"]
    assert int(button["count"]) == 1  # an update that may have arrived is not sent again
    assert float(button["seconds"]) > settings.DINGTALK_READ_TIMEOUT


def test_the_quick_trickle_button_sends_each_byte_within_the_portals_read_timeout(sandbox, settings):
    # The gateway: no socket read ever times out; only the whole call's deadline ends it.
    button = quick_fault_button(sandbox, "trickle")["values"]
    assert int(button["count"]) == 1
    assert "seconds" not in button  # the sandbox's pace: a byte every DEFAULT_TRICKLE_SECONDS
    assert DEFAULT_TRICKLE_SECONDS < settings.DINGTALK_READ_TIMEOUT


@pytest.mark.parametrize(
    "fault, calls, text",
    [
        ("systemError", RETRIED, texts.SYSTEM_ERROR),
        ("InvalidAuthentication", 1, texts.INVALID_AUTHENTICATION),
        ("html", 1, texts.BAD_REPLY),
    ],
)
def test_a_failed_read_before_the_update_sends_no_update(fault, calls, text, portal, sandbox, meeting):
    sandbox.state.arm_fault(fault, api="query", count=calls)

    page = save(portal, meeting)

    assert apis(sandbox) == ["query"] * calls
    assert page.messages == [("error", said(text)(meeting.organization, sandbox.state.requests()[-1]["requestId"]))]
    assert_input_kept(page)
    assert stored(meeting)[0] == "Design reveiw"


def test_it_says_so_when_dingtalk_rejects_even_a_new_app_token(portal, sandbox, app_meeting):
    sandbox.state.arm_fault("InvalidAuthentication", api="update", count=2)

    page = save(portal, app_meeting, start_time="2027-03-15T14:00", end_time="2027-03-15T15:30")

    assert apis(sandbox) == ["token", "query", "update", "token", "update"]
    last = sandbox.state.requests()[-1]["requestId"]
    assert page.messages == [("error", said(texts.APP_TOKEN_REJECTED)(app_meeting.organization, last))]
    assert page.value("title") == TYPED["title"]


def test_it_says_so_when_dingtalk_gives_no_token(portal, sandbox, app_meeting):
    sandbox.state.arm_fault("html", api="token")

    page = save(portal, app_meeting, start_time="2027-03-15T14:00", end_time="2027-03-15T15:30")

    assert apis(sandbox) == ["token"]
    (token_call,) = sandbox.state.requests()
    expected = texts.TOKEN_REQUEST_FAILED % {"organization": "Shanghai Office", "status": 503, "code": "-"}
    assert page.messages == [("error", with_request_id(expected, token_call["requestId"]))]
    assert page.value("title") == TYPED["title"]


def test_it_says_so_when_the_app_secret_is_wrong(portal, sandbox, app_meeting):
    organization = app_meeting.organization
    organization.app_secret = "not-the-secret"
    organization.save()

    page = save(portal, app_meeting, start_time="2027-03-15T14:00", end_time="2027-03-15T15:30")

    (token_call,) = sandbox.state.requests()
    assert token_call["status"] == 400
    assert page.messages == [
        (
            "error",
            with_request_id(
                texts.INVALID_APP_CREDENTIALS % {"organization": "Shanghai Office"}, token_call["requestId"]
            ),
        )
    ]
