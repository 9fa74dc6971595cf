"""Headers every response carries: the Content-Security-Policy and the request ID, and logs that use it."""

import json
import logging
import re
import sys
import time
from html.parser import HTMLParser

import pytest
import requests
import responses
from django.conf import settings
from django.urls import reverse

from admin_portal import logging as jsonlog
from meetings import dingtalk
from meetings.models import MeetingChange
from tests.helpers import API_BASE

# The policy the portal sends (django-csp builds it from settings.CONTENT_SECURITY_POLICY, in its own order).
POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


def directives(policy):
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def csp_directives(response):
    return directives(response["Content-Security-Policy"])


class InlineCodeFinder(HTMLParser):
    """Everything a policy without 'unsafe-inline' would block: inline scripts, styles and handlers."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on") or name == "style" or (value or "").strip().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style>")
        # JSON data blocks (json_script) are not executed, so CSP does not apply to them.
        self._in_inline_script = tag == "script" and "src" not in attrs and attrs.get("type") != "application/json"

    def handle_endtag(self, tag):
        self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}")


def inline_code(response):
    finder = InlineCodeFinder()
    finder.feed(response.content.decode())
    return finder.found


def test_the_policy_allows_nothing_inline_and_no_framing(client):
    directives = csp_directives(client.get(reverse("login")))

    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in str(settings.CONTENT_SECURITY_POLICY)
    assert "'unsafe-eval'" not in str(settings.CONTENT_SECURITY_POLICY)


def test_every_portal_page_works_under_the_policy(alice_client, meeting):
    for url in [reverse("meetings:list"), reverse("meetings:add"), reverse("meetings:edit", args=[meeting.pk])]:
        response = alice_client.get(url)
        assert response.status_code == 200, url
        assert csp_directives(response) == directives(POLICY)
        assert response["X-Frame-Options"] == "DENY"
        assert inline_code(response) == [], url


def test_the_login_page_works_under_the_policy(client):
    assert inline_code(client.get(reverse("login"))) == []


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x" * 20)


def test_the_django_admin_works_under_the_policy(client, superuser, meeting):
    client.force_login(superuser)
    change = MeetingChange.objects.create(
        meeting=meeting, organization=meeting.organization, action=MeetingChange.Action.UPDATE, new_title="x"
    )
    urls = [
        reverse("admin:index"),
        reverse("admin:meetings_organization_changelist"),
        reverse("admin:meetings_organization_add"),
        reverse("admin:meetings_organization_change", args=[meeting.organization.pk]),
        reverse("admin:meetings_meeting_changelist"),
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        reverse("admin:meetings_meeting_delete", args=[meeting.pk]),
        reverse("admin:meetings_meetingchange_changelist"),
        reverse("admin:meetings_meetingchange_change", args=[change.pk]),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_change", args=[superuser.pk]),
        reverse("admin:auth_user_password_change", args=[superuser.pk]),
        reverse("admin:auth_group_add"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert csp_directives(response) == directives(POLICY)
        assert inline_code(response) == [], url


def test_the_admin_login_page_works_under_the_policy(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert inline_code(response) == []


# --- one DingTalk deadline per request ------------------------------------------------------------


@responses.activate
def test_all_dingtalk_calls_of_a_request_share_one_deadline(alice_client, meeting, settings):
    seen = []

    def refuse(request):
        seen.append(dingtalk._shared_ends_at.get())
        raise requests.ConnectionError("NewConnectionError: refused")

    responses.add_callback(responses.GET, re.compile(re.escape(API_BASE) + ".*"), callback=refuse)
    url = reverse("meetings:edit", args=[meeting.pk])
    form = alice_client.get(url).context["form"]
    before = time.monotonic()
    alice_client.post(url, {**{name: form[name].value() for name in form.fields}, "title": "Moved"})
    after = time.monotonic()

    assert len(seen) > 1  # the read before the update, and its retries
    assert len(set(seen)) == 1  # one deadline for all of them, set once when the request began
    assert before + settings.DINGTALK_DEADLINE <= seen[0] <= after + settings.DINGTALK_DEADLINE
    assert dingtalk._shared_ends_at.get() is None  # over with the request


# --- request IDs ------------------------------------------------------------------------------------


def test_every_response_gets_a_fresh_request_id(client):
    first = client.get(reverse("login"))["X-Request-ID"]
    second = client.get(reverse("login"))["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_it_keeps_the_request_id_a_proxy_gave(client):
    response = client.get(reverse("login"), headers={"X-Request-ID": "lb-7f3a.42"})
    assert response["X-Request-ID"] == "lb-7f3a.42"


@pytest.mark.parametrize("incoming", ["a b", "x\nforged log line", "é", "x" * 65, ""])
def test_it_replaces_a_request_id_that_could_forge_a_log_line(client, incoming):
    response = client.get(reverse("login"), headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(jsonlog.RequestIdFilter())
        self.records = []

    def emit(self, record):
        self.records.append(record)


@responses.activate
def test_a_dingtalk_failure_is_logged_with_the_request_id(alice_client, meeting):
    responses.put(API_BASE + "/v1.0/conference/scheduleConferences", body=requests.ConnectionError("refused"))
    records = Records()
    logging.getLogger("meetings").addHandler(records)
    try:
        url = reverse("meetings:edit", args=[meeting.pk])
        form = alice_client.get(url).context["form"]
        data = {**{name: form[name].value() for name in form.fields}, "title": "Moved"}
        alice_client.post(url, data, headers={"X-Request-ID": "req-from-proxy"})
    finally:
        logging.getLogger("meetings").removeHandler(records)

    assert records.records
    assert {record.request_id for record in records.records} == {"req-from-proxy"}


def test_a_response_django_logs_after_the_middleware_keeps_the_request_id(client):
    records = Records()
    logging.getLogger("django.request").addHandler(records)
    try:
        client.get("/no-such-page/", headers={"X-Request-ID": "req-404"})
    finally:
        logging.getLogger("django.request").removeHandler(records)

    assert [(record.status_code, record.request_id) for record in records.records] == [(404, "req-404")]


def test_outside_a_request_the_id_is_a_dash():
    record = logging.makeLogRecord({"msg": "start-up"})
    jsonlog.RequestIdFilter().filter(record)
    assert record.request_id == "-"


def test_the_json_formatter_writes_one_object_per_line():
    token = jsonlog.request_id.set("req-9")
    try:
        record = logging.makeLogRecord(
            {
                "name": "meetings.dingtalk",
                "levelname": "WARNING",
                "msg": "DingTalk %s: “%s”",
                "args": ("PUT", "周会"),
                "status_code": 500,
            }
        )
        jsonlog.RequestIdFilter().filter(record)
        line = jsonlog.JsonFormatter().format(record)
    finally:
        jsonlog.request_id.reset(token)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "req-9"
    assert entry["message"] == "DingTalk PUT: “周会”"
    assert (entry["level"], entry["logger"], entry["status_code"]) == ("WARNING", "meetings.dingtalk", 500)


def test_the_json_formatter_keeps_the_redacted_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})
    record.exc_text = "Traceback: [REDACTED]"
    assert json.loads(jsonlog.JsonFormatter().format(record))["exception"] == "Traceback: [REDACTED]"
