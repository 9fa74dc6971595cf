"""The DingTalk client: every way a call can fail, each one DingTalkError with what DingTalk said."""

import pytest
import requests
import responses

from meetings import dingtalk
from tests.helpers import (
    REQUEST_ID,
    UPDATE_URL,
    connection_dropped,
    connection_refused,
    dingtalk_error,
    send_update,
)


@pytest.fixture
def client(dingtalk_client):
    """The DingTalk client under test (these tests were written calling it `client`)."""
    return dingtalk_client


@pytest.mark.parametrize(
    "status, code, message",
    [
        (400, "paramsError", "error:title is too long"),
        (400, "permissionError", "permissionError:not the creator"),
        (400, "resourceCancel", "Schedule conference has canceled"),
        (500, "systemError", "systemError:db down"),
        (400, "InvalidAuthentication", "accessToken is invalid"),
        (403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "too many"),
        (403, "Forbidden.AccessDenied.ApiCountLimitForOrg", "quota"),
    ],
)
@responses.activate
def test_it_raises_dingtalks_error_code(client, status, code, message):
    responses.put(UPDATE_URL, **dingtalk_error(status, code, message))
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        send_update(client)
    error = caught.value
    assert (error.status, error.code, error.message, error.request_id) == (status, code, message, REQUEST_ID)


@responses.activate
def test_it_strips_dingtalks_prefix_from_the_detail(client):
    responses.put(UPDATE_URL, **dingtalk_error(400, "paramsError", "error:title is too long"))
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        send_update(client)
    assert caught.value.detail == "title is too long"


@responses.activate
def test_it_reads_required_scopes_of_a_403(client):
    responses.put(
        UPDATE_URL,
        **dingtalk_error(
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
            "denied",
            accessdenieddetail={"requiredScopes": ["VideoConference.Conference.Write"]},
        ),
    )
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        send_update(client)
    assert caught.value.required_scopes == ("VideoConference.Conference.Write",)


@responses.activate
def test_it_takes_the_request_id_from_the_header_when_the_body_has_none(client):
    responses.put(
        UPDATE_URL, status=500, json={"code": "systemError", "message": "x"}, headers={"x-acs-request-id": "hdr-9"}
    )
    with pytest.raises(dingtalk.DingTalkAPIError) as caught:
        send_update(client)
    assert caught.value.request_id == "hdr-9"


@pytest.mark.parametrize("body", [{"success": False}, {}, {"success": "true"}])
@responses.activate
def test_it_treats_200_without_success_true_as_failure(client, body):
    responses.put(UPDATE_URL, json=body)
    with pytest.raises(dingtalk.DingTalkNotConfirmed):
        send_update(client)


@pytest.mark.parametrize(
    "status, body, content_type",
    [
        (200, "<html>blocked</html>", "text/html"),
        (503, "<html>Service Unavailable</html>", "text/html"),
        (200, "[1, 2]", "application/json"),
        (200, "", "application/json"),
        (400, "{not json", "application/json"),
    ],
)
@responses.activate
def test_it_handles_a_reply_that_is_not_a_json_object(client, status, body, content_type):
    responses.put(
        UPDATE_URL, status=status, body=body, content_type=content_type, headers={"x-acs-request-id": "hdr-2"}
    )
    with pytest.raises(dingtalk.DingTalkBadReply) as caught:
        send_update(client)
    assert caught.value.status == status
    assert caught.value.request_id == "hdr-2"


@responses.activate
def test_it_handles_timeout(client):
    responses.put(UPDATE_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(dingtalk.DingTalkTimeout):
        send_update(client)


@responses.activate
def test_it_handles_a_refused_connection(client):
    responses.put(UPDATE_URL, body=connection_refused())
    with pytest.raises(dingtalk.DingTalkConnectionRefused):
        send_update(client)


@responses.activate
def test_it_handles_a_dropped_connection(client):
    responses.put(UPDATE_URL, body=connection_dropped())
    with pytest.raises(dingtalk.DingTalkConnectionDropped):
        send_update(client)


def test_no_requests_exception_leaks_on_a_real_refused_port():
    # Port 9 on loopback: nothing listens there on these machines.
    client = dingtalk.client_for("http://127.0.0.1:9", timeout=(0.5, 0.5))
    with pytest.raises(dingtalk.DingTalkConnectionRefused):
        send_update(client)
