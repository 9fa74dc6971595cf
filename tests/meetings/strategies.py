"""Hypothesis strategies for hostile input (what a person types, what DingTalk or something in its place
answers) and the fake DingTalk that gives the generated replies: shared by the test_properties_* modules.

Not a test module: pytest collects nothing here.
"""

import datetime
import json
import os
import re
import string

import requests
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from meetings import dingtalk
from meetings.forms import INPUT_FORMATS
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
