"""What several test modules share that is not a fixture: the fake DingTalk's values and replies, the
token provider's fakes, the edit form's posts, a save whose answer was lost, the zh_Hans catalogue.

Test modules import from here, never from one another (fixtures live in the conftest.py files). Over 300
lines on purpose: small fakes in sections by concern, and one file, as tests/admin_portal/test_env_file.py
copies this file alone into a clone of the project.
"""

import datetime
import http.client
import re
from pathlib import Path

import pytest
import requests
import responses
import urllib3
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from meetings import dingtalk, services, texts
from meetings.dingtalk import tokens
from meetings.models import DingTalkBudget, Meeting, MeetingChange, Organization

API_BASE = "https://api.dingtalk.com"
UPDATE_URL = API_BASE + dingtalk.UPDATE_PATH
ACCESS_TOKEN = "tok-Secret-1234567890"
APP_KEY = "ding-app-key-1"
APP_SECRET = "app-Secret-abcdefghij"
# A third-party (ISV) app's suite secret and ticket: tests/meetings/test_secrets.py checks no page or column
# shows them.
SUITE_SECRET = "suite-Secret-Never-Shown"
SUITE_TICKET = "ticket-Never-Shown-1"
REQUEST_ID = "req-err-1"
# The seed page's example meeting: 2023-06-28 12:00-13:00 in Shanghai, 1687924800000-1687928400000 ms.
SYNC_STARTS_AT = datetime.datetime(2023, 6, 28, 4, 0, tzinfo=datetime.UTC)
SYNC_ENDS_AT = datetime.datetime(2023, 6, 28, 5, 0, tzinfo=datetime.UTC)


def dingtalk_error(status, code, message="detail", *, requestid=REQUEST_ID, **extra) -> dict:
    """DingTalk's error reply, as keyword arguments for `responses.add` (its JSON body is ["json"])."""
    return {"status": status, "json": {"code": code, "message": message, "requestid": requestid, **extra}}


# Two of DingTalk's refusals many tests answer a meeting's query with.
DINGTALK_BUSY = dingtalk_error(500, "systemError", "systemError:busy", requestid="req-q")
DINGTALK_CANCELED = dingtalk_error(400, "resourceCancel", "Schedule conference has canceled", requestid="r")


def send_update(client: dingtalk.DingTalkClient, **overrides):
    """One update of a meeting through the client, with plausible values; returns DingTalk's request ID."""
    return client.update_schedule_conference(
        **{
            "access_token": "tok-1",
            "creator_union_id": "creator-1",
            "schedule_conference_id": "conf-1",
            "title": "Weekly sync",
            "starts_at": SYNC_STARTS_AT,
            "ends_at": SYNC_ENDS_AT,
            **overrides,
        }
    )


def connection_refused() -> requests.ConnectionError:
    """What requests raises when nothing listens at DingTalk's address (as seen on a closed local port)."""
    reason = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: [Errno 111]")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason))


def connection_dropped() -> requests.ConnectionError:
    """What requests raises when DingTalk closes the connection after the request, before replying."""
    closed = http.client.RemoteDisconnected("Remote end closed connection without response")
    return requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", closed))


# Failed creates that may have reached DingTalk: never sent again, as a second create is a second meeting.
CREATE_MAY_HAVE_ARRIVED = [
    {"body": requests.ReadTimeout("slow")},
    {"body": connection_dropped()},
    dingtalk_error(500, "systemError", "systemError:busy"),
]


def dingtalk_query_url(meeting) -> str:
    return meeting.organization.api_base + dingtalk.QUERY_PATH.format(id=meeting.schedule_conference_id)


def dingtalk_has(meeting, *, also=None, **overrides):
    """DingTalk's query API answers with the meeting as stored, or with `overrides` (title, starts_at,
    ends_at), and with the reply fields in `also` (roomCode, url): the read every save makes before it sends
    the update. Call it inside @responses.activate."""
    values = {"title": meeting.title, "starts_at": meeting.starts_at, "ends_at": meeting.ends_at, **overrides}
    return responses.get(
        dingtalk_query_url(meeting),
        json={
            "scheduleConferenceId": meeting.schedule_conference_id,
            "title": values["title"],
            "startTime": dingtalk.epoch_ms(values["starts_at"]),
            "endTime": dingtalk.epoch_ms(values["ends_at"]),
            **(also or {}),
        },
    )


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="meetings", codename__in=codenames))


def edit_url(meeting) -> str:
    return reverse("meetings:edit", args=[meeting.pk])


def post_edit(client, meeting, **fields):
    """The edit form posted with a new title and the `meeting` fixture's own times (10:00-11:00 in Shanghai)."""
    return client.post(
        edit_url(meeting),
        {
            "title": "New title",
            "start_time": "2026-12-01T10:00",
            "end_time": "2026-12-01T11:00",
            "version": meeting.version,
            **fields,
        },
        follow=True,
    )


def form_values(response) -> dict:
    """What the browser would post back from the page of `response`: every field of its form as rendered."""
    form = response.context["form"]
    return {name: form[name].value() for name in form.fields}


def opened_form(client, meeting) -> dict:
    """What the browser would post back from the meeting's edit page, opened now (its form token too)."""
    return form_values(client.get(edit_url(meeting)))


def shown_messages(response) -> list[str]:
    """The messages on the page the response rendered: the page's outcome (views/outcome.py) as it reads --
    what happened, the wait, the request ID last -- and the messages."""
    shown = []
    outcome = response.context.get("outcome")
    if outcome:
        shown.append(" ".join(part for part in (outcome.text, outcome.wait, outcome.request_id_text) if part))
    return shown + [str(message) for message in response.context["messages"]]


def the_outcome(response) -> dict | None:
    """The page's one message of a failure or an uncertain outcome (templates/_outcome.html), as parts:
    level, role, whether it takes the focus, its inner HTML, the text without tags, and how many it has."""
    html = response.content.decode()
    pattern = (
        r'<div class="message message-(\w+) outcome" id="outcome" role="(\w+)"( tabindex="-1" autofocus)?>'
        r"(.*?)\n</div>"
    )
    found = re.findall(pattern, html, re.S)
    if not found:
        return None
    level, role, focus, inner = found[0]
    return {
        "level": level,
        "role": role,
        "focused": bool(focus),
        "html": inner,
        "text": " ".join(re.sub(r"<[^>]+>", " ", inner).split()),
        "count": html.count('class="message message-'),  # every message on the page, this one too
    }


# --- the token provider -------------------------------------------------------------------------------
TOKEN_URL = API_BASE + dingtalk.ACCESS_TOKEN_PATH
CORP_TOKEN_URL = API_BASE + dingtalk.CORP_ACCESS_TOKEN_PATH
INVALID_AUTHENTICATION = {
    "status": 400,
    "json": {"code": "InvalidAuthentication", "message": "token expired", "requestid": "req-auth"},
}


def issue_token(token="app-token-1", expire_in=7200, url=TOKEN_URL):
    return responses.post(url, json={"accessToken": token, "expireIn": expire_in})


def update_with_token(organization):
    """One meeting update through the seam services use; returns DingTalk's request ID."""
    client = dingtalk.client_for(organization.api_base)
    return tokens.call_with_token(
        organization=organization, call=lambda access_token: send_update(client, access_token=access_token)
    )


def sent_tokens():
    return [call.request.headers.get(dingtalk.TOKEN_HEADER) for call in responses.calls if call.request.method == "PUT"]


def token_requests():
    return [call for call in responses.calls if call.request.url in (TOKEN_URL, CORP_TOKEN_URL)]


def cache_token(organization, token, *, expires_in):
    Organization.objects.filter(pk=organization.pk).update(
        access_token=token, access_token_expires_at=timezone.now() + expires_in
    )
    organization.refresh_from_db()


def update_meeting(meeting, by, **values):
    """meeting_update as a save from the edit page would call it: the stored values unless `values` change them."""
    return services.meeting_update(
        **{
            "meeting": meeting,
            "title": meeting.title,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "by": by,
            "based_on_version": meeting.version,
            **values,
        }
    )


def stored_meeting(meeting):
    return Meeting.objects.get(pk=meeting.pk)


def make_meetings(organization, *titles, start=datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)):
    """One meeting of `organization` per title, a day apart (the bulk rename's candidates); conference IDs
    of their own per organization (one booked meeting is in the portal once per DingTalk host)."""
    return [
        Meeting.objects.create(
            organization=organization,
            schedule_conference_id=f"conf-{organization.pk}-{number}",
            creator_union_id="creator-union-1",
            title=title,
            starts_at=start + datetime.timedelta(days=number),
            ends_at=start + datetime.timedelta(days=number, hours=1),
        )
        for number, title in enumerate(titles)
    ]


def started_rename(user, rename):
    """A stored bulk rename job whose task has not run (on_commit callbacks are not run in these tests)."""
    return services.bulk_rename_start(by=user, rename=rename)


# --- the edit form ------------------------------------------------------------------------------------
TYPED = {"title": "Weekly sync <b>v2</b>", "start_time": "2026-12-01T14:00", "end_time": "2026-12-01T15:30"}


def assert_input_kept(response):
    """The page shows the TYPED values again, escaped; a time as typed or as the form writes it (a space)."""
    html = response.content.decode()
    assert 'value="Weekly sync &lt;b&gt;v2&lt;/b&gt;"' in html
    assert re.search(r'value="2026-12-01[T ]14:00"', html)
    assert re.search(r'value="2026-12-01[T ]15:30"', html)


# --- a save whose answer was lost (test_save_check*) ------------------------------------------------------
# What TYPED means in Shanghai (UTC+8): what a save asks DingTalk to have.
TYPED_TITLE = TYPED["title"]
TYPED_START = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC)
TYPED_END = datetime.datetime(2026, 12, 1, 7, 30, tzinfo=datetime.UTC)
READ_TIMEOUT = 6.0


def post_typed(client, meeting, version=None, **data):
    return client.post(
        edit_url(meeting), {**TYPED, "version": meeting.version if version is None else version, **data}, follow=True
    )


def sent_updates():
    return [call for call in responses.calls if call.request.method == "PUT"]


def the_change(meeting):
    return MeetingChange.objects.get(meeting=meeting, action=MeetingChange.Action.UPDATE)


def unknown_sentence(change, sentence=texts.OUTCOME_UNKNOWN):
    """What the attempt's row keeps: what happened, no time (the wait is said when a page is shown)."""
    return str(sentence)


def waits_for(change, sentence=texts.WAIT_FOR_CHECK) -> set[str]:
    """The wait a page shown a moment ago may have said for the check of `change`, in words: "in about 15
    seconds" (a page shown up to 5 s ago, on a busy machine, may have said the next step up)."""
    left = (change.check_after - timezone.now()).total_seconds()
    return {sentence % {"wait": texts.wait_in_words(left + elapsed)} for elapsed in (0, 1, 2, 3, 4, 5)}


def shown_unknown(response, change, sentence=texts.OUTCOME_UNKNOWN, *, request_id="") -> bool:
    """The page shows one message: what happened to the save, then the wait for its check, in words (then
    DingTalk's request ID, if it gave one)."""
    last = f" {texts.REQUEST_ID_SUFFIX % {'request_id': request_id}}" if request_id else ""
    return shown_messages(response) in ([f"{sentence} {wait}{last}"] for wait in waits_for(change))


def lost_answer(alice_client, meeting):
    """Alice saves TYPED and DingTalk's answer is lost (a read timeout): the change is pending."""
    dingtalk_has(meeting)
    responses.put(UPDATE_URL, body=requests.ReadTimeout("slow"))
    post_typed(alice_client, meeting)
    return the_change(meeting)


# Every way a DingTalk call fails, as `responses` replies, and the sentence the person is shown.
ORG = "Hangzhou Office"
SUFFIX = " " + texts.REQUEST_ID_SUFFIX % {"request_id": REQUEST_ID}
FAILURES = [
    pytest.param(
        dingtalk_error(400, "paramsError", "error:startTime is illegal"),
        texts.PARAMS_ERROR % {"detail": "startTime is illegal"} + SUFFIX,
        id="paramsError",
    ),
    pytest.param(
        dingtalk_error(400, "permissionError", "permissionError:not creator"),
        texts.PERMISSION_ERROR % {"detail": "not creator"} + " " + str(texts.SAVE_REFUSED_CHANGE_CREATOR) + SUFFIX,
        id="permissionError",
    ),
    pytest.param(
        dingtalk_error(500, "systemError", "systemError:busy"),
        texts.SYSTEM_ERROR % {"detail": "busy"} + SUFFIX,
        id="systemError",
    ),
    pytest.param(
        dingtalk_error(400, "InvalidAuthentication", "token expired"),
        texts.INVALID_AUTHENTICATION % {"organization": ORG} + SUFFIX,
        id="InvalidAuthentication",
    ),
    pytest.param(
        dingtalk_error(
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
            "denied",
            accessdenieddetail={"requiredScopes": ["VideoConference.Conference.Write"]},
        ),
        texts.MISSING_SCOPE % {"organization": ORG, "scopes": "VideoConference.Conference.Write"} + SUFFIX,
        id="missing-scope",
    ),
    pytest.param(
        dingtalk_error(403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "qps"),
        str(texts.THROTTLED) + SUFFIX,
        id="qps-app",
    ),
    pytest.param(
        dingtalk_error(403, "Forbidden.AccessDenied.QpsLimitForApi", "qps"), str(texts.THROTTLED) + SUFFIX, id="qps-api"
    ),
    pytest.param(
        dingtalk_error(403, "Forbidden.AccessDenied.ApiCountLimitForOrg", "quota"),
        texts.MONTHLY_QUOTA % {"organization": ORG} + SUFFIX,
        id="monthly-quota",
    ),
    pytest.param(
        {"status": 200, "json": {"success": False}, "headers": {"x-acs-request-id": REQUEST_ID}},
        str(texts.NOT_CONFIRMED) + SUFFIX,
        id="success-false",
    ),
    pytest.param(
        {"status": 200, "body": "<html>blocked</html>", "content_type": "text/html"},
        texts.BAD_REPLY % {"status": 200},
        id="html-reply",
    ),
    pytest.param({"body": connection_refused()}, texts.CONNECTION_REFUSED % {"host": API_BASE}, id="refused"),
    pytest.param({"body": connection_dropped()}, str(texts.CONNECTION_DROPPED), id="dropped"),
    pytest.param({"body": requests.ReadTimeout("slow")}, str(texts.TIMEOUT), id="timeout"),
    pytest.param(
        dingtalk_error(409, "someNewCode", "who knows"),
        texts.UNKNOWN_ERROR % {"status": 409, "code": "someNewCode"} + SUFFIX,
        id="unknown-code",
    ),
]


# The FAILURES of an update that may have reached DingTalk: its outcome is unknown, not failed (issue 15).
UNCERTAIN_UPDATE_FAILURES = ("success-false", "html-reply", "dropped", "timeout", "systemError")


# --- the zh_Hans catalogue ----------------------------------------------------------------------------
PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def po_entries(path=PO):
    """(references, flags, msgid, msgstr) for each entry; plural entries give their first form."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        references, flags, fields, current = [], [], {}, None
        for line in block.splitlines():
            if line.startswith("#:"):
                references += line[2:].split()
            elif line.startswith("#,"):
                flags += [flag.strip() for flag in line[2:].split(",")]
            elif match := re.match(r'^(msgid_plural|msgid|msgstr(?:\[0\])?|msgstr\[\d+\]) "(.*)"$', line):
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"'):
                fields[current] += line[1:-1]
        unescape = lambda text: re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)  # noqa: E731
        msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
        if fields.get("msgid"):
            entries.append((references, flags, unescape(fields["msgid"]), unescape(msgstr)))
    return entries


def english_sentences() -> set[str]:
    """Stretches of the catalog's English sentences long enough to be nobody's data (four words or more
    between placeholders): one found on a Chinese page is English left untranslated there."""
    pieces = set()
    for _, _, msgid, _ in po_entries():
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|\n", msgid):
            piece = piece.strip(" .,:;“”\"'()")
            if len(piece.split()) >= 4:
                pieces.add(piece)
    return pieces


def english_in(text: str, sentences: set[str]) -> list[str]:
    """The catalog's English sentences (`english_sentences()`) found in a page's visible text."""
    text = " ".join(text.split())
    return sorted(piece for piece in sentences if piece in text)


def budget_rows_exist(organization):
    """An organization's earlier calls made its DingTalk budget's rows for reads and updates
    (meetings/dingtalk/pacing.py), with their turns free: a save then takes each turn with one UPDATE."""
    DingTalkBudget.objects.bulk_create(
        DingTalkBudget(organization=organization, api=api, share=share, next_turn_at=timezone.now())
        for api in ("GET " + dingtalk.QUERY_PATH, "PUT " + dingtalk.UPDATE_PATH)
        for share in DingTalkBudget.Share.values
    )


def now_at_database_precision() -> datetime.datetime:
    """This host's time cut to what the database's clock keeps (SQLite's Now(): milliseconds), for "not
    before this" checks of times the portal reads from the database: 12:00:00.581100 here may be stored as
    12:00:00.581000 a moment later."""
    now = timezone.now()
    return now - datetime.timedelta(microseconds=now.microsecond % 1000)
