"""No token or secret reaches a log line, whatever logged it and however it was printed."""

import datetime
import io
import logging
import sys

import pytest
import responses
from django.views.debug import ExceptionReporter

from admin_portal.logging import REDACTED, RedactSecretsFilter, redact
from meetings import crypto, dingtalk
from meetings.dingtalk import credentials, tokens
from tests.helpers import API_BASE, APP_SECRET, UPDATE_URL

TOKEN_URL = API_BASE + dingtalk.ACCESS_TOKEN_PATH


@pytest.mark.parametrize(
    "line",
    [
        "headers={'x-acs-dingtalk-access-token': 'S3cretValue9'}",
        "x-acs-dingtalk-access-token: S3cretValue9",
        '{"accessToken": "S3cretValue9", "expireIn": 7200}',
        '{"appKey": "key", "appSecret": "S3cretValue9"}',
        '{"suiteSecret":"S3cretValue9","suiteTicket":"S3cretValue9"}',
        "{'access_token': 'S3cretValue9'}",
        "GET /x?access_token=S3cretValue9&page=2",
        '{"appSecret": "S3cret \\"Value9"}',
    ],
)
def test_it_redacts_secret_values_by_name(line):
    redacted = redact(line)
    assert "S3cret" not in redacted and "Value9" not in redacted
    assert REDACTED in redacted


def test_it_redacts_secrets_the_process_holds_wherever_they_appear():
    crypto.remember("held-secret-0042")
    assert redact("DingTalk said: held-secret-0042 is not valid") == f"DingTalk said: {REDACTED} is not valid"


def test_it_leaves_ordinary_lines_alone():
    line = "DingTalk PUT /v1.0/conference/scheduleConferences: HTTP 400 code=paramsError access_token_expires_at=1"
    assert redact(line) == line


@pytest.fixture
def log_output():
    """What the configured console handler (settings.LOGGING) writes."""
    [handler] = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(log_filter, RedactSecretsFilter) for log_filter in handler.filters)
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_the_filter_is_on_the_configured_handler_and_covers_arguments_and_tracebacks(log_output):
    logger = logging.getLogger("meetings.anything")
    logger.warning("sending %s", {"x-acs-dingtalk-access-token": "tok-in-args-1"})
    crypto.remember("secret-in-traceback-1")
    try:
        raise ValueError("failed with secret-in-traceback-1")
    except ValueError:
        logger.exception("it broke")
    logger.warning("extra", extra={"detail": "appSecret=secret-in-extra-1"})

    written = log_output.getvalue()
    assert "it broke" in written and "ValueError" in written
    for secret in ("tok-in-args-1", "secret-in-traceback-1", "secret-in-extra-1"):
        assert secret not in written


@responses.activate
def test_a_failing_token_request_logs_without_the_secret(app_organization, log_output):
    # A reply that echoes what it was sent: the client logs DingTalk's message.
    responses.post(
        TOKEN_URL,
        status=400,
        json={"code": "invalidClientIdOrSecret", "message": f"appSecret {APP_SECRET} is wrong", "requestid": "r1"},
    )
    with pytest.raises(credentials.TokenRequestFailed):
        tokens.access_token_for(organization=app_organization)

    written = log_output.getvalue()
    assert "invalidClientIdOrSecret" in written
    assert APP_SECRET not in written


@responses.activate
def test_a_refused_call_and_its_retry_log_without_the_tokens(app_organization, log_output):
    responses.post(TOKEN_URL, json={"accessToken": "tok-Logged-Never-1", "expireIn": 7200})
    responses.put(
        UPDATE_URL,
        status=400,
        json={"code": "InvalidAuthentication", "message": "token tok-Logged-Never-1 is invalid", "requestid": "r2"},
    )
    client = dingtalk.DingTalkClient(API_BASE)
    with pytest.raises(dingtalk.DingTalkAPIError):
        tokens.call_with_token(
            organization=app_organization,
            call=lambda access_token: client.update_schedule_conference(
                access_token=access_token,
                creator_union_id="c",
                schedule_conference_id="conf-1",
                title="Sync",
                starts_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
                ends_at=datetime.datetime(2026, 1, 1, 1, tzinfo=datetime.UTC),
            ),
        )

    written = log_output.getvalue()
    assert written.count("InvalidAuthentication") >= 2  # the refusal and the refusal after renewing
    assert "tok-Logged-Never-1" not in written
    assert APP_SECRET not in written


@responses.activate
def test_djangos_error_reports_show_no_token_from_credentials_frames(app_organization, rf):
    responses.post(TOKEN_URL, json={"accessToken": "tok-In-A-Frame-1", "expireIn": 7200})

    def call(access_token):
        raise RuntimeError("boom")

    try:
        tokens.call_with_token(organization=app_organization, call=call)
    except RuntimeError:
        frames = ExceptionReporter(rf.get("/"), *sys.exc_info()).get_traceback_frames()
    [frame] = [frame for frame in frames if frame["function"] == "call_with_token"]
    shown = dict(frame["vars"])
    assert "token" in shown and "tok-In-A-Frame-1" not in str(shown)
