"""Hostile input, generated: whatever a person types and whatever DingTalk (or something in its place)
answers, the portal never fails with a 500, never sends DingTalk an invalid body, and every failure is a
message on the screen.

The forms are exercised through the real views with the Django test client; DingTalk is `responses`,
answering each request with the next generated reply. Runs are bounded (max_examples) to keep the suite
fast; a failing example is printed and can be pinned with @example.
"""

import datetime
import json
import os
import re
import string
import unicodedata
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
import responses
from django.urls import reverse
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from meetings import dingtalk, services
from meetings.forms import INPUT_FORMATS
from meetings.models import Meeting, MeetingChange, Organization
from tests.helpers import API_BASE

# Function-scoped fixtures (the logged-in client, the meeting) are shared by the examples of one test;
# each example resets what it may have changed first.
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    database=None,
    # CI explores the same examples every run, so a submission lands or fails on its own merits; on a
    # developer's machine every run explores new ones, which is where new failures are meant to surface.
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
ANY_DINGTALK_URL = re.compile(re.escape(API_BASE) + r"/.*")
ORIGINAL = {
    "title": "Weekly sync",
    "starts_at": datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC),
    "ends_at": datetime.datetime(2026, 12, 1, 3, 0, tzinfo=datetime.UTC),
}

# --- what a person (or a script) types ---------------------------------------------------------------

# Every code point a form post can carry (surrogates cannot be encoded in UTF-8 at all).
any_character = st.characters(blacklist_categories=("Cs",))
TRICKY = "a Z 0 周会 评审 🎉👍🏽 é é \u0000 \t \n \r \x7f \u0085 \u200b \u200f \u202e \u2028 \u3000 \ufeff ﷽ שלום مرحبا"
tricky_character = st.sampled_from(TRICKY.split(" "))
# Printable text in any script: letters, marks, digits, punctuation, symbols and spaces.
visible_character = st.characters(categories=("L", "M", "N", "P", "S", "Zs"))
titles = st.one_of(
    st.text(visible_character, min_size=1, max_size=60),
    st.text(any_character, max_size=80),
    st.lists(tricky_character, max_size=40).map("".join),
    st.sampled_from(["x" * 50, "周" * 50, "🎉" * 25, "🎉" * 26, "x" * 51, " " * 10, "\u3000标题\u3000", "a" * 5000]),
)
local_times = st.builds(
    lambda moment, input_format: moment.strftime(input_format),
    st.datetimes(min_value=datetime.datetime(1960, 1, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59)),
    st.sampled_from(INPUT_FORMATS),
)
times = st.one_of(
    local_times,
    local_times,
    st.text(any_character, max_size=25),
    st.sampled_from(["", "2026-03-29T02:30", "2026-11-01T01:30", "9999-12-31T23:59", "0001-01-01T00:00"]),
)
# Most edits are plausible (a visible title, an end usually after the start), so many reach DingTalk.
plausible_times = st.builds(
    lambda start, minutes: (
        start.strftime(INPUT_FORMATS[0]),
        (start + datetime.timedelta(minutes=minutes)).strftime(INPUT_FORMATS[0]),
    ),
    st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1)),
    st.integers(min_value=-60, max_value=600),
)
edits = st.deferred(
    lambda: mostly(
        st.builds(
            lambda title, start_end: (title, *start_end),
            st.text(visible_character, min_size=1, max_size=60),
            plausible_times,
        ),
        st.tuples(titles, times, times),
    )
)
identifiers = st.one_of(
    st.text(any_character, max_size=140),
    st.text(st.sampled_from("abc-123/?#%&=+ .\\\u0000é周"), min_size=1, max_size=20),
)

# --- what comes back from "DingTalk" ---------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
known_codes = st.sampled_from(
    [
        dingtalk.Code.PARAMS_ERROR,
        dingtalk.Code.PERMISSION_ERROR,
        dingtalk.Code.RESOURCE_CANCEL,
        dingtalk.Code.SYSTEM_ERROR,
        dingtalk.Code.INVALID_AUTHENTICATION,
        dingtalk.Code.MISSING_SCOPE,
        dingtalk.Code.MONTHLY_QUOTA,
        *dingtalk.Code.QPS_LIMITS,
    ]
)
error_bodies = st.fixed_dictionaries(
    {"code": known_codes | st.text(max_size=20) | json_values},
    optional={
        "message": st.text(any_character, max_size=60) | json_values,
        "requestid": st.text(max_size=40) | json_values,
        "accessdenieddetail": st.fixed_dictionaries({"requiredScopes": st.lists(st.text(max_size=30), max_size=2)})
        | json_values,
    },
)
update_bodies = st.fixed_dictionaries(
    {}, optional={"success": st.just(True) | json_values, "requestId": st.text(max_size=40) | json_values}
)
epoch_ms = st.one_of(
    st.integers(min_value=0, max_value=253402300799999),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=15),
)
plausible_meeting_bodies = st.fixed_dictionaries(
    {
        "title": st.text(visible_character, min_size=1, max_size=60)
        | st.sampled_from(["x" * 256, "x" * 257, "周" * 300, "a\x00b", "\x00", " ", ""]),
        "startTime": st.integers(min_value=0, max_value=4_000_000_000_000),
        "endTime": st.integers(min_value=0, max_value=4_000_000_000_000),
    }
)
meeting_bodies = plausible_meeting_bodies | st.fixed_dictionaries(
    {},
    optional={
        "scheduleConferenceId": st.text(max_size=40) | json_values,
        "title": st.text(any_character, max_size=300) | json_values,
        "startTime": epoch_ms,
        "endTime": epoch_ms,
        "url": st.text(max_size=40) | json_values,
        "roomCode": st.text(max_size=10) | json_values,
    },
)
SUCCESS = (200, {"Content-Type": "application/json", "x-acs-request-id": "req-ok"}, '{"success": true}')
statuses = st.one_of(st.sampled_from([200, 200, 200, 400, 403, 500, 502, 503]), st.integers(200, 599))
request_ids = st.text(st.sampled_from(string.ascii_letters + string.digits + "-"), max_size=40)


def reply(status, body, request_id=""):
    """A JSON reply: `body` is any JSON value."""
    headers = {"x-acs-request-id": request_id} if request_id else {}
    return status, {**headers, "Content-Type": "application/json"}, json.dumps(body)


def raw_reply(status, content, request_id=""):
    """Any bytes at all, as DingTalk's HTML block page or a broken proxy might send."""
    headers = {"x-acs-request-id": request_id} if request_id else {}
    return status, {**headers, "Content-Type": "text/html"}, content


def replies(bodies):
    """One DingTalk answer: a reply with any status, or no reply at all."""
    return st.one_of(
        st.builds(reply, statuses, bodies | error_bodies | json_values, request_ids),
        st.builds(raw_reply, statuses, st.binary(max_size=200) | st.sampled_from([b"", b"<html>blocked</html>"])),
        st.sampled_from(
            [
                requests.ConnectionError("NewConnectionError: [Errno 111] Connection refused"),
                requests.ConnectionError("RemoteDisconnected('Remote end closed connection')"),
                requests.ReadTimeout("read timed out"),
                requests.ConnectTimeout("connect timed out"),
            ]
        ),
    )


def mostly(likely, otherwise):
    """Draw from `likely` three times in four, else from `otherwise`: enough ordinary answers that many
    examples get past each step, enough hostile ones to try every failure."""
    return st.integers(0, 3).flatmap(lambda n: otherwise if n == 0 else likely)


class FakeDingTalk:
    """Answers each request with the next of its replies (the last one again when they run out)."""

    def __init__(self, mock, *, gets=(), puts=(), posts=()):
        self.queues = {"GET": list(gets), "PUT": list(puts), "POST": list(posts)}
        self.answers = []  # (request, reply)
        for method, queue in self.queues.items():
            if queue:
                mock.add_callback(method, ANY_DINGTALK_URL, callback=self.answer)

    def answer(self, request):
        queue = self.queues[request.method]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        self.answers.append((request, answer))
        if isinstance(answer, Exception):
            raise answer
        return answer

    def requests(self, method):
        return [request for request, _ in self.answers if request.method == method]

    def said_yes_to_the_update(self) -> bool:
        """The last update's reply was DingTalk's success: 2xx with {"success": true}."""
        puts = [answer for request, answer in self.answers if request.method == "PUT"]
        if not puts or isinstance(puts[-1], Exception):
            return False
        status, _, body = puts[-1]
        try:
            parsed = json.loads(body)
        except (ValueError, TypeError):
            return False
        return 200 <= status < 300 and isinstance(parsed, dict) and parsed.get("success") is True


def the_stored_meeting(meeting):
    return {
        "scheduleConferenceId": meeting.schedule_conference_id,
        "title": ORIGINAL["title"],
        "startTime": dingtalk.epoch_ms(ORIGINAL["starts_at"]),
        "endTime": dingtalk.epoch_ms(ORIGINAL["ends_at"]),
    }


def assert_a_valid_update_body(request, meeting):
    body = json.loads(request.body)
    assert set(body) == {"creatorUnionId", "scheduleConferenceId", "title", "startTime", "endTime"}
    assert body["creatorUnionId"] == meeting.creator_union_id
    assert body["scheduleConferenceId"] == meeting.schedule_conference_id
    title = body["title"]
    assert isinstance(title, str) and title == title.strip() and title
    assert 1 <= dingtalk.title_length(title) <= dingtalk.TITLE_MAX_LENGTH
    assert not any(unicodedata.category(character) == "Cc" for character in title)
    assert type(body["startTime"]) is int and type(body["endTime"]) is int
    assert body["endTime"] > body["startTime"]
    assert request.headers["Content-Type"] == "application/json"


def shown(response):
    """Every message and form error on the final page."""
    sentences = [str(message) for message in response.context["messages"]]
    form = response.context.get("form")
    if form is not None and form.is_bound:
        sentences += [str(error) for errors in form.errors.values() for error in errors]
    return sentences


# --- the edit form -----------------------------------------------------------------------------------


# Found by this test on PostgreSQL: an error reply whose request ID or code no column could hold.
@example(
    edit=("Moved", "2084-09-14T12:33", "2084-09-14T13:08"),
    dingtalk_has=reply(403, {"code": "paramsError", "requestid": "\x00x" + "y" * 300}),
    update_replies=[SUCCESS],
)
@example(
    edit=("Moved", "2084-09-14T12:33", "2084-09-14T13:08"),
    dingtalk_has="the stored meeting",
    update_replies=[reply(454, {"code": {"\x00": [None]}, "message": "\ud800" * 3, "requestid": ["x"]})],
)
@PROPERTY
@given(
    edit=edits,
    dingtalk_has=mostly(st.just("the stored meeting"), replies(meeting_bodies)),
    update_replies=st.lists(mostly(st.just(SUCCESS), replies(update_bodies)), min_size=1, max_size=3),
)
def test_the_edit_form_survives_anything(alice_client, meeting, edit, dingtalk_has, update_replies):
    title, start, end = edit
    Meeting.objects.filter(pk=meeting.pk).update(
        **ORIGINAL, status=Meeting.Status.ACTIVE, version=1, update_lease_until=None
    )
    meeting.refresh_from_db()
    if dingtalk_has == "the stored meeting":
        dingtalk_has = reply(200, the_stored_meeting(meeting))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeDingTalk(mock, gets=[dingtalk_has], puts=update_replies)
        response = alice_client.post(
            reverse("meetings:edit", args=[meeting.pk]),
            {"title": title, "start_time": start, "end_time": end, "version": "1"},
            follow=True,
        )

    assert response.status_code == 200
    event(f"updates sent: {len(fake.requests('PUT'))}; DingTalk said yes: {fake.said_yes_to_the_update()}")
    for request in fake.requests("PUT"):
        assert_a_valid_update_body(request, meeting)
    assert shown(response), "every outcome is a message"

    stored = Meeting.objects.get(pk=meeting.pk)
    changed = (stored.title, stored.starts_at, stored.ends_at) != tuple(ORIGINAL.values())
    assert changed == fake.said_yes_to_the_update(), "stored data changes exactly when DingTalk said yes"
    shows_the_submission = "?submission=" in response.redirect_chain[-1][0]  # not the plain page after a save
    if not changed and not stored.is_canceled and shows_the_submission:
        assert response.context["form"].data["title"] == title, "what was typed stays on the screen"


# --- the add form ------------------------------------------------------------------------------------


@PROPERTY
@given(
    conference_id=identifiers,
    creator_union_id=identifiers,
    dingtalk_replies=st.lists(
        mostly(st.builds(reply, st.just(200), plausible_meeting_bodies), replies(meeting_bodies)),
        min_size=1,
        max_size=3,
    ),
)
def test_the_add_form_survives_anything(alice_client, organization, conference_id, creator_union_id, dingtalk_replies):
    Meeting.objects.all().delete()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeDingTalk(mock, gets=dingtalk_replies)
        response = alice_client.post(
            reverse("meetings:add"),
            {
                "organization": organization.pk,
                "schedule_conference_id": conference_id,
                "creator_union_id": creator_union_id,
            },
            follow=True,
        )
        sent = [call.request.method for call in mock.calls]

    assert response.status_code == 200
    assert set(sent) <= {"GET"}, "registering only reads"
    for request in fake.requests("GET"):
        url = urlsplit(request.url)
        assert url.path == dingtalk.QUERY_PATH.format(id=quote(conference_id.strip(), safe=""))
        assert parse_qs(url.query) == {"requestUnionId": [creator_union_id.strip()]}
        assert request.body is None
    assert shown(response), "every outcome is a message"
    registered = Meeting.objects.first()
    event(f"queries sent: {len(fake.requests('GET'))}; registered: {registered is not None}")
    if registered is not None:
        assert registered.schedule_conference_id == conference_id.strip()
        assert registered.ends_at is not None and registered.starts_at is not None
    elif fake.requests("GET"):
        assert response.context["form"].data["schedule_conference_id"] == conference_id


# --- the client's reply parsing ----------------------------------------------------------------------


@PROPERTY
@given(
    answer=st.one_of(
        replies(update_bodies),
        st.builds(raw_reply, st.integers(200, 599), st.binary(max_size=300), request_ids),
    )
)
def test_an_update_reply_is_a_request_id_or_a_dingtalk_error_with_a_message(answer):
    request_id, fake = outcome(
        lambda client: client.update_schedule_conference(
            access_token="tok",
            creator_union_id="creator-1",
            schedule_conference_id="conf-1",
            title="Weekly sync",
            starts_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
            ends_at=datetime.datetime(2026, 1, 1, 1, tzinfo=datetime.UTC),
        ),
        puts=[answer],
    )
    if request_id is not None:
        assert fake.said_yes_to_the_update()
        assert_storable(request_id, MeetingChange._meta.get_field("request_id").max_length)
    assert 1 <= len(fake.answers) <= dingtalk.MAX_ATTEMPTS


@example(answer=reply(200, {"title": "x" * 257, "startTime": 0, "endTime": 1}))
@example(answer=reply(200, {"title": "a\x00b", "startTime": 0, "endTime": 1}))
@example(answer=reply(200, {"title": "\ud800", "startTime": 0, "endTime": 1}))
@PROPERTY
@given(answer=replies(meeting_bodies))
def test_a_meeting_reply_is_a_usable_conference_or_a_dingtalk_error_with_a_message(answer):
    conference, _ = outcome(
        lambda client: client.get_schedule_conference(
            access_token="tok", schedule_conference_id="conf-1", request_union_id="creator-1"
        ),
        gets=[answer],
    )
    if conference is not None:
        assert_storable(conference.title, Meeting._meta.get_field("title").max_length)
        assert conference.starts_at.tzinfo is not None and conference.ends_at.tzinfo is not None


token_bodies = st.fixed_dictionaries(
    {},
    optional={
        "accessToken": st.text(max_size=40) | st.sampled_from(["tok\r\nX-Evil: 1", "t" * 3000]) | json_values,
        "expireIn": st.integers() | json_values,
    },
)


@PROPERTY
@given(answer=replies(token_bodies))
def test_a_token_reply_is_a_usable_token_or_a_dingtalk_error_with_a_message(answer):
    token, _ = outcome(lambda client: client.get_access_token(app_key="key", app_secret="secret"), posts=[answer])
    if token is not None:
        assert re.fullmatch(r"[!-~]{1,2048}", token.token)
        datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=token.expires_in)


# --- the list, activity and CSV query strings ---------------------------------------------------------

# Any text a URL can carry, and the kinds of value each filter expects, with their edges.
query_values = st.one_of(
    st.text(any_character, max_size=30),
    st.lists(tricky_character, max_size=10).map("".join),
    st.integers().map(str),
    st.sampled_from(["0", "-1", "2147483648", "9" * 20, "1e3", "0x10", "\x00"]),
    st.dates().map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "1969-12-31", "1970-01-01", "2026-02-30", "２０２６-01-01"]),
)
list_queries = st.fixed_dictionaries({}, optional={"q": query_values, "page": query_values})
activity_queries = st.fixed_dictionaries(
    {},
    optional={
        name: query_values | st.just("1")
        for name in ("organization", "person", "outcome", "date_from", "date_to", "page")
    },
)


@pytest.fixture
def activity_client(client, office_admin, meeting):
    """An office admin who may see the activity log, with one attempt on record."""
    from django.contrib.auth.models import Group

    office_admin.groups.add(Group.objects.get(name="Office admins"))
    client.force_login(office_admin)
    MeetingChange.objects.create(
        meeting=meeting,
        organization=meeting.organization,
        user=office_admin,
        outcome="success",
        new_title="Weekly sync v2",
    )
    return client


@example(params={"q": "\x00"})  # PostgreSQL refuses NUL in a string: a 500 before issue 15
@PROPERTY
@given(params=list_queries)
def test_the_list_survives_any_query_string(alice_client, meeting, params):
    response = alice_client.get(reverse("meetings:list"), params)

    assert response.status_code in (200, 404), "a page past the end is a 404, anything else a page"


@example(params={"date_to": "9999-12-31"}, url_name="meetings:activity_csv")
@example(params={"date_from": "0001-01-01"}, url_name="meetings:activity")
@PROPERTY
@given(params=activity_queries, url_name=st.sampled_from(["meetings:activity", "meetings:activity_csv"]))
def test_the_activity_page_and_its_csv_survive_any_query_string(activity_client, params, url_name):
    response = activity_client.get(reverse(url_name), params)

    assert response.status_code in (200, 404)
    if response["Content-Type"].startswith("text/csv"):
        event("exported")
        lines = response.content.decode("utf-8").splitlines()
        assert lines and lines[0].startswith("\ufeff"), "an export always has its header"
    elif response.status_code == 200 and response.context["filter_form"].errors:
        event("form error")


def outcome(call, **answers):
    """`call(client)` against a fake DingTalk giving `answers`: (its result, the fake), or (None, the fake)
    once the DingTalkError it raised is checked to be well formed. Any other exception fails the test."""
    client = dingtalk.DingTalkClient(API_BASE)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeDingTalk(mock, **answers)
        try:
            return call(client), fake
        except dingtalk.DingTalkError as error:
            assert_a_well_formed_error(error)
            return None, fake


def assert_storable(text, max_length):
    """What a column of that length holds on every database, and a page can show."""
    assert isinstance(text, str) and len(text) <= max_length
    assert "\x00" not in text and not any(unicodedata.category(character) == "Cs" for character in text)


def assert_a_well_formed_error(error):
    assert error.status is None or type(error.status) is int
    for field in ("dingtalk_code", "request_id"):
        stored = error.code if field == "dingtalk_code" else error.request_id
        assert_storable(stored, MeetingChange._meta.get_field(field).max_length)
    assert_storable(error.message, 1000)
    assert all(isinstance(scope, str) for scope in error.required_scopes)
    text = services.error_message(error, organization=Organization(name="Hangzhou Office", api_base=API_BASE))
    assert isinstance(text, str) and text.strip()


@pytest.fixture(autouse=True)
def _no_stale_changes(db):
    yield
    MeetingChange.objects.all().delete()
